"""The daemon: each source crawled on its cadence by APScheduler, every crawl in a child process.

* Schedule: one APScheduler job per source (id ``crawl:<name>``), an interval (``every = "30m"``) or a
  cron expression (``every = "*/30 * * * *"``, local time), with jitter, coalescing, at most one
  instance per source and a misfire grace time. The job store is the ``apscheduler_jobs`` table of the
  archive's database, so the next runs survive a restart; a source whose cadence did not change keeps
  its next run, a new source runs at once.
* Each crawl runs in a spawned child process (``monitor.crawl.run_in_subprocess``): Twisted's reactor
  is never restarted, whatever a crawl does the daemon survives it, and the daemon's memory stays flat.
  The child takes the source's lock, so a cron ``monitor crawl`` of the same source never overlaps.
* Stop: the first SIGTERM/SIGINT stops scheduling and passes SIGTERM to the crawls, which finish the
  requests in flight and commit their articles; a second signal kills the crawls at once (each article
  is one transaction, so the archive stays consistent) and the daemon exits.
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor as _APSThreadPool
from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.crawl import CHILD_NAME, EXIT_FAILED, EXIT_INTERRUPTED, CrawlOptions, RunOutcome, run_in_subprocess
from monitor.db.runs import JOB_PREFIX
from monitor.sources import Source, parse_every

if TYPE_CHECKING:
    from monitor.distributed import DistributedConfig

logger = logging.getLogger("monitor.daemon")
JOBS_TABLE = "apscheduler_jobs"


def trigger_for(every: str, max_jitter: float = 60.0, timezone: Any = None) -> BaseTrigger:
    """The trigger of a cadence; the jitter is at most a tenth of an interval and ``max_jitter`` seconds."""
    interval = parse_every(every)
    if interval is not None:
        seconds = interval.total_seconds()
        jitter = min(max_jitter, seconds / 10)
        return IntervalTrigger(seconds=int(seconds), jitter=jitter or None, timezone=timezone)
    try:
        return CronTrigger.from_crontab(every, timezone=timezone)
    except ValueError as exc:
        raise ValueError(f"{every!r}: not a cadence (30s, 15m, 2h, 1d) nor a cron expression: {exc}") from exc


@dataclass(frozen=True)
class ScheduledCrawl:
    """What a job of the job store carries (pickled): everything one run of one source needs."""

    options: CrawlOptions
    lock_dir: str | None = None
    timeout: float | None = None
    coordinator: DistributedConfig | None = None  # set: enqueue the source for the workers instead


def run_scheduled(job: ScheduledCrawl) -> int:
    """The job function: one crawl of one source in a child process; returns its exit status.

    A coordinator (``monitor daemon --coordinator``) does not crawl: it pushes the source's start URLs
    into the shared Redis queue, which ``monitor worker`` processes fetch.
    """
    if job.coordinator is not None:
        from monitor.distributed import enqueue_sources

        queued = enqueue_sources(job.coordinator, job.options.sources)
        logger.info("%s: %d start request(s) queued for the workers", job.options.sources[0].name, queued)
        return 0
    outcome = run_in_subprocess(job.options, job.lock_dir, job.timeout)
    return outcome.exit_status


@dataclass
class DaemonConfig:
    database_url: str
    sources: list[Source]
    options: CrawlOptions = field(default_factory=CrawlOptions)
    lock_dir: str | None = None
    max_crawls: int = 1
    max_jitter: float = 60.0
    misfire_grace_time: float | None = None
    crawl_timeout: float | None = None
    coordinator: DistributedConfig | None = None


class _CrawlPool(_APSThreadPool):
    """APScheduler's thread pool, whose shutdown drops the runs that are waiting for a thread.

    APScheduler moves a job's next run on when it submits the run, so a dropped run is handed to
    ``on_dropped`` (the daemon keeps the source due); its future is settled without a traceback.
    """

    def __init__(self, max_workers: int, on_dropped: Callable[[Job, list[datetime]], None]) -> None:
        super().__init__(max_workers)
        self._on_dropped = on_dropped
        self._waiting: dict[concurrent.futures.Future[Any], tuple[Job, list[datetime]]] = {}
        self._waiting_lock = threading.Lock()

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        future = self._pool.submit(self._run, job, run_times)
        with self._waiting_lock:
            if not future.done() and not future.running():
                self._waiting[future] = (job, run_times)
        future.add_done_callback(lambda done: self._settle(job, done))

    def _run(self, job: Job, run_times: list[datetime]) -> Any:
        with self._waiting_lock:  # started: no longer waiting, a shutdown cannot drop it
            for future, (waiting, _) in list(self._waiting.items()):
                if waiting is job:
                    del self._waiting[future]
        return run_job(job, job._jobstore_alias, run_times, self._logger.name)

    def _settle(self, job: Job, future: concurrent.futures.Future[Any]) -> None:
        with self._waiting_lock:
            self._waiting.pop(future, None)
        if future.cancelled():
            self._run_job_success(job.id, [])  # releases the job's instance; no event to dispatch
            return
        exc = future.exception()
        if exc is not None:
            self._run_job_error(job.id, exc, exc.__traceback__)
        else:
            self._run_job_success(job.id, future.result())

    def shutdown(self, wait: bool = True) -> None:
        with self._waiting_lock:
            waiting = list(self._waiting.items())
        for future, (job, run_times) in waiting:
            if future.cancel():
                self._on_dropped(job, run_times)
        self._pool.shutdown(wait, cancel_futures=True)


class _Scheduler(BackgroundScheduler):
    """APScheduler's background scheduler, but a scheduler that is shutting down starts nothing more
    (APScheduler's loop processes due jobs once more after ``shutdown``, and moves their next runs on)."""

    def _process_jobs(self) -> float | None:
        if self.state != STATE_RUNNING:
            return None
        wait: float | None = super()._process_jobs()
        return wait


class Daemon:
    def __init__(self, config: DaemonConfig, jobstore: BaseJobStore | None = None) -> None:
        from monitor.db import Database

        self.config = config
        self.database = Database(config.database_url)
        self.jobstore = jobstore or SQLAlchemyJobStore(engine=self.database.engine, tablename=JOBS_TABLE)
        self.scheduler = _Scheduler(
            jobstores={"default": self.jobstore},
            executors={"default": _CrawlPool(max(1, config.max_crawls), self._keep_due)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": config.misfire_grace_time,
            },
        )
        self._stop = threading.Event()
        self._force = False
        self._signalled: dict[int, int] = {}  # crawl child pid -> the last signal we sent it

    # the schedule -----------------------------------------------------------------------------------
    def _job(self, source: Source) -> ScheduledCrawl:
        options = replace(self.config.options, sources=[source], database_url=self.database.url)
        return ScheduledCrawl(options, self.config.lock_dir, self.config.crawl_timeout, self.config.coordinator)

    def sync(self) -> None:
        """Make the job store hold one job per source; unchanged cadences keep their next run."""
        now = datetime.now(self.scheduler.timezone)
        wanted = {f"{JOB_PREFIX}{s.name}": s for s in self.config.sources}
        for job in self.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                logger.info("%s: no longer in the sources, unscheduled", job.id.removeprefix(JOB_PREFIX))
                job.remove()
        for job_id, source in wanted.items():
            trigger = trigger_for(source.every, self.config.max_jitter, self.scheduler.timezone)
            name = f"{source.name} every {source.every}"
            try:
                existing = self.scheduler.get_job(job_id)
            except Exception:  # a job pickled by another version: scheduled afresh
                existing = None
            next_run = now
            if existing is not None and existing.name == name:
                next_run = existing.next_run_time
            self.scheduler.add_job(
                run_scheduled,
                trigger,
                id=job_id,
                name=name,
                kwargs={"job": self._job(source)},
                replace_existing=True,
                next_run_time=next_run,
            )

    def _keep_due(self, job: Job, run_times: list[datetime]) -> None:
        """A run dropped at shutdown before it started: its source stays due, for the next start."""
        stored = self.jobstore.lookup_job(job.id)
        if stored is None or not run_times:
            return
        stored.next_run_time = min(run_times)
        self.jobstore.update_job(stored)
        logger.info("%s: not started before the stop, still due", job.id.removeprefix(JOB_PREFIX))

    def next_runs(self) -> dict[str, datetime | None]:
        return {
            job.id.removeprefix(JOB_PREFIX): job.next_run_time
            for job in self.scheduler.get_jobs()
            if job.id.startswith(JOB_PREFIX)
        }

    # signals ----------------------------------------------------------------------------------------
    def request_stop(self, signum: int = signal.SIGTERM, _frame: FrameType | None = None) -> None:
        """First call: stop gracefully; second call: stop at once."""
        if self._stop.is_set():
            self._force = True
            logger.warning("second signal: killing the crawls in progress")
        else:
            self._stop.set()
            logger.warning("signal %s: stopping; the crawls in progress commit what they fetched", signum)

    def _install_signals(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.request_stop)

    def _forward_stop(self) -> None:
        """Pass the stop on to the crawl children (they run in sessions of their own)."""
        wanted = signal.SIGKILL if self._force else signal.SIGTERM
        for child in multiprocessing.active_children():
            if child.name != CHILD_NAME or child.pid is None or self._signalled.get(child.pid) == wanted:
                continue
            try:
                os.kill(child.pid, wanted)
            except ProcessLookupError:
                continue
            self._signalled[child.pid] = wanted

    def _wait_stopping(self, busy: threading.Thread | None = None, futures: list[Any] | None = None) -> None:
        while (busy is not None and busy.is_alive()) or (futures and not all(f.done() for f in futures)):
            if self._stop.is_set():
                self._forward_stop()
            if busy is not None:
                busy.join(0.2)
            else:
                concurrent.futures.wait(futures or [], timeout=0.2)

    # running ----------------------------------------------------------------------------------------
    def run(self) -> int:
        """Run until SIGTERM/SIGINT; 0 after a graceful stop, 130 when a second signal cut it short."""
        self._install_signals()
        self.scheduler.start(paused=True)
        self.sync()
        for name, when in sorted(self.next_runs().items()):
            logger.info("%s: next run %s", name, when.isoformat() if when else "paused")
        self.scheduler.resume()
        logger.info(
            "daemon running: %d sources, at most %d crawls at a time", len(self.config.sources), self.config.max_crawls
        )
        while not self._stop.wait(0.5):
            pass
        stopper = threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True}, name="scheduler-stop")
        stopper.start()
        self._wait_stopping(busy=stopper)
        self.database.dispose()
        return EXIT_INTERRUPTED if self._force else 0

    def run_once(self) -> int:
        """Run every due source once (a new source is due), move their next runs on, and return the worst
        exit status of the runs (see ``monitor.crawl``). The due sources are crawled together, one crawl per
        lane (``max_crawls``), not one process per source."""
        self._install_signals()
        self.scheduler.start(paused=True)
        try:
            self.sync()
            now = datetime.now(self.scheduler.timezone)
            due = [
                job
                for job in self.scheduler.get_jobs()
                if job.id.startswith(JOB_PREFIX) and job.next_run_time is not None and job.next_run_time <= now
            ]
            logger.info("%d of %d sources due", len(due), len(self.config.sources))
            statuses: list[int] = []
            lanes = max(1, self.config.max_crawls)
            with concurrent.futures.ThreadPoolExecutor(max_workers=lanes) as pool:
                if self.config.coordinator is not None:  # each source's start URLs queued on their own
                    futures = [pool.submit(self._run_due, [job]) for job in due]
                else:  # one crawl per lane for all its due sources: one start-up, not one per source
                    futures = [pool.submit(self._run_due, due[lane::lanes]) for lane in range(min(lanes, len(due)))]
                self._wait_stopping(futures=futures)
                for future in futures:
                    try:
                        statuses.append(future.result())
                    except Exception:
                        logger.exception("a run failed")
                        statuses.append(EXIT_FAILED)
            return RunOutcome([]).exit_status if not statuses else _worst(statuses)
        finally:
            self.scheduler.shutdown(wait=False)
            self.database.dispose()

    def _run_due(self, jobs: list[Any]) -> int:
        """One run of these due jobs' sources together (each keeps its own lock and run row), then each job
        moved on to its next run."""
        if self._stop.is_set():
            return EXIT_INTERRUPTED
        scheduled: ScheduledCrawl = jobs[0].kwargs["job"]
        sources = [source for job in jobs for source in job.kwargs["job"].options.sources]
        status = run_scheduled(replace(scheduled, options=replace(scheduled.options, sources=sources)))
        after = datetime.now(self.scheduler.timezone) + timedelta(microseconds=1)
        for job in jobs:
            self.scheduler.modify_job(job.id, next_run_time=job.trigger.get_next_fire_time(job.next_run_time, after))
        return status


def _worst(statuses: list[int]) -> int:
    for code in (EXIT_FAILED, EXIT_INTERRUPTED):
        if code in statuses:
            return code
    return max(statuses)
