"""robots.txt is kept between crawls (``monitor.robots``), as RFC 9309 lets a crawler keep it.

- A copy checked within ``MONITOR_ROBOTS_MAX_AGE`` is used without a request, and its rules still hold:
  Disallow and Crawl-delay; an older one is asked for conditionally and confirmed by a 304.
- While robots.txt is unreachable (5xx after the retries), the kept copy applies; with none, nothing is
  requested from that host in the crawl, and its sources count the refusals.
- A 4xx robots.txt means no rules.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from monitor.crawl import CrawlOptions, CrawlReport, crawl_in_subprocess
from monitor.db import Database
from monitor.db.robots import RobotsStore, StoredRobots
from monitor.sources import Source
from tests.discovery_server import FAST_CRAWL, LocalServer, Route, article, serve

pytestmark = pytest.mark.slow
ALWAYS = 10_000
ROBOTS = b"User-agent: *\nDisallow: /private/\nCrawl-delay: 0.3\n"


def _rss(*paths: str) -> bytes:
    items = "".join(f"<item><title>{path}</title><link>{{A}}{path}</link></item>" for path in paths)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


def _routes() -> dict[str, Route]:
    routes = {
        "/robots.txt": Route(ROBOTS, "text/plain"),
        "/feed.xml": Route(_rss("/news/one", "/private/one"), "application/rss+xml"),
    }
    for slug in ("one", "two", "three", "four"):
        routes[f"/news/{slug}"] = Route(article(slug, f"News {slug}"))
        routes[f"/private/{slug}"] = Route(article(f"private-{slug}", f"Private {slug}"))
    return routes


def _crawl(server: LocalServer, db_url: str, **settings: Any) -> CrawlReport:
    overrides = {**FAST_CRAWL, **settings}
    source = Source("alpha", "Alpha", "en", feeds=(server.base + "/feed.xml",))
    options = CrawlOptions(
        database_url=db_url, sources=[source], all_topics=True, log_level="WARNING", overrides=overrides
    )
    return crawl_in_subprocess(options, timeout=120)


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict[str, Any]]]:
    routes = _routes()
    with serve(routes) as (server, _other):
        db_url = f"sqlite:///{tmp_path_factory.mktemp('robots') / 'archive.db'}"
        runs: list[dict[str, Any]] = []

        def run(**settings: Any) -> None:
            mark = len(server.hits)
            report = _crawl(server, db_url, **settings)
            runs.append({"report": report, "hits": server.hits[mark:]})

        run()  # 0: robots.txt downloaded and kept
        routes["/feed.xml"].body = _rss("/news/one", "/news/two", "/news/three", "/private/two")
        run()  # 1: within the hour: the kept copy, no request
        routes["/feed.xml"].body = _rss("/news/one", "/news/two", "/news/three", "/private/two", "/private/three")
        run(MONITOR_ROBOTS_MAX_AGE=0)  # 2: asked for conditionally: 304
        routes["/robots.txt"].fail_first = ALWAYS
        routes["/robots.txt"].retry_after = "0"
        routes["/feed.xml"].body = _rss("/news/four", "/private/four")
        run(MONITOR_ROBOTS_MAX_AGE=0)  # 3: robots.txt answers 503: the kept copy applies
        yield runs


def _paths(run: dict[str, Any]) -> list[str]:
    return [hit.path for hit in run["hits"]]


def test_robots_txt_is_downloaded_once_then_kept(crawls: list[dict[str, Any]]) -> None:
    first, second = crawls[0], crawls[1]
    assert _paths(first).count("/robots.txt") == 1
    assert "/news/one" in _paths(first) and "/private/one" not in _paths(first)
    assert "/robots.txt" not in _paths(second), "a copy checked within MONITOR_ROBOTS_MAX_AGE is not asked for"
    assert second["report"].stats.get("robotstxt/kept/fresh") == 1


def test_the_kept_rules_still_hold(crawls: list[dict[str, Any]]) -> None:
    second = crawls[1]
    assert {"/news/two", "/news/three"} <= set(_paths(second))
    assert "/private/two" not in _paths(second), "Disallow from the kept copy"
    assert second["report"].stats.get("monitor/source/alpha/error/robots") == 1
    times = sorted(hit.time for hit in second["hits"])
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(times) >= 3 and min(gaps) >= 0.27, f"Crawl-delay 0.3 s from the kept copy, gaps {gaps}"


def test_an_older_copy_is_revalidated_with_a_conditional_request(crawls: list[dict[str, Any]]) -> None:
    third = crawls[2]
    robots = [hit for hit in third["hits"] if hit.path == "/robots.txt"]
    assert len(robots) == 1 and robots[0].status == 304 and robots[0].if_none_match
    assert third["report"].stats.get("robotstxt/kept/revalidated") == 1
    assert "/private/three" not in _paths(third)


def test_while_robots_txt_is_unreachable_the_kept_copy_applies(crawls: list[dict[str, Any]]) -> None:
    fourth = crawls[3]
    robots = [hit for hit in fourth["hits"] if hit.path == "/robots.txt"]
    assert robots and all(hit.status == 503 for hit in robots)
    assert "/news/four" in _paths(fourth) and "/private/four" not in _paths(fourth)
    assert fourth["report"].stats.get("robotstxt/kept/fallback") == 1
    assert fourth["report"].stored == 1


def test_a_5xx_robots_txt_never_read_before_stops_the_host(tmp_path: Any) -> None:
    """RFC 9309, 2.3.1.4: a server error on robots.txt is a complete disallow (no copy to fall back on)."""
    routes = _routes()
    routes["/robots.txt"].fail_first = ALWAYS
    routes["/robots.txt"].retry_after = "0"
    with serve(routes) as (server, _other):
        report = _crawl(server, f"sqlite:///{tmp_path / 'archive.db'}")
        assert {hit.path for hit in server.hits} == {"/robots.txt"}, "not even the feed is requested"
    assert report.stored == 0
    assert report.stats.get("monitor/source/alpha/error/robots") == 1  # the feed, refused


def test_a_4xx_robots_txt_means_no_rules_and_is_kept(tmp_path: Any) -> None:
    routes = _routes()
    routes["/robots.txt"].status = 404
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with serve(routes) as (server, _other):
        report = _crawl(server, db_url)
        assert {"/news/one", "/private/one"} <= {hit.path for hit in server.hits}
    assert report.stored == 2
    database = Database(db_url)
    try:
        kept = RobotsStore(database).get(server.base)
    finally:
        database.dispose()
    assert kept is not None and kept.status == 404 and kept.body == b""


def test_every_request_waiting_for_robots_txt_is_checked(tmp_path: Any) -> None:
    """A source's start requests to one host all wait for its robots.txt: each is checked, not only the first
    (awaiting one shared Deferred handed the rules to the first waiter and None, no check, to the others)."""
    routes = _routes()
    feeds = ["/feed.xml", *(f"/private/feed-{n}.xml" for n in range(4))]
    for path in feeds[1:]:
        routes[path] = Route(_rss("/news/two"), "application/rss+xml")
    with serve(routes) as (server, _other):
        source = Source("alpha", "Alpha", "en", feeds=tuple(server.base + path for path in feeds))
        options = CrawlOptions(
            database_url=f"sqlite:///{tmp_path / 'archive.db'}",
            sources=[source],
            all_topics=True,
            log_level="WARNING",
            overrides=FAST_CRAWL,
        )
        report = crawl_in_subprocess(options, timeout=120)
        requested = {hit.path for hit in server.hits}
    assert not {path for path in requested if path.startswith("/private/")}, requested
    assert report.stats.get("monitor/source/alpha/error/robots") == 5  # four feeds and the feed's private link


def test_validators_longer_than_the_archive_keeps_or_with_control_characters_are_dropped() -> None:
    from scrapy.http import Response

    from monitor.validators import MAX_ETAG_CHARS, as_header, etag_of, last_modified_of

    long = Response("https://a.example/robots.txt", headers={"ETag": '"' + "x" * MAX_ETAG_CHARS + '"'})
    assert etag_of(long) is None
    plain = Response("https://a.example/robots.txt", headers={"ETag": '"é1"'.encode("latin-1")})
    assert etag_of(plain) == '"é1"' and as_header('"é1"') == '"é1"'.encode("latin-1")
    assert last_modified_of(plain) is None
    for odd in (b'"a\x00b"', b'"a\nb"', b'"a\x7fb"'):  # PostgreSQL refuses a NUL: no control character is kept
        assert etag_of(Response("https://a.example/robots.txt", headers={"ETag": odd})) is None
    tabbed = Response("https://a.example/robots.txt", headers={"Last-Modified": b"Tue,\t01 Dec 2026 10:00:00 GMT"})
    assert last_modified_of(tabbed) == "Tue,\t01 Dec 2026 10:00:00 GMT"


def test_kept_copies_are_written_and_replaced(db_url: str) -> None:
    database = Database(db_url)
    try:
        store = RobotsStore(database)
        then = datetime(2026, 1, 1, tzinfo=UTC)
        first = StoredRobots("https://a.example", 200, b"User-agent: *\nDisallow: /x\n", '"e1"', None, then, then)
        assert store.save([first]) == 1 and store.get("https://a.example") == first
        later = StoredRobots("https://a.example", 200, b"", None, "Tue, 01 Dec 2026", then + timedelta(hours=2), then)
        store.save([later])
        assert store.get("https://a.example") == later
        store.save([first])  # checked before the copy in place (another process, a longer crawl): not written
        assert store.get("https://a.example") == later
        assert store.get("https://b.example") is None
    finally:
        database.dispose()
