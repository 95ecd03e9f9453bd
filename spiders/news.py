"""The news spider: discovers articles from each source's feeds, sitemaps and section pages.

It never touches the database: conditional requests, archived-URL skips and source health are the
middlewares' and extensions' job (``monitor/middlewares.py``, ``monitor/extensions.py``). What it
finds wrong with a document it counts in the stats, per source (``monitor/source/<name>/error/<kind>``),
and so does its errback with every request that fails (``monitor/faults.py``): one count, one log line.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from twisted.python.failure import Failure

from monitor.discovery import (
    DiscoveryError,
    Link,
    fresh,
    looks_like_article,
    newest_first,
    parse_feed,
    parse_sitemap,
    section_links,
    sniff,
)
from monitor.faults import RETRY_NEXT_CRAWL, attempts, failure_kind, first_url, is_redirect_loop, record_fault
from monitor.health import DISCOVERY_KINDS, error_key, error_kind, stat_key
from monitor.items import PageItem
from monitor.middlewares import ANCESTORS, CANONICAL, IS_INDEX
from monitor.sources import Source, load_sources, select_sources
from monitor.urls import canonical_url, fetch_url, host_allowed

HTML_TYPES = (b"text/html", b"application/xhtml+xml")
MAX_ARTICLES_PER_SOURCE = 1000  # MONITOR_MAX_ARTICLES_PER_SOURCE: the newest article links a crawl requests
MAX_SITEMAPS_PER_SOURCE = 200  # MONITOR_SITEMAP_MAX_DOCUMENTS: the sitemaps a crawl follows from a source's indexes


def _documents(response: Response) -> tuple[str, ...]:
    """The first URLs of ``response``'s document and of the sitemap indexes that led to it."""
    own = first_url(response.request) if response.request is not None else response.url
    return (*response.meta.get(ANCESTORS, ()), own)


