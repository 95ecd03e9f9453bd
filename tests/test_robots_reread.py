"""robots.txt read again in a long-lived process (``monitor.robots``): a distributed worker never closes
its spider, so its hosts' rules are read again as they age. Unit tests: the middleware with an engine that
answers robots.txt requests from a list, under asyncio.

- A copy is read again once it is as old as ``MONITOR_ROBOTS_MAX_AGE``, counted from when it was checked
  (by this process or another), not from when this process first read it; never sooner than a minute.
- While the rules are read again, the host's requests go on under the rules in place; a re-read that finds
  robots.txt unreachable with no copy keeps them.
- robots.txt unreachable: read again after five minutes; before the host's next request when its 5xx
  refused everything (all the requests waiting get the new rules), in the background when it did not answer.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from scrapy import Request, signals
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.test import get_crawler
from twisted.internet import defer

from monitor.db.robots import StoredRobots
from monitor.robots import MIN_IN_PROCESS_SECONDS, RETRY_UNREACHABLE_SECONDS, CachedRobotsTxtMiddleware

ORIGIN = "https://a.example"
HOUR = 3600.0


class Engine:
    """Answers robots.txt requests in turn; holds them until ``gate`` is set."""

    def __init__(self) -> None:
        self.asked: list[Request] = []
        self.answers: list[Response | Exception] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def download_async(self, request: Request) -> Response:
        self.asked.append(request)
        await self.gate.wait()
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def answer(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.answers.append(Response(ORIGIN + "/robots.txt", status=status, body=body, headers=headers))


class Harness:
    def __init__(self, **settings: Any) -> None:
        self.crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True, "MONITOR_ROBOTS_MAX_AGE": HOUR, **settings})
        self.crawler.stats.open_spider()
        self.middleware = CachedRobotsTxtMiddleware.from_crawler(self.crawler)
        self.engine = Engine()
        self.crawler.engine = self.engine  # type: ignore[assignment]
        self.parsed: list[RobotParser] = []
        self.crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        self.parsed.append(robotparser)

    def keep(self, body: bytes, checked: timedelta) -> None:
        """A copy in hand, checked ``checked`` ago (read by this process or another)."""
        then = datetime.now(UTC) - checked
        self.middleware.updates[ORIGIN] = StoredRobots(ORIGIN, 200, body, '"e1"', None, then, then)

    async def parser(self) -> RobotParser | None:
        return await self.middleware.robot_parser(Request(ORIGIN + "/page"))

    def read_again_in(self) -> float:
        return self.middleware.read_again_at["a.example"] - time.monotonic()

    def age(self, seconds: float) -> None:
        """Time passes: the rules read in this process and the copy in hand are ``seconds`` older."""
        self.middleware.read_again_at["a.example"] -= seconds
        copy = self.middleware.updates[ORIGIN]
        self.middleware.updates[ORIGIN] = StoredRobots(
            copy.origin,
            copy.status,
            copy.body,
            copy.etag,
            copy.last_modified,
            copy.checked_at - timedelta(seconds=seconds),
            copy.changed_at,
        )


def allowed(parser: RobotParser | None, path: str) -> bool:
    assert parser is not None
    return bool(parser.allowed(ORIGIN + path, "*"))


def test_a_copy_is_read_again_once_as_old_as_the_maximum_age_counted_from_its_check() -> None:
    """Checked 50 minutes ago by another process: used as it is, read again in 10 minutes (it was read again
    after an hour of this process, so up to twice the maximum age); a copy about to expire: in a minute."""
    harness = Harness()
    harness.keep(b"User-agent: *\nDisallow: /x\n", timedelta(minutes=50))

    async def run() -> None:
        parser = await harness.parser()
        assert not allowed(parser, "/x") and harness.engine.asked == []
        assert 590 <= harness.read_again_in() <= 600
        harness.age(599)  # not yet due: the same rules, nothing asked
        assert await harness.parser() is parser and harness.engine.asked == []
        assert not harness.middleware.refreshing
        harness.age(2)
        harness.engine.answer(304)
        await harness.parser()
        await asyncio.sleep(0.05)
        assert [r.headers.get(b"If-None-Match") for r in harness.engine.asked] == [b'"e1"']
        assert HOUR - 10 <= harness.read_again_in() <= HOUR  # confirmed now: a full maximum age

    asyncio.run(run())
    late = Harness()
    late.keep(b"User-agent: *\n", timedelta(minutes=59, seconds=50))
    asyncio.run(late.parser())
    assert MIN_IN_PROCESS_SECONDS - 5 <= late.read_again_in() <= MIN_IN_PROCESS_SECONDS


def test_a_re_read_does_not_hold_the_hosts_requests_and_its_new_rules_apply() -> None:
    harness = Harness()
    harness.keep(b"User-agent: *\nDisallow: /x\nCrawl-delay: 5\n", timedelta(minutes=10))

    async def run() -> None:
        old = await harness.parser()
        harness.age(HOUR)
        harness.engine.gate.clear()  # the server is slow to answer
        harness.engine.answer(200, b"User-agent: *\nDisallow: /y\n", ETag='"e2"')
        during = await asyncio.wait_for(harness.parser(), timeout=1)
        assert during is old and harness.middleware.refreshing == {"a.example"}
        await asyncio.sleep(0.05)
        assert len(harness.engine.asked) == 1 and await harness.parser() is old  # asked once, not per request
        harness.engine.gate.set()
        await asyncio.sleep(0.05)
        new = await harness.parser()
        assert new is not old and allowed(new, "/x") and not allowed(new, "/y")
        assert harness.parsed[-1] is new  # announced: the Crawl-delay extension reads the new delay
        assert harness.middleware.updates[ORIGIN].etag == '"e2"' and not harness.middleware.refreshing

    asyncio.run(run())


def test_an_unreachable_robots_txt_is_read_again_after_five_minutes() -> None:
    harness = Harness(RETRY_ENABLED=False)

    async def run() -> None:
        harness.engine.answer(503)
        parser = await harness.parser()
        assert not allowed(parser, "/anything")  # never read, answered 5xx: nothing requested
        assert RETRY_UNREACHABLE_SECONDS - 5 <= harness.read_again_in() <= RETRY_UNREACHABLE_SECONDS
        harness.middleware.read_again_at["a.example"] -= RETRY_UNREACHABLE_SECONDS
        harness.engine.gate.clear()
        harness.engine.answer(200, b"User-agent: *\nDisallow: /private/\n")
        # no real rules were in place: the requests wait for the new ones, all of them, asked for once
        waiting = [asyncio.create_task(harness.parser()) for _ in range(3)]
        await asyncio.sleep(0.05)
        assert not any(task.done() for task in waiting) and len(harness.engine.asked) == 2
        harness.engine.gate.set()
        parsers = await asyncio.wait_for(asyncio.gather(*waiting), timeout=1)
        assert all(allowed(parser, "/news") and not allowed(parser, "/private/a") for parser in parsers)
        assert HOUR - 10 <= harness.read_again_in() <= HOUR

    asyncio.run(run())


def test_a_host_that_does_not_answer_is_asked_again_in_the_background() -> None:
    """No answer at all: its requests go on unchecked (and fail on their own) while robots.txt is asked for
    again; rules found then apply."""
    harness = Harness(RETRY_ENABLED=False)

    async def run() -> None:
        harness.engine.answers.append(TimeoutError("no answer"))
        assert await harness.parser() is None  # not checked
        harness.middleware.read_again_at["a.example"] -= RETRY_UNREACHABLE_SECONDS
        harness.engine.gate.clear()
        harness.engine.answer(200, b"User-agent: *\nDisallow: /private/\n")
        assert await asyncio.wait_for(harness.parser(), timeout=1) is None  # does not wait for the re-read
        harness.engine.gate.set()
        await asyncio.sleep(0.05)
        parser = await harness.parser()
        assert allowed(parser, "/news") and not allowed(parser, "/private/a")

    asyncio.run(run())


def test_a_first_read_cancelled_releases_the_requests_waiting_for_it() -> None:
    harness = Harness()

    async def run() -> None:
        harness.engine.gate.clear()
        harness.engine.answer(200, b"User-agent: *\nDisallow: /x\n")
        first = asyncio.create_task(harness.parser())
        await asyncio.sleep(0.02)
        second = asyncio.create_task(harness.parser())
        await asyncio.sleep(0.02)
        first.cancel()  # a process closing
        assert await asyncio.wait_for(second, timeout=1) is None
        assert not isinstance(harness.middleware._parsers["a.example"], defer.Deferred)

    asyncio.run(run())


def test_a_re_read_that_finds_robots_txt_unreachable_and_no_copy_keeps_the_rules_in_place() -> None:
    """Nothing kept (``MONITOR_ROBOTS_CACHE = False``): robots.txt answering 503 when read again does not
    replace the real rules by "nothing allowed"; it is asked for again five minutes later."""
    harness = Harness(RETRY_ENABLED=False, MONITOR_ROBOTS_CACHE=False)

    async def run() -> None:
        harness.engine.answer(200, b"User-agent: *\nDisallow: /x\nCrawl-delay: 4\n")
        old = await harness.parser()
        assert allowed(old, "/news") and harness.middleware.updates == {}
        harness.middleware.read_again_at["a.example"] -= HOUR
        harness.engine.answer(503)
        assert await harness.parser() is old
        await asyncio.sleep(0.05)
        assert len(harness.engine.asked) == 2 and await harness.parser() is old
        assert harness.parsed == [old]  # nothing announced: the host's Crawl-delay stays
        assert RETRY_UNREACHABLE_SECONDS - 5 <= harness.read_again_in() <= RETRY_UNREACHABLE_SECONDS

    asyncio.run(run())


@pytest.mark.parametrize("stored_later", [True, False])
def test_the_latest_copy_is_used_this_processs_or_the_archives(stored_later: bool) -> None:
    """Another process (a worker, a crawl beside this one) checked robots.txt since this one: its copy,
    newer, is used; an older copy in the archive does not replace this process's."""
    harness = Harness()
    now = datetime.now(UTC)
    mine = StoredRobots(ORIGIN, 200, b"User-agent: *\nDisallow: /mine\n", None, None, now - timedelta(hours=2), now)
    other = StoredRobots(ORIGIN, 200, b"User-agent: *\nDisallow: /other\n", None, None, now, now)
    if not stored_later:
        mine, other = (
            StoredRobots(ORIGIN, 200, mine.body, None, None, now, now),
            StoredRobots(ORIGIN, 200, other.body, None, None, now - timedelta(hours=2), now),
        )
    harness.middleware.updates[ORIGIN] = mine

    class Store:
        def get(self, origin: str) -> StoredRobots | None:
            return other

    harness.middleware.store = Store()  # type: ignore[assignment]
    harness.middleware.thread = ThreadPoolExecutor(max_workers=1)
    parser = asyncio.run(harness.parser())
    harness.middleware.thread.shutdown()
    assert allowed(parser, "/mine") is stored_later and allowed(parser, "/other") is not stored_later
    assert harness.engine.asked == []  # the latest is fresh: nothing asked
