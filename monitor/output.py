"""One set of output flags for every command that prints rows: --table (default), --csv, --jsonl."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO, Any, TypeVar

import click

from monitor.export import write_csv, write_jsonl

F = TypeVar("F", bound=Callable[..., Any])


def output_options(function: F) -> F:
    """Adds ``--table/--csv/--jsonl`` (as ``fmt``) and ``--excel`` to a click command."""
    function = click.option("--excel", is_flag=True, help="With --csv: ';', UTF-8 BOM, CRLF (French Excel).")(function)
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
    stream = out or sys.stdout
    if fmt == "csv":
        return write_csv(stream, columns, rows, excel=excel)
    if fmt == "jsonl":
        return write_jsonl(stream, columns, rows)
    return write_table(stream, columns, rows)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def write_table(
    out: IO[str], columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]], page: int = 200
) -> int:
    """An aligned text table, computed a page of rows at a time so that output streams."""
    width = max(shutil.get_terminal_size((160, 24)).columns, 80)
    limit = max(12, width // max(len(columns), 1))
    batch: list[list[str]] = []
    count = 0
    header_done = False

    def flush() -> None:
        nonlocal header_done
        cells = [[_text(c) for c in columns], *batch]
        widths = [min(limit, max(len(r[i]) for r in cells)) for i in range(len(columns))]
        lines = []
        if not header_done:
            lines.append("  ".join(c[:w].ljust(w) for c, w in zip(cells[0], widths, strict=True)).rstrip())
            lines.append("  ".join("-" * w for w in widths))
            header_done = True
        for row in batch:
            lines.append("  ".join(c[:w].ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
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
