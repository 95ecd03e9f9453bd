"""`monitor ingest`."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from monitor.cli.common import EXIT_FAILED, db_option, open_db, story_window_option


@click.command()
@db_option
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--all-topics", is_flag=True, help="Keep every record, not only those a watchlist matches.")
@click.option(
    "--watchlists",
    "watchlists_file",
    type=click.Path(dir_okay=False),
    envvar="MONITOR_WATCHLISTS_FILE",
    default=None,
    metavar="FILE",
    help="TOML file of watchlists; replaces the shipped file. The database's watchlists (monitor topics add) "
    "are used too, as by a crawl.",
)
@story_window_option
@click.option(
    "--source",
    "default_source",
    default="ingest",
    show_default=True,
    help="Source name for records without a 'source' field.",
)
def ingest(
    db_url: str | None,
    file: str,
    all_topics: bool,
    watchlists_file: str | None,
    window_hours: float,
    default_source: str,
) -> None:
    """Ingest articles from a JSON Lines file (one article per line).

    Fields: id, url, title, text, date, lang, source; all but text optional; id is kept as external_id.
    Records are kept when a watchlist matches: the file's (--watchlists, else the shipped one) and the
    database's, as in a crawl. Bad lines are reported with their line number and skipped; the exit
    status is non-zero only when nothing could be read.

    \b
    Example:
        monitor ingest articles.jsonl
        monitor ingest export.jsonl --all-topics --source europresse
        monitor ingest articles.jsonl --watchlists newsroom.toml
    """
    from monitor.archive import Archive, ArchiveSettings
    from monitor.ingest import LineError, ingest_file
    from monitor.processing import Processor
    from monitor.topics import Matcher

    path = Path(file)
    if not path.is_file():
        raise click.ClickException(f"{file}: no such file")

    def report_error(error: LineError) -> None:
        click.echo(f"{file}:{error.line}: {error.message}", err=True)

    database = open_db(db_url)
    processor = Processor(Matcher(_watchlists(database, watchlists_file)), keep_all=all_topics)
    archive = Archive(database, ArchiveSettings(story_window=timedelta(hours=window_hours)))
    report = ingest_file(path, archive, processor, default_source, on_error=report_error)
    click.echo(
        f"{file}: {report.read} read, {report.stored} stored, {report.duplicates} duplicate(s), "
        f"{report.off_topic} off topic, {len(report.errors)} bad line(s)"
    )
    if report.nothing_read:
        click.echo(f"{file}: nothing could be read", err=True)
        sys.exit(EXIT_FAILED)


def _watchlists(database: Any, watchlists_file: str | None) -> list[Any]:
    """The file's watchlists and the database's, combined as a crawl combines them."""
    from monitor.db.topics_queries import list_watchlists
    from monitor.topics import WatchlistError, combine, from_database, load_watchlists

    try:
        from_file = load_watchlists(Path(watchlists_file) if watchlists_file else None)
        stored = from_database((w.name, w.query) for w in list_watchlists(database))
    except WatchlistError as exc:
        raise click.ClickException(str(exc)) from exc
    return combine(from_file, stored)
