"""`monitor sql`: read-only SQL."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from monitor.cli.common import db_option, open_db
from monitor.db.session import DEFAULT_DATABASE_URL
from monitor.output import emit, output_options


@click.command(context_settings={"ignore_unknown_options": True})  # a query may start with "--", a comment
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
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Stop the query after this many seconds (0: no limit; Ctrl-C stops it too).",
)
@output_options
def sql(
    db_url: str | None, query: str, params: tuple[tuple[str, str], ...], timeout: float, fmt: str, excel: bool
) -> None:
    """Run a read-only SQL query on the archive ('-' reads the query from stdin).

    The connection is read-only (SQLite) or the transaction is (PostgreSQL): nothing can be changed.

    \b
    Example:
        monitor sql "SELECT language, count(*) AS n FROM articles GROUP BY language"
        monitor sql "SELECT title FROM articles WHERE language = :lang" -p lang fr --csv
        monitor sql --timeout 60 "SELECT ..."     # a runaway query stops after a minute
        echo "SELECT * FROM stories" | monitor sql - --jsonl
    """
    from monitor.db.readonly import ReadOnlyError, run_readonly

    text = sys.stdin.read() if query == "-" else query
    if db_url is None and not os.environ.get("MONITOR_DATABASE_URL"):
        if not Path(DEFAULT_DATABASE_URL.removeprefix("sqlite:///")).exists():  # not an empty one made here
            raise click.ClickException(
                "no archive here (monitor.db): give --db URL or set MONITOR_DATABASE_URL, or crawl first"
            )
        open_db(None).dispose()  # the default database: its schema brought up to date
    try:
        columns, rows = run_readonly(db_url, text, dict(params), timeout=timeout)
        emit(columns, rows, fmt, excel)
    except ReadOnlyError as exc:
        raise click.ClickException(f"query failed: {exc}") from exc
