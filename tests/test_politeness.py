"""Politeness and health as pure functions: Retry-After, back-off, Crawl-delay, error kinds, polling."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy.exceptions import IgnoreRequest
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError

from monitor.health import PollingBounds, error_kind, next_interval, tally
from monitor.politeness import backoff_seconds, crawl_delay, retry_after_seconds, user_agent


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2024, 3, 5, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(b"7") == 7
    assert retry_after_seconds("Tue, 05 Mar 2024 10:01:30 GMT", now) == 90
    assert retry_after_seconds("Tue, 05 Mar 2024 09:00:00 GMT", now) == 0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    assert retry_after_seconds(b"\xb2") is None and retry_after_seconds("\u0663") is None  # "²", "٣": not seconds


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff_seconds(n, 1.0, 5.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]


def test_crawl_delay_and_request_rate() -> None:
    agent = user_agent("mailto:desk@example.org")
    assert agent.startswith("facewatch-monitor/") and "mailto:desk@example.org" in agent
    assert crawl_delay("User-agent: *\nCrawl-delay: 4\n", agent) == 4
    assert crawl_delay("User-agent: facewatch-monitor\nCrawl-delay: 2\n\nUser-agent: *\nCrawl-delay: 9\n", agent) == 2
    assert crawl_delay("User-agent: *\nRequest-rate: 1/10s\n", agent) == 10
    assert crawl_delay("User-agent: *\nDisallow: /x\n", agent) is None


def test_error_kinds() -> None:
    assert error_kind(status=403) == "403" and error_kind(status=404) == "404" and error_kind(status=503) == "5xx"
    assert error_kind(exception=TimeoutError()) == "timeout"
    assert error_kind(exception=DNSLookupError()) == "dns"
    assert error_kind(exception=ConnectionRefusedError()) == "connection"
    assert error_kind(exception=IgnoreRequest("Forbidden by robots.txt")) == "robots"


def test_tally_reads_one_source_from_the_stats() -> None:
    stats = {
        "monitor/source/a/fetched": 2,
        "monitor/source/a/error/404": 1,
        "monitor/source/a/new_articles": 3,
        "monitor/source/ab/fetched": 9,
        "monitor/stored": 3,
    }
    result = tally(stats, "a")
    assert (result.fetched, result.new_articles, result.errors) == (2, 3, {"404": 1})
    assert result.ok and result.changed and result.attempted
    assert not tally({"monitor/source/b/failed": 2}, "b").ok


def test_polling_adapts_between_bounds() -> None:
    bounds = PollingBounds(timedelta(minutes=10), timedelta(hours=24))
    assert next_interval(timedelta(hours=1), True, bounds) == timedelta(minutes=30)
    assert next_interval(timedelta(hours=1), False, bounds) == timedelta(minutes=90)
    assert next_interval(timedelta(minutes=12), True, bounds) == timedelta(minutes=10)
    assert next_interval(timedelta(hours=20), False, bounds) == timedelta(hours=24)


def test_crawl_delay_floor_from_parsed_rules_keeps_the_longer_of_one_slot() -> None:
    """The floor comes from the parsed rules (downloaded or kept): two origins of one host keep the longer
    delay; a parser that does not read Crawl-delay is passed over."""
    from scrapy import Request
    from scrapy.robotstxt import ProtegoRobotParser
    from scrapy.utils.test import get_crawler

    from monitor.politeness import CrawlDelayExtension

    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True, "USER_AGENT": "facewatch-monitor"})
    extension = CrawlDelayExtension.from_crawler(crawler)

    def parsed(body: bytes) -> Any:
        return ProtegoRobotParser.from_crawler(crawler, body)

    extension.robots_parsed(parsed(b"User-agent: *\nCrawl-delay: 4\n"), Request("http://h.example:8080/a"))
    extension.robots_parsed(parsed(b"User-agent: *\nCrawl-delay: 1\n"), Request("http://h.example/b"))
    assert extension.floors == {"h.example": 4.0}
    extension.robots_parsed(object(), Request("http://other.example/"))  # no rules it can read: no error
    assert "other.example" not in extension.floors


def test_crawl_delay_read_again_replaces_that_origins_delay_and_can_lower_the_slots() -> None:
    """A long-lived process reads robots.txt again: the origin's new Crawl-delay replaces its old one (the
    floor no longer only goes up), the slot's delay comes down to it, and with no delay left to the slot's
    configured one."""
    import types

    from scrapy import Request
    from scrapy.robotstxt import ProtegoRobotParser
    from scrapy.utils.test import get_crawler

    from monitor.politeness import CrawlDelayExtension

    crawler = get_crawler(
        settings_dict={"ROBOTSTXT_OBEY": True, "DOWNLOAD_DELAY": 0.25, "RANDOMIZE_DOWNLOAD_DELAY": False}
    )
    crawler.stats.open_spider()
    slot = types.SimpleNamespace(delay=0.25, jitter=0.0)
    crawler.engine = types.SimpleNamespace(downloader=types.SimpleNamespace(slots={"h.example": slot}))  # type: ignore[assignment]
    extension = CrawlDelayExtension.from_crawler(crawler)

    def parsed(body: bytes) -> Any:
        return ProtegoRobotParser.from_crawler(crawler, body)

    extension.robots_parsed(parsed(b"User-agent: *\nCrawl-delay: 8\n"), Request("http://h.example/a"))
    extension.robots_parsed(parsed(b"User-agent: *\nCrawl-delay: 2\n"), Request("http://h.example:8080/a"))
    extension.request_reached_downloader(Request("http://h.example/b"), None)  # type: ignore[arg-type]
    assert slot.delay == 8.0
    extension.robots_parsed(parsed(b"User-agent: *\nCrawl-delay: 3\n"), Request("http://h.example/c"))
    assert extension.floors == {"h.example": 3.0} and slot.delay == 3.0  # the other origin's 2 s is shorter
    extension.robots_parsed(parsed(b"User-agent: *\nDisallow: /x\n"), Request("http://h.example/d"))
    assert extension.floors == {"h.example": 2.0} and slot.delay == 2.0
    extension.robots_parsed(parsed(b"User-agent: *\n"), Request("http://h.example:8080/e"))
    assert extension.floors == {} and slot.delay == 0.25
    assert crawler.stats.get_value("monitor/crawl_delay/h.example") == 0.0
    # https and http of one host share one robots.txt, as Scrapy reads it: read again through either, it is
    # that robots.txt's delay that is replaced
    extension.robots_parsed(parsed(b"User-agent: *\nCrawl-delay: 8\n"), Request("https://h.example/f"))
    extension.robots_parsed(parsed(b"User-agent: *\nCrawl-delay: 1\n"), Request("http://h.example/g"))
    assert extension.floors == {"h.example": 1.0} and slot.delay == 1.0
    # lowered while a Retry-After pause holds the host (no delay configured): the pause needs a delay above
    # zero to hold, since the downloader waits only for a slot with a delay
    quick = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True, "DOWNLOAD_DELAY": 0})
    quick.stats.open_spider()
    paused = types.SimpleNamespace(delay=0.0, jitter=0.0, lastseen=time.monotonic() + 30)
    quick.engine = types.SimpleNamespace(downloader=types.SimpleNamespace(slots={"h.example": paused}))  # type: ignore[assignment]
    other = CrawlDelayExtension.from_crawler(quick)
    other.robots_parsed(parsed(b"User-agent: *\nCrawl-delay: 2\n"), Request("http://h.example/i"))
    other.request_reached_downloader(Request("http://h.example/i"), None)  # type: ignore[arg-type]
    assert paused.delay == 2.0
    other.robots_parsed(parsed(b"User-agent: *\n"), Request("http://h.example/j"))
    assert 0 < paused.delay < 0.01