class NewsSpider(Spider):
    name = "news"

    def __init__(self, sources: list[Source] | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sources: list[Source] = sources or []
        self.sources_by_name: dict[str, Source] = {s.name: s for s in self.sources}
        self.allowed_domains = sorted({d for s in self.sources for d in s.allowed_domains})
        self.horizon: timedelta | None = None
        self.max_sitemap_depth = 3
        self.max_articles = MAX_ARTICLES_PER_SOURCE
        self.max_sitemaps = MAX_SITEMAPS_PER_SOURCE
        self.sitemaps_followed: dict[str, int] = {}  # by source: the sitemaps its indexes led to in this crawl
        self.requested: dict[str, int] = {}
        self.requested_urls: set[str] = set()  # article URLs requested in this crawl (canonical)
        self._allowed_hosts: dict[str, tuple[Source, tuple[str, ...]]] = {}
        self.capped: set[str] = set()
        # discovery documents (their first URL) that linked an article whose download failed for a while (a
        # timeout, a 5xx): they keep no validator, so that the next crawl reads them again and retries it
        self.unfinished_documents: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        settings = crawler.settings
        if "sources" not in kwargs:
            names = settings.getlist("MONITOR_SOURCE_NAMES")
            kwargs["sources"] = select_sources(load_sources(settings.get("MONITOR_SOURCES_FILE")), names)
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        days = settings.getfloat("MONITOR_SITEMAP_HORIZON_DAYS", 7)
        spider.horizon = timedelta(days=days) if days > 0 else None
        spider.max_sitemap_depth = settings.getint("MONITOR_SITEMAP_MAX_DEPTH", 3)
        spider.max_articles = settings.getint("MONITOR_MAX_ARTICLES_PER_SOURCE", MAX_ARTICLES_PER_SOURCE)
        spider.max_sitemaps = settings.getint("MONITOR_SITEMAP_MAX_DOCUMENTS", MAX_SITEMAPS_PER_SOURCE)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.spider_error, signal=signals.spider_error)
        return spider

    def spider_error(self, failure: Any, response: Response, spider: Spider) -> None:
        """A callback that raised on a feed, sitemap or section page (Scrapy logs the traceback): the links
        it had not yielded yet would be lost for good if its validators were kept, the next crawl getting a
        304; so it keeps none, and counts as a parse error of its source."""
        if spider is self and response.meta.get("kind") in DISCOVERY_KINDS and response.meta.get("source"):
            message = f"{response.url}: reading it failed ({failure.getErrorMessage()}); read in full next time"
            self._fault(response, "parse_error", message, failed=True)

    async def start(self) -> Any:  # Scrapy >= 2.13
        for request in self._start_requests():
            yield request

    def start_requests(self) -> Iterable[Request]:  # Scrapy < 2.13
        return self._start_requests()

    def _start_requests(self) -> Iterator[Request]:
        for source in self.sources:
            meta = {"source": source.name}
            for url in source.feeds:
                yield Request(url, self.parse_feed, errback=self.on_error, meta={**meta, "kind": "feed"}, priority=1000)
            for url in source.sitemaps:
                meta_sitemap = {**meta, "kind": "sitemap", "depth": 0}
                yield Request(url, self.parse_sitemap, errback=self.on_error, meta=meta_sitemap, priority=1000)
            for url in source.sections:
                yield Request(
                    url, self.parse_section, errback=self.on_error, meta={**meta, "kind": "section"}, priority=900
                )

    # discovery ----------------------------------------------------------------------------------
    def parse_feed(self, response: Response) -> Iterator[Request]:
        body = self._gunzipped(response, "feed_errors")  # a feed served as a .gz file, without Content-Encoding
        if body is None:
            return
        kind = sniff(body)
        if kind == "sitemap":
            yield from self.parse_sitemap(response)
            return
        if kind == "html" and isinstance(response, TextResponse):
            self._fault(response, "html_not_feed", f"{response.url}: an HTML page, not a feed; read as a section")
            yield from self.parse_section(response)
            return
        try:
            links = parse_feed(body, response.url, self._zone(response))
        except DiscoveryError as exc:
            self._fault(response, "parse_error", f"{response.url}: {exc}", failed=True, total="feed_errors")
            return
        if not links:
            self._fault(response, "empty_feed", f"{response.url}: a feed without entries")
            return
        self._count("feed_links", len(links))
        yield from self._article_requests(response, links)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        body = self._gunzipped(response, "sitemap_errors")
        if body is None:
            return
        if sniff(body) == "feed":  # search engines take RSS and Atom feeds as sitemaps: so do we
            yield from self.parse_feed(response)
            return
        try:
            kind, links = parse_sitemap(body, response.url, self._zone(response))
        except DiscoveryError as exc:
            self._fault(response, "parse_error", f"{response.url}: {exc}", failed=True, total="sitemap_errors")
            return
        since = datetime.now(UTC) - self.horizon if self.horizon is not None else None
        recent = fresh(links, since)
        self._count("sitemap_too_old", len(links) - len(recent))
        if kind == "index":
            response.meta[IS_INDEX] = True  # its validator is kept as an index's (``ConditionalRequestMiddleware``)
            depth = int(response.meta.get("depth", 0)) + 1
            if depth > self.max_sitemap_depth:
                self._fault(response, "sitemap_too_deep", f"{response.url}: sitemap indexes nested too deep")
                return
            documents = _documents(response)  # this index and those above it
            name = response.meta["source"]
            for link in newest_first(recent):
                if link.url == response.url or not self._allowed(response, link.url):
                    continue  # an index that lists itself, or a sitemap elsewhere
                if self.max_sitemaps and self.sitemaps_followed.get(name, 0) >= self.max_sitemaps:
                    self._fault(  # a tree of undated indexes would otherwise cost thousands of requests a poll
                        response,
                        "sitemap_limit",
                        f"{response.url}: source {name} reached {self.max_sitemaps} sitemaps in this crawl "
                        "(MONITOR_SITEMAP_MAX_DOCUMENTS); the index's older entries are left out",
                    )
                    return
                self.sitemaps_followed[name] = self.sitemaps_followed.get(name, 0) + 1
                meta = {"source": name, "kind": "sitemap", "depth": depth, ANCESTORS: documents}
                yield Request(link.url, self.parse_sitemap, errback=self.on_error, meta=meta, priority=1000 - depth)
            return
        if links and not recent:
            return
        if not links:
            self._fault(response, "empty_sitemap", f"{response.url}: a sitemap without entries")
            return
        self._count("sitemap_links", len(recent))
        yield from self._article_requests(response, recent)

    def _gunzipped(self, response: Response, total: str) -> bytes | None:
        """The body, gunzipped when it is a gzip file (``sitemap.xml.gz``, which no Content-Encoding announced:
        Scrapy left it as it came), at most ``DOWNLOAD_MAXSIZE`` bytes; None, with a fault, when it is bad."""
        body = response.body
        if body[:2] != b"\x1f\x8b":
            return body
        try:
            return gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        except (OSError, ValueError, zlib.error) as exc:  # a bad header, a corrupt stream, over the size limit
            self._fault(response, "parse_error", f"{response.url}: bad gzip: {exc}", failed=True, total=total)
            return None

    def parse_section(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            self._fault(response, "parse_error", f"{response.url}: not a text page", failed=True)
            return
        links = section_links(response.body, response.url, self.allowed_hosts(response.meta["source"]))
        self._count("section_links", len(links))
        yield from self._article_requests(response, links)

    def _article_requests(self, response: Response, links: list[Link]) -> Iterator[Request]:
        """Article requests, newest first: the scheduler gets a higher priority for a newer article.

        At most ``max_articles`` per source and crawl (``MONITOR_MAX_ARTICLES_PER_SOURCE``, 0: no limit),
        already archived ones included (they cost no download): a 10,000-item feed gives its newest 1,000.
        A link already requested from another document (a source's feed, sitemap and section pages list the
        same articles) is not requested again: Scrapy's dupefilter would drop it, after the work of
        scheduling it; nor does it count twice toward the limit.
        """
        name = response.meta["source"]
        seen: set[str] = set()
        section = response.meta.get("kind") == "section" or sniff(response.body) == "html"
        documents = _documents(response)  # what led to these articles: read again if one fails for a while
        for rank, link in enumerate(newest_first(links)):
            try:
                url = canonical_url(link.url)
            except ValueError:  # an address no parser would take ("https://host:80O/"): that link alone
                self._count("bad_links")
                continue
            if url in seen or (section and not looks_like_article(url)):
                continue
            seen.add(url)
            if not self._allowed(response, url):
                continue
            if url in self.requested_urls:
                self._count("duplicate_links")
                continue
            if self.max_articles and self.requested.get(name, 0) >= self.max_articles:
                self._count("over_source_limit")
                if name not in self.capped:
                    self.capped.add(name)
                    self.logger.info(
                        "source %s: %d article links requested (MONITOR_MAX_ARTICLES_PER_SOURCE); the older "
                        "links of %s and of the source's later documents are left out",
                        name,
                        self.max_articles,
                        response.url,
                    )
                return
            self.requested[name] = self.requested.get(name, 0) + 1
            self.requested_urls.add(url)
            meta = {
                "source": name,
                "kind": "article",
                "feed_title": link.title,
                "feed_published": link.published,
                "documents": documents,
                CANONICAL: url,  # ArchivedUrlMiddleware need not canonicalise it again
            }
            # the key above; the address as given (same parse, so it cannot fail now), only for what is requested
            yield Request(fetch_url(link.url), self.parse_article, errback=self.on_error, meta=meta, priority=-rank)

    def allowed_hosts(self, name: str) -> tuple[str, ...]:
        """``Source.allowed_domains`` of source ``name``, computed once per definition of the source (a
        distributed worker may learn a new definition mid-crawl: ``monitor.distributed.learn_source``)."""
        source = self.sources_by_name[name]
        cached = self._allowed_hosts.get(name)
        if cached is None or cached[0] is not source:
            cached = self._allowed_hosts[name] = (source, tuple(source.allowed_domains))
        return cached[1]

    def _zone(self, response: Response) -> tzinfo | None:
        """The clock of the dates a feed or sitemap of the response's source writes without an offset."""
        source = self.sources_by_name.get(response.meta["source"])
        return source.zone if source is not None else None

    def _allowed(self, response: Response, url: str) -> bool:
        name = response.meta["source"]
        if host_allowed(url, self.allowed_hosts(name)):
            return True
        self._count(f"source/{name}/off_source_links")
        return False

    # articles ------------------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[PageItem]:
        content_type = response.headers.get(b"Content-Type", b"") or b""
        if not isinstance(response, TextResponse) or not content_type.lower().startswith(HTML_TYPES):
            self._fault(response, "not_html", f"{response.url}: not an HTML page ({content_type.decode('latin-1')})")
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
            requested_url=response.meta.get(CANONICAL),
            documents=tuple(response.meta.get("documents", ())),
        )

    # failures ------------------------------------------------------------------------------------
    def on_error(self, failure: Failure) -> None:
        """Every failed request: a fault of its source, counted and logged once (``monitor/faults.py``).

        Handled here, the failure is not logged again by Scrapy ("Error downloading", with a traceback).
        """
        request: Request = failure.request  # type: ignore[attr-defined]
        kind = failure_kind(failure.value, request) if failure.value is not None else None
        self._retry_next_crawl(request, failure.value, kind)
        source = request.meta.get("source")
        if kind is None or not source:
            self.logger.debug("not a fault of a source: %s: %r", request.url, failure.value)
            return
        record_fault(self.crawler.stats, source, request.meta.get("kind"), first_url(request), kind, attempts(request))

    def _retry_next_crawl(self, request: Request, error: BaseException | None, kind: str | None) -> None:
        """An article that failed for a while (``RETRY_NEXT_CRAWL``: a timeout, a 5xx once retries are spent)
        is tried again by the next crawl: the documents that led to it keep no validator, and neither do the
        indexes above a sitemap that failed so. A 404 is not tried again."""
        if isinstance(error, HttpError) and error.response is not None:
            kind = error_kind(status=error.response.status)
        if kind not in RETRY_NEXT_CRAWL:
            return
        if request.meta.get("kind") == "sitemap":  # a sitemap of an index: the index is read again
            self.unfinished_documents.update(request.meta.get(ANCESTORS, ()))
        elif request.meta.get("kind") == "article":
            self.unfinished_documents.update(request.meta.get("documents", ()))
            seen_filter = getattr(self, "seen_filter", None)  # distributed: the shared filter of article URLs
            if seen_filter is not None:
                seen_filter.forget(request.replace(url=first_url(request)))

    def request_dropped(self, request: Request, spider: Spider | None = None) -> None:
        """The dupefilter dropped a request: a redirect back into its own chain is a redirect loop."""
        source = request.meta.get("source")
        if source and is_redirect_loop(request):
            record_fault(self.crawler.stats, source, request.meta.get("kind"), first_url(request), "redirect_loop")

    # stats ---------------------------------------------------------------------------------------
    def _count(self, key: str, value: int = 1) -> None:
        if self.crawler.stats is not None and value:
            self.crawler.stats.inc_value(f"monitor/{key}", value)

    def _fault(
        self, response: Response, kind: str, message: str, failed: bool = False, total: str | None = None
    ) -> None:
        """Something wrong with a document: logged, counted in total and for its source; ``failed`` when
        the document gave nothing usable (it then counts as failed rather than fetched)."""
        source = response.meta.get("source")
        if source:  # named as record_fault names it
            self.logger.warning("source %s: %s", source, message)
        else:
            self.logger.warning(message)
        self._count(total or kind)
        if source and self.crawler.stats is not None:
            self.crawler.stats.inc_value(error_key(source, kind))
            if failed:
                response.meta["discovery_failed"] = True  # no validator kept: fetched in full next time
                self.crawler.stats.inc_value(stat_key(source, "failed"))
                self.crawler.stats.inc_value(stat_key(source, "fetched"), -1)
