"""`monitor export`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import click

from monitor.cli.common import db_option, open_db
from monitor.db.queries import ARTICLE_COLUMNS, STORY_COLUMNS, ArticleFilter
from monitor.db.session import Database
from monitor.output import stdout_text
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
    from monitor.db.queries import count_articles, iter_stories
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
    target = Path(output)
    if output != "-" and target.is_dir():
        raise click.ClickException(f"cannot write {output}: it is a folder (give a file name: -o {output}/x.csv)")
    # a file is written whole, then renamed: a failed export leaves no half file. A device, a pipe or a
    # socket (-o /dev/stdout, a FIFO) is written to as it is: renaming over it would replace it with a file.
    direct = output == "-" or (target.exists() and not target.resolve().is_file())
    partial = Path(f"{output}.part")
    database = open_db(db_url)
    try:
        if output == "-":
            handle = stdout_text()
        elif direct:
            handle = target.open("w", encoding="utf-8", newline="")
        else:
            handle = partial.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        database.dispose()
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from exc
    try:
        if kind == "stories":
            rows = iter_stories(database, flt)
            count = (
                write_jsonl(handle, STORY_COLUMNS, rows)
                if fmt == "jsonl"
                else write_csv(handle, STORY_COLUMNS, rows, excel)
            )
        elif sys.stderr.isatty():
            with click.progressbar(
                length=count_articles(database, flt), label="exporting", file=sys.stderr, show_pos=True
            ) as bar:
                count = export_articles(database, flt, handle, fmt, excel, progress=bar.update)
        else:
            count = export_articles(database, flt, handle, fmt, excel)
        if kind == "story" and count == 0:
            raise click.ClickException(f"no story {story}")
    except BaseException:
        if output != "-":
            handle.close()
            if not direct:
                partial.unlink(missing_ok=True)
        raise
    finally:
        database.dispose()
    if output == "-":
        handle.flush()
    else:
        handle.close()
        if not direct:
            partial.replace(output)
    if output != "-":
        click.echo(f"wrote {count} {'stories' if kind == 'stories' else 'articles'} to {output}", err=True)


def export_articles(
    database: Database,
    flt: ArticleFilter,
    out: IO[str],
    fmt: str = "csv",
    excel: bool = False,
    progress: Callable[[int], Any] | None = None,
) -> int:
    """Write the articles of ``flt`` to ``out`` as CSV (``excel``: French Excel) or JSON Lines (``fmt="jsonl"``);
    returns how many. The CSV cells come out of the query as text (formula-like cells escaped, NULL as '',
    numbers as the writer wants them), so that Python does one join per row. ``progress(n)`` after each batch."""
    from monitor.db.queries import TextCells, iter_article_rows
    from monitor.export import FORMULA_STARTS, float_text, write_csv_cells, write_jsonl

    if fmt == "jsonl":
        batches = _counted(iter_article_rows(database, flt), progress)
        return write_jsonl(out, ARTICLE_COLUMNS, (row for rows in batches for row in rows))
    cells = TextCells(escape=FORMULA_STARTS, prefix="'", number=float_text(excel))
    return write_csv_cells(out, ARTICLE_COLUMNS, _counted(iter_article_rows(database, flt, cells), progress), excel)


def _counted(
    batches: Iterable[list[tuple[Any, ...]]], progress: Callable[[int], Any] | None
) -> Iterator[list[tuple[Any, ...]]]:
    for rows in batches:
        yield rows
        if progress is not None:
            progress(len(rows))
