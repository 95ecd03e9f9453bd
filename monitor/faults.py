"""Crawl faults: each one counted once for its source, with its kind, and logged once.

A fault is counted under ``monitor/source/<name>/error/<kind>`` in the crawl stats (the tallies source
health reads, ``monitor.health.tally``) and logged as one WARNING line::

    source slow: timeout error on article http://example.org/a-page (3 attempts)

except a request robots.txt disallows: the site's choice, logged at INFO for an article (a crawl would
warn about the same links at every run), at WARNING for a feed, sitemap or section page.

Who sees which fault:

- an HTTP error status (403, 404, a 5xx after its retries…): ``SourceStatsMiddleware``, from the response;
- a download error after its retries (timeout, reset, truncated body, a page over ``DOWNLOAD_MAXSIZE``) and
  a request a middleware refused (gzip bomb, too many redirects, another host, robots.txt): the spider's
  errback (``NewsSpider.on_error``). A handled failure is not logged again by Scrapy ("Error downloading");
- a redirect loop the dupefilter ends: the spider, on ``request_dropped``;
- a feed or sitemap the spider cannot use: the spider (``NewsSpider._fault``);
- a page extraction cannot read: ``ExtractionPipeline``.
"""

from __future__ import annotations

import logging
from typing import Protocol

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from monitor.health import DISCOVERY_KINDS, ROBOTS, error_key, error_kind, stat_key

logger = logging.getLogger(__name__)

CUT_AT_MAXSIZE = "monitor_cut_at_maxsize"  # request meta: bytes received when DOWNLOAD_MAXSIZE was passed


class Skipped(IgnoreRequest):
    """A request deliberately not made (already archived, not modified, not due): not a fault."""


class OffSource(IgnoreRequest):
    """A request outside the hosts its source allows."""


class Stats(Protocol):
    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...


def record_fault(
    stats: Stats | None, source: str, document: str | None, url: str, kind: str, detail: str | None = None
) -> None:
    """Count ``kind`` for ``source`` (a feed, sitemap or section page counts as failed too) and log it once."""
    suffix = f" ({detail})" if detail else ""
    if kind == ROBOTS:  # the site's choice, not a failure: a warning only when discovery itself is refused
        level = logging.WARNING if document in DISCOVERY_KINDS else logging.INFO
        logger.log(level, "source %s: %s %s disallowed by robots.txt, not fetched", source, document or "request", url)
    else:
        logger.warning("source %s: %s error on %s %s%s", source, kind, document or "request", url, suffix)
    if stats is None:
        return
    stats.inc_value(error_key(source, kind))
    if document in DISCOVERY_KINDS:
        stats.inc_value(stat_key(source, "failed"))
    elif document == "article" and kind not in NOT_DOWNLOAD_FAILURES:
        stats.inc_value(stat_key(source, "articles_failed"))  # a run that could download none of them failed


# faults of an article that are no failure to download it: the site's choice, or ours after the download
NOT_DOWNLOAD_FAILURES = frozenset({ROBOTS, "offsite", "extraction_failed", "storage_failed"})
# failures of an article request that the next crawl should try again: the server or the network, not the page
RETRY_NEXT_CRAWL = frozenset(
    {"timeout", "dns", "connection", "5xx", "429", "408", "responsenevereceived", "downloadfailed"}
)


def first_url(request: Request) -> str:
    """The URL the source gave (before any redirect)."""
    redirects = request.meta.get("redirect_urls")
    return str(redirects[0]) if redirects else request.url


def is_redirect_loop(request: Request) -> bool:
    """The request goes back to a URL of its own redirect chain."""
    chain = [*request.meta.get("redirect_urls", []), request.url]
    return len(set(chain)) < len(chain)


def failure_kind(exception: BaseException, request: Request) -> str | None:
    """The kind of fault of a failed request; None when it is none of the source's faults: a request
    deliberately not made, an HTTP status (counted from its response), a request another component
    dropped for its own reasons (a distributed worker's unpublished source)."""
    if isinstance(exception, Skipped | HttpError):
        return None
    if isinstance(exception, OffSource):
        return "offsite"
    if isinstance(exception, IgnoreRequest) and "max redirections" in str(exception):
        return "redirect_loop" if is_redirect_loop(request) else "too_many_redirects"
    if request.meta.get(CUT_AT_MAXSIZE) and type(exception).__name__ == "DownloadCancelledError":
        return "too_large"  # cut mid-stream: Scrapy's exception says nothing, it logged the size apart
    kind = error_kind(exception=exception)
    return None if kind == "ignorerequest" else kind


def attempts(request: Request) -> str | None:
    """``"3 attempts"`` for a request retried twice; None for one never retried."""
    retries = int(request.meta.get("retry_times", 0) or 0)
    return f"{retries + 1} attempts" if retries else None
