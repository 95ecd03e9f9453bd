"""CSV and JSON Lines writers that are safe to open in Excel and LibreOffice (pure, streaming).

CSV is RFC 4180 by default (``,``, CRLF line ends, UTF-8); ``excel=True`` writes what a French Excel
opens with a double click: ``;`` delimiter, a UTF-8 byte order mark, CRLF. Cells that start with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return are prefixed with ``'`` so that no spreadsheet
runs them as a formula. With ``excel=True`` decimal numbers are written with a decimal comma, as a French
Excel reads them (``2,5``; ``2.5`` would become a date or text). Dates are ISO 8601.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A cell value that a spreadsheet will show, never evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any, excel: bool = False) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if excel and isinstance(value, float):
        return repr(value).replace(".", ",")
    return neutralise(value) if isinstance(value, str) else value


def _values(columns: Sequence[str]) -> Callable[[Mapping[str, Any] | Sequence[Any]], Sequence[Any]]:
    """The row's values in column order: a dict's (missing keys are empty) or a sequence as it is."""
    getter = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))

    def values(row: Mapping[str, Any] | Sequence[Any]) -> Sequence[Any]:
        if not isinstance(row, Mapping):
            return row
        try:
            return getter(row)
        except KeyError:
            return [row.get(c) for c in columns]

    return values


def write_csv(
    out: IO[str], columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]], excel: bool = False
) -> int:
    """Write a header and the rows; returns the number of rows. ``out`` is a text stream opened with newline=''."""
    if excel:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(c) for c in columns])
    values = _values(columns)
    starts = frozenset(FORMULA_STARTS)
    count = 0
    for row in rows:
        cells = []
        for value in values(row):
            kind = type(value)
            if kind is str:  # the common cases first: this loop runs once per cell
                cells.append("'" + value if value[:1] in starts else value)
            elif value is None:
                cells.append("")
            elif kind is int:
                cells.append(value)
            else:
                cells.append(_cell(value, excel))
        writer.writerow(cells)
        count += 1
    return count


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def write_jsonl(out: IO[str], columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> int:
    count = 0
    for row in rows:
        record = {c: row.get(c) for c in columns} if isinstance(row, Mapping) else dict(zip(columns, row, strict=False))
        out.write(json.dumps(record, ensure_ascii=False, default=_json_default))
        out.write("\n")
        count += 1
    return count
