"""`monitor sql`: read-only SQL."""

from __future__ import annotations

import os
import sys

import click

from monitor.cli.common import db_option, open_db
from monitor.output import emit, output_options


@click.command()
@db_option
@click.argument("query")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    nargs=2,
    metavar="NAME VALUE",
    help="Bind :NAME in the query to VALUE (repeatable).",
)
@output_options
def sql(db_url: str | None, query: str, params: tuple[tuple[str, str], ...], fmt: str, excel: bool) -> None:
    """Run a read-only SQL query on the archive ('-' reads the query from stdin).

    The connection is read-only (SQLite) or the transaction is (PostgreSQL): nothing can be changed.

    \b
    Example:
        monitor sql "SELECT language, count(*) AS n FROM articles GROUP BY language"
        monitor sql "SELECT title FROM articles WHERE language = :lang" -p lang fr --csv
        echo "SELECT * FROM stories" | monitor sql - --jsonl
    """
    from monitor.db.readonly import ReadOnlyError, run_readonly

    text = sys.stdin.read() if query == "-" else query
    if db_url is None and not os.environ.get("MONITOR_DATABASE_URL"):
        open_db(None).dispose()  # the default database: make sure it exists and has the schema
    try:
        columns, rows = run_readonly(db_url, text, dict(params))
        emit(columns, rows, fmt, excel)
    except ReadOnlyError as exc:
        raise click.ClickException(f"query failed: {exc}") from exc
