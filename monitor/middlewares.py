"""Downloader middlewares of the project: incremental crawling and per-source counts.

- ``SourceStatsMiddleware`` counts, per source, discovery documents fetched, articles fetched and HTTP
  errors by status (403, 404, 5xx…) in the crawl stats; no database. Download errors are the spider's
  errback's to count (``monitor/faults.py``); this middleware marks the pages cut at ``DOWNLOAD_MAXSIZE``.
- ``ConditionalRequestMiddleware`` sends ``If-None-Match`` / ``If-Modified-Since`` for feeds, sitemaps and
  section pages from the validators stored by the last finished crawl; a 304, or a body identical to the
  last one, ends there. Optionally skips sources whose adaptive polling says they are not due.
- ``ArchivedUrlMiddleware`` skips article requests whose canonical URL is already archived.
- ``HeadMetaRefreshMiddleware``: Scrapy's ``MetaRefreshMiddleware``, reading only the head of the page
  (it used to decode every page in full to look at its first 4096 characters).
"""

from __future__ import annotations

import hashlib
import logging
import weakref
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Self
from xml.sax.saxutils import escape as xml_escape

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.utils.httpobj import urlparse_cached
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from w3lib import html as w3lib_html
from w3lib.encoding import html_to_unicode

from monitor.db import Database
from monitor.db.feeds import (
    SITEMAP_CHILD,
    SITEMAP_INDEX,
    FeedStore,
    Polling,
    SourceInfo,
    Validators,
    ValidatorUpdate,
    sitemap_children,
)
from monitor.db.seen import ARCHIVED_AS, SeenRule, seen_reason
from monitor.db.store import Store
from monitor.faults import CUT_AT_MAXSIZE, OffSource, Skipped, attempts, first_url, record_fault
from monitor.health import DISCOVERY_KINDS, error_key, error_kind, stat_key
from monitor.urls import canonical_url
from monitor.validators import as_header, etag_of, last_modified_of

__all__ = [
    "ArchivedUrlMiddleware",
    "ConditionalRequestMiddleware",
    "HeadMetaRefreshMiddleware",
    "OffSource",
    "Skipped",
    "SourceStatsMiddleware",
]
CANONICAL = "canonical_url"  # request meta: the URL as the spider canonicalised it
ANCESTORS = "ancestors"  # request meta: the first URLs of the sitemap indexes that led to this request
FROM_VALIDATORS = "from_validators"  # request meta: answered 304, its response rebuilt from the stored state
IS_INDEX = "is_sitemap_index"  # request meta: the spider read a sitemap index
CHILDREN_WINDOW = timedelta(days=30)  # an index answered 304 lists the sitemaps changed since (or the horizon)
HEAD_CHARS = 4096  # what Scrapy reads of a page for its <meta http-equiv="refresh"> and <base href>
HEAD_BYTES = 4 * HEAD_CHARS + 64  # enough bytes for that many characters in any encoding of up to 4 bytes each
PERMANENT_REDIRECTS = frozenset({301, 308})
MOVED = "moved"  # the error kind of a feed, sitemap or section page reached through permanent redirects
logger = logging.getLogger(__name__)


def moved_permanently(request: Request) -> bool:
    """Whether ``request`` was reached only through permanent redirects (301, 308) from another address."""
    reasons = request.meta.get("redirect_reasons") or []
    if not reasons or first_url(request) == request.url:
        return False
    return all(reason in PERMANENT_REDIRECTS for reason in reasons)


def report_moved(crawler: Crawler, request: Request) -> None:
    """A feed, sitemap or section page of the sources file that still answers through permanent redirects,
    at each crawl (a 304 included): its new address belongs in the sources file. A sitemap that an index
    lists is the site's to mend, not the sources file's. Once per request."""
    source = request.meta.get("source")
    if not source or request.meta.get(ANCESTORS) or request.meta.get(MOVED) or not moved_permanently(request):
        return
    request.meta[MOVED] = True
    _inc(crawler, error_key(source, MOVED))
    logger.warning(
        "source %s: %s %s moved permanently to %s: write the new address in the sources file",
        source,
        request.meta.get("kind"),
        first_url(request),
        request.url,
    )


