"""Running crawls: one-shot in this process (CLI, cron), or in a child process (daemon).

Twisted's reactor cannot be restarted in one process, so anything long-lived calls
``run_in_subprocess`` (or ``crawl_in_subprocess``) and never ``CrawlerProcess.start()`` twice.

``run_sources`` is a crawl with its bookkeeping: it takes each source's lock (``monitor.locks``; a source
that another process is crawling is skipped), opens a ``crawl_runs`` row per source, crawls, closes the
rows and writes one run log line per source (``monitor.runlog``).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from monitor.logsetup import hand_over
from monitor.runlog import RunRecord, emit
from monitor.sources import Source
from monitor.stopping import Interrupted, SignalStop, hold_signals

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings, Settings

    from monitor.workers import ExtractionPool

SUMMARY_KEYS = (
    "monitor/stored",
    "monitor/duplicates",
    "monitor/copies",
    "monitor/stories_opened",
    "monitor/off_topic",
    "monitor/extraction_failed",
    "monitor/already_archived",
    "monitor/feed_errors",
    "monitor/sitemap_errors",
    "item_scraped_count",
    "item_dropped_count",
    "downloader/request_count",
    "downloader/response_count",
    "log_count/ERROR",
    "finish_reason",
)
CHILD_NAME = "monitor-crawl"

# Exit statuses of a crawl (``monitor crawl``, ``monitor daemon --once``), for cron monitoring.
EXIT_OK = 0  # every selected source was crawled to the end (some pages may have failed)
EXIT_FAILED = 1  # the crawl could not run, or did not finish (database down, crash, killed)
EXIT_USAGE = 2  # bad command line or sources file
EXIT_SKIPPED = 75  # EX_TEMPFAIL: a source was skipped, another process is crawling it; the rest ran
EXIT_INTERRUPTED = 130  # stopped by SIGINT/SIGTERM before its end; what was fetched is committed

STATUS_EXIT = {"finished": EXIT_OK, "skipped": EXIT_SKIPPED, "interrupted": EXIT_INTERRUPTED, "failed": EXIT_FAILED}


@dataclass
class CrawlOptions:
    database_url: str | None = None
    sources: list[Source] = field(default_factory=list)
    all_topics: bool = False
    refresh: bool = False
    watchlists_file: str | None = None
    log_level: str = "INFO"
    overrides: dict[str, Any] = field(default_factory=dict)
    origin: str = "cron"  # who started the run: cron (monitor crawl), daemon, once
    log_format: str = "text"  # the run log lines: text or json


@dataclass
class CrawlReport:
    stats: dict[str, Any]
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def stored(self) -> int:
        return int(self.stats.get("monitor/stored", 0))

    @property
    def errors(self) -> int:
        return int(self.stats.get("log_count/ERROR", 0))

    @property
    def finish_reason(self) -> str | None:
        reason = self.stats.get("finish_reason")
        return str(reason) if reason is not None else None

    def summary(self) -> dict[str, Any]:
        return {k.removeprefix("monitor/"): self.stats[k] for k in SUMMARY_KEYS if k in self.stats}


@dataclass
class RunOutcome:
    """What a run of some sources did: one record per source."""

    records: list[RunRecord]
    report: CrawlReport | None = None
    exitcode: int | None = None  # of the child process, when the run was in one

    @property
    def exit_status(self) -> int:
        """The worst status of the sources: failed, then interrupted, then skipped, then ok."""
        codes = {STATUS_EXIT.get(r.status, EXIT_FAILED) for r in self.records} or {EXIT_OK}
        for code in (EXIT_FAILED, EXIT_INTERRUPTED, EXIT_SKIPPED):
            if code in codes:
                return code
        return EXIT_OK


def build_settings(options: CrawlOptions) -> Settings:
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    if not settings.get("BOT_NAME") or settings.get("BOT_NAME") == "scrapybot":
        settings.setmodule("monitor.settings", priority="project")
    settings.set("MONITOR_DATABASE_URL", options.database_url, priority="cmdline")
    settings.set("MONITOR_ALL_TOPICS", options.all_topics, priority="cmdline")
    settings.set("MONITOR_REFRESH", options.refresh, priority="cmdline")
    settings.set("LOG_LEVEL", options.log_level, priority="cmdline")
    level = logging.getLevelName(options.log_level.upper())
    if isinstance(level, int) and level > logging.INFO:  # Scrapy formats its stats dump (~0.1 s) before the log
        settings.set("STATS_DUMP", False, priority="cmdline")  # drops it; the run's record keeps the figures
    if options.watchlists_file:
        settings.set("MONITOR_WATCHLISTS_FILE", options.watchlists_file, priority="cmdline")
    for key, value in options.overrides.items():
        settings.set(key, value, priority="cmdline")
    return settings


def _count_per_source(crawler: Any, counts: dict[str, Counter[str]]) -> None:
    """Per-source counters from Scrapy's signals: pages fetched, items stored, dropped, failed."""
    from scrapy import signals

    def bump(source: Any, key: str) -> None:
        if isinstance(source, str):
            counts.setdefault(source, Counter())[key] += 1

    def response_received(response: Any, request: Any, **_: Any) -> None:
        bump(request.meta.get("source"), "pages")

    def item_scraped(item: Any, **_: Any) -> None:
        bump(getattr(item, "source", None), "stored")

    def item_dropped(item: Any, **_: Any) -> None:
        bump(getattr(item, "source", None), "dropped")

    def item_error(item: Any, **_: Any) -> None:
        bump(getattr(item, "source", None), "errors")

    for handler, signal_ in (
        (response_received, signals.response_received),
        (item_scraped, signals.item_scraped),
        (item_dropped, signals.item_dropped),
        (item_error, signals.item_error),
    ):
        crawler.signals.connect(handler, signal=signal_, weak=False)


