"""Fault injection, end to end: one real crawl of the fault server (``tests/faultserver.py``).

The crawl must finish; every article that can be recovered is stored once, its French text intact; each
fault is logged once with its kind and counted in its source's health row; time, memory and disk stay
bounded. docs/robustness.md has the table of what each fault does.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from monitor.cli.demo import demo_overrides
from monitor.crawl import CrawlOptions, CrawlReport
from monitor.db import Database
from monitor.db.feeds import FeedStore
from monitor.db.models import Article, RawPage
from monitor.health import error_kind
from monitor.urls import canonical_url
from tests.conftest import _backends, _postgres_database
from tests.faultserver import BIG_FEED_ITEMS, HUGE_PAGE_BYTES, FaultServer, crawl_measured, page, serve_faults

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

RETRY_TIMES = 2
DOWNLOAD_TIMEOUT = 5  # the slow page answers after 30 s; 5 s leaves room for a reactor busy parsing
ARTICLE_CAP = 50  # MONITOR_MAX_ARTICLES_PER_SOURCE: the 10,000-item feed must not become 10,000 requests
CRAWL_SECONDS = 60  # the whole crawl, hard: crawl_in_subprocess kills it past this
PEAK_RSS_BYTES = 400 * 1024 * 1024  # a crawl child is ~180 MB; a held 50 MB page or an inflated bomb breaks this
DATABASE_BYTES = 8 * 1024 * 1024
MAX_REDIRECTS = 5

# path -> the slug whose page must be stored (under the path's canonical URL)
RECOVERABLE = {
    "/slow/article-in-time": "article-in-time",
    "/reset/article-reset-once": "article-reset-once",
    "/burst/article-after-burst": "article-after-burst",
    "/ratelimit/article-retry-after": "article-retry-after",
    "/truncated/article-cut-once": "article-cut-once",
    "/charset/latin1-declared-utf8": "latin1-declared-utf8",
    "/charset/latin1-meta-utf8": "latin1-meta-utf8",
    "/charset/utf8-declared-latin1": "utf8-declared-latin1",
    "/charset/latin1-no-charset": "latin1-no-charset",
    "/charset/utf8-no-charset": "utf8-no-charset",
    "/redirects/article-new-home": "article-new-home",
    "/malformed/article-from-broken-feed?a=1&b=2": "article-from-broken-feed",
    "/laughs/article-after-laughs": "article-after-laughs",
}
MOJIBAKE = re.compile("[\ufffd]|Ã[\u0080-\u00bf]|Â")

# source -> the errors its health row must hold (one per fault; recovered faults leave none)
HEALTH = {
    "slow": {"timeout": 1},
    "reset": {"connection": 1},
    "burst": {},
    "http-errors": {"403": 1, "404": 1, "410": 1},
    "ratelimit": {"429": 1},
    "truncated": {"responsedataloss": 1},
    "charset": {},
    "huge": {"too_large": 2},
    "sitemapbomb": {"parse_error": 1},
    "garbage": {"parse_error": 1},
    "malformed": {},
    "laughs": {},
    "bigfeed": {"404": ARTICLE_CAP},
    # faults raised after the download, seen by the spider's errback: Scrapy's HttpCompressionMiddleware
    # stops the bomb (IgnoreRequest from process_response), RedirectMiddleware the endless chain; the loop
    # ends in the dupefilter (request_dropped), the other host in SourceDomainsMiddleware
    "gzipbomb": {"too_large": 1},
    "redirects": {"redirect_loop": 1, "too_many_redirects": 1, "offsite": 1},
    # pages the extraction pipeline drops, counted for their source
    "binary": {"extraction_failed": 1},
    "nested": {"extraction_failed": 1},
}
# A download running while the reactor is busy (a big feed being parsed) may time out before it reaches
# DOWNLOAD_MAXSIZE: a 50 MB page then counts as a timeout rather than as too large.
TOO_LARGE = {"too_large", "timeout"}
# (source, kind, path) of the faults SourceStatsMiddleware, the spider's errback or ExtractionPipeline count:
# one WARNING line each
LOGGED = [
    ("slow", "timeout", "/slow/article-too-slow"),
    ("reset", "connection", "/reset/article-always-reset"),
    ("http-errors", "403", "/http-errors/article-forbidden"),
    ("http-errors", "404", "/http-errors/article-missing"),
    ("http-errors", "410", "/http-errors/article-gone"),
    ("ratelimit", "429", "/ratelimit/article-retry-much-later"),
    ("truncated", "responsedataloss", "/truncated/article-cut-short"),
    ("huge", "too_large|timeout", "/huge/article-50mb-streamed"),
    ("huge", "too_large|timeout", "/huge/article-50mb-declared"),
    ("gzipbomb", "too_large", "/gzipbomb/article-gzip-bomb"),
    ("redirects", "too_many_redirects", "/redirects/chain-0"),
    ("redirects", "redirect_loop", "/redirects/article-loop-a"),
    ("redirects", "offsite", "/redirects/article-elsewhere"),
    ("binary", "extraction_failed", "/binary/article-binary-body"),
    ("nested", "extraction_failed", "/nested/article-deep-nesting"),
]
SPIDER_LOGGED = [  # the spider's own warnings: the document's URL and what is wrong with it
    ("garbage", "not a feed", "/garbage/feed.xml"),
    ("sitemapbomb", "bad gzip", "/sitemapbomb/sitemap.xml.gz"),
]


def _overrides(log_file: Path) -> dict[str, Any]:
    return {
        **demo_overrides(),
        "DOWNLOAD_TIMEOUT": DOWNLOAD_TIMEOUT,
        "RETRY_TIMES": RETRY_TIMES,
        "REDIRECT_MAX_TIMES": MAX_REDIRECTS,
        "MONITOR_RETRY_BACKOFF_BASE": 0.1,
        "MONITOR_MAX_ARTICLES_PER_SOURCE": ARTICLE_CAP,
        "LOG_FILE": str(log_file),
        "LOG_FILE_APPEND": False,
    }


@pytest.fixture(scope="module", params=_backends())
def crawled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("faults")
    if request.param == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{folder / 'archive.db'}"])
    else:
        urls = _postgres_database()
    db_url = next(urls)
    log_file = folder / "crawl.log"
    with serve_faults() as server:
        options = CrawlOptions(
            database_url=db_url,
            sources=server.sources(),
            all_topics=True,
            log_level="INFO",
            overrides=_overrides(log_file),
        )
        started = time.monotonic()
        report, peak = crawl_measured(options, timeout=CRAWL_SECONDS)
        elapsed = time.monotonic() - started
        database = Database(db_url)
        try:
            yield {
                "server": server,
                "report": report,
                "peak": peak,
                "elapsed": elapsed,
                "database": database,
                "db_file": folder / "archive.db" if request.param == "sqlite" else None,
                "log": log_file.read_text("utf-8", "replace"),
                "health": {row["name"]: row for row in FeedStore(database).health()},
            }
        finally:
            database.dispose()
            for _ in urls:  # drops the PostgreSQL database
                pass


def _stats(crawled: dict[str, Any]) -> dict[str, Any]:
    report: CrawlReport = crawled["report"]
    return report.stats


def _articles(crawled: dict[str, Any]) -> dict[str, Article]:
    with crawled["database"].session() as session:
        rows = list(session.scalars(select(Article)))
        session.expunge_all()
    return {row.canonical_url: row for row in rows}


# the crawl ---------------------------------------------------------------------------------------------
def test_the_crawl_finishes_in_bounded_time_and_memory(crawled: dict[str, Any]) -> None:
    stats = _stats(crawled)
    assert stats["finish_reason"] == "finished", stats
    assert "monitor/child_exitcode" not in stats
    assert crawled["elapsed"] < CRAWL_SECONDS
    assert crawled["peak"] < PEAK_RSS_BYTES, f"crawl child peak RSS {crawled['peak'] / 2**20:.0f} MiB"
    if crawled["db_file"] is not None:
        assert crawled["db_file"].stat().st_size < DATABASE_BYTES


def test_recoverable_articles_are_stored_exactly_once(crawled: dict[str, Any]) -> None:
    server: FaultServer = crawled["server"]
    stored = _articles(crawled)
    expected = {canonical_url(server.url(path)) for path in RECOVERABLE}
    assert set(stored) == expected
    with crawled["database"].session() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == len(RECOVERABLE)
        assert session.scalar(select(func.count()).select_from(RawPage)) == len(RECOVERABLE)
    assert _stats(crawled)["monitor/stored"] == len(RECOVERABLE)


@pytest.mark.parametrize("path", list(RECOVERABLE))
def test_stored_text_is_correct_with_accents_intact(crawled: dict[str, Any], path: str) -> None:
    server: FaultServer = crawled["server"]
    article = _articles(crawled)[canonical_url(server.url(path))]
    expected = page(RECOVERABLE[path])
    assert article.title == expected.title
    for paragraph in expected.paragraphs:
        assert paragraph in article.text
    assert not MOJIBAKE.search(article.text + (article.title or "")), article.text[:200]
    assert "é" in article.text and "à" in article.text and "«" in article.text


# faults: counted and logged ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "errors"),
    list(HEALTH.items()),
)
def test_each_fault_is_counted_in_its_source_health(crawled: dict[str, Any], source: str, errors: dict) -> None:
    row = crawled["health"][source]
    if source == "huge":
        assert set(row["errors"]) <= TOO_LARGE and sum(row["errors"].values()) == 2, row["errors"]
    else:
        assert row["errors"] == errors
    discovery_failed = source in ("garbage", "sitemapbomb")
    assert row["failed"] == (1 if discovery_failed else 0)
    assert row["fetched"] == (0 if discovery_failed else 1)
    assert row["new_articles"] == sum(1 for path in RECOVERABLE if path.startswith(f"/{source}/"))


@pytest.mark.parametrize(("source", "kind", "path"), LOGGED)
def test_each_counted_fault_is_logged_once_with_its_kind(
    crawled: dict[str, Any], source: str, kind: str, path: str
) -> None:
    url = crawled["server"].url(path)
    pattern = re.compile(
        rf"\] WARNING: source {re.escape(source)}: (?:{kind}) error on \w+ {re.escape(url)}(?: \(.+\))?$"
    )
    lines = [line for line in crawled["log"].splitlines() if pattern.search(line)]
    assert len(lines) == 1, lines


@pytest.mark.parametrize(("source", "what", "path"), SPIDER_LOGGED)
def test_unusable_documents_are_logged_once(crawled: dict[str, Any], source: str, what: str, path: str) -> None:
    url = crawled["server"].url(path)
    lines = [line for line in crawled["log"].splitlines() if "WARNING" in line and url in line]
    assert len(lines) == 1 and what in lines[0] and f"source {source}: " in lines[0], lines


def test_a_download_error_is_logged_once(crawled: dict[str, Any]) -> None:
    url = crawled["server"].url("/slow/article-too-slow")
    lines = [line for line in crawled["log"].splitlines() if url in line and re.search(r"\] (ERROR|WARNING)", line)]
    assert len(lines) == 1, lines
    assert lines[0].endswith(f"timeout error on article {url} ({RETRY_TIMES + 1} attempts)")
    # every failure was handled by the spider's errback: Scrapy logged none again, with a traceback
    assert "Error downloading" not in crawled["log"] and "Traceback" not in crawled["log"]


def test_a_body_cut_mid_stream_is_counted_too_large(crawled: dict[str, Any]) -> None:
    errors = crawled["health"]["huge"]["errors"]
    if errors.get("timeout"):
        pytest.skip("a 50 MB page timed out (busy reactor) before DOWNLOAD_MAXSIZE cut it")
    assert errors == {"too_large": 2}


# faults: what the crawl did ----------------------------------------------------------------------------
def test_failures_are_retried_a_bounded_number_of_times(crawled: dict[str, Any]) -> None:
    server: FaultServer = crawled["server"]
    answers = {path: [h.answer for h in server.hits_of(path)] for path in server.routes}
    assert answers["/burst/feed.xml"] == ["503", "200"]
    assert answers["/burst/article-after-burst"] == ["500", "502", "200"]
    assert answers["/truncated/article-cut-once"] == ["truncated", "200"]
    assert answers["/reset/article-reset-once"][-1] == "200"
    attempts = RETRY_TIMES + 1
    assert answers["/slow/article-too-slow"].count("stalled") == attempts
    assert answers["/truncated/article-cut-short"] == ["truncated"] * attempts
    # Twisted retries a request once by itself when a reused connection fails: at most two tries an attempt
    assert attempts <= len(answers["/reset/article-always-reset"]) <= 2 * attempts
    for path in ("/http-errors/article-forbidden", "/http-errors/article-missing", "/http-errors/article-gone"):
        assert len(answers[path]) == 1, "4xx are not retried"


def test_retry_after_is_honoured_and_a_long_one_is_not_waited_for(crawled: dict[str, Any]) -> None:
    server: FaultServer = crawled["server"]
    first, second = server.hits_of("/ratelimit/article-retry-after")
    assert (first.answer, second.answer) == ("429", "200")
    assert second.time - first.time >= 0.9
    assert [h.answer for h in server.hits_of("/ratelimit/article-retry-much-later")] == ["429"]
    stats = _stats(crawled)
    assert stats["monitor/retry_after_honoured"] == 1 and stats["monitor/retry_after_too_long"] == 1


def test_huge_bodies_are_cut_at_download_maxsize(crawled: dict[str, Any]) -> None:
    server: FaultServer = crawled["server"]
    for path in ("/huge/article-50mb-streamed", "/huge/article-50mb-declared"):
        hits = server.hits_of(path)
        assert 1 <= len(hits) <= RETRY_TIMES + 1, hits  # a timeout is retried, a cut is not
        for hit in hits:
            sent = int(hit.answer.removeprefix("streamed "))
            assert sent < HUGE_PAGE_BYTES // 2, f"{path}: {sent} bytes sent before the crawler hung up"
    log = crawled["log"]
    assert "exceeded DOWNLOAD_MAXSIZE" in log and "gzipbomb/article-gzip-bomb" in log


def test_redirects_are_bounded_and_never_leave_the_source(crawled: dict[str, Any]) -> None:
    server: FaultServer = crawled["server"]
    chain = [p for p in server.counts if p.startswith("/redirects/chain-")]
    assert len(chain) == MAX_REDIRECTS + 1
    # the dupefilter ends the loop; a retried request (dont_filter) goes round until REDIRECT_MAX_TIMES
    loop = server.counts["/redirects/article-loop-a"] + server.counts["/redirects/article-loop-b"]
    assert 2 <= loop <= (RETRY_TIMES + 1) * (MAX_REDIRECTS + 1)
    assert not [u for u in _articles(crawled) if "elsewhere" in u]
    assert _stats(crawled).get("offsite/filtered", 0) + _stats(crawled).get("monitor/offsite", 0) == 1


def test_big_feed_is_read_whole_but_fetched_within_the_cap(crawled: dict[str, Any]) -> None:
    server: FaultServer = crawled["server"]
    fetched = [p for p in server.counts if p.startswith("/bigfeed/item-")]
    assert len(fetched) == ARTICLE_CAP
    stats = _stats(crawled)
    assert stats["monitor/over_source_limit"] == 1
    assert stats["monitor/feed_links"] >= BIG_FEED_ITEMS


def test_hostile_feeds_give_their_links_and_nothing_more(crawled: dict[str, Any]) -> None:
    server: FaultServer = crawled["server"]
    assert server.counts["/laughs/article-after-laughs"] == 1  # billion laughs: read, never expanded
    assert server.counts["/malformed/article-from-broken-feed"] == 1  # recovered from a broken feed
    assert not [p for p in server.counts if "javascript" in p]
    assert _stats(crawled)["monitor/extraction_failed"] == 2  # the binary body and the 100,000 nested tags


def test_error_kinds_of_the_download_exceptions() -> None:
    from scrapy.exceptions import DownloadCancelledError, DownloadFailedError

    lost = DownloadFailedError("[<Failure twisted.internet.error.ConnectionLost: Connection lost.>]")
    assert error_kind(exception=lost) == "connection"
    too_big = DownloadCancelledError("Received 10490539 bytes which is larger than download max size (10485760)")
    assert error_kind(exception=too_big) == "too_large"


def test_failure_kinds_the_errback_counts() -> None:
    from scrapy import Request
    from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
    from scrapy.http import HtmlResponse
    from scrapy.spidermiddlewares.httperror import HttpError

    from monitor.faults import CUT_AT_MAXSIZE, OffSource, Skipped, failure_kind

    plain = Request("http://a.test/x")
    assert failure_kind(Skipped("already archived"), plain) is None
    assert failure_kind(HttpError(HtmlResponse("http://a.test/x", status=404), "404"), plain) is None
    assert failure_kind(IgnoreRequest("a component's own reason"), plain) is None
    assert failure_kind(OffSource("b.test is not a host of source a"), plain) == "offsite"
    assert failure_kind(IgnoreRequest("Forbidden by robots.txt"), plain) == "robots"
    assert failure_kind(DownloadTimeoutError("took longer than 5.0 seconds"), plain) == "timeout"
    chain = Request("http://a.test/c5", meta={"redirect_urls": [f"http://a.test/c{i}" for i in range(5)]})
    assert failure_kind(IgnoreRequest("max redirections reached"), chain) == "too_many_redirects"
    loop = Request("http://a.test/b", meta={"redirect_urls": ["http://a.test/a", "http://a.test/b", "http://a.test/a"]})
    assert failure_kind(IgnoreRequest("max redirections reached"), loop) == "redirect_loop"
    assert failure_kind(DownloadCancelledError(""), plain) == "downloadcancelled"
    cut = Request("http://a.test/big", meta={CUT_AT_MAXSIZE: 10_500_000})
    assert failure_kind(DownloadCancelledError(""), cut) == "too_large"


def test_a_download_passing_download_maxsize_is_marked() -> None:
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from monitor.faults import CUT_AT_MAXSIZE
    from monitor.middlewares import SourceStatsMiddleware

    middleware = SourceStatsMiddleware.from_crawler(get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": 100}))
    request = Request("http://a.test/big", meta={"source": "a"})
    middleware.bytes_received(b"x" * 60, request)
    assert CUT_AT_MAXSIZE not in request.meta
    retried = request.copy()  # a retry starts from zero
    middleware.bytes_received(b"x" * 60, request)
    assert request.meta[CUT_AT_MAXSIZE] == 120
    middleware.bytes_received(b"x" * 60, retried)
    assert CUT_AT_MAXSIZE not in retried.meta
    unlimited = Request("http://a.test/big", meta={"source": "a", "download_maxsize": 0})
    middleware.bytes_received(b"x" * 1000, unlimited)
    assert CUT_AT_MAXSIZE not in unlimited.meta


def test_by_default_a_big_feed_gives_its_newest_thousand_articles() -> None:
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    from scrapy import Request
    from scrapy.http import XmlResponse
    from scrapy.utils.test import get_crawler

    import monitor.settings
    from monitor.sources import Source
    from spiders.news import NewsSpider

    project = {name: getattr(monitor.settings, name) for name in dir(monitor.settings) if name.isupper()}
    assert project["MONITOR_MAX_ARTICLES_PER_SOURCE"] == 1000
    crawler = get_crawler(NewsSpider, settings_dict=project)
    feed = "https://big.example/feed.xml"
    spider = NewsSpider.from_crawler(crawler, sources=[Source("big", "Big", "fr", feeds=(feed,))])
    assert crawler.stats is not None
    start = datetime(2024, 3, 5, tzinfo=UTC)
    items = "".join(  # oldest first in the document: the cap must still keep the newest
        f"<item><title>t{i}</title><link>https://big.example/news/item-{i}</link>"
        f"<pubDate>{format_datetime(start + timedelta(minutes=i))}</pubDate></item>"
        for i in range(1500)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'
    request = Request(feed, meta={"source": "big", "kind": "feed"})
    response = XmlResponse(feed, body=body.encode(), request=request)
    requested = [r.url for r in spider.parse_feed(response)]
    assert len(requested) == 1000
    assert requested[0].endswith("/item-1499") and requested[-1].endswith("/item-500")
    assert crawler.stats.get_value("monitor/over_source_limit") == 1


def test_a_robots_refusal_is_counted_and_logged_as_the_sites_choice(caplog: pytest.LogCaptureFixture) -> None:
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from monitor.faults import record_fault

    stats = MemoryStatsCollector(get_crawler())
    with caplog.at_level(logging.INFO, logger="monitor.faults"):
        record_fault(stats, "alpha", "article", "https://a.example/a.html", "robots")
        record_fault(stats, "alpha", "feed", "https://a.example/rss.xml", "robots")
        record_fault(stats, "alpha", "article", "https://a.example/b.html", "timeout", "3 attempts")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, "source alpha: article https://a.example/a.html disallowed by robots.txt, not fetched"),
        (logging.WARNING, "source alpha: feed https://a.example/rss.xml disallowed by robots.txt, not fetched"),
        (logging.WARNING, "source alpha: timeout error on article https://a.example/b.html (3 attempts)"),
    ]
    assert stats.get_value("monitor/source/alpha/error/robots") == 2
    assert stats.get_value("monitor/source/alpha/failed") == 1  # the feed


def test_a_source_that_lists_articles_but_refuses_them_all_is_failing() -> None:
    """Its feeds answer, but every article download fails (403 to crawlers, timeouts): the run is a failure
    of the source, counted in its failure streak (``monitor sources list`` flags it). Some articles fetched,
    or articles only left out by robots.txt or dropped after their download, and the run is a success."""
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from monitor.faults import record_fault
    from monitor.health import stat_key, tally

    stats = MemoryStatsCollector(get_crawler())
    for source in ("blocked", "partly", "polite"):
        stats.inc_value(stat_key(source, "fetched"))  # the feed answered
    for n in range(3):
        record_fault(stats, "blocked", "article", f"https://b.example/{n}.html", "403")
    record_fault(stats, "partly", "article", "https://p.example/1.html", "timeout")
    stats.inc_value(stat_key("partly", "articles_fetched"))
    record_fault(stats, "polite", "article", "https://r.example/1.html", "robots")
    record_fault(stats, "polite", "article", "https://r.example/2.html", "extraction_failed")
    result = {name: tally(stats.get_stats(), name) for name in ("blocked", "partly", "polite")}
    assert result["blocked"].articles_failed == 3 and not result["blocked"].ok
    assert result["partly"].articles_failed == 1 and result["partly"].ok
    assert result["polite"].articles_failed == 0 and result["polite"].ok
