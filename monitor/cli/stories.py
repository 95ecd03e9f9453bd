"""`monitor stories`."""

from __future__ import annotations

from typing import Any

import click

from monitor.cli.common import db_option, open_db
from monitor.db.queries import STORY_COLUMNS, ArticleFilter
from monitor.output import emit, output_options
from monitor.timeparse import parse_when


@click.group(invoke_without_command=True)
@db_option
@click.option("--since", default=None, metavar="WHEN", help="Stories seen since: 7d, 24h, 2020-06-01.")
@click.option("--lang", "language", default=None, help="Only stories with articles in this language.")
@click.option("--topic", default=None, help="Only stories with articles matched by this watchlist.")
@click.option("--min-articles", default=1, show_default=True, help="Hide stories with fewer articles.")
@output_options
@click.pass_context
def stories(
    ctx: click.Context,
    db_url: str | None,
    since: str | None,
    language: str | None,
    topic: str | None,
    min_articles: int,
    fmt: str,
    excel: bool,
) -> None:
    """List the stories: coverage of one event across outlets and languages, most covered first.

    \b
    Example:
        monitor stories --since 7d
        monitor stories --lang fr --csv > stories.csv
        monitor stories show 12
    """
    ctx.ensure_object(dict)
    ctx.obj["db_url"] = db_url
    if ctx.invoked_subcommand is not None:
        return
    from monitor.db.queries import iter_stories

    database = open_db(db_url)
    flt = ArticleFilter(since=parse_when(since), language=language, topic=topic)
    emit(STORY_COLUMNS, iter_stories(database, flt, min_articles=min_articles), fmt, excel)


@stories.command("show")
@click.argument("story_id", type=int)
@db_option
@output_options
@click.pass_context
def stories_show(ctx: click.Context, story_id: int, db_url: str | None, fmt: str, excel: bool) -> None:
    """Show the articles of one story.

    \b
    Example:
        monitor stories show 12
        monitor stories show 12 --jsonl
    """
    from monitor.db.queries import story_articles

    database = open_db(db_url or ctx.obj.get("db_url"))
    rows = story_articles(database, story_id)
    if not rows:
        raise click.ClickException(f"no story {story_id}")
    columns = ["id", "source", "language", "published_at", "title", "copy_of", "url"]
    emit(columns, rows, fmt, excel)


def print_stories(database: Any, flt: ArticleFilter, min_articles: int = 1) -> None:
    from monitor.db.queries import iter_stories, story_articles

    for story in iter_stories(database, flt, min_articles=min_articles):
        click.echo(
            f"\nstory {story['id']}: {story['title']}\n"
            f"  {story['article_count']} article(s), outlets: {story['outlets']}, languages: {story['languages']}"
        )
        for article in story_articles(database, story["id"]):
            copy = f" (copy of {article['copy_of']})" if article["copy_of"] else ""
            click.echo(f"  - [{article['language']}] {article['source']}: {article['title']}{copy}")
