"""What the commands share: database and sources options, opening the database, exit statuses."""

from __future__ import annotations

from typing import Any

import click

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

db_option = click.option(
    "--db",
    "db_url",
    envvar="MONITOR_DATABASE_URL",
    default=None,
    metavar="URL",
    help="Database URL (default: $MONITOR_DATABASE_URL, else sqlite:///monitor.db in the working directory).",
)
sources_option = click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="TOML file of outlets ([[source]] tables); replaces the shipped list.",
)


def open_db(db_url: str | None) -> Any:
    """The database, upgraded to the latest schema; a clear one-line error when it cannot be opened."""
    from monitor.db import Database

    try:
        return Database(db_url)
    except Exception as exc:  # a wrong URL, a server down: one clear line, not a traceback
        raise click.ClickException(f"cannot open the database: {str(exc).splitlines()[0]}") from exc