def _inc(crawler: Crawler, key: str, value: int = 1) -> None:
    if crawler.stats is not None:
        crawler.stats.inc_value(key, value)


class SourceStatsMiddleware:
    """Per-source counts of what the downloader did, in ``monitor/source/<name>/…`` stats.

    It also follows the bytes of each download: a page passing ``DOWNLOAD_MAXSIZE`` is marked
    (``meta[CUT_AT_MAXSIZE]``), so that the bare ``DownloadCancelledError`` Scrapy then raises counts as
    ``too_large``.
    """

    def __init__(self, crawler: Crawler, maxsize: int = 0) -> None:
        self.crawler = crawler
        self.maxsize = maxsize
        self.received: weakref.WeakKeyDictionary[Request, int] = weakref.WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler, crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def bytes_received(self, data: bytes, request: Request, spider: Spider | None = None) -> None:
        maxsize = request.meta.get("download_maxsize", self.maxsize)
        if not maxsize or CUT_AT_MAXSIZE in request.meta:
            return
        received = self.received.get(request, 0) + len(data)
        self.received[request] = received
        if received > maxsize:
            request.meta[CUT_AT_MAXSIZE] = received

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        source, kind = request.meta.get("source"), request.meta.get("kind")
        self.received.pop(request, None)
        if not source:
            return response
        if kind in DISCOVERY_KINDS and response.status < 400:
            report_moved(self.crawler, request)
        if response.status < 300 and not request.meta.get(FROM_VALIDATORS):
            _inc(self.crawler, stat_key(source, "fetched" if kind in DISCOVERY_KINDS else "articles_fetched"))
        elif response.status >= 400:
            error = error_kind(status=response.status)
            record_fault(self.crawler.stats, source, kind, first_url(request), error, attempts(request))
        return response


