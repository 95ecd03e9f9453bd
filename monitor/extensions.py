"""Scrapy extensions of the project."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import MemoryStatsCollector

from monitor.db import Database
from monitor.db.feeds import FeedStore, SourceInfo
from monitor.health import PollingBounds, stat_key, tallies
from monitor.items import PageItem
from monitor.sources import parse_every

logger = logging.getLogger(__name__)


class CrawlStatsCollector(MemoryStatsCollector):
    """Scrapy's stats collector (``STATS_CLASS``) without its per-access wrapper.

    Scrapy 2.13+ routes every attribute read of a stats collector through a Python ``__getattribute__``
    that wraps its methods to warn about a deprecated ``spider`` argument; a crawl reads its stats a dozen
    times per response. The methods are Scrapy's own, and still take ``spider``.
    """

    __getattribute__ = object.__getattribute__


class SourceHealthExtension:
    """At the end of a crawl, writes one health row per crawled source and moves its polling state on.

    Counts come from the crawl stats (``monitor/source/<name>/…``) that the middlewares and the spider
    keep; new articles are the items that came out of the pipelines, counted here.
    """

    def __init__(self, crawler: Crawler, database_url: str | None, bounds: PollingBounds) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.bounds = bounds
        self.started_at = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if settings.getbool("MONITOR_STORAGE_DISABLED"):
            raise NotConfigured("storage disabled")
        bounds = PollingBounds(
            timedelta(seconds=settings.getfloat("MONITOR_POLL_MIN_SECONDS", 600)),
            timedelta(seconds=settings.getfloat("MONITOR_POLL_MAX_SECONDS", 86400)),
        )
        extension = cls(crawler, settings.get("MONITOR_DATABASE_URL"), bounds)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.started_at = datetime.now(UTC)

    def item_scraped(self, item: Any, spider: Spider) -> None:
        if isinstance(item, PageItem) and item.article_id is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(stat_key(item.source, "new_articles"))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats is not None else {}
        sources = getattr(spider, "sources", [])
        infos = [SourceInfo(s.name, s.title, s.language, s.homepage, parse_every(s.every)) for s in sources]
        database = Database(self.database_url)
        try:
            counts = tallies(stats, [s.name for s in sources])
            written = FeedStore(database).record_runs(counts, infos, self.started_at, self.bounds)
        except Exception:  # health must never turn a finished crawl into a failed one
            logger.exception("could not record source health")
            return
        finally:
            database.dispose()
        logger.info("source health recorded for %d source(s)", written)
