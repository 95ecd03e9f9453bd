"""`monitor export`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from monitor.cli.common import db_option, open_db
from monitor.db.queries import ARTICLE_COLUMNS, STORY_COLUMNS, ArticleFilter
from monitor.timeparse import parse_when


@click.command()
@db_option
@click.argument("kind", type=click.Choice(["articles", "stories", "story"]))
@click.argument("story_id", required=False, type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--excel", is_flag=True, help="CSV for French Excel: ';' delimiter, UTF-8 BOM, CRLF.")
@click.option("-o", "--output", "output", default="-", show_default=True, help="Output file ('-' for stdout).")
@click.option("--since", default=None, metavar="WHEN", help="Published since: 7d, 24h, 2020-06-01.")
@click.option("--until", default=None, metavar="WHEN", help="Published before: 2020-07-01.")
@click.option("--lang", "language", default=None, help="Only this language (fr, en...).")
@click.option("--source", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.option("--topic", default=None, help="Only articles matched by this watchlist.")
@click.option("--story", "story", type=int, default=None, help="Only the articles of this story.")
def export(
    db_url: str | None,
    kind: str,
    story_id: int | None,
    fmt: str,
    excel: bool,
    output: str,
    since: str | None,
    until: str | None,
    language: str | None,
    sources: tuple[str, ...],
    topic: str | None,
    story: int | None,
) -> None:
    """Export articles or stories as CSV (safe to open in Excel/LibreOffice) or JSON Lines.

    Article columns: id, external_id, url, canonical_url, source, title, published_at, language, authors,
    story_id, copy_of, agency, topics, matched_terms, relevance, fetched_at, content_hash.

    \b
    Example:
        monitor export articles --format csv -o articles.csv
        monitor export articles --excel --lang fr --since 30d -o articles-fr.csv
        monitor export stories --format jsonl -o stories.jsonl
        monitor export story 12 -o story-12.csv
    """
    from monitor.db.queries import count_articles, iter_articles, iter_stories
    from monitor.export import write_csv, write_jsonl

    if kind == "story":
        if story_id is None:
            raise click.UsageError("export story needs a story id: monitor export story 12")
        story = story_id
    elif story_id is not None:
        raise click.UsageError(f"export {kind} takes no id (did you mean --story {story_id}?)")
    flt = ArticleFilter(
        since=parse_when(since),
        until=parse_when(until),
        language=language,
        sources=sources,
        topic=topic,
        story_id=story,
    )
    database = open_db(db_url)
    if kind == "stories":
        columns, rows = STORY_COLUMNS, iter_stories(database, flt)
    else:
        columns, rows = ARTICLE_COLUMNS, iter_articles(database, flt)
        if sys.stderr.isatty():
            rows = _with_progress(rows, count_articles(database, flt))
    partial = Path(f"{output}.part")  # written whole, then renamed: a failed export leaves no half file
    try:
        handle = sys.stdout if output == "-" else partial.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from exc
    try:
        count = write_jsonl(handle, columns, rows) if fmt == "jsonl" else write_csv(handle, columns, rows, excel)
        if kind == "story" and count == 0:
            raise click.ClickException(f"no story {story}")
    except BaseException:
        if handle is not sys.stdout:
            handle.close()
            partial.unlink(missing_ok=True)
        raise
    finally:
        database.dispose()
    if handle is not sys.stdout:
        handle.close()
        partial.replace(output)
    if output != "-":
        click.echo(f"wrote {count} {'stories' if kind == 'stories' else 'articles'} to {output}", err=True)


def _with_progress(rows: Iterator[dict[str, Any]], total: int) -> Iterator[dict[str, Any]]:
    """A progress bar on the terminal (stderr) while the rows stream out; nothing when stderr is a file."""
    with click.progressbar(length=total, label="exporting", file=sys.stderr, show_pos=True) as bar:
        for row in rows:
            yield row
            bar.update(1)
