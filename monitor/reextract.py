"""Re-extraction: run ``extract_article`` again over the archived raw HTML, without fetching anything.

After an improvement of the extractor, ``reextract`` reads each archived page (``raw_pages``), extracts it
again and writes back what changed among title, text, published_at, authors, language and content_hash,
and the metadata stored beside them (agency, updated_at, description, section, tags, image_url,
is_paywalled, provenance: rows archived before these columns existed get them filled).
Nothing is lost: a value the new extraction does not find (a title or date that came from the feed, say)
is kept; a page that no longer extracts, or whose raw HTML is unreadable, keeps its row as it was and is
reported; a new text that hashes like another article of the same source (the ``(source_id,
content_hash)`` unique constraint) is reported as a collision and that row is left unchanged. Topics,
wire copies and stories are not recomputed (``monitor regroup`` rebuilds the stories).
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from monitor.article import Article
from monitor.clocks import on_clock
from monitor.db.reextract_queries import (
    BATCH_SIZE,
    ArchivedPage,
    FieldUpdate,
    apply_updates,
    count_archived_pages,
    iter_archived_pages,
)
from monitor.db.session import Database
from monitor.db.store import metadata_values
from monitor.textnorm import content_hash
from monitor.workers import ExtractionPool, PageJob, PageResult

UNDETERMINED = "und"
MAX_LISTED_PROBLEMS = 20
MIN_PAGES_FOR_WORKERS = 50
IN_FLIGHT_PER_WORKER = 4  # pages sent to the workers ahead of the one awaited


@dataclass
class ReextractReport:
    """Counts of one run; ``problems``: the first failures and collisions, one line each."""

    total: int = 0
    examined: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    collisions: int = 0
    not_articles: int = 0
    fields: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def note(self, line: str) -> None:
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(line)

    def summary(self, dry_run: bool = False) -> str:
        verb = "would change" if dry_run else "changed"
        by_field = ", ".join(f"{name} {count}" for name, count in sorted(self.fields.items())) or "none"
        return (
            f"re-extracted {self.examined} page(s): {self.changed} {verb} ({by_field}), {self.unchanged} "
            f"unchanged, {self.failed} failed, {self.collisions} content-hash collision(s) left unchanged, "
            f"{self.not_articles} no longer read as articles (kept)"
        )


Progress = Callable[[ReextractReport], None]


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def new_values(
    article: Article, current: dict[str, Any], source_language: str | None, zone: tzinfo | None = None
) -> dict[str, Any]:
    """The fields of the stored row that the new extraction changes (pure).

    Title and date are only replaced by a value, never erased (the feed may have given them); authors
    are replaced, an empty list included (a desk name taken for a person is a mistake to undo), and so is
    the metadata beside them (``metadata_values``); ``provenance`` is updated field by field. A date-time
    the page gives without an offset is read on the source's clock ``zone`` (as the crawl reads it:
    ``ClockPipeline``), else on the clock of the stored date, else as UTC: a page archived before its
    source had a clock gets its date right.
    """
    clock = zone
    if clock is None and current.get("published_offset") is not None:
        clock = timezone(timedelta(minutes=current["published_offset"]))
    if clock is not None:  # times the page gives without an offset
        article = replace(
            article, published_at=on_clock(article.published_at, clock), updated_at=on_clock(article.updated_at, clock)
        )
    language = article.language
    if not language or language == UNDETERMINED:
        language = article.declared_language or source_language or UNDETERMINED
    wanted: dict[str, Any] = {
        "text": article.text,
        "content_hash": content_hash(article.text),
        "authors": list(article.authors),
        "language": language,
    }
    if article.title:
        wanted["title"] = article.title
    if article.published_at is not None:
        wanted["published_at"] = article.published_at
    wanted.update(metadata_values(article))
    if article.published_at is None:  # the stored date stays, with the offset it was stored with
        del wanted["published_offset"]
    provenance = {**(current.get("provenance") or {}), **article.provenance}  # a kept title keeps its origin
    if not article.authors:
        provenance.pop("authors", None)
    wanted["provenance"] = provenance
    changes: dict[str, Any] = {}
    for name, value in wanted.items():
        old = current.get(name)
        if name in ("published_at", "updated_at"):
            if _as_utc(value) != _as_utc(old):
                changes[name] = value
        elif name in ("authors", "tags"):
            if list(value or []) != list(old or []):
                changes[name] = value
        elif name == "provenance":
            if value != (old or {}):
                changes[name] = value
        elif name == "is_paywalled":
            if value != bool(old):
                changes[name] = value
        elif value != old:
            changes[name] = value
    return changes


def reextract(
    database: Database,
    since: datetime | None = None,
    source: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int = 0,
    zones: Mapping[str, tzinfo] | None = None,
) -> ReextractReport:
    """Re-extract the archived pages (fetched since ``since``, of source ``source``) and store what changed;
    ``workers`` processes extract them (0: this process); ``zones``: the clock of each source, by name
    (``Source.zone``), for the times its pages give without an offset."""
    report = ReextractReport(total=count_archived_pages(database, since, source))
    pool = ExtractionPool(workers if report.total >= MIN_PAGES_FOR_WORKERS else 0)
    try:
        pages = iter_archived_pages(database, since, source, batch_size)
        asyncio.run(_reextract_all(database, pool, pages, report, dry_run, progress, batch_size, zones or {}))
    finally:
        pool.shutdown()
    if progress is not None:
        progress(report)
    return report


async def _reextract_all(
    database: Database,
    pool: ExtractionPool,
    pages: Iterable[ArchivedPage],
    report: ReextractReport,
    dry_run: bool,
    progress: Progress | None,
    batch_size: int,
    zones: Mapping[str, tzinfo],
) -> None:
    """Extract ``pages`` in the pool, a few per worker in flight while the next ones are read, and store
    what changed, a batch at a time, in the order of ``pages``."""
    in_flight: deque[tuple[ArchivedPage, asyncio.Future[PageResult | None]]] = deque()
    pending: list[FieldUpdate] = []

    async def settle_oldest() -> None:
        page, extracted = in_flight.popleft()
        report.examined += 1
        change = _reextract_page(page, await extracted, report, zones.get(page.source_name))
        if change is not None:
            pending.append(change)
        if len(pending) >= batch_size:
            _write(database, pending, report, dry_run)
        if progress is not None and report.examined % batch_size == 0:
            progress(report)

    for page in pages:
        in_flight.append((page, asyncio.ensure_future(_extract(pool, page))))
        if len(in_flight) > IN_FLIGHT_PER_WORKER * max(pool.workers, 1):
            await settle_oldest()
    while in_flight:
        await settle_oldest()
    _write(database, pending, report, dry_run)


async def _extract(pool: ExtractionPool, page: ArchivedPage) -> PageResult | None:
    return None if page.html is None else await pool.extract(PageJob(page.url, page.html, page.encoding))


def _reextract_page(
    page: ArchivedPage, result: PageResult | None, report: ReextractReport, zone: tzinfo | None = None
) -> FieldUpdate | None:
    if result is None:  # no readable raw page
        report.failed += 1
        report.note(f"article {page.article_id} ({page.url}): {page.error}")
        return None
    article = result.article
    if article is None:
        report.failed += 1
        report.note(f"article {page.article_id} ({page.url}): {result.error}; row kept as it was")
        return None
    if article.page_type != "article":
        report.not_articles += 1
        report.note(f"article {page.article_id} ({page.url}): now read as a {article.page_type} page; kept")
    values = new_values(article, page.current, page.source_language, zone)
    if not values:
        report.unchanged += 1
        return None
    return FieldUpdate(page.article_id, page.source_id, values)


def _write(database: Database, pending: list[FieldUpdate], report: ReextractReport, dry_run: bool) -> None:
    by_id = {change.article_id: change for change in pending}
    results = [] if dry_run else apply_updates(database, pending)
    written = set(by_id) if dry_run else {r.article_id for r in results if r.written}
    for result in results:
        if not result.written:
            report.collisions += 1
            report.note(
                f"article {result.article_id}: its new text is the same as article {result.collision_with} "
                "of the same source (content hash); row left unchanged"
            )
    for article_id in written:
        report.changed += 1
        report.fields.update(by_id[article_id].values.keys() - {"content_hash"})
    pending.clear()
