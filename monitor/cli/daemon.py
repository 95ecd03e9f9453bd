"""`monitor daemon`: every source crawled on its cadence, until SIGTERM."""

from __future__ import annotations

import logging
import sys

import click

from monitor.cli.common import (
    all_topics_option,
    db_option,
    lock_dir_option,
    log_format_option,
    open_db,
    parse_settings,
    settings_option,
    sources_option,
    watchlists_option,
)


@click.command()
@db_option
@sources_option
@click.option("--source", "source_names", multiple=True, metavar="NAME", help="Schedule only this source (repeatable).")
@click.option("--once", is_flag=True, help="Run every due source once (a new source is due), then exit.")
@all_topics_option
@watchlists_option
@log_format_option
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="Level of the daemon's messages; the crawls log at WARNING unless DEBUG.",
)
@lock_dir_option
@settings_option("-s MONITOR_DAEMON_MAX_CRAWLS=4")
@click.option(
    "--coordinator",
    is_flag=True,
    help="Do not crawl: enqueue each due source into the shared Redis queue for `monitor worker` processes "
    "($MONITOR_REDIS_URL, -s MONITOR_REDIS_PREFIX=...).",
)
def daemon(
    db_url: str | None,
    sources_file: str | None,
    source_names: tuple[str, ...],
    once: bool,
    all_topics: bool,
    watchlists_file: str | None,
    log_format: str,
    log_level: str,
    lock_dir: str | None,
    settings: tuple[str, ...],
    coordinator: bool,
) -> None:
    """Crawl each source on its cadence (`every` in the sources file: 30s, 15m, 2h, 1d or a cron
    expression), until SIGTERM or SIGINT.

    The schedule is kept in the database, so a restart keeps the next runs. Each crawl runs in a child
    process and takes the source's lock: a cron `monitor crawl` of the same source never overlaps. The
    first SIGTERM/SIGINT lets the crawls in progress commit what they fetched; a second stops at once.
    One run log line per run per source goes to standard error; `monitor status` shows the runs.

    Settings (-s): MONITOR_DAEMON_MAX_CRAWLS (crawls at a time, 1), MONITOR_SCHEDULE_JITTER (seconds,
    60), MONITOR_MISFIRE_GRACE_TIME (seconds a late run may still start; unset: always once),
    MONITOR_CRAWL_TIMEOUT (seconds, 6 hours).

    \b
    Exit status: 0 after a graceful stop; 130 when a second signal cut it short; 1 when it cannot start.
    With --once, the worst status of the runs, as for `monitor crawl` (0, 1, 75, 130).

    \b
    Example:
        monitor daemon --sources my-outlets.toml
        monitor daemon --once --log-format json       # from cron: whatever is due, then exit
        monitor daemon -s MONITOR_DAEMON_MAX_CRAWLS=4 --db postgresql://monitor@localhost/monitor
        monitor daemon --coordinator --db postgresql://monitor@db/monitor   # workers: `monitor worker`
    """
    from monitor.crawl import EXIT_USAGE, CrawlOptions, build_settings
    from monitor.scheduler import Daemon, DaemonConfig, trigger_for
    from monitor.sources import SourcesError, load_sources, select_sources

    level = log_level.upper()
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("monitor.daemon").setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    try:
        sources = select_sources(load_sources(sources_file), list(source_names))
        for source in sources:
            trigger_for(source.every)
    except (SourcesError, ValueError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    database = open_db(db_url)
    database.dispose()
    overrides = parse_settings(settings)
    options = CrawlOptions(
        database_url=database.url,
        all_topics=all_topics,
        watchlists_file=watchlists_file,
        log_level="DEBUG" if level == "DEBUG" else "WARNING",
        overrides=overrides,
        origin="once" if once else "daemon",
        log_format=log_format,
    )
    scrapy_settings = build_settings(options)
    grace = scrapy_settings.get("MONITOR_MISFIRE_GRACE_TIME")
    timeout = scrapy_settings.getfloat("MONITOR_CRAWL_TIMEOUT", 6 * 3600)
    config = DaemonConfig(
        database_url=database.url,
        sources=sources,
        options=options,
        lock_dir=lock_dir or scrapy_settings.get("MONITOR_LOCK_DIR"),
        max_crawls=scrapy_settings.getint("MONITOR_DAEMON_MAX_CRAWLS", 1),
        max_jitter=scrapy_settings.getfloat("MONITOR_SCHEDULE_JITTER", 60.0),
        misfire_grace_time=float(grace) if grace not in (None, "") else None,
        crawl_timeout=timeout or None,
    )
    if coordinator:
        from monitor.distributed import DistributedConfig, DistributedError, redis_client

        try:
            config.coordinator = DistributedConfig.from_settings(scrapy_settings)
            redis_client(config.coordinator).close()
        except (DistributedError, OSError) as exc:
            click.echo(f"Error: cannot reach the shared queue: {exc}", err=True)
            sys.exit(1)
    runner = Daemon(config)
    sys.exit(runner.run_once() if once else runner.run())
