"""`monitor demo`: the bundled outlets crawled end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from monitor.cli.common import db_option, open_db
from monitor.cli.stories import print_stories
from monitor.db.queries import ARTICLE_COLUMNS, ArticleFilter


@click.command()
@db_option
@click.option("--all-topics", is_flag=True, help="Keep every article, not only those a watchlist matches.")
@click.option(
    "-o",
    "--output",
    "csv_path",
    default="demo-articles.csv",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the CSV of the archived articles.",
)
@click.option("--keep", is_flag=True, help="Keep the existing demo database instead of starting fresh.")
def demo(db_url: str | None, all_topics: bool, csv_path: str, keep: bool) -> None:
    """Serve the bundled demo outlets on 127.0.0.1, crawl them, print the stories, write a CSV.

    Without --db (or $MONITOR_DATABASE_URL) the archive is a fresh demo.db in the working directory.

    \b
    Example:
        monitor demo
        monitor demo --all-topics -o all.csv
    """
    from monitor.crawl import CrawlOptions
    from monitor.crawl import crawl as run_crawl
    from monitor.demo.server import serve_site

    if db_url is None:
        path = Path("demo.db")
        if not keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        db_url = f"sqlite:///{path}"
    database = open_db(db_url)
    with serve_site() as site:
        sources = site.sources()
        click.echo(f"serving {len(sources)} demo outlets on 127.0.0.1; crawling into {database.url}")
        options = CrawlOptions(
            database_url=database.url,
            sources=sources,
            all_topics=all_topics,
            log_level="WARNING",
            overrides=demo_overrides(),
        )
        report = run_crawl(options)
    click.echo(json.dumps(report.summary(), default=str))
    print_stories(database, ArticleFilter(), min_articles=1)
    from monitor.db.queries import iter_articles
    from monitor.export import write_csv

    with open(csv_path, "w", encoding="utf-8", newline="") as handle:
        count = write_csv(handle, ARTICLE_COLUMNS, iter_articles(database, ArticleFilter()))
    click.echo(f"wrote {count} articles to {csv_path}")


def demo_overrides() -> dict[str, Any]:
    """Settings for a crawl of local servers: no delays, more concurrency, short timeouts."""
    return {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "DOWNLOAD_TIMEOUT": 15,
        "RETRY_TIMES": 1,
    }
