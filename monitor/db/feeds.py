"""Reads and writes of discovery state: feed validators, adaptive polling, source health."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.db.models import FeedValidator, Source, SourceHealth, SourcePolling
from monitor.db.session import Database
from monitor.db.store import Store, utcnow
from monitor.db.upsert import insert_ignore
from monitor.health import PollingBounds, Tally, next_interval


@dataclass(frozen=True)
class SourceInfo:
    name: str
    title: str | None = None
    language: str | None = None
    homepage: str | None = None
    every: timedelta | None = None


# the kinds of sitemap a validator is kept for: a sitemap the source lists, an index (the source's or nested),
# a sitemap an index listed; an index answered 304 is read again from its children's rows (``sitemap_children``)
SITEMAP_INDEX = "sitemap_index"
SITEMAP_CHILD = "sitemap_child"
MAX_INDEX_CHILDREN = 50  # the sitemaps an index answered 304 is read from, per source, the latest changed


@dataclass(frozen=True)
class Validators:
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    kind: str | None = None
    source: str | None = None  # with ``validators_of``: the source's name and when the body last changed
    changed_at: datetime | None = None


@dataclass(frozen=True)
class ValidatorUpdate:
    url: str
    source: str
    kind: str
    etag: str | None
    last_modified: str | None
    content_hash: str | None


@dataclass(frozen=True)
class Polling:
    interval: timedelta
    next_poll_at: datetime | None
    consecutive_failures: int


def sitemap_children(
    known: dict[str, Validators], changed_since: datetime | None, most: int = MAX_INDEX_CHILDREN
) -> dict[str, list[str]]:
    """By source, the sitemaps that its indexes listed (nested indexes too), changed since ``changed_since``
    (None: any), at most ``most``, the latest changed first: what an index answered 304 still lists, as far
    as a crawl needs to know (a child unchanged for long has no entry the crawl would read; an archive index
    of hundreds of sitemaps does not cost hundreds of requests at each crawl). ``known``: ``validators_of``."""
    listed = [
        (v.changed_at, url, v.source)
        for url, v in known.items()
        if v.kind in (SITEMAP_CHILD, SITEMAP_INDEX)
        and v.source is not None
        and v.changed_at is not None
        and (changed_since is None or v.changed_at >= changed_since)
    ]
    listed.sort(key=lambda item: (-item[0].timestamp(), item[1]))  # the latest changed first, then by URL
    children: dict[str, list[str]] = {}
    for _changed, url, source in listed:
        urls = children.setdefault(source, [])
        if len(urls) < most:
            urls.append(url)
    return children


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


class FeedStore:
    def __init__(self, database: Database) -> None:
        self.db = database
        self.store = Store(database)

    def _source_ids(self, session: Session, sources: Iterable[SourceInfo]) -> dict[str, int]:
        sources = list(sources)
        names = sorted({s.name for s in sources})
        ids: dict[str, int] = {}
        for start in range(0, len(names), 500):  # the known ones in one query, then each missing one
            query = select(Source.name, Source.id).where(Source.name.in_(names[start : start + 500]))
            ids.update((name, source_id) for name, source_id in session.execute(query))
        for s in sources:
            if s.name not in ids:
                ids[s.name] = self.store.ensure_source(session, s.name, s.title, s.language, s.homepage)
        return ids

    # validators --------------------------------------------------------------------------------
    def validators(self, urls: Iterable[str]) -> dict[str, Validators]:
        """The stored validators of these URLs (those never fetched are absent)."""
        by_hash = {url_hash(u): u for u in urls}
        found: dict[str, Validators] = {}
        with self.db.session() as session:
            hashes = list(by_hash)
            for start in range(0, len(hashes), 500):
                query = select(FeedValidator).where(FeedValidator.url_hash.in_(hashes[start : start + 500]))
                for row in session.scalars(query):
                    found[by_hash[row.url_hash]] = Validators(row.etag, row.last_modified, row.content_hash)
        return found

    def validators_of(self, sources: Iterable[str]) -> dict[str, Validators]:
        """Every stored validator of these sources, by URL."""
        with self.db.session() as session:
            query = (
                select(FeedValidator, Source.name)
                .join(Source, Source.id == FeedValidator.source_id)
                .where(Source.name.in_(list(sources)))
            )
            return {
                row.url: Validators(row.etag, row.last_modified, row.content_hash, row.kind, name, row.changed_at)
                for row, name in session.execute(query)
            }

    def sitemap_children(
        self, sources: Iterable[str], changed_since: datetime | None, most: int = MAX_INDEX_CHILDREN
    ) -> dict[str, list[str]]:
        """``sitemap_children`` of these sources' stored validators."""
        return sitemap_children(self.validators_of(sources), changed_since, most)

    def sources_with_validators(self, sources: Iterable[str]) -> set[str]:
        """The sources among these with a stored validator: a crawl of theirs has finished before."""
        with self.db.session() as session:
            query = (
                select(Source.name)
                .join(FeedValidator, FeedValidator.source_id == Source.id)
                .where(Source.name.in_(list(sources)))
                .distinct()
            )
            return set(session.scalars(query))

    def save_validators(self, updates: Iterable[ValidatorUpdate], sources: Iterable[SourceInfo]) -> int:
        updates = list(updates)
        if not updates:
            return 0
        now = utcnow()
        with self.db.session() as session:
            ids = self._source_ids(session, sources)
            hashes = [url_hash(update.url) for update in updates]
            known: dict[str, FeedValidator] = {}
            for start in range(0, len(hashes), 500):  # one query, not one per URL (each flushing the last)
                query = select(FeedValidator).where(FeedValidator.url_hash.in_(hashes[start : start + 500]))
                known.update((row.url_hash, row) for row in session.scalars(query))
            for update, digest in zip(updates, hashes, strict=True):
                if update.source not in ids:
                    continue
                row = known.get(digest)
                if row is None:
                    row = known[digest] = FeedValidator(url_hash=digest, url=update.url, changed_at=now)
                    session.add(row)
                elif row.content_hash != update.content_hash:
                    row.changed_at = now
                row.source_id = ids[update.source]
                row.kind = update.kind
                row.etag = update.etag
                row.last_modified = update.last_modified
                row.content_hash = update.content_hash
                row.checked_at = now
        return len(updates)

    # polling and health --------------------------------------------------------------------------
    def polling(self, names: Iterable[str]) -> dict[str, Polling]:
        wanted = list(names)
        with self.db.session() as session:
            query = (
                select(Source.name, SourcePolling)
                .join(SourcePolling, SourcePolling.source_id == Source.id)
                .where(Source.name.in_(wanted))
            )
            return {
                name: Polling(timedelta(seconds=row.interval_seconds), row.next_poll_at, row.consecutive_failures)
                for name, row in session.execute(query)
            }

    def record_runs(
        self,
        tallies: Iterable[Tally],
        sources: Iterable[SourceInfo],
        started_at: datetime,
        bounds: PollingBounds,
        finished_at: datetime | None = None,
    ) -> int:
        """One health row per crawled source, and its polling state moved on; returns the rows written."""
        info = {s.name: s for s in sources}
        done = [t for t in tallies if t.attempted and t.source in info]
        finished = finished_at or utcnow()
        with self.db.session() as session:
            ids = self._source_ids(session, [info[t.source] for t in done])
            # Rows in source-id order: two processes closing at once lock them in the same order (no deadlock);
            # the existing ones first, in one query, then each missing one as it is created.
            wanted = sorted(ids[t.source] for t in done)
            existing: dict[int, SourcePolling] = {}
            for offset in range(0, len(wanted), 500):
                query = (
                    select(SourcePolling)
                    .where(SourcePolling.source_id.in_(wanted[offset : offset + 500]))
                    .order_by(SourcePolling.source_id)
                    .with_for_update()
                )
                existing.update((row.source_id, row) for row in session.scalars(query))
            for t in sorted(done, key=lambda tally: ids[tally.source]):
                source_id = ids[t.source]
                session.add(
                    SourceHealth(
                        source_id=source_id,
                        started_at=started_at,
                        finished_at=finished,
                        fetched=t.fetched,
                        not_modified=t.not_modified,
                        failed=t.failed,
                        new_articles=t.new_articles,
                        skipped_articles=t.skipped_articles,
                        errors=dict(sorted(t.errors.items())),
                        ok=t.ok,
                    )
                )
                polling = existing.get(source_id)
                if polling is None:
                    start = bounds.clamp(info[t.source].every or bounds.minimum)
                    # another process may create the row at the same moment: insert-or-ignore, then lock it
                    insert_ignore(
                        session,
                        SourcePolling,
                        [
                            {
                                "source_id": source_id,
                                "interval_seconds": int(start.total_seconds()),
                                "consecutive_failures": 0,
                            }
                        ],
                    )
                    polling = session.get(SourcePolling, source_id, with_for_update=True, populate_existing=True)
                    assert polling is not None
                    interval = start
                else:
                    interval = next_interval(timedelta(seconds=polling.interval_seconds), t.changed, bounds)
                polling.interval_seconds = int(interval.total_seconds())
                polling.last_polled_at = finished
                polling.next_poll_at = finished + interval
                if t.changed:
                    polling.last_changed_at = finished
                if t.ok:
                    polling.last_success_at = finished
                    polling.consecutive_failures = 0
                else:
                    polling.consecutive_failures = (polling.consecutive_failures or 0) + 1
        return len(done)

    def health(self, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Per source: the last run's counts, last success, failure streak, polling interval and next poll."""
        with self.db.session() as session:
            last_run = (
                select(SourceHealth.source_id, func.max(SourceHealth.id).label("run_id"))
                .group_by(SourceHealth.source_id)
                .subquery()
            )
            runs = (
                select(SourceHealth.source_id, func.count().label("runs")).group_by(SourceHealth.source_id).subquery()
            )
            query = (
                select(Source, SourcePolling, SourceHealth, runs.c.runs)
                .outerjoin(SourcePolling, SourcePolling.source_id == Source.id)
                .outerjoin(last_run, last_run.c.source_id == Source.id)
                .outerjoin(SourceHealth, SourceHealth.id == last_run.c.run_id)
                .outerjoin(runs, runs.c.source_id == Source.id)
                .order_by(Source.name)
            )
            if names is not None:
                query = query.where(Source.name.in_(list(names)))
            rows = []
            for source, polling, run, count in session.execute(query):
                rows.append(
                    {
                        "name": source.name,
                        "runs": count or 0,
                        "last_run": run.finished_at if run else None,
                        "fetched": run.fetched if run else None,
                        "not_modified": run.not_modified if run else None,
                        "failed": run.failed if run else None,
                        "new_articles": run.new_articles if run else None,
                        "errors": dict(run.errors) if run else {},
                        "last_success": polling.last_success_at if polling else None,
                        "failing_runs": polling.consecutive_failures if polling else 0,
                        "interval_s": polling.interval_seconds if polling else None,
                        "next_poll": polling.next_poll_at if polling else None,
                    }
                )
            return rows
