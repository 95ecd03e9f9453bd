"""`monitor search`: full-text search of the archive."""

from __future__ import annotations

import click

from monitor.cli.common import db_option, open_db
from monitor.output import emit, output_options
from monitor.timeparse import parse_when


@click.command()
@db_option
@click.argument("query")
@click.option("--since", default=None, metavar="WHEN", help="Published since: 7d, 24h, 2020-06-01.")
@click.option("--until", default=None, metavar="WHEN", help="Published before: 2020-07-01.")
@click.option("--lang", "language", default=None, help="Only this language (fr, en...).")
@click.option("--source", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.option("--topic", default=None, help="Only articles matched by this watchlist.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000), help="At most this many.")
@click.option("--newest", is_flag=True, help="Newest first instead of best match first.")
@output_options
def search(
    db_url: str | None,
    query: str,
    since: str | None,
    until: str | None,
    language: str | None,
    sources: tuple[str, ...],
    topic: str | None,
    limit: int,
    newest: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Full-text search of the archive's titles and texts, best match first.

    Words must all match (accents and case ignored, stemmed); "a phrase" in this order; OR between
    alternatives; -word or NOT word to exclude; prefix* for any ending; parentheses to group.
    Matches in the snippet are shown [like this].

    \b
    Example:
        monitor search '"reconnaissance faciale" police' --since 30d --lang fr
        monitor search 'clearview OR pimeyes -amende' --csv > hits.csv
        monitor search 'biometr* (ban OR moratorium)' --newest --limit 20
    """
    from monitor.db.fts import SEARCH_COLUMNS, SearchFilter, search_articles
    from monitor.search import QueryError, parse

    try:
        node = parse(query)
    except QueryError as exc:
        raise click.UsageError(f"search query: {exc}") from exc
    flt = SearchFilter(
        since=parse_when(since),
        until=parse_when(until),
        language=language,
        sources=sources,
        topic=topic,
        limit=limit,
        by_date=newest,
    )
    database = open_db(db_url)
    try:
        emit(SEARCH_COLUMNS, search_articles(database, node, flt), fmt, excel)
    finally:
        database.dispose()
