"""`monitor reextract`: run extraction again over the archived raw HTML, without fetching."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING

import click

from monitor.cli.common import db_option, open_db, sources_option
from monitor.timeparse import parse_when

if TYPE_CHECKING:
    from monitor.reextract import ReextractReport


@click.command()
@db_option
@sources_option
@click.option("--since", default=None, metavar="WHEN", help="Only pages fetched since: 30d, 24h, 2020-06-01.")
@click.option("--source", "source", default=None, metavar="NAME", help="Only the articles of this source.")
@click.option("--dry-run", is_flag=True, help="Report what would change, write nothing.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output, only the summary.")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=None,
    envvar="MONITOR_EXTRACT_WORKERS",
    help="Extraction processes (default: $MONITOR_EXTRACT_WORKERS, else one per CPU; 0: in this process).",
)
def reextract(
    db_url: str | None,
    sources_file: str | None,
    since: str | None,
    source: str | None,
    dry_run: bool,
    quiet: bool,
    workers: int | None,
) -> None:
    """Re-extract archived articles from their stored raw HTML, after an improvement of the extractor.

    Nothing is fetched. Title, text, date, authors, language and content hash are updated where the new
    extraction differs; a title or date it does not find is kept. A page that no longer extracts, and a
    new text identical to another article of the same source, leave the row unchanged and are reported.
    Topics, wire copies and stories are not recomputed: run `monitor regroup` afterwards if texts changed.
    Pages are extracted by worker processes, one per CPU (a run of fewer than 50 pages, in process).
    Times a page prints without an offset are read on its source's clock, as a crawl reads them: the
    `timezone` or `country` of the source of that name in the sources file (`--sources`, else the shipped
    list), else the clock its date was stored with.

    \b
    Example:
        monitor reextract
        monitor reextract --since 30d --source lemonde
        monitor reextract --dry-run
        monitor reextract --workers 1      # leave the other cores to a running daemon
    """
    from monitor.db.reextract_queries import source_exists
    from monitor.reextract import reextract as run
    from monitor.workers import default_workers

    start = parse_when(since)
    zones = _zones(sources_file)
    database = open_db(db_url)
    try:
        if source is not None and not source_exists(database, source):
            raise click.ClickException(f"no source named {source!r} in the archive")
        progress = None if quiet else _progress_printer()
        report = run(
            database,
            since=start,
            source=source,
            dry_run=dry_run,
            progress=progress,
            workers=default_workers() if workers is None else workers,
            zones=zones,
        )
    finally:
        database.dispose()
    if not quiet and sys.stderr.isatty():
        click.echo("", err=True)
    for line in report.problems:
        click.echo(f"  {line}", err=True)
    listed = len(report.problems)
    if report.failed + report.collisions + report.not_articles > listed:
        click.echo(f"  ... and {report.failed + report.collisions + report.not_articles - listed} more", err=True)
    click.echo(report.summary(dry_run=dry_run))


def _zones(sources_file: str | None) -> dict[str, tzinfo]:
    """The clock of each source of the sources file, by name; a file that does not load is an error."""
    from monitor.sources import SourcesError, load_sources

    try:
        sources = load_sources(sources_file)
    except (SourcesError, OSError) as exc:
        raise click.ClickException(f"cannot read the sources file: {exc}") from exc
    return {source.name: zone for source in sources if (zone := source.zone) is not None}


def _progress_printer(clock: Callable[[], float] = time.monotonic) -> Callable[[ReextractReport], None]:
    on_terminal = sys.stderr.isatty()
    started = clock()

    def show(report: ReextractReport) -> None:
        share = f" ({100 * report.examined / report.total:.0f}%)" if report.total else ""
        line = (
            f"reextract: {report.examined}/{report.total} pages{share}, {report.changed} changed, "
            f"{report.failed} failed"
        )
        elapsed = clock() - started
        if report.examined and elapsed > 0 and report.examined < report.total:
            rate = report.examined / elapsed
            line += f", {rate:.0f} pages/s, about {_duration((report.total - report.examined) / rate)} left"
        click.echo(f"\r{line}" if on_terminal else line, err=True, nl=not on_terminal)

    return show


def _duration(seconds: float) -> str:
    """``42 s``, ``7 min``, ``2 h 05 min``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"