def crawl(options: CrawlOptions, signals: SignalStop | None = None) -> CrawlReport:
    """Crawl ``options.sources`` in this process; call at most once per process.

    SIGINT/SIGTERM stop it gracefully (requests in flight finish, their articles are committed, the
    finish reason is ``shutdown``); a second signal stops it at once (each article is one transaction).
    Before Scrapy runs, a signal raises ``Interrupted`` (``monitor.stopping``).
    """
    from monitor.workers import ExtractionPool, extract_workers

    signals = signals or SignalStop().install()
    settings = build_settings(options)
    # ExtractionPipeline adopts this pool (spider argument). A crawl that expects pages starts its workers
    # first: they load trafilatura and warm up on the other core while this process loads Scrapy, the
    # spider and the database. A poll of sources crawled before starts a worker only for a page to extract:
    # most polls find every feed unchanged, and each worker costs seconds of CPU to start.
    pool = ExtractionPool(extract_workers(settings))
    if expects_pages(settings, options.sources):
        pool.start()
    try:
        return _crawl_with(options, settings, pool, signals)
    finally:
        pool.shutdown()


def expects_pages(settings: BaseSettings, sources: list[Source]) -> bool:
    """Whether a crawl of ``sources`` will likely extract pages: ``--refresh``, no storage, or a source that
    never finished a crawl (it has no stored validator). Any doubt (no database yet, an error) says yes."""
    if settings.getbool("MONITOR_REFRESH") or settings.getbool("MONITOR_STORAGE_DISABLED") or not sources:
        return True
    from monitor.db import Database
    from monitor.db.feeds import FeedStore

    names = {s.name for s in sources}
    try:
        database = Database(settings.get("MONITOR_DATABASE_URL"), upgrade=False)
        try:
            return FeedStore(database).sources_with_validators(names) != names
        finally:
            database.dispose()
    except Exception:  # a new database, a schema not there yet: the crawl finds out and says so
        return True


