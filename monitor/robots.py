"""robots.txt kept between crawls, as RFC 9309 lets a crawler keep it (section 2.4), as a Scrapy component.

``CachedRobotsTxtMiddleware`` replaces Scrapy's ``RobotsTxtMiddleware`` (same settings, same
``robots_parsed`` signal, same parser): each origin's robots.txt is kept in the archive (``robots_txt``).

- A copy checked less than ``MONITOR_ROBOTS_MAX_AGE`` seconds ago (default an hour; RFC 9309 asks for no
  more than a day) is used without a request: a daemon polling every quarter of an hour asks each host for
  its robots.txt once an hour, not at every poll.
- An older copy is revalidated with ``If-None-Match`` / ``If-Modified-Since``; a 304 confirms it.
- 2xx: the rules (the first 500 KiB, as the RFC reads them). A 4xx other than 429: no rules, all allowed
  (RFC 9309, "unavailable"), kept like rules.
- Unreachable (5xx or 429 after the retries, or no answer at all): the kept copy applies, however old. With
  no copy, a server that answers 5xx gets nothing requested (the RFC's "complete disallow": its pages are
  counted as refused by robots.txt) until robots.txt is asked for again, five minutes later; a host that does
  not answer at all is left to fail on its own requests, so that its sources' health names the real fault
  (timeout, DNS, connection).

``MONITOR_REFRESH`` downloads every robots.txt again (the answer is kept). With ``MONITOR_STORAGE_DISABLED``
or ``MONITOR_ROBOTS_CACHE = False`` nothing is kept: Scrapy's behaviour, but for the 5xx rule above.
Copies are read and written in a thread of their own (not the reactor's pool, which resolves host names;
under a reactor other than asyncio's, a read is waited for). A long-lived process (a distributed worker never
closes its spider) reads a host's rules again once they are as old as ``MONITOR_ROBOTS_MAX_AGE`` (at least a
minute), in the background: the host's requests go on under the rules in place, which a re-read finding
robots.txt unreachable with no copy leaves in place. An unreachable robots.txt is asked for again after five
minutes (or the maximum age, if shorter): before the host's next request when its 5xx refused everything, in
the background when the host did not answer (its requests go on, unchecked, and fail on their own).
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import CancelledError, Deferred
from twisted.python.failure import Failure

from monitor.db.robots import RobotsStore, StoredRobots
from monitor.db.session import Database
from monitor.validators import as_header, etag_of, last_modified_of
from monitor.workers import wait_for

logger = logging.getLogger(__name__)

MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309, 2.5: a crawler parses at least the first 500 KiB
MIN_IN_PROCESS_SECONDS = 60.0  # a long-lived process reads a host's rules again no sooner than this
RETRY_UNREACHABLE_SECONDS = 300.0  # ... and no later than this when robots.txt was unreachable (a kept copy or none)
NO_RULES = b""
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


@dataclass(frozen=True)
class Outcome:
    """What one read of an origin's robots.txt gives: the rules (None: not checked), when they were read or
    confirmed (None: robots.txt was unreachable), and whether they are only the fallback of an unreachable
    robots.txt with no copy (all disallowed, or not checked), to be replaced by any real rules."""

    rules: bytes | None
    checked_at: datetime | None
    fallback: bool = False


def is_unavailable(status: int) -> bool:
    """A 4xx other than 429: the site has no robots.txt for us, so no rule (RFC 9309, 2.3.1.3)."""
    return 400 <= status < 500 and status != 429


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's ``RobotsTxtMiddleware`` with each origin's robots.txt kept in the archive between crawls."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)  # NotConfigured unless ROBOTSTXT_OBEY
        settings = crawler.settings
        self.max_age = timedelta(seconds=max(0.0, settings.getfloat("MONITOR_ROBOTS_MAX_AGE", 3600.0)))
        self.refresh = settings.getbool("MONITOR_REFRESH")
        self.keep = settings.getbool("MONITOR_ROBOTS_CACHE", True) and not settings.getbool("MONITOR_STORAGE_DISABLED")
        self.database_url: str | None = settings.get("MONITOR_DATABASE_URL")
        self.store: RobotsStore | None = None
        self.updates: dict[str, StoredRobots] = {}  # the copies this process read or confirmed, by origin
        self.read_again_at: dict[str, float] = {}  # by netloc: when (monotonic) its rules are read again
        self.refreshing: set[str] = set()  # the netlocs whose rules are being read again, in the background
        self.refused: set[str] = set()  # the netlocs refused everything: robots.txt answered 5xx, no copy
        self.tasks: set[Deferred[None]] = set()  # the background re-reads
        self.thread: ThreadPoolExecutor | None = None  # the copies' reads and writes
        self.writing: set[Future[None]] = set()  # copies being written

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler)
        if middleware.keep:
            crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        self.store = RobotsStore(Database(self.database_url))
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-robots")

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        for task in list(self.tasks):  # a re-read the closing downloader will not answer
            task.cancel()
        for writing in list(self.writing):  # the copies still being written
            await wait_for(writing)
        self.writing.clear()
        thread, self.thread = self.thread, None
        if thread is not None:
            thread.shutdown(wait=True)
        if self.store is not None:
            self.store.db.dispose()
            self.store = None

    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        netloc = url.netloc
        origin = f"{url.scheme}://{netloc}"
        if netloc in self.refused and self._due(netloc):  # nothing allowed, no real rules: read before going on
            del self._parsers[netloc]
        if netloc not in self._parsers:
            waiting: Deferred[RobotParser | None] = Deferred()
            self._parsers[netloc] = waiting
            parser: RobotParser | None = None
            try:
                parser = await self._first(request, origin, netloc)
            finally:  # cancelled too (a closing process): the host's waiting requests are released
                self._parsers[netloc] = parser
                waiting.callback(parser)
        elif self._due(netloc):  # a long-lived process: read again while the host's requests go on under the
            self.refreshing.add(netloc)  # rules in place (a re-read does not hold them up)
            task: Deferred[None] = deferred_from_coro(self._refresh(request, origin, netloc))
            self.tasks.add(task)
            task.addBoth(self._refreshed, task, netloc)
        parser_or_deferred = self._parsers[netloc]
        if isinstance(parser_or_deferred, Deferred):
            # each waiter its own Deferred: awaiting the shared one would hand its result to the first waiter
            # only (Twisted's asFuture consumes it), and the others would get None, that is no check at all
            mine: Deferred[RobotParser | None] = Deferred()
            parser_or_deferred.addBoth(_relay, mine)
            return await maybe_deferred_to_future(mine)
        return parser_or_deferred

    def _due(self, netloc: str) -> bool:
        """Whether the host's rules, read in this process, are to be read again now."""
        return (
            netloc not in self.refreshing
            and not isinstance(self._parsers.get(netloc), Deferred)
            and time.monotonic() >= self.read_again_at.get(netloc, float("inf"))
        )

    async def _first(self, request: Request, origin: str, netloc: str) -> RobotParser | None:
        """The host's rules read while its requests wait: whatever they are, they apply."""
        parser, fallback = await self._read(request, origin, netloc)
        if fallback and parser is not None:
            self.refused.add(netloc)
        else:  # a host that does not answer is not checked: read again in the background, its requests go on
            self.refused.discard(netloc)
        await self._announce(parser, request)
        return parser

    async def _refresh(self, request: Request, origin: str, netloc: str) -> None:
        """The host's rules read again in the background: they replace the rules in place, unless robots.txt
        was unreachable with no copy (the rules in place, real ones, stay: asked for again later)."""
        try:
            parser, fallback = await self._read(request, origin, netloc)
            if not fallback:
                self._parsers[netloc] = parser
                await self._announce(parser, request)
        finally:
            self.refreshing.discard(netloc)

    def _refreshed(self, result: Failure | None, task: Deferred[None], netloc: str) -> None:
        self.tasks.discard(task)
        if isinstance(result, Failure) and not result.check(CancelledError, asyncio.CancelledError):
            logger.error("reading the robots.txt of %s again failed: %s", netloc, result.getErrorMessage())

    async def _announce(self, parser: RobotParser | None, request: Request) -> None:
        """Scrapy's ``robots_parsed`` signal (the Crawl-delay extension reads the host's delay from it)."""
        if parser is not None:
            await self.crawler.signals.send_catch_log_async(
                signal=signals.robots_parsed, robotparser=parser, request=request
            )

    async def _read(self, request: Request, origin: str, netloc: str) -> tuple[RobotParser | None, bool]:
        """The parser of the rules that apply to ``origin`` now (None: not checked) and whether they are only
        an unreachable robots.txt's fallback; sets when this process reads them again: once the copy is as
        old as the maximum age (at least a minute from now), sooner when robots.txt was unreachable."""
        parser: RobotParser | None = None
        fallback = True
        lifetime = RETRY_UNREACHABLE_SECONDS
        try:  # whatever happens, the requests waiting for this host's rules are released
            outcome = await self._rules(origin)
            fallback = outcome.fallback
            rules = outcome.rules
            parser = None if rules is None else build_from_crawler(self._parserimpl, self.crawler, rules)
            if outcome.checked_at is None:
                lifetime = self._retry_unreachable()
            else:
                age = max(timedelta(0), datetime.now(UTC) - outcome.checked_at)
                lifetime = max((self.max_age - age).total_seconds(), MIN_IN_PROCESS_SECONDS)
        except Exception:
            logger.exception("could not read the robots.txt of %s: its rules are not checked", netloc)
        self.read_again_at[netloc] = time.monotonic() + lifetime
        return parser, fallback

    def _retry_unreachable(self) -> float:
        """Seconds before an unreachable robots.txt is asked for again (no later than its copy would be)."""
        return min(max(self.max_age.total_seconds(), MIN_IN_PROCESS_SECONDS), RETRY_UNREACHABLE_SECONDS)

    async def _rules(self, origin: str) -> Outcome:
        """The robots.txt rules that apply to ``origin`` now."""
        kept = await self._kept(origin)
        now = datetime.now(UTC)
        if kept is not None and not self.refresh and now - kept.checked_at < self.max_age:
            self._stats.inc_value("robotstxt/kept/fresh")
            return Outcome(kept.body, kept.checked_at)
        request = Request(
            f"{origin}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True},
            callback=NO_CALLBACK,
        )
        if kept is not None and not self.refresh:  # the validators as the server sent them (latin-1 bytes)
            if kept.etag:
                request.headers[b"If-None-Match"] = as_header(kept.etag)
            if kept.last_modified:
                request.headers[b"If-Modified-Since"] = as_header(kept.last_modified)
        self._stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(request)
        except IgnoreRequest:  # refused by another middleware (size, host): checked no further, as Scrapy does
            return Outcome(None, now)
        except Exception as exc:
            self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
            return self._unreachable(origin, kept, f"{type(exc).__name__}: {exc}", answered=False)
        return self._answered(origin, kept, response, now)

    def _answered(self, origin: str, kept: StoredRobots | None, response: Response, now: datetime) -> Outcome:
        status = response.status
        self._stats.inc_value("robotstxt/response_count")
        self._stats.inc_value(f"robotstxt/response_status_count/{status}")
        if status == 304 and kept is not None:
            self._stats.inc_value("robotstxt/kept/revalidated")
            self._keep(replace(kept, checked_at=now))
            return Outcome(kept.body, now)
        if 200 <= status < 300 or is_unavailable(status):
            body = bytes(response.body[:MAX_ROBOTS_BYTES]) if status < 300 else NO_RULES
            changed = kept.changed_at if kept is not None and kept.body == body and kept.status == status else now
            self._keep(
                StoredRobots(
                    origin=origin,
                    status=status,
                    body=body,
                    etag=etag_of(response),
                    last_modified=last_modified_of(response),
                    checked_at=now,
                    changed_at=changed,
                )
            )
            return Outcome(body, now)
        if status == 429 or status >= 500:
            return self._unreachable(origin, kept, f"HTTP {status}", answered=True)
        return Outcome(
            NO_RULES, now
        )  # a redirect not followed to its end, a 304 to no condition: no rules, nothing kept

    def _unreachable(self, origin: str, kept: StoredRobots | None, why: str, answered: bool) -> Outcome:
        if kept is not None:
            self._stats.inc_value("robotstxt/kept/fallback")
            logger.warning(
                "robots.txt of %s unreachable (%s): the copy checked %s applies",
                origin,
                why,
                kept.checked_at.strftime("%Y-%m-%d %H:%M UTC"),
            )
            return Outcome(kept.body, None)
        if not answered:  # the host's own requests fail the same way, with their own error kinds
            logger.info("robots.txt of %s not read (%s): its rules are not checked for now", origin, why)
            return Outcome(None, None, fallback=True)
        logger.warning(
            "robots.txt of %s unreachable (%s) and never read before: nothing is requested from %s until it is"
            " asked for again in %.0f s",
            origin,
            why,
            origin,
            self._retry_unreachable(),
        )
        return Outcome(DISALLOW_ALL, None, fallback=True)

    async def _kept(self, origin: str) -> StoredRobots | None:
        """The latest copy of ``origin``'s robots.txt: this process's, or the archive's when another process
        (a worker, a crawl run beside this one) checked it since."""
        mine = self.updates.get(origin)
        if self.store is None or self.thread is None:
            return mine
        try:
            stored = await wait_for(self.thread.submit(self.store.get, origin))
        except Exception:
            logger.exception("could not read the kept robots.txt of %s", origin)
            return mine
        if mine is None or (stored is not None and stored.checked_at > mine.checked_at):
            return stored
        return mine

    def _keep(self, copy: StoredRobots) -> None:
        """Remember ``copy`` and write it now, in a thread (the reactor does not wait for the database's
        write lock): a process killed later, or never closing, keeps it too."""
        if not self.keep:
            return
        self.updates[copy.origin] = copy
        if self.store is None or self.thread is None:
            return
        self.writing = {writing for writing in self.writing if not writing.done()}  # on the reactor's thread
        self.writing.add(self.thread.submit(self._save, self.store, copy))

    @staticmethod
    def _save(store: RobotsStore, copy: StoredRobots) -> None:
        try:
            store.save([copy])
        except Exception:  # the crawl matters more than a copy of robots.txt: it is asked for next time
            logger.exception("could not keep the robots.txt of %s", copy.origin)


def _relay(result: RobotParser | Failure | None, waiter: Deferred[RobotParser | None]) -> RobotParser | Failure | None:
    """Hand the shared Deferred's result to one waiter, and on down the shared chain."""
    waiter.callback(None if isinstance(result, Failure) else result)
    return result
