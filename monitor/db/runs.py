"""Crawl runs (``crawl_runs``), the scheduler's next runs, and the PostgreSQL per-source advisory lock.

The only SQL of the daemon, ``monitor crawl`` run records and ``monitor status``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session

from monitor.db.models import Article, CrawlRun, Story, apscheduler_jobs
from monitor.db.models import Source as SourceRow
from monitor.db.session import Database
from monitor.db.store import utcnow

RUNNING = "running"
FINISHED = "finished"
INTERRUPTED = "interrupted"
FAILED = "failed"
SKIPPED = "skipped"
JOB_PREFIX = "crawl:"


@dataclass(frozen=True)
class RunRow:
    id: int
    source: str
    origin: str
    started: datetime
    finished: datetime | None
    status: str
    counts: dict[str, Any]
    error: str | None
    pid: int | None


def _row(run: CrawlRun) -> RunRow:
    counts = dict(run.counts or {})
    return RunRow(run.id, run.source, run.origin, run.started, run.finished, run.status, counts, run.error, run.pid)


class Runs:
    """Writes and reads of ``crawl_runs``."""

    def __init__(self, database: Database) -> None:
        self.db = database

    def start(self, source: str, origin: str, pid: int) -> int:
        """Open a ``running`` row. The caller holds the source's lock, so any other ``running`` row of the
        source belongs to a process that died (kill -9, power cut): those are closed as ``interrupted``."""
        now = utcnow()
        with self.db.session() as session:
            dead = select(CrawlRun).where(CrawlRun.source == source, CrawlRun.status == RUNNING)
            for stale in session.scalars(dead):
                _close(session, stale, INTERRUPTED, "the crawl process died before the end of the run", now)
            run = CrawlRun(source=source, origin=origin, started=now, status=RUNNING, counts={}, pid=pid)
            session.add(run)
            session.flush()
            return run.id

    def finish(self, run_id: int, status: str, counts: dict[str, Any], error: str | None = None) -> RunRow:
        with self.db.session() as session:
            run = session.get(CrawlRun, run_id)
            if run is None:
                raise LookupError(f"no crawl run {run_id}")
            run.status, run.counts, run.error, run.finished = status, counts, error, utcnow()
            session.flush()
            return _row(run)

    def record(self, source: str, origin: str, status: str, error: str | None, pid: int) -> RunRow:
        """A run that did not crawl (``skipped``, ``failed`` before the start): opened and closed at once."""
        now = utcnow()
        with self.db.session() as session:
            run = CrawlRun(
                source=source, origin=origin, started=now, finished=now, status=status, counts={}, error=error, pid=pid
            )
            session.add(run)
            session.flush()
            return _row(run)

    def close_dead(self, pid: int, status: str, error: str) -> list[RunRow]:
        """Close the ``running`` rows of a crawl process that died (its parent saw it go)."""
        with self.db.session() as session:
            runs = list(session.scalars(select(CrawlRun).where(CrawlRun.pid == pid, CrawlRun.status == RUNNING)))
            for run in runs:
                _close(session, run, status, error, utcnow())
            session.flush()
            return [_row(run) for run in runs]

    def of_pid(self, pid: int | None, since: datetime) -> list[RunRow]:
        """The runs that process ``pid`` opened since ``since`` (pids are reused)."""
        if pid is None:
            return []
        with self.db.session() as session:
            query = select(CrawlRun).where(CrawlRun.pid == pid, CrawlRun.started >= since).order_by(CrawlRun.id)
            return [_row(run) for run in session.scalars(query)]

    def gone(self, run: RunRow) -> bool:
        """Whether a ``running`` run's process is gone (killed before it could close the run; the next run
        of the source closes it). PostgreSQL: nobody holds the source's advisory lock, whatever the host;
        SQLite (a file on this host): its process is not alive. False when it cannot be known."""
        if run.status != RUNNING:
            return False
        if self.db.dialect == "postgresql":
            key = advisory_key(run.source) & 0xFFFFFFFFFFFFFFFF
            query = text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = :high AND objid = :low AND objsubid = 1"
            )
            with self.db.session() as session:
                return not session.scalar(query, {"high": key >> 32, "low": key & 0xFFFFFFFF})
        if self.db.dialect == "sqlite" and run.pid:
            try:
                os.kill(run.pid, 0)
            except ProcessLookupError:
                return True
            except OSError:  # alive, another user's
                return False
        return False

    def latest(self, limit_per_source: int = 1) -> dict[str, list[RunRow]]:
        """The latest runs of each source, newest first."""
        result: dict[str, list[RunRow]] = {}
        with self.db.session() as session:
            query = select(CrawlRun).order_by(CrawlRun.source, CrawlRun.started.desc(), CrawlRun.id.desc())
            for run in session.scalars(query):
                runs = result.setdefault(run.source, [])
                if len(runs) < limit_per_source:
                    runs.append(_row(run))
        return result

    def last_error(self) -> dict[str, RunRow]:
        """The latest failed or interrupted run of each source."""
        result: dict[str, RunRow] = {}
        with self.db.session() as session:
            query = (
                select(CrawlRun)
                .where(CrawlRun.status.in_((FAILED, INTERRUPTED)))
                .order_by(CrawlRun.started.desc(), CrawlRun.id.desc())
            )
            for run in session.scalars(query):
                result.setdefault(run.source, _row(run))
        return result

    def next_runs(self) -> dict[str, datetime | None]:
        """The scheduler's next run of each source (from APScheduler's job table); None when paused."""
        with self.db.session() as session:
            rows = session.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time))
            return {
                str(job_id).removeprefix(JOB_PREFIX): (datetime.fromtimestamp(when, UTC) if when is not None else None)
                for job_id, when in rows
                if str(job_id).startswith(JOB_PREFIX)
            }

    def archive_size(self, today_start: datetime) -> dict[str, int]:
        with self.db.session() as session:
            return {
                "articles": session.scalar(select(func.count()).select_from(Article)) or 0,
                "stories": session.scalar(select(func.count()).select_from(Story)) or 0,
                "articles_today": session.scalar(
                    select(func.count()).select_from(Article).where(Article.fetched_at >= today_start)
                )
                or 0,
                "stories_opened_today": session.scalar(
                    select(func.count()).select_from(Story).where(Story.created_at >= today_start)
                )
                or 0,
            }


def _close(session: Session, run: CrawlRun, status: str, error: str, now: datetime) -> None:
    """Close the run of a process that died: its counts are lost with it, but the articles it stored are in
    the archive (each committed on its own), counted here."""
    stored = session.scalar(
        select(func.count())
        .select_from(Article)
        .join(SourceRow, Article.source_id == SourceRow.id)
        .where(SourceRow.name == run.source, Article.fetched_at >= run.started)
    )
    run.status, run.error, run.finished = status, error, now
    run.counts = {**(run.counts or {}), "stored": int(stored or 0)}


def advisory_key(source: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock``, from the source name."""
    digest = hashlib.blake2b(f"facewatch-monitor:{source}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class AdvisoryLocks:
    """PostgreSQL session-level advisory locks, held on one connection for the whole crawl.

    They die with the connection, hence with the process; they cover crawls started on other hosts,
    which a lock file cannot see. On other databases this does nothing (the file lock does the work).
    """

    def __init__(self, database: Database) -> None:
        self.db = database
        self.connection: Connection | None = None

    @property
    def enabled(self) -> bool:
        return self.db.dialect == "postgresql"

    def try_lock(self, source: str) -> bool:
        if not self.enabled:
            return True
        if self.connection is None:
            self.connection = self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return bool(self.connection.scalar(select(func.pg_try_advisory_lock(advisory_key(source)))))

    def unlock(self, source: str) -> None:
        if self.connection is not None:
            self.connection.scalar(select(func.pg_advisory_unlock(advisory_key(source))))

    def close(self) -> None:
        if self.connection is not None:
            # the connection goes back to the pool, where its session lives on: release explicitly
            self.connection.scalar(select(func.pg_advisory_unlock_all()))
            self.connection.close()
            self.connection = None
