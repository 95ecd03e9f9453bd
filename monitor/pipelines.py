"""Scrapy item pipelines: thin glue over the pure modules and the archive.

``ExtractionPipeline`` (html -> Article, in worker processes: ``monitor.workers``) -> ``ClockPipeline``
(times printed without an offset, on the source's clock) -> ``LanguagePipeline`` -> ``TopicPipeline``
(drops what no watchlist matches, unless ``MONITOR_ALL_TOPICS``) -> ``StoragePipeline`` (dedup, copies,
stories). Only extraction goes to other processes: topic matching costs well under a millisecond per
article, less than sending the article back and forth.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.settings import BaseSettings
from sqlalchemy.exc import SQLAlchemyError

from monitor.archive import Archive, ArchiveSettings, RawHtml, SourceRef
from monitor.clocks import on_clock
from monitor.db import Database
from monitor.db.seen import NOT_ARTICLE, OFF_TOPIC, SeenRule
from monitor.db.topics_queries import list_watchlists
from monitor.faults import record_fault
from monitor.health import stat_key
from monitor.items import PageItem
from monitor.processing import Processor
from monitor.topics import Matcher, Watchlist, combine, from_database, load_watchlists, watchlists_digest
from monitor.workers import ExtractionPool, PageJob, extract_workers, wait_for

logger = logging.getLogger(__name__)


def kept_page_types(settings: BaseSettings) -> frozenset[str]:
    """``MONITOR_PAGE_TYPES``: the page types stored (default: ``article``)."""
    listed = settings.getlist("MONITOR_PAGE_TYPES", ["article"])
    return frozenset(name.strip().lower() for name in listed if name.strip()) or frozenset({"article"})


def crawl_watchlists(settings: BaseSettings) -> list[Watchlist]:
    """The watchlists a crawl uses: ``MONITOR_WATCHLISTS_FILE`` (else the shipped file), then the database's
    (``monitor topics add``), unless storage is disabled."""
    watchlists_file = settings.get("MONITOR_WATCHLISTS_FILE")
    watchlists = load_watchlists(Path(watchlists_file) if watchlists_file else None)
    if not settings.getbool("MONITOR_STORAGE_DISABLED"):
        database = Database(settings.get("MONITOR_DATABASE_URL"))
        try:
            stored = [(w.name, w.query) for w in list_watchlists(database)]
        finally:
            database.dispose()
        watchlists = combine(watchlists, from_database(stored))
    return watchlists


def seen_rule(settings: BaseSettings, watchlists: list[Watchlist]) -> SeenRule:
    """When a page seen and not archived by an earlier crawl is still not worth fetching (``monitor.db.seen``)."""
    digest = None if settings.getbool("MONITOR_ALL_TOPICS") else watchlists_digest(watchlists)
    return SeenRule(digest, kept_page_types(settings))


class _Base:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"monitor/{key}")


class ExtractionPipeline(_Base):
    """Page -> ``Article`` in worker processes, awaited: the reactor goes on fetching meanwhile.

    ``MONITOR_EXTRACT_WORKERS`` processes (default: one per CPU; 0: in the crawl process, blocking the
    reactor, for tests and debugging). ``monitor.crawl.crawl`` starts the pool before Scrapy loads (its
    workers import and warm up on the other core meanwhile) and hands it over as the spider argument
    ``extraction_pool``; otherwise the pool starts with the spider. It stops when the spider closes.
    Pages whose type is not in ``MONITOR_PAGE_TYPES`` (default: ``article``; live blogs, videos and index
    pages are not) are dropped here and counted (``monitor/not_articles``, per source ``not_articles``).
    """

    def __init__(
        self, crawler: Crawler, workers: int, prepare: bool = True, page_types: frozenset[str] = frozenset({"article"})
    ) -> None:
        super().__init__(crawler)
        self.pool = ExtractionPool(workers)
        self.prepare = prepare  # the workers also compute the pure half of archiving (``monitor.prepared``)
        self.page_types = page_types  # what is stored: not a live blog, a video or an index page by default
        self._cpu_at_open = 0.0
        self._extraction_cpu = 0.0  # CPU seconds the pages took where they were extracted

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            extract_workers(settings),
            prepare=not settings.getbool("MONITOR_STORAGE_DISABLED"),
            page_types=kept_page_types(settings),
        )

    def open_spider(self, spider: Spider | None = None) -> None:
        given = getattr(self.crawler.spider, "extraction_pool", None)  # made before Scrapy loaded (crawl.crawl)
        if isinstance(given, ExtractionPool) and given.workers == self.pool.workers:
            self.pool = given  # started then, or at its first page: crawl.crawl decided
        else:
            self.pool.start()
        self._cpu_at_open = time.process_time()

    def close_spider(self, spider: Spider | None = None) -> None:
        workers = len(self.pool.pids())  # started by this crawl: none for a poll that extracted nothing
        self.pool.shutdown()
        stats = self.crawler.stats
        if stats is not None:
            stats.set_value("monitor/extraction_workers", workers)
            # the crawl process's own CPU (all its threads) beside the workers' extraction_cpu_seconds
            stats.set_value("monitor/crawl_process_cpu_seconds", round(time.process_time() - self._cpu_at_open, 3))
            stats.set_value("monitor/extraction_cpu_seconds", round(self._extraction_cpu, 3))
            if self.pool.restarts:
                stats.set_value("monitor/extraction_worker_restarts", self.pool.restarts)

    async def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, PageItem):
            return item
        job = PageJob(item.url, item.body, item.encoding, item.feed_title, item.feed_published, self.prepare)
        result = await self.pool.extract(job)
        self._extraction_cpu += result.cpu_seconds
        if result.article is None:
            self._inc("extraction_failed")
            record_fault(self.crawler.stats, item.source, "article", item.url, "extraction_failed", result.error)
            raise DropItem(f"extraction failed: {result.error}", log_level="DEBUG")  # logged once, as a fault
        self._inc("extracted")
        page_type = result.article.page_type
        if page_type not in self.page_types:  # a live blog, a video or an index page (MONITOR_PAGE_TYPES)
            self._inc("not_articles")
            if self.crawler.stats is not None and item.source:
                self.crawler.stats.inc_value(stat_key(item.source, "not_articles"))
            item.seen = (NOT_ARTICLE, page_type)
            raise DropItem(f"not an article ({page_type}): {item.url}", log_level="DEBUG")
        item.article, item.prepared = result.article, result.prepared
        return item


class ClockPipeline(_Base):
    """Date-times the page gave without an offset are read on its source's clock (``Source.zone``: its
    ``timezone``, else its country's), not as UTC: "Publié le 10 juin 2020 à 18h05" on a French outlet is
    16:05 UTC, stored with its +02:00 offset. A source without a known clock leaves them as they are."""

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, PageItem) and item.article is not None:
            source = _sources(self.crawler).get(item.source)
            zone = source.zone if source is not None else None
            if zone is not None:
                item.article.published_at = on_clock(item.article.published_at, zone)
                item.article.updated_at = on_clock(item.article.updated_at, zone)
        return item


class LanguagePipeline(_Base):
    """The source's language where the page declares none; langdetect where extraction could not tell."""

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, PageItem) and item.article is not None:
            source = _sources(self.crawler).get(item.source)
            if source is not None and not item.article.declared_language:
                item.article.declared_language = source.language
            if item.article.language in (None, "", "und"):  # extraction detected it already; fill only a gap
                item.article.language = None
                Processor.set_language_of(item.article)
        return item


