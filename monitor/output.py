"""One set of output flags for every command that prints rows: --table (default), --csv, --jsonl."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO, Any, TypeVar

import click

from monitor.export import write_csv, write_jsonl

F = TypeVar("F", bound=Callable[..., Any])


def output_options(function: F) -> F:
    """Adds ``--table/--csv/--jsonl`` (as ``fmt``) and ``--excel`` to a click command."""
    function = click.option("--excel", is_flag=True, help="CSV for Excel: ';', UTF-8 BOM, CRLF (French Excel).")(
        function
    )
    function = click.option("--jsonl", "fmt", flag_value="jsonl", help="One JSON object per line.")(function)
    function = click.option("--json", "fmt", flag_value="jsonl", hidden=True)(function)
    function = click.option("--csv", "fmt", flag_value="csv", help="CSV (RFC 4180).")(function)
    function = click.option("--table", "fmt", flag_value="table", default=True, help="An aligned table (default).")(
        function
    )
    return function


def emit(
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    fmt: str,
    excel: bool = False,
    out: IO[str] | None = None,
) -> int:
    if excel and fmt == "table":  # --excel alone: CSV for Excel, not a table nobody asked for
        fmt = "csv"
    stream = out or (stdout_text() if fmt in ("csv", "jsonl") else sys.stdout)
    if fmt == "csv":
        return write_csv(stream, columns, rows, excel=excel)
    if fmt == "jsonl":
        return write_jsonl(stream, columns, rows)
    return write_table(stream, columns, rows)


def stdout_text() -> IO[str]:
    """Standard output as UTF-8 without newline translation (CSV writes its own CRLF), whatever the locale
    (``PYTHONIOENCODING=cp1252``, a Windows console): a CSV file is UTF-8 however it was redirected."""
    stream = sys.stdout
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError, io.UnsupportedOperation):
            reconfigure(encoding="utf-8", newline="")
    return stream


_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\x80-\x9f]")


def _text(value: Any) -> str:
    """A table cell: on one line, without control characters (an ESC sequence in a title would clear or
    recolour the terminal; NUL cuts a line)."""
    if value is None:
        return ""
    return _CONTROLS.sub("\ufffd", " ".join(str(value).split()))


MIN_COLUMN = 12  # a column cut to fit the terminal keeps at least this many characters
GAP = 2


def write_table(
    out: IO[str], columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]], page: int = 200
) -> int:
    """An aligned text table, computed a page of rows at a time so that output streams.

    On a terminal, the widest columns are cut first (with "…") until the table fits its width; written to a
    file or a pipe, no value is cut.
    """
    width = _terminal_width(out)
    batch: list[list[str]] = []
    count = 0
    header_done = False

    def flush() -> None:
        nonlocal header_done
        cells = [[_text(c) for c in columns], *batch]
        widths = fit_widths([max(len(r[i]) for r in cells) for i in range(len(columns))], width)
        lines = []
        if not header_done:
            lines.append(_line(cells[0], widths))
            lines.append((" " * GAP).join("-" * w for w in widths))
            header_done = True
        lines.extend(_line(row, widths) for row in batch)
        out.write("\n".join(lines) + "\n")
        batch.clear()

    for row in rows:
        values = [row.get(c) for c in columns] if isinstance(row, Mapping) else list(row)
        batch.append([_text(v) for v in values])
        count += 1
        if len(batch) >= page:
            flush()
    if batch or not header_done:
        flush()
    return count


def _terminal_width(out: IO[str]) -> int | None:
    """The width of the terminal ``out`` writes to, or None for a file or a pipe."""
    isatty = getattr(out, "isatty", None)
    if isatty is None or not isatty():
        return None
    return max(shutil.get_terminal_size((160, 24)).columns, 80)


def fit_widths(natural: list[int], width: int | None) -> list[int]:
    """Column widths within ``width`` (None: no limit): the widest columns shrink first, none below
    ``MIN_COLUMN`` (a table too wide even then stays wider than the terminal)."""
    gaps = GAP * (len(natural) - 1)
    if width is None or sum(natural) + gaps <= width:
        return natural
    cap = max(natural)
    while cap > MIN_COLUMN and sum(min(w, cap) for w in natural) + gaps > width:
        cap -= 1
    return [min(w, cap) for w in natural]


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return (" " * GAP).join(_cut(c, w).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
