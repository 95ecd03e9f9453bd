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
from decimal import Decimal
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
    if isinstance(value, list | tuple):  # an array, a JSON list (PostgreSQL gives them as such): its items
        return neutralise(";".join(_item(v) for v in value))
    if isinstance(value, dict):  # a JSON object, written as JSON
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bool):
        return "true" if value else "false"
    if excel and isinstance(value, float | Decimal):  # PostgreSQL's numeric (avg, round) is a Decimal
        return (repr(value) if isinstance(value, float) else str(value)).replace(".", ",")
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, bytes | bytearray | memoryview):  # a BLOB, bytea: as hexadecimal
        return "\\x" + bytes(value).hex()
    return neutralise(value if isinstance(value, str) else str(value))


def _item(value: Any) -> str:
    """An item of a list cell: text as it is, nested lists and objects as JSON, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


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


def float_text(excel: bool = False) -> Callable[[float], str]:
    """How a float cell is written: as csv.writer does (``repr``), with a decimal comma for ``excel``."""
    if excel:
        return lambda value: repr(value).replace(".", ",")
    return repr


def write_csv_cells(
    out: IO[str], columns: Sequence[str], batches: Iterable[Sequence[Sequence[str]]], excel: bool = False
) -> int:
    """``write_csv`` for batches of rows that are text cells already (NULL as '', numbers as text, formula-like
    cells escaped, as ``monitor.db.queries.TextCells`` makes them): the same bytes, faster.

    csv.writer looks at every character of every cell; here a batch is joined and checked whole (delimiters,
    quotes and line ends counted in C), and only the lines of a batch that fails the check are looked at, only
    the cells of such a line that need it quoted (RFC 4180: a cell with the delimiter, a quote, CR or LF).
    """
    if len(columns) < 2:  # csv.writer quotes the empty cell of a one-column row
        return write_csv(out, columns, (row for rows in batches for row in rows), excel=excel)
    delimiter = ";" if excel else ","
    if excel:
        out.write("\ufeff")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerow([neutralise(c) for c in columns])
    per_line = len(columns) - 1  # delimiters in a line whose cells need no quotes
    count = 0
    for rows in batches:
        lines = [delimiter.join(row) for row in rows]
        if not lines:
            continue
        text = "\r\n".join(lines)
        ends = len(lines) - 1
        if (
            text.count(delimiter) != per_line * len(lines)
            or '"' in text
            or text.count("\r") != ends
            or text.count("\n") != ends
        ):
            text = "\r\n".join(
                line if _plain(line, delimiter, per_line) else _quoted(row, delimiter)
                for line, row in zip(lines, rows, strict=True)
            )
        out.write(text)
        out.write("\r\n")
        count += len(lines)
    return count


def _plain(line: str, delimiter: str, per_line: int) -> bool:
    return line.count(delimiter) == per_line and '"' not in line and "\r" not in line and "\n" not in line


def _quoted(row: Sequence[str], delimiter: str) -> str:
    """A line as csv.writer (QUOTE_MINIMAL, CRLF) writes it."""
    special = (delimiter, '"', "\r", "\n")
    return delimiter.join(
        '"' + cell.replace('"', '""') + '"' if any(s in cell for s in special) else cell for cell in row
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, Decimal) and value.is_finite():  # a number in JSON, as SQLite's floats are
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent == 0 else float(value)
    return str(value)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def write_jsonl(out: IO[str], columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> int:
    count = 0
    for row in rows:
        record = {c: row.get(c) for c in columns} if isinstance(row, Mapping) else dict(zip(columns, row, strict=False))
        try:
            line = json.dumps(record, ensure_ascii=False, default=_json_default, allow_nan=False)
        except ValueError:  # NaN or an infinity: not JSON; written as the strings PostgreSQL prints
            line = json.dumps(_finite(record), ensure_ascii=False, default=_json_default)
        out.write(line)
        out.write("\n")
        count += 1
    return count
