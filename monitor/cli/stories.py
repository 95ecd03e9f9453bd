"""`monitor stories`: list, show, merge and split stories."""

from __future__ import annotations

from typing import Any

import click

from monitor.cli.common import db_option, open_db
from monitor.db.queries import ArticleFilter
from monitor.output import emit, output_options
from monitor.timeparse import parse_when

SHOW_COLUMNS = ["id", "source", "language", "published_at", "title", "copy_of", "agency", "url"]


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

    Each row gives the story's headline in each language ([en] …, [fr] …), first and last seen,
    its article count, outlets and languages.

    \b
    Example:
        monitor stories --since 7d
        monitor stories --lang fr --csv > stories.csv
        monitor stories show 12
        monitor stories merge 12 15          # story 15 is the same event as 12
        monitor stories split 12 340 341     # articles 340 and 341 are another event
    """
    ctx.ensure_object(dict)
    ctx.obj["db_url"] = db_url
    if ctx.invoked_subcommand is not None:
        return
    from monitor.db.story_store import STORY_LIST_COLUMNS, StoryStore

    store = StoryStore(open_db(db_url))
    rows = store.iter_stories(parse_when(since), language, topic, min_articles)
    emit(STORY_LIST_COLUMNS, rows, fmt, excel)


@stories.command("show")
@click.argument("story_id", type=int)
@db_option
@output_options
@click.pass_context
def stories_show(ctx: click.Context, story_id: int, db_url: str | None, fmt: str, excel: bool) -> None:
    """Show one story: its headline per language, first and last seen, outlets, then its articles.

    With --csv or --jsonl only the articles are printed, one row each.

    \b
    Example:
        monitor stories show 12
        monitor stories show 12 --jsonl
    """
    from monitor.db.queries import story_articles
    from monitor.db.story_store import StoryStore

    database = open_db(db_url or ctx.obj.get("db_url"))
    summary = StoryStore(database).summary(story_id)
    if summary is None:
        raise click.ClickException(f"no story {story_id}")
    if summary["merged_into"] is not None and not summary["article_count"]:
        raise click.ClickException(f"story {story_id} was merged into story {summary['merged_into']}")
    if fmt == "table":
        click.echo(_summary_text(summary))
    emit(SHOW_COLUMNS, story_articles(database, story_id), fmt, excel)


def _summary_text(summary: dict[str, Any]) -> str:
    lines = [f"story {summary['id']}: {summary['title']}"]
    for language, headline in summary["headline_by_language"].items():
        lines.append(f"  [{language}] {headline}")
    lines.append(f"  first seen {summary['first_seen']}, last seen {summary['last_seen']}")
    lines.append(
        f"  {summary['article_count']} article(s), {summary['outlet_count']} outlet(s): {summary['outlets']}; "
        f"languages: {summary['languages']}"
    )
    return "\n".join(lines) + "\n"


@stories.command("merge")
@click.argument("keep", type=int)
@click.argument("other", type=int)
@db_option
@click.pass_context
def stories_merge(ctx: click.Context, keep: int, other: int, db_url: str | None) -> None:
    """Merge story OTHER into story KEEP (the same event); later runs and `monitor regroup` keep it so.

    \b
    Example:
        monitor stories merge 12 15
    """
    from monitor.db.story_store import StoryError, StoryStore

    try:
        moved = StoryStore(open_db(db_url or ctx.obj.get("db_url"))).merge(keep, other)
    except StoryError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"merged story {other} into story {keep}: {moved} article(s) moved")


@stories.command("split")
@click.argument("story_id", type=int)
@click.argument("article_ids", type=int, nargs=-1, required=True)
@db_option
@click.pass_context
def stories_split(ctx: click.Context, story_id: int, article_ids: tuple[int, ...], db_url: str | None) -> None:
    """Take articles out of a story into a new story (another event); later runs keep them apart.

    \b
    Example:
        monitor stories split 12 340 341
    """
    from monitor.db.story_store import StoryError, StoryStore

    try:
        new = StoryStore(open_db(db_url or ctx.obj.get("db_url"))).split(story_id, article_ids)
    except StoryError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"split {len(set(article_ids))} article(s) out of story {story_id} into new story {new}")


def print_stories(database: Any, flt: ArticleFilter, min_articles: int = 1) -> None:
    """The stories and their articles as text (``monitor demo``)."""
    from monitor.db.queries import story_articles
    from monitor.db.story_store import StoryStore

    for story in StoryStore(database).iter_stories(flt.since, flt.language, flt.topic, min_articles):
        click.echo("\n" + _summary_text(story).rstrip())
        for article in story_articles(database, story["id"]):
            copy = f" (copy of {article['copy_of']})" if article["copy_of"] else ""
            click.echo(f"  - [{article['language']}] {article['source']}: {article['title']}{copy}")
