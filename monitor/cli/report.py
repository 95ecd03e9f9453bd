"""`monitor report`: the digest page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from monitor.cli.common import db_option, open_db
from monitor.timeparse import parse_when


@click.command()
@db_option
@click.option("--since", default="7d", show_default=True, metavar="WHEN", help="Start: 7d, 30d, 2020-06-01.")
@click.option("--until", default=None, metavar="WHEN", help="End (excluded): 2020-07-01; default now.")
@click.option("--lang", "language", default=None, help="Only this language (fr, en...).")
@click.option("--source", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.option("--topic", default=None, help="Only articles matched by this watchlist.")
@click.option("--stories", "limit", default=50, show_default=True, type=click.IntRange(1, 10_000), help="At most.")
@click.option("--title", default="Facial recognition in the news", show_default=True, help="The page's title.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("report.html"),
              show_default=True, help="The HTML file to write.")  # fmt: skip
def report(
    db_url: str | None,
    since: str,
    until: str | None,
    language: str | None,
    sources: tuple[str, ...],
    topic: str | None,
    limit: int,
    title: str,
    output: Path,
) -> None:
    """Write a digest as one self-contained HTML page: stories ranked by outlets, a coverage timeline.

    Each story lists its articles, outlets and languages; the chart shows articles per day per language.
    The page loads nothing from the network: mail it, put it on an intranet, open it offline.

    \b
    Example:
        monitor report --since 7d -o report.html
        monitor report --since 2020-06-01 --until 2020-07-01 --topic facial-recognition -o june.html
    """
    from monitor.db.queries import ArticleFilter, articles_per_day, stories_with_articles
    from monitor.report import ReportData, render

    now = datetime.now(UTC)
    start = parse_when(since) or now - timedelta(days=7)
    end = parse_when(until) or now
    if end <= start:
        raise click.UsageError(f"--until ({end:%Y-%m-%d}) must be after --since ({start:%Y-%m-%d})")
    flt = ArticleFilter(since=start, until=end, language=language, sources=sources, topic=topic)
    database = open_db(db_url)
    try:
        data = ReportData(
            since=start.date(),
            until=(end - timedelta(microseconds=1)).date(),
            per_day=articles_per_day(database, flt),
            stories=stories_with_articles(database, flt, limit=limit),
            generated=now,
        )
    finally:
        database.dispose()
    page = render(data, title=title)
    partial = output.with_name(output.name + ".part")
    try:
        partial.write_text(page, encoding="utf-8")
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from exc
    click.echo(f"wrote {output}: {len(data.stories)} stories, {sum(data.per_day.values())} articles", err=True)
