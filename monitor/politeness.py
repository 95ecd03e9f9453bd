"""Politeness beyond Scrapy's defaults, as Scrapy components.

- ``ContactUserAgentMiddleware``: a descriptive User-Agent naming ``MONITOR_CONTACT`` (unless
  ``USER_AGENT`` is set explicitly).
- ``SourceDomainsMiddleware``: a request (redirects included) never leaves the hosts its source allows.
- ``RetryAfterMiddleware``: Scrapy's retries, honouring ``Retry-After`` on 429/503 and backing off
  exponentially otherwise; the wait pauses the whole host, not only the retried request.
- ``CrawlDelayExtension``: robots.txt ``Crawl-delay`` becomes the host's minimum delay, kept by AutoThrottle.

Pausing a host moves its downloader slot's ``lastseen`` into the future: the downloader then waits
``delay - (now - lastseen)`` before that host's next request, which is exactly a pause.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Self
from urllib.parse import urlsplit

from protego import Protego
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.httpobj import urlparse_cached

from monitor.faults import OffSource
from monitor.urls import host_allowed

logger = logging.getLogger(__name__)


def user_agent(contact: str) -> str:
    try:
        release = version("facewatch-monitor")
    except PackageNotFoundError:
        release = "0"
    return f"facewatch-monitor/{release} (+{contact}; media research crawler)"


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now: a number of seconds or an HTTP-date; None when unreadable."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isascii() and text.isdigit():  # "²" is a digit to str.isdigit, not to float
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_seconds(retry_times: int, base: float, maximum: float) -> float:
    """``base``, ``2·base``, ``4·base``… capped at ``maximum``."""
    return float(min(maximum, base * 2 ** max(0, retry_times - 1)))


def crawl_delay(robots_txt: str | Any, agent: str) -> float | None:
    """The ``Crawl-delay`` (or ``Request-rate``) robots.txt sets for ``agent``; ``robots_txt`` is its text, or
    rules already parsed that answer ``crawl_delay`` and ``request_rate`` (Protego, ``urllib.robotparser``)."""
    parser = Protego.parse(robots_txt) if isinstance(robots_txt, str) else robots_txt
    delay = parser.crawl_delay(agent)
    rate = parser.request_rate(agent)
    if rate is not None and rate.requests:
        by_rate = rate.seconds / rate.requests
        delay = max(delay or 0.0, by_rate)
    return float(delay) if delay else None


def pause_slot(crawler: Crawler, request: Request, seconds: float) -> bool:
    """No request to the host of ``request`` for at least ``seconds``; False when the slot is unknown.

    The downloader waits ``delay - (now - lastseen)`` (monotonic clock) before a slot's next request
    when its delay is not zero: a ``lastseen`` ``seconds`` ahead, with a delay of at least 1 ms, is a pause.
    """
    engine = crawler.engine
    key = request.meta.get("download_slot")
    slot = engine.downloader.slots.get(key) if engine is not None and key else None
    if slot is None:
        return False
    slot.delay = max(slot.delay, 0.001)
    slot.lastseen = max(slot.lastseen, time.monotonic() + seconds)
    return True


class ContactUserAgentMiddleware:
    def __init__(self, agent: str) -> None:
        self.agent = agent

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        explicit = (settings.getpriority("USER_AGENT") or 0) > (settings.getpriority("MONITOR_CONTACT") or 0)
        # robots.txt rules are matched on the product token, "facewatch-monitor", the same either way
        return cls(settings.get("USER_AGENT") if explicit else user_agent(settings.get("MONITOR_CONTACT")))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        request.headers.setdefault(b"User-Agent", self.agent)
        return None


class SourceDomainsMiddleware:
    """Drops requests (and redirects) outside the hosts of their source (``Source.allowed_domains``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        name = request.meta.get("source")
        spider = spider or self.crawler.spider
        sources: dict[str, Any] = getattr(spider, "sources_by_name", {})
        source = sources.get(name) if name else None
        if source is None:
            return None
        allowed_hosts = getattr(spider, "allowed_hosts", None)  # NewsSpider: computed once per source
        if host_allowed(request.url, allowed_hosts(name) if allowed_hosts else source.allowed_domains):
            return None
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("monitor/offsite")
        raise OffSource(f"{urlsplit(request.url).hostname} is not a host of source {name}: {request.url}")


class RetryAfterMiddleware(RetryMiddleware):
    """Retries with ``Retry-After`` honoured (up to ``MONITOR_RETRY_AFTER_MAX`` seconds, else no retry)
    and exponential back-off (``MONITOR_RETRY_BACKOFF_BASE`` … ``MONITOR_RETRY_BACKOFF_MAX`` seconds)."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("MONITOR_RETRY_AFTER_MAX", 120.0)
        self.backoff_base = settings.getfloat("MONITOR_RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("MONITOR_RETRY_BACKOFF_MAX", 30.0)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None and wait > self.retry_after_max:
            # the fault itself is logged once, as a warning, by SourceStatsMiddleware
            logger.info("not retrying %s: Retry-After %.0f s exceeds %.0f s", request, wait, self.retry_after_max)
            self._stat("monitor/retry_after_too_long")
            return response
        retry = super().process_response(request, response)
        if isinstance(retry, Request):
            self._pause(request, retry, wait)
        return retry

    def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            self._pause(request, retry, None)
        return retry

    def _pause(self, request: Request, retry: Request, wait: float | None) -> None:
        if wait is None:
            wait = backoff_seconds(retry.meta.get("retry_times", 1), self.backoff_base, self.backoff_max)
        else:
            self._stat("monitor/retry_after_honoured")
        retry.meta["monitor_retry_wait"] = wait
        if self.crawler is not None:
            pause_slot(self.crawler, request, wait)

    def _stat(self, key: str) -> None:
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware


class CrawlDelayExtension:
    """Reads ``Crawl-delay`` from each robots.txt parsed (downloaded or kept, ``monitor.robots``) and keeps
    that host's delay at least that long.

    The floor is set on the host's downloader slot when a request reaches it, before that request waits, and
    again after each response, since AutoThrottle lowers the delay there: connected after AutoThrottle
    (higher ``EXTENSIONS`` order), so that AutoThrottle's adjustment never brings a host under its
    Crawl-delay. ``MONITOR_CRAWL_DELAY_MAX`` caps absurd values.
    """

    def __init__(self, crawler: Crawler, agent: str, maximum: float) -> None:
        self.crawler = crawler
        self.agent = agent
        self.maximum = maximum
        self.floors: dict[str, float] = {}  # by downloader slot: the longest Crawl-delay of its origins
        # by slot, by host and port (one robots.txt for http and https, as Scrapy reads it): its Crawl-delay
        self.delays: dict[str, dict[str, float]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("robots.txt not obeyed")
        agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or "*"
        extension = cls(crawler, agent, settings.getfloat("MONITOR_CRAWL_DELAY_MAX", 60.0))
        crawler.signals.connect(extension.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(extension.request_reached_downloader, signal=signals.request_reached_downloader)
        crawler.signals.connect(extension.response_downloaded, signal=signals.response_downloaded)
        return extension

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        rules = getattr(robotparser, "rp", None)  # Scrapy's parsers keep Protego's or urllib's rules there
        if not (hasattr(rules, "crawl_delay") and hasattr(rules, "request_rate")):
            return  # a parser that does not read Crawl-delay (Reppy, Rerp)
        delay = min(crawl_delay(rules, self.agent) or 0.0, self.maximum)
        key = self._slot_key(request)
        origins = self.delays.setdefault(key, {})
        origins[urlparse_cached(request).netloc] = delay  # read again (a long-lived process): replaced
        before = self.floors.get(key, 0.0)
        # two origins of one slot (host:80 and host:8080): the longer delay holds
        floor = max(origins.values())
        if floor:
            self.floors[key] = floor
        else:
            self.floors.pop(key, None)
        if floor < before:  # the site shortened or dropped its Crawl-delay: the slot's delay comes down
            self._lower(key, floor)
        if self.crawler.stats is not None and (floor or before):
            self.crawler.stats.set_value(f"monitor/crawl_delay/{key}", floor)

    def request_reached_downloader(self, request: Request, spider: Spider) -> None:
        self._apply(request)

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        self._apply(request)

    @staticmethod
    def _slot_key(request: Request) -> str:
        """The downloader's slot of ``request``, as Scrapy names it (``download_slot``, else the host name)."""
        return str(request.meta.get("download_slot") or urlsplit(request.url).hostname or "")

    def _apply(self, request: Request) -> None:
        if not self.floors:
            return
        key = self._slot_key(request)
        floor = self.floors.get(key)
        slot = self._slot(key) if floor else None
        if slot is not None and floor is not None:
            needed = self._needed(slot, floor)
            if slot.delay < needed:
                slot.delay = needed

    def _lower(self, key: str, floor: float) -> None:
        """Bring the slot's delay down to the new floor, or to its configured delay (``DOWNLOAD_SLOTS``,
        else ``DOWNLOAD_DELAY``; AutoThrottle then adjusts it from there)."""
        slot = self._slot(key)
        if slot is None:
            return
        settings = self.crawler.settings
        configured = float(
            settings.getdict("DOWNLOAD_SLOTS").get(key, {}).get("delay", settings.getfloat("DOWNLOAD_DELAY"))
        )
        paused = (
            0.001 if getattr(slot, "lastseen", 0.0) > time.monotonic() else 0.0
        )  # a Retry-After pause needs a delay
        slot.delay = max(self._needed(slot, floor) if floor else 0.0, configured, paused)

    def _slot(self, key: str) -> Any:
        engine = self.crawler.engine
        return engine.downloader.slots.get(key) if engine is not None else None

    @staticmethod
    def _needed(slot: Any, floor: float) -> float:
        """Scrapy draws each wait from delay × (1 ± jitter): the delay is raised so that even the shortest
        draw keeps the Crawl-delay."""
        jitter = float(getattr(slot, "jitter", 0.5 if getattr(slot, "randomize_delay", False) else 0.0))
        return floor / (1.0 - jitter) if 0.0 <= jitter < 1.0 else floor