def _crawl_with(options: CrawlOptions, settings: Settings, pool: ExtractionPool, signals: SignalStop) -> CrawlReport:
    from spiders.news import NewsSpider

    level = logging.getLevelName(options.log_level.upper())
    # each record printed once: Scrapy's root handler replaces the command line's (monitor.logsetup)
    settings.set("LOG_INSTALL_ROOT_HANDLER", hand_over(level if isinstance(level, int) else None), priority="cmdline")
    counts: dict[str, Counter[str]] = {}
    with signals.building():
        process = signals.process(settings)
        crawler = process.create_crawler(NewsSpider)
        _count_per_source(crawler, counts)
        process.crawl(crawler, sources=options.sources, extraction_pool=pool)
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats is not None else {}
    if signals.received and stats.get("finish_reason") is None:  # stopped before the spider opened
        stats["finish_reason"] = "shutdown"
    for key, value in stats.items():  # the spider's own per-source stats: monitor/source/<name>/<what>
        name, _, what = key.removeprefix("monitor/source/").partition("/")
        if key.startswith("monitor/source/") and what and isinstance(value, int):
            counts.setdefault(name, Counter())[what.replace("/", "_")] = value
    return CrawlReport(dict(stats), {name: dict(c) for name, c in counts.items()})


def _status_of(report: CrawlReport) -> tuple[str, str | None]:
    reason = report.finish_reason
    if reason == "finished":
        return "finished", None
    if reason == "shutdown":
        return "interrupted", "stopped by a signal before the end"
    return "failed", f"crawl ended with finish reason {reason!r}"


def run_sources(options: CrawlOptions, lock_dir: str | None = None) -> RunOutcome:
    """Crawl the sources nobody else is crawling, with a run row and a run log line per source.

    A signal before the crawl raises ``Interrupted`` when no run row is open yet; once rows are open, they
    are closed as ``interrupted``.

    The lock folder is ``lock_dir``, else the ``MONITOR_LOCK_DIR`` setting (``-s``, the settings module), else
    the database's default: the daemon and ``monitor crawl`` given the same settings share their locks."""
    from monitor.db import Database
    from monitor.db.runs import AdvisoryLocks, Runs
    from monitor.locks import acquire, lock_dir_for

    signals = SignalStop().install()
    if not lock_dir:
        lock_dir = build_settings(options).get("MONITOR_LOCK_DIR") or None
    database = Database(options.database_url)
    runs, advisory = Runs(database), AdvisoryLocks(database)
    names = [s.name for s in options.sources]
    locks = acquire(lock_dir_for(database.url, lock_dir), names)
    records: list[RunRecord] = []
    pid = os.getpid()
    try:
        for name in locks.held:
            if not advisory.try_lock(name):
                locks.release(name)
                locks.busy[name] = "a process holding its PostgreSQL advisory lock"
        for name, holder in locks.busy.items():
            row = runs.record(name, options.origin, "skipped", f"another crawl is running it ({holder})", pid)
            records.append(_record(row))
            emit(records[-1], options.log_format)
        held = [s for s in options.sources if s.name in locks.handles]
        if not held:
            return RunOutcome(records)
        run_ids: dict[str, int] = {}
        report: CrawlReport | None = None
        try:
            for source in held:
                run_ids[source.name] = runs.start(source.name, options.origin, pid)
            report = crawl(replace(options, sources=held, database_url=database.url), signals)
            status, error = _status_of(report)
        except Interrupted:
            status, error = "interrupted", "stopped by a signal before the crawl started"
        except Exception as exc:  # the crawl could not run: every source of it failed
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        hold_signals()  # the crawl is over: its bookkeeping (a few ms) is not cut short by a late signal
        for source in held:
            counts = dict(report.per_source.get(source.name, {})) if report else {}
            if source.name in run_ids:
                row = runs.finish(run_ids[source.name], status, counts, error)
            else:  # the signal came before its row was opened
                row = runs.record(source.name, options.origin, status, error, pid)
            records.append(_record(row))
            emit(records[-1], options.log_format)
        return RunOutcome(records, report)
    finally:
        advisory.close()
        locks.release()
        database.dispose()
        signals.uninstall()  # the caller's handlers back, unless the crawl ran (then ignored until the end)


def _record(row: Any) -> RunRecord:
    return RunRecord(row.source, row.status, row.origin, row.started, row.finished, row.counts, row.error, row.pid)


# Child processes ------------------------------------------------------------------------------------------
def _detach() -> None:
    """In a crawl child: a session of its own (a terminal's Ctrl-C reaches only the parent, which decides),
    and on Linux a SIGTERM when the parent dies, so an orphaned crawl stops gracefully."""
    with contextlib.suppress(OSError):
        os.setsid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # the parent died before prctl
        os.kill(os.getpid(), signal.SIGTERM)


