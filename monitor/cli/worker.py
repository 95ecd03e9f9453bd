"""`monitor worker`: fetch from the shared Redis queue and store into the one archive (distributed crawling)."""

from __future__ import annotations

import json
import sys

import click

from monitor.cli.common import (
    all_topics_option,
    db_option,
    log_level_option,
    open_db,
    parse_settings,
    settings_option,
    watchlists_option,
)

redis_option = click.option(
    "--redis",
    "redis_url",
    envvar="MONITOR_REDIS_URL",
    default=None,
    metavar="URL",
    help="Redis holding the shared queue (default: $MONITOR_REDIS_URL, else redis://127.0.0.1:6379/0).",
)
prefix_option = click.option(
    "--prefix",
    envvar="MONITOR_REDIS_PREFIX",
    default="monitor",
    show_default=True,
    help="Key prefix of the deployment in Redis ($MONITOR_REDIS_PREFIX): the same on every process of it.",
)


@click.command()
@db_option
@redis_option
@prefix_option
@click.option(
    "--idle-exit",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="Exit after the shared queue stayed empty this long; 0: run until SIGTERM.",
)
@all_topics_option
@watchlists_option
@log_level_option
@settings_option("-s CONCURRENT_REQUESTS=32")
@click.option("--status", "show_status", is_flag=True, help="Print the shared queue's state as JSON and exit.")
@click.option("--reset", is_flag=True, help="Delete the queue, the seen URLs and the sources of the prefix, and exit.")
def worker(
    db_url: str | None,
    redis_url: str | None,
    prefix: str,
    idle_exit: float,
    all_topics: bool,
    watchlists_file: str | None,
    log_level: str,
    settings: tuple[str, ...],
    show_status: bool,
    reset: bool,
) -> None:
    """Fetch pages from the shared Redis queue, extract, filter and store them into the archive.

    Run one or more workers per machine, all with the same --db (PostgreSQL), --redis and --prefix; the
    start URLs come from `monitor daemon --coordinator` or `monitor crawl --distributed`, the sources'
    definitions with them (see docs/distributed.md). SIGTERM stops a worker after the requests in flight.

    \b
    Exit status: 0 after --idle-exit or a graceful stop; 1 when Redis or the database cannot be used.

    \b
    Example:
        monitor worker --db postgresql://monitor@db.internal/monitor --redis redis://queue.internal:6379/0
        monitor worker --status                         # pending requests, seen articles, running workers
        monitor worker --prefix newsroom-test --reset   # forget that deployment's queue and seen URLs
    """
    from monitor.crawl import CrawlOptions, crawl
    from monitor.distributed import (
        DistributedConfig,
        DistributedError,
        distributed_settings,
        queue_status,
        resolve_redis_url,
    )
    from monitor.distributed import reset as reset_keys

    try:
        config = DistributedConfig(redis_url=resolve_redis_url(redis_url), prefix=prefix, idle_close=idle_exit)
        if show_status:
            click.echo(json.dumps(queue_status(config)))
            return
        if reset:
            click.echo(json.dumps({"prefix": prefix, "deleted_keys": reset_keys(config)}))
            return
        overrides = {**distributed_settings(config), **parse_settings(settings)}
        queue_status(config)  # Redis reachable: one clear line now rather than a crawl that cannot start
    except DistributedError as exc:
        raise click.ClickException(str(exc)) from exc
    database = open_db(db_url)
    database.dispose()
    if database.dialect == "sqlite":
        click.echo("warning: several workers writing one SQLite file contend for it; use PostgreSQL", err=True)
    options = CrawlOptions(
        database_url=database.url,
        sources=[],  # the start URLs and the sources' definitions come through Redis
        all_topics=all_topics,
        watchlists_file=watchlists_file,
        log_level=log_level.upper(),
        overrides=overrides,
        origin="worker",
    )
    report = crawl(options)
    click.echo(json.dumps({"worker": f"{prefix}@{config.redis_url}", **report.summary()}, default=str))
    if report.finish_reason not in ("finished", "shutdown"):
        sys.exit(1)
