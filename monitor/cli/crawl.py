"""`monitor crawl`: one crawl of the sources."""

from __future__ import annotations

import json
import sys

import click

from monitor.cli.common import (
    all_topics_option,
    db_option,
    lock_dir_option,
    log_format_option,
    log_level_option,
    open_db,
    parse_settings,
    settings_option,
    sources_option,
    watchlists_option,
)


@click.command()
@db_option
@sources_option
@click.option("--source", "source_names", multiple=True, metavar="NAME", help="Crawl only this source (repeatable).")
@all_topics_option
@click.option("--refresh", is_flag=True, help="Fetch again articles that are already archived.")
@watchlists_option
@log_level_option
@log_format_option
@lock_dir_option
@click.option(
    "--distributed",
    is_flag=True,
    help="Share the request queue and seen URLs with `monitor worker` processes through Redis "
    "($MONITOR_REDIS_URL, docs/distributed.md); ends when the shared queue stayed empty for 10 s.",
)
@settings_option("-s DOWNLOAD_DELAY=2")
def crawl(
    db_url: str | None,
    sources_file: str | None,
    source_names: tuple[str, ...],
    all_topics: bool,
    refresh: bool,
    watchlists_file: str | None,
    log_level: str,
    log_format: str,
    lock_dir: str | None,
    distributed: bool,
    settings: tuple[str, ...],
) -> None:
    """Crawl the sources once: discover, fetch, extract, filter, store, group.

    Each source is locked while it is crawled: a source that the daemon or another `monitor crawl` is
    crawling is skipped with a message. One run log line per source goes to standard error
    (--log-format json for JSON); the summary goes to standard output.

    \b
    Exit status (see docs/deploy.md):
        0    every selected source was crawled to the end (even if some pages failed)
        1    the crawl could not run or did not finish (database unreachable, crash)
        2    bad command line or sources file
        75   some source was skipped: another process is crawling it (the others ran)
        130  stopped by SIGINT/SIGTERM before the end (what was fetched is committed)

    \b
    Example:
        monitor crawl                                   # every shipped outlet
        monitor crawl --sources my-outlets.toml --source lemonde --source bbc
        monitor crawl --all-topics --db postgresql://postgres@localhost/monitor
        monitor crawl -s CONCURRENT_REQUESTS_PER_DOMAIN=1 -s MONITOR_CONTACT=mailto:desk@example.org
    """
    from monitor.crawl import EXIT_INTERRUPTED, EXIT_USAGE, CrawlOptions, run_sources
    from monitor.sources import SourcesError, load_sources, select_sources
    from monitor.stopping import Interrupted

    if not sources_file and not source_names:
        click.echo("crawling every shipped outlet (use --sources FILE or --source NAME to choose)", err=True)

    try:
        sources = select_sources(load_sources(sources_file), list(source_names))
    except SourcesError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    database = open_db(db_url)
    database.dispose()
    overrides = parse_settings(settings)
    if distributed:
        from monitor.distributed import DistributedError, distributed_overrides

        try:
            overrides = distributed_overrides(overrides)
        except DistributedError as exc:
            raise click.ClickException(str(exc)) from exc
    options = CrawlOptions(
        database_url=database.url,
        sources=sources,
        all_topics=all_topics,
        refresh=refresh,
        watchlists_file=watchlists_file,
        log_level=log_level.upper(),
        overrides=overrides,
        origin="cron",
        log_format=log_format,
    )
    try:
        outcome = run_sources(options, lock_dir)
    except Interrupted:
        click.echo("stopped by a signal before the crawl started", err=True)
        sys.exit(EXIT_INTERRUPTED)
    for record in outcome.records:
        if record.status == "skipped":
            click.echo(f"{record.source}: skipped, {record.error}", err=True)
    summary = outcome.report.summary() if outcome.report else {}
    statuses = {r.source: r.status for r in outcome.records}
    click.echo(json.dumps({"sources": len(sources), "runs": statuses, **summary}, default=str))
    sys.exit(outcome.exit_status)
