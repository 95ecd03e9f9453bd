"""The news spider: discovers articles from each source's feeds, sitemaps and section pages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip

from monitor.discovery import (
    DiscoveryError,
    Link,
    looks_like_article,
    parse_feed,
    parse_sitemap,
    section_links,
)
from monitor.items import PageItem
from monitor.sources import Source, load_sources, select_sources
from monitor.urls import canonical_url

HTML_TYPES = (b"text/html", b"application/xhtml+xml")


class NewsSpider(Spider):
    name = "news"

    def __init__(self, sources: list[Source] | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sources: list[Source] = sources or []
        self.sources_by_name: dict[str, Source] = {s.name: s for s in self.sources}
        self.allowed_domains = sorted({d for s in self.sources for d in s.allowed_domains})

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        if "sources" not in kwargs:
            settings = crawler.settings
            names = settings.getlist("MONITOR_SOURCE_NAMES")
            kwargs["sources"] = select_sources(load_sources(settings.get("MONITOR_SOURCES_FILE")), names)
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        return spider

    async def start(self) -> Any:  # Scrapy >= 2.13
        for request in self._start_requests():
            yield request

    def start_requests(self) -> Iterable[Request]:  # Scrapy < 2.13
        return self._start_requests()

    def _start_requests(self) -> Iterator[Request]:
        for source in self.sources:
            meta = {"source": source.name}
            for url in source.feeds:
                yield Request(url, self.parse_feed, meta={**meta, "kind": "feed"}, priority=10)
            for url in source.sitemaps:
                yield Request(url, self.parse_sitemap, meta={**meta, "kind": "sitemap"}, priority=10)
            for url in source.sections:
                yield Request(url, self.parse_section, meta={**meta, "kind": "section"}, priority=5)

    # discovery ----------------------------------------------------------------------------------
    def parse_feed(self, response: Response) -> Iterator[Request]:
        try:
            links = parse_feed(response.body, response.url)
        except DiscoveryError as exc:
            self._fault("feed_errors", f"{response.url}: {exc}")
            return
        self._count("feed_links", len(links))
        yield from self._article_requests(response, links)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            except OSError as exc:
                self._fault("sitemap_errors", f"{response.url}: bad gzip: {exc}")
                return
        try:
            kind, links = parse_sitemap(body)
        except DiscoveryError as exc:
            self._fault("sitemap_errors", f"{response.url}: {exc}")
            return
        if kind == "index":
            for link in links:
                yield response.follow(link.url, self.parse_sitemap, meta={**response.meta, "kind": "sitemap"})
            return
        yield from self._article_requests(response, links)

    def parse_section(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            return
        source = self.sources_by_name[response.meta["source"]]
        links = section_links(response.text, response.url, source.allowed_domains)
        self._count("section_links", len(links))
        yield from self._article_requests(response, links)

    def _article_requests(self, response: Response, links: list[Link]) -> Iterator[Request]:
        ordered = sorted(links, key=lambda link: link.published or datetime.min.replace(tzinfo=UTC), reverse=True)
        for link in ordered:
            url = canonical_url(link.url)
            if response.meta.get("kind") == "section" and not looks_like_article(url):
                continue
            meta = {
                "source": response.meta["source"],
                "kind": "article",
                "feed_title": link.title,
                "feed_published": link.published,
            }
            yield Request(url, self.parse_article, meta=meta)

    # articles ------------------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[PageItem]:
        content_type = response.headers.get(b"Content-Type", b"") or b""
        if not isinstance(response, TextResponse) or not content_type.lower().startswith(HTML_TYPES):
            self._fault("not_html", f"{response.url}: not an HTML page ({content_type.decode('latin-1')})")
            return
        yield PageItem(
            url=response.url,
            source=response.meta["source"],
            body=response.body,
            encoding=response.encoding,
            content_type=content_type.decode("latin-1"),
            status=response.status,
            fetched_at=datetime.now(UTC),
            feed_title=response.meta.get("feed_title"),
            feed_published=response.meta.get("feed_published"),
        )

    # stats ---------------------------------------------------------------------------------------
    def _count(self, key: str, value: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"monitor/{key}", value)

    def _fault(self, key: str, message: str) -> None:
        self.logger.warning(message)
        self._count(key)
