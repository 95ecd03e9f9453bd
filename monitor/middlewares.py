"""Downloader middlewares of the project."""

from __future__ import annotations

import logging
from typing import Self

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured

from monitor.db import Database
from monitor.db.store import Store
from monitor.urls import canonical_url

logger = logging.getLogger(__name__)


class ArchivedUrlMiddleware:
    """Skips article requests whose canonical URL is already archived: a crawl is incremental.

    Only requests marked ``meta["kind"] == "article"`` are checked; ``MONITOR_REFRESH`` turns it off.
    """

    def __init__(self, crawler: Crawler, database_url: str | None) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if crawler.settings.getbool("MONITOR_REFRESH") or crawler.settings.getbool("MONITOR_STORAGE_DISABLED"):
            raise NotConfigured("refresh: archived articles are fetched again")
        middleware = cls(crawler, crawler.settings.get("MONITOR_DATABASE_URL"))
        return middleware

    def _store(self) -> Store:
        if self.store is None:
            self.store = Store(Database(self.database_url))
        return self.store

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if request.meta.get("kind") != "article":
            return None
        if self._store().archived([canonical_url(request.url)]):
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("monitor/already_archived")
            raise IgnoreRequest(f"already archived: {request.url}")
        return None