class TopicPipeline(_Base):
    """Drops the articles no watchlist matches (unless ``MONITOR_ALL_TOPICS``); records the matches.

    Watchlists: ``MONITOR_WATCHLISTS_FILE`` (else the shipped file) and those of the database
    (``monitor topics add``), all compiled into one matcher when the crawl starts.
    """

    def __init__(self, crawler: Crawler, processor: Processor, digest: str = "") -> None:
        super().__init__(crawler)
        self.processor = processor
        self.digest = digest  # of the watchlists: an off-topic page is remembered with it (monitor.db.seen)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        watchlists = crawl_watchlists(settings)
        logger.info("watchlists: %s", ", ".join(w.name for w in watchlists))
        matcher = Matcher(watchlists)
        processor = Processor(matcher, keep_all=settings.getbool("MONITOR_ALL_TOPICS"))
        return cls(crawler, processor, watchlists_digest(watchlists))

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, PageItem) or item.article is None:
            return item
        decision = self.processor.decide(item.article, source=item.source)
        if not decision.keep:
            self._inc("off_topic")
            item.seen = (OFF_TOPIC, self.digest)
            raise DropItem(f"off topic: {item.url}")
        item.topics = decision.topics
        return item


class StoragePipeline(_Base):
    """Dedup, copies, stories and the article's transaction (``Archive.add``), in one storage thread.

    The archive (its session, its in-memory indexes) is built, used and closed on that thread only, one
    article at a time in the order they come; the reactor thread awaits it and goes on fetching.
    """

    def __init__(self, crawler: Crawler, database_url: str | None, settings: ArchiveSettings) -> None:
        super().__init__(crawler)
        self.database_url = database_url
        self.archive_settings = settings
        self.archive: Archive | None = None
        self.database: Database | None = None
        self._thread: ThreadPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if settings.getbool("MONITOR_STORAGE_DISABLED"):
            raise NotConfigured("storage disabled")
        hours = settings.getfloat("MONITOR_STORY_WINDOW_HOURS", 72)
        window = ArchiveSettings(story_window=timedelta(hours=hours))
        pipeline = cls(crawler, settings.get("MONITOR_DATABASE_URL"), window)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-storage")
        self._thread.submit(self._open).result()
        pool = getattr(self.crawler.spider, "extraction_pool", None)
        if isinstance(pool, ExtractionPool) and pool.started and self.archive is not None:
            # the crawl expects pages (crawl.crawl started the workers): the indexes load during discovery
            self._thread.submit(self.archive.warm_up).add_done_callback(
                _warn_on_failure("could not load the archive's indexes before the first article: %s")
            )  # the first article then loads them again, and reports the error with its page

    def _open(self) -> None:
        self.database = Database(self.database_url)
        self.archive = Archive(self.database, self.archive_settings)

    def close_spider(self, spider: Spider | None = None) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.shutdown(wait=True)  # the articles in flight are committed first
        if self.database is not None:
            self.database.dispose()

    async def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, PageItem) or item.article is None or self.archive is None or self._thread is None:
            return item
        ref = self._source_ref(item.source)
        raw = RawHtml(item.body, item.encoding, item.content_type, item.status)
        added = self._thread.submit(
            self.archive.add,
            item.article,
            ref,
            item.topics,
            raw,
            prepared=item.prepared,
            requested_url=item.requested_url,
        )
        try:
            outcome = await wait_for(added)
        except Exception as exc:  # the database refused or went away: this article is tried again next crawl
            if not isinstance(exc, SQLAlchemyError):
                logger.exception("storing %s failed", item.url)
            unfinished = getattr(self.crawler.spider, "unfinished_documents", None)
            if isinstance(unfinished, set):
                unfinished.update(item.documents)  # its feed keeps no validator (``ConditionalRequestMiddleware``)
            self._inc("storage_failed")
            record_fault(self.crawler.stats, item.source, "article", item.url, "storage_failed", str(exc)[:300])
            raise DropItem(f"storage failed: {item.url}", log_level="DEBUG") from exc  # logged once, as a fault
        if outcome.status == "duplicate":
            self._inc("duplicates")
            raise DropItem(f"already archived as article {outcome.article_id}: {item.url}")
        self._inc("stored")
        if outcome.copy_of is not None:
            self._inc("copies")
        if outcome.new_story:
            self._inc("stories_opened")
        item.article_id, item.story_id, item.copy_of = outcome.article_id, outcome.story_id, outcome.copy_of
        return item

    def item_dropped(self, item: Any, **_: Any) -> None:
        """A page dropped as off topic or not an article is remembered, on the storage thread, so that the
        next crawls do not fetch it again (``monitor.db.seen``); a failure to remember costs a refetch only."""
        if not isinstance(item, PageItem) or item.seen is None or self.archive is None or self._thread is None:
            return
        reason, detail = item.seen
        url = item.requested_url or item.url
        done = self._thread.submit(self.archive.remember_seen, url, self._source_ref(item.source), reason, detail)
        done.add_done_callback(
            _warn_on_failure("could not remember a page dropped by this crawl (it will be fetched again): %s")
        )

    def _source_ref(self, name: str) -> SourceRef:
        source = _sources(self.crawler).get(name)
        if source is None:
            return SourceRef(name)
        return SourceRef(name, source.title, source.language, source.homepage)


def _warn_on_failure(message: str) -> Callable[[Future[None]], None]:
    """A done-callback that logs ``message`` (with a ``%s`` for the error) when the task failed."""

    def log(done: Future[None]) -> None:
        error = done.exception()
        if error is not None:
            logger.warning(message, error)

    return log


def _sources(crawler: Crawler) -> dict[str, Any]:
    spider = crawler.spider
    return getattr(spider, "sources_by_name", {}) if spider is not None else {}
