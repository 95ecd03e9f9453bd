"""`monitor crawl`: one crawl of the sources."""

from __future__ import annotations

import json
import sys

import click

from monitor.cli.common import EXIT_FAILED, db_option, open_db, sources_option


@click.command()
@db_option
@sources_option
@click.option("--source", "source_names", multiple=True, metavar="NAME", help="Crawl only this source (repeatable).")
@click.option("--all-topics", is_flag=True, help="Keep every article, not only those a watchlist matches.")
@click.option("--refresh", is_flag=True, help="Fetch again articles that are already archived.")
@click.option(
    "--watchlists",
    "watchlists_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="TOML file of watchlists (default: the shipped facial-recognition watchlist).",
)
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)
@click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy or MONITOR_ setting, e.g. -s DOWNLOAD_DELAY=2 (repeatable).",
)
def crawl(
    db_url: str | None,
    sources_file: str | None,
    source_names: tuple[str, ...],
    all_topics: bool,
    refresh: bool,
    watchlists_file: str | None,
    log_level: str,
    settings: tuple[str, ...],
) -> None:
    """Crawl the sources once: discover, fetch, extract, filter, store, group.

    Exit status: 0 when the crawl finished (even if some pages failed), 1 when it could not run.

    \b
    Example:
        monitor crawl                                   # every shipped outlet
        monitor crawl --sources my-outlets.toml --source lemonde --source bbc
        monitor crawl --all-topics --db postgresql://postgres@localhost/monitor
        monitor crawl -s CONCURRENT_REQUESTS_PER_DOMAIN=1 -s MONITOR_CONTACT=mailto:desk@example.org
    """
    from monitor.crawl import CrawlOptions
    from monitor.crawl import crawl as run_crawl
    from monitor.sources import SourcesError, load_sources, select_sources

    if not sources_file and not source_names:
        click.echo("crawling every shipped outlet (use --sources FILE or --source NAME to choose)", err=True)

    try:
        sources = select_sources(load_sources(sources_file), list(source_names))
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc
    database = open_db(db_url)
    database.dispose()
    options = CrawlOptions(
        database_url=database.url,
        sources=sources,
        all_topics=all_topics,
        refresh=refresh,
        watchlists_file=watchlists_file,
        log_level=log_level.upper(),
        overrides=parse_settings(settings),
    )
    report = run_crawl(options)
    click.echo(json.dumps({"sources": len(sources), **report.summary()}, default=str))
    if report.stats.get("finish_reason") not in ("finished", None):
        sys.exit(EXIT_FAILED)


def parse_settings(pairs: tuple[str, ...]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r}: expected NAME=VALUE", param_hint="--set")
        overrides[name.strip()] = value
    return overrides
