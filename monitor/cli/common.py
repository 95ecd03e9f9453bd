"""What the commands share: database and sources options, opening the database, exit statuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

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


story_window_option = click.option(
    "--window-hours",
    type=click.FloatRange(min=1),
    default=72,
    show_default=True,
    envvar="MONITOR_STORY_WINDOW_HOURS",
    help="How long a story stays open without a new article ($MONITOR_STORY_WINDOW_HOURS), as in a crawl.",
)
all_topics_option = click.option(
    "--all-topics", is_flag=True, help="Keep every article, not only those a watchlist matches."
)
watchlists_option = click.option(
    "--watchlists",
    "watchlists_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="TOML file of watchlists (default: the shipped facial-recognition watchlist).",
)
log_level_option = click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)


def settings_option(example: str) -> Callable[[F], F]:
    """``-s NAME=VALUE`` (repeatable): a Scrapy or ``MONITOR_`` setting for this run; read with ``parse_settings``."""
    return click.option(
        "-s",
        "--set",
        "settings",
        multiple=True,
        metavar="NAME=VALUE",
        help=f"Override a Scrapy or MONITOR_ setting, e.g. {example} (repeatable).",
    )


def parse_settings(pairs: tuple[str, ...]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r}: expected NAME=VALUE", param_hint="--set")
        overrides[name.strip()] = value
    return overrides


log_format_option = click.option(
    "--log-format",
    default="text",
    show_default=True,
    type=click.Choice(["text", "json"]),
    help="Format of the run log lines (one per run per source, on standard error).",
)
lock_dir_option = click.option(
    "--lock-dir",
    type=click.Path(file_okay=False),
    default=None,
    envvar="MONITOR_LOCK_DIR",
    help="Folder of the per-source lock files (default: <database file>.locks next to a SQLite database).",
)
