"""`monitor feed`: an Atom feed of new and growing stories, and an optional webhook."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli.common import db_option, open_db
from monitor.timeparse import parse_when


@click.command()
@db_option
@click.option("--topic", default=None, metavar="NAME", help="Only stories with an article this watchlist matched.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("feed.xml"),
              show_default=True, help="The Atom file to write (replaced whole).")  # fmt: skip
@click.option("--since", default="7d", show_default=True, metavar="WHEN", help="Stories new or grown since.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000), help="At most this many.")
@click.option("--title", default=None, help="The feed's title.")
@click.option("--link", default=None, metavar="URL", help="Where the feed is published (its rel=self link).")
@click.option("--webhook", envvar="MONITOR_WEBHOOK_URL", default=None, metavar="URL",
              help="POST new and grown stories as JSON to this URL (default: $MONITOR_WEBHOOK_URL).")  # fmt: skip
@click.option("--state", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="What the webhook already received (default: OUTPUT.webhook.json).")  # fmt: skip
def feed(
    db_url: str | None,
    topic: str | None,
    output: Path,
    since: str,
    limit: int,
    title: str | None,
    link: str | None,
    webhook: str | None,
    state: Path | None,
) -> None:
    """Write an Atom feed of new and growing stories: one entry per story, updated as it grows.

    Subscribe to the file in any feed reader (or publish it on a web server). With --webhook, the stories
    that are new or have grown since the last delivery are POSTed as JSON; a failed delivery is retried
    on the next run. Run it after each crawl (cron, or the daemon).

    \b
    Example:
        monitor feed --topic facial-recognition -o feed.xml
        monitor feed --topic facial-recognition -o feed.xml --webhook https://chat.example.org/hooks/abc
    """
    from monitor.alerts import AlertError, FeedJob, refresh

    job = FeedJob(
        output=output,
        topic=topic,
        since=parse_when(since),
        limit=limit,
        title=title,
        link=link,
        webhook=webhook,
        state=state,
    )
    database = open_db(db_url)
    try:
        result = refresh(database, job)
    except AlertError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        database.dispose()
    message = f"wrote {output}: {result.entries} stories"
    if webhook:
        message += f"; webhook: {result.delivered} new or grown stories delivered"
    click.echo(message, err=True)