class ConditionalRequestMiddleware:
    """Conditional requests for discovery documents, from validators kept in the database.

    Validators are written when the crawl finishes normally, so that an interrupted crawl does not
    hide the entries it did not reach. ``MONITOR_REFRESH`` sends no validator and compares no body.
    """

    def __init__(
        self, crawler: Crawler, database_url: str | None, due_only: bool, horizon: timedelta | None = None
    ) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.due_only = due_only
        self.horizon = horizon
        self.feeds: FeedStore | None = None
        self.known: dict[str, Validators] = {}
        self.children: dict[str, list[str]] = {}  # by source: the sitemaps its indexes listed (``sitemap_children``)
        self.polling: dict[str, Polling] = {}
        self.pending: dict[str, tuple[ValidatorUpdate, dict[str, Any]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if settings.getbool("MONITOR_STORAGE_DISABLED") or not settings.getbool("MONITOR_CONDITIONAL_REQUESTS", True):
            raise NotConfigured("conditional requests disabled")
        if settings.getbool("MONITOR_REFRESH"):
            raise NotConfigured("refresh: feeds and sitemaps fetched in full")
        days = settings.getfloat("MONITOR_SITEMAP_HORIZON_DAYS", 7)
        horizon = timedelta(days=days) if days > 0 else None
        middleware = cls(
            crawler, settings.get("MONITOR_DATABASE_URL"), settings.getbool("MONITOR_POLL_DUE_ONLY"), horizon
        )
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        sources = getattr(spider, "sources", [])
        self.feeds = FeedStore(Database(self.database_url))
        self.known = self.feeds.validators_of([s.name for s in sources])
        # the sitemaps that changed lately: a month's sitemap, full, drops out; a quiet outlet's stays a while
        window = max(self.horizon, CHILDREN_WINDOW) if self.horizon is not None else None
        since = datetime.now(UTC) - window if window is not None else None
        self.children = sitemap_children(self.known, since)  # from the validators just read: no second query
        self.polling = self.feeds.polling([s.name for s in sources]) if self.due_only else {}

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.feeds is None:
            return
        # A document the spider could not use keeps no validator: the next crawl fetches it in full. Nor does
        # one that led to something not read to the end: an article whose download failed for a while, a
        # sitemap of an index that failed or kept no validator (the next crawl reads the index again).
        unfinished: set[str] = set(getattr(spider, "unfinished_documents", ()))
        for _update, meta in self.pending.values():
            if meta.get("discovery_failed"):
                unfinished.update(meta.get(ANCESTORS, ()))
        usable = [
            _with_kind(update, meta)
            for update, meta in self.pending.values()
            if not meta.get("discovery_failed") and update.url not in unfinished
        ]
        if reason == "finished" and usable:
            infos = [SourceInfo(s.name, s.title, s.language, s.homepage) for s in getattr(spider, "sources", [])]
            self.feeds.save_validators(usable, infos)
        self.feeds.db.dispose()

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        kind, source = request.meta.get("kind"), request.meta.get("source")
        if kind not in DISCOVERY_KINDS or not source:
            return None
        state = self.polling.get(source)
        if state is not None and state.next_poll_at is not None and state.next_poll_at > datetime.now(UTC):
            _inc(self.crawler, stat_key(source, "not_due"))
            raise Skipped(f"{source} not due before {state.next_poll_at:%Y-%m-%d %H:%M}Z: {request.url}")
        known = self.known.get(first_url(request))
        if known is not None:
            if known.etag and b"If-None-Match" not in request.headers:
                request.headers[b"If-None-Match"] = as_header(known.etag)
            if known.last_modified and b"If-Modified-Since" not in request.headers:
                request.headers[b"If-Modified-Since"] = as_header(known.last_modified)
        return None

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        kind, source = request.meta.get("kind"), request.meta.get("source")
        if kind not in DISCOVERY_KINDS or not source:
            return response
        url = first_url(request)
        if response.status == 304:
            _inc(self.crawler, stat_key(source, "not_modified"))
            _inc(self.crawler, "monitor/not_modified")
            known = self.known.get(url)
            if known is not None:  # kept as it was, of the kind found when it was read (an index stays one)
                update = ValidatorUpdate(
                    url, source, known.kind or kind, known.etag, known.last_modified, known.content_hash
                )
                self.pending[url] = (update, request.meta)
                if known.kind == SITEMAP_INDEX:  # unchanged, it still lists its sitemaps: they are asked in turn
                    children = [child for child in self.children.get(source, []) if child != url]
                    if children:
                        request.meta[FROM_VALIDATORS] = True
                        return _index_of(children, response, request)
            report_moved(self.crawler, request)  # the stats middleware, nearer the engine, will not see it
            raise Skipped(f"not modified: {request.url}")
        if response.status != 200:
            return response
        digest = hashlib.sha256(response.body).hexdigest()
        etag = etag_of(response)
        last_modified = last_modified_of(response)
        self.pending[url] = (ValidatorUpdate(url, source, kind, etag, last_modified, digest), request.meta)
        known = self.known.get(url)
        if known is not None and known.content_hash == digest:
            _inc(self.crawler, stat_key(source, "not_modified"))
            _inc(self.crawler, "monitor/unchanged")
            if known.kind == SITEMAP_INDEX:  # read again: its sitemaps may have changed
                request.meta[FROM_VALIDATORS] = True  # not modified, not counted as fetched as well
                return response
            report_moved(self.crawler, request)
            raise Skipped(f"unchanged since the last crawl: {request.url}")
        return response


def _with_kind(update: ValidatorUpdate, meta: dict[str, Any]) -> ValidatorUpdate:
    """The update with the kind of sitemap the spider found: an index, or a sitemap an index listed."""
    if update.kind != "sitemap":
        return update
    if meta.get(IS_INDEX):
        return replace(update, kind=SITEMAP_INDEX)
    return replace(update, kind=SITEMAP_CHILD) if meta.get(ANCESTORS) else update


def _index_of(children: list[str], response: Response, request: Request) -> XmlResponse:
    """A sitemap index listing ``children``: what an index answered 304 listed, for the spider to read."""
    entries = "".join(f"<sitemap><loc>{xml_escape(child)}</loc></sitemap>" for child in children)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</sitemapindex>"
    )
    return XmlResponse(response.url, status=200, body=body.encode("utf-8"), request=request, encoding="utf-8")


class ArchivedUrlMiddleware:
    """Skips article requests whose canonical URL is already archived: a crawl is incremental.

    So are the pages an earlier crawl fetched and dropped while the reason holds (``monitor.db.seen``: off
    topic for the same watchlists, a page type still not kept). Only requests marked ``meta["kind"] ==
    "article"`` are checked; ``MONITOR_REFRESH`` turns it off.
    """

    def __init__(self, crawler: Crawler, database_url: str | None, rule: SeenRule | None = None) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.rule = rule  # None: pages seen and not archived are fetched again
        self.store: Store | None = None
        self._reader: Connection | None = None  # kept for the crawl: one lookup per article request

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if settings.getbool("MONITOR_REFRESH") or settings.getbool("MONITOR_STORAGE_DISABLED"):
            raise NotConfigured("refresh: archived articles are fetched again")
        from monitor.pipelines import crawl_watchlists, seen_rule  # the pipelines' own view of what is kept

        rule = seen_rule(settings, crawl_watchlists(settings))
        middleware = cls(crawler, settings.get("MONITOR_DATABASE_URL"), rule)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _store(self) -> Store:
        if self.store is None:
            self.store = Store(Database(self.database_url))
        return self.store

    def known(self, canonical: str) -> str | None:
        """``archived``, ``seen`` (fetched and dropped, and the reason holds) or None: fetch it."""
        store = self._store()
        for attempt in (1, 2):
            if self._reader is None:
                self._reader = store.db.reader()
            try:
                if store.archived([canonical], self._reader):
                    return "archived"
                if self.rule is None:
                    return None
                seen = seen_reason(self._reader, canonical)
                if seen is None or not self.rule.skips(*seen):
                    return None
                return "archived" if seen[0] == ARCHIVED_AS else "seen"  # another URL of an archived article
            except DBAPIError as exc:  # a database restarted mid-crawl: once more on a new connection
                self._reader.close()
                self._reader = None
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        return None  # pragma: no cover - the loop returns or raises

    def spider_closed(self, spider: Spider) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self.store is not None:
            self.store.db.dispose()

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if request.meta.get("kind") != "article":
            return None
        url = request.url  # the spider's article requests carry their canonical URL (not a redirect's)
        known = self.known(url if request.meta.get(CANONICAL) == url else canonical_url(url))
        if known is None:
            return None
        _inc(self.crawler, "monitor/already_archived" if known == "archived" else "monitor/already_seen")
        if request.meta.get("source"):
            _inc(self.crawler, stat_key(request.meta["source"], "skipped_articles"))
        raise Skipped(f"already {known}: {request.url}")


def page_head(response: TextResponse) -> str:
    """``response.text[:4096]`` without decoding the whole page.

    The page's first bytes are decoded as ``response.text`` decodes the whole (same charset, same
    replacement of bad bytes); when they give fewer characters than needed with a margin (a cut multibyte
    sequence at their end, an encoding of more than 4 bytes per character), the whole page is decoded.
    """
    body = response.body
    if len(body) > HEAD_BYTES:
        text = html_to_unicode(f"charset={response.encoding}", body[:HEAD_BYTES])[1]
        if len(text) > HEAD_CHARS + 8:
            return text[:HEAD_CHARS]
    return response.text[:HEAD_CHARS]


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's ``MetaRefreshMiddleware`` (same settings, same redirects), reading the page's head only.

    Scrapy's looks at the first 4096 characters of ``response.text``, which decodes the whole page: a
    second copy of every page, in the crawl process, for a tag that sits in the head.
    """

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if (
            request.meta.get("dont_redirect", False)
            or request.method == "HEAD"
            or not isinstance(response, HtmlResponse)
            or urlparse_cached(request).scheme not in {"http", "https"}
        ):
            return response
        head = page_head(response)
        base = w3lib_html.get_base_url(head, response.url, response.encoding)
        interval, url = w3lib_html.get_meta_refresh(head, base, response.encoding, ignore_tags=self._ignore_tags)
        if not url:
            return response
        redirected = self._redirect_request_using_get(request, response, url)
        if urlparse_cached(redirected).scheme not in {"http", "https"}:
            return response
        if interval is not None and interval < self._maxdelay:
            return self._redirect(redirected, request, "meta refresh")
        return response