def _child_main(work: Callable[[], Any], conn: Any) -> None:
    _detach()
    SignalStop().install()
    try:
        conn.send(work())
    except Interrupted:
        raise SystemExit(EXIT_INTERRUPTED) from None
    finally:
        conn.close()


def _crawl_child(options: CrawlOptions, conn: Any) -> None:
    _child_main(lambda: crawl(options), conn)


def _run_child(options: CrawlOptions, lock_dir: str | None, conn: Any) -> None:
    _child_main(lambda: run_sources(options, lock_dir), conn)


@dataclass(frozen=True)
class ChildResult:
    value: Any  # what the child sent, None when it died first
    exitcode: int | None
    pid: int | None
    started: datetime


def _in_child(target: Callable[..., None], args: tuple[Any, ...], timeout: float | None, grace: float) -> ChildResult:
    """Run ``target(*args, conn)`` in a spawned child and return what it sends on ``conn``.

    The result is read before the join (a child blocked on a full pipe never exits), the child's death is
    seen as the pipe's end (kill -9 included), and past ``timeout`` the child gets SIGTERM, then after
    ``grace`` seconds SIGKILL.
    """
    started = datetime.now(UTC)
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=target, args=(*args, sender), name=CHILD_NAME)
    child.start()
    sender.close()  # only the child holds the sending end: its death is an EOF here
    deadline = time.monotonic() + timeout if timeout else None
    killed_at: float | None = None
    value: Any = None
    try:
        while True:
            if receiver.poll(0.2):
                with contextlib.suppress(EOFError, OSError):
                    value = receiver.recv()
                break
            now = time.monotonic()
            if deadline is not None and now > deadline and killed_at is None:
                child.terminate()
                killed_at = now
            elif killed_at is not None and now > killed_at + grace:
                child.kill()
    finally:
        child.join(grace)
        if child.is_alive():
            child.kill()
            child.join()
        receiver.close()
    return ChildResult(value, child.exitcode, child.pid, started)


def describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "crawl process did not exit"
    if exitcode == EXIT_INTERRUPTED:
        return "crawl process stopped by a signal before the crawl started"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        return f"crawl process killed by {name}"
    return f"crawl process exited with status {exitcode}"


def crawl_in_subprocess(options: CrawlOptions, timeout: float | None = None, grace: float = 30.0) -> CrawlReport:
    """Crawl in a child process (no locks, no run rows): the caller survives anything the crawl does."""
    result = _in_child(_crawl_child, (options,), timeout, grace)
    if isinstance(result.value, CrawlReport):
        report = result.value
        if result.exitcode not in (0, None):
            report.stats.setdefault("monitor/child_exitcode", result.exitcode)
        return report
    stats: dict[str, Any] = {"finish_reason": describe_exit(result.exitcode), "log_count/ERROR": 1}
    return CrawlReport(stats)


def run_in_subprocess(
    options: CrawlOptions, lock_dir: str | None = None, timeout: float | None = None, grace: float = 30.0
) -> RunOutcome:
    """``run_sources`` in a child process; a child that dies mid-run has its runs closed here."""
    result = _in_child(_run_child, (options, lock_dir), timeout, grace)
    if isinstance(result.value, RunOutcome):
        result.value.exitcode = result.exitcode
        return result.value
    return RunOutcome(_close_dead_runs(options, result), exitcode=result.exitcode)


def _close_dead_runs(options: CrawlOptions, result: ChildResult) -> list[RunRecord]:
    from monitor.db import Database
    from monitor.db.runs import Runs

    error = describe_exit(result.exitcode)
    database = Database(options.database_url, upgrade=False)
    try:
        runs = Runs(database)
        rows = runs.close_dead(result.pid, "interrupted", error) if result.pid is not None else []
        if not rows and not runs.of_pid(result.pid, result.started):  # died before opening its runs
            status = "interrupted" if (result.exitcode or 0) < 0 or result.exitcode == EXIT_INTERRUPTED else "failed"
            rows = [runs.record(s.name, options.origin, status, error, result.pid or 0) for s in options.sources]
    finally:
        database.dispose()
    records = [_record(row) for row in rows]
    for record in records:
        emit(record, options.log_format)
    return records
