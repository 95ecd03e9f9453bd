"""Incremental crawls lose nothing: what a crawl could not read to the end is read again by the next one.

- An article whose download failed for a while (a 503 once retries are spent, a timeout) is requested again
  by the next crawl, though its feed has not changed since: the feed kept no validator. A 404 is not.
- A sitemap index that has not changed still lists its sitemaps, which may have: answered 304, it is read
  from the sitemaps it listed, each asked for conditionally in turn; a new article of a listed sitemap is
  found, and a crawl of the unchanged site makes only conditional requests answered 304.
- A sitemap of an index that failed for a while is read again next time: the index kept no validator.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from monitor.crawl import CrawlOptions, CrawlReport, crawl_in_subprocess
from monitor.db import Database
from monitor.db.models import Article
from monitor.sources import Source
from tests.discovery_server import FAST_CRAWL, LocalServer, Route, article, serve

pytestmark = pytest.mark.slow
ALWAYS = 10_000  # fail_first: every request of this crawl fails


def _rss(*slugs: str) -> bytes:
    items = "".join(f"<item><title>{slug}</title><link>{{A}}/news/{slug}</link></item>" for slug in slugs)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


def _urlset(*slugs: str) -> bytes:
    today = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    urls = "".join(f"<url><loc>{{A}}/news/{slug}</loc><lastmod>{today}</lastmod></url>" for slug in slugs)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()


INDEX = (
    b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<sitemap><loc>{A}/news-sitemap.xml</loc></sitemap><sitemap><loc>{A}/flaky-sitemap.xml</loc></sitemap>"
    b"</sitemapindex>"
)


def _routes() -> dict[str, Route]:
    routes = {
        "/robots.txt": Route(b"User-agent: *\nAllow: /\n", "text/plain"),
        "/alpha.xml": Route(_rss("alpha-one", "alpha-busy"), "application/rss+xml"),
        "/beta.xml": Route(_rss("beta-one", "beta-gone"), "application/rss+xml"),
        "/sitemap-index.xml": Route(INDEX, "application/xml"),
        "/news-sitemap.xml": Route(_urlset("gamma-one"), "application/xml"),
        "/flaky-sitemap.xml": Route(_urlset("gamma-flaky"), "application/xml", fail_first=ALWAYS, retry_after="0"),
    }
    for slug in ("alpha-one", "alpha-busy", "beta-one", "gamma-one", "gamma-two", "gamma-flaky"):
        routes[f"/news/{slug}"] = Route(article(slug, slug.replace("-", " ").title()))
    routes["/news/alpha-busy"].fail_first = ALWAYS
    routes["/news/alpha-busy"].retry_after = "0"
    return routes


def _crawl(server: LocalServer, db_url: str) -> CrawlReport:
    a = server.base
    sources = [
        Source("alpha", "Alpha", "en", feeds=(a + "/alpha.xml",)),
        Source("beta", "Beta", "en", feeds=(a + "/beta.xml",)),
        Source("gamma", "Gamma", "en", sitemaps=(a + "/sitemap-index.xml",)),
    ]
    overrides = dict(FAST_CRAWL)
    options = CrawlOptions(
        database_url=db_url, sources=sources, all_topics=True, log_level="WARNING", overrides=overrides
    )
    return crawl_in_subprocess(options, timeout=120)


def _archived(db_url: str) -> set[str]:
    database = Database(db_url)
    try:
        with database.session() as session:
            return {url.rsplit("/", 1)[-1] for url in session.scalars(select(Article.canonical_url))}
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    routes = _routes()
    with serve(routes) as (server, _other):
        db_url = f"sqlite:///{tmp_path_factory.mktemp('retry') / 'archive.db'}"
        runs: list[dict[str, Any]] = []

        def run() -> None:
            mark = len(server.hits)
            report = _crawl(server, db_url)
            runs.append({"report": report, "hits": server.hits[mark:], "archived": _archived(db_url)})

        run()  # 1: alpha-busy and the flaky sitemap answer 503 every time; beta-gone is a 404
        routes["/news/alpha-busy"].fail_first = 0
        routes["/flaky-sitemap.xml"].fail_first = 0
        routes["/news-sitemap.xml"].body = _urlset("gamma-one", "gamma-two")  # the index itself unchanged
        run()  # 2: what failed is read again, the new article of the listed sitemap is found
        run()  # 3: nothing changed
        yield {"runs": runs}


def _paths(run: dict[str, Any]) -> list[str]:
    return [hit.path for hit in run["hits"]]


def test_a_crawl_stores_what_it_could_read(crawls: dict[str, Any]) -> None:
    first = crawls["runs"][0]
    assert first["report"].stats["finish_reason"] == "finished"
    assert first["archived"] == {"alpha-one", "beta-one", "gamma-one"}
    assert _paths(first).count("/news/alpha-busy") == 2  # tried, retried once, given up
    assert "/news/beta-gone" in _paths(first)


def test_the_next_crawl_reads_again_what_failed_for_a_while(crawls: dict[str, Any]) -> None:
    second = crawls["runs"][1]
    assert second["archived"] == {"alpha-one", "alpha-busy", "beta-one", "gamma-one", "gamma-two", "gamma-flaky"}
    by_path = {hit.path: hit for hit in second["hits"]}
    assert by_path["/alpha.xml"].status == 200, "the feed that linked the failed article is read in full"
    assert by_path["/beta.xml"].status == 304 and by_path["/beta.xml"].if_none_match, "a 404 is not retried"
    assert "/news/beta-gone" not in by_path
    assert by_path["/sitemap-index.xml"].status == 200, "the index of the failed sitemap is read in full"
    assert by_path["/news-sitemap.xml"].status == 200 and by_path["/news/gamma-two"].status == 200
    assert "/news/alpha-one" not in by_path and "/news/gamma-one" not in by_path, "archived: not fetched again"


def test_an_unchanged_index_still_has_its_sitemaps_read_and_all_answer_304(crawls: dict[str, Any]) -> None:
    third = crawls["runs"][2]
    assert third["archived"] == crawls["runs"][1]["archived"]
    discovery = {"/alpha.xml", "/beta.xml", "/sitemap-index.xml", "/news-sitemap.xml", "/flaky-sitemap.xml"}
    hits = third["hits"]  # robots.txt too: the copy kept by the last crawl is used (monitor.robots)
    assert {hit.path for hit in hits} == discovery, "no article and no robots.txt request, every document asked for"
    assert all(hit.status == 304 and hit.if_none_match for hit in hits), hits
    assert third["report"].stats.get("monitor/not_modified") == len(discovery)


def test_a_new_article_in_a_sitemap_of_an_unchanged_index_is_found(crawls: dict[str, Any], tmp_path: Any) -> None:
    """Without a failure the first time: the index answers 304, its sitemap 200 with the new article."""
    routes = _routes()
    routes["/news/alpha-busy"].fail_first = 0
    routes["/flaky-sitemap.xml"].fail_first = 0
    with serve(routes) as (server, _other):
        db_url = f"sqlite:///{tmp_path / 'archive.db'}"
        _crawl(server, db_url)
        routes["/news-sitemap.xml"].body = _urlset("gamma-one", "gamma-two")
        mark = len(server.hits)
        _crawl(server, db_url)
        later = {hit.path: hit for hit in server.hits[mark:]}
        assert later["/sitemap-index.xml"].status == 304
        assert later["/news-sitemap.xml"].status == 200 and later["/flaky-sitemap.xml"].status == 304
        assert "gamma-two" in _archived(db_url)


def test_an_index_answered_304_lists_the_sitemaps_that_changed_lately_and_stays_an_index(tmp_path: Any) -> None:
    """Unit: the index's children are the source's sitemaps an index listed, changed within 30 days (or the
    horizon); a month's sitemap, full and unchanged since, is left out; with none left, the 304 ends there
    and the row is still an index's."""
    import types
    from datetime import timedelta

    from scrapy import Request
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler
    from sqlalchemy import update

    from monitor.db.feeds import SITEMAP_CHILD, SITEMAP_INDEX, FeedStore, SourceInfo, ValidatorUpdate, url_hash
    from monitor.db.models import FeedValidator
    from monitor.faults import Skipped
    from monitor.middlewares import ConditionalRequestMiddleware

    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    index, current, old = (f"https://gamma.example/{name}.xml" for name in ("index", "news-2024-06", "news-2024-04"))
    database = Database(db_url)
    feeds = FeedStore(database)
    feeds.save_validators(
        [
            ValidatorUpdate(index, "gamma", SITEMAP_INDEX, '"i1"', None, "i" * 64),
            ValidatorUpdate(current, "gamma", SITEMAP_CHILD, '"c1"', None, "c" * 64),
            ValidatorUpdate(old, "gamma", SITEMAP_CHILD, '"o1"', None, "o" * 64),
        ],
        [SourceInfo("gamma")],
    )
    with database.session() as session:
        long_ago = datetime.now(UTC) - timedelta(days=40)
        session.execute(
            update(FeedValidator).where(FeedValidator.url_hash == url_hash(old)).values(changed_at=long_ago)
        )

    def crawl_once(expect_children: list[str]) -> None:
        crawler = get_crawler(settings_dict={"MONITOR_DATABASE_URL": db_url})
        crawler.stats.open_spider()
        middleware = ConditionalRequestMiddleware.from_crawler(crawler)
        spider = types.SimpleNamespace(sources=[Source("gamma", "Gamma", "en", sitemaps=(index,))])
        middleware.spider_opened(spider)  # type: ignore[arg-type]
        request = Request(index, meta={"kind": "sitemap", "source": "gamma", "depth": 0})
        middleware.process_request(request)
        assert request.headers[b"If-None-Match"] == b'"i1"'
        answered = Response(index, status=304, request=request)
        if expect_children:
            rebuilt = middleware.process_response(request, answered)
            assert (
                rebuilt.status == 200 and [c for c in expect_children if c.encode() in rebuilt.body] == expect_children
            )
            assert old.encode() not in rebuilt.body
        else:
            with pytest.raises(Skipped):
                middleware.process_response(request, answered)
        middleware.spider_closed(spider, "finished")  # type: ignore[arg-type]

    crawl_once([current])
    with database.session() as session:
        session.execute(
            update(FeedValidator).where(FeedValidator.url_hash == url_hash(current)).values(changed_at=long_ago)
        )
    crawl_once([])
    with database.session() as session:
        kinds = dict(session.execute(select(FeedValidator.url, FeedValidator.kind)).all())
    assert kinds[index] == SITEMAP_INDEX, "still an index: its sitemaps are asked again once one changes"
    database.dispose()


def test_an_archive_index_is_read_from_its_latest_changed_sitemaps_only(tmp_path: Any) -> None:
    """An index of hundreds of sitemaps (one a day for years) answered 304: the crawl asks the 50 changed
    last, not all of them at each crawl."""
    from datetime import timedelta

    from sqlalchemy import update

    from monitor.db.feeds import MAX_INDEX_CHILDREN, SITEMAP_CHILD, FeedStore, SourceInfo, ValidatorUpdate, url_hash
    from monitor.db.models import FeedValidator

    database = Database(f"sqlite:///{tmp_path / 'archive.db'}")
    feeds = FeedStore(database)
    urls = [f"https://gamma.example/sitemap-day-{n:03d}.xml" for n in range(120)]
    feeds.save_validators(
        [ValidatorUpdate(u, "gamma", SITEMAP_CHILD, None, None, "h") for u in urls], [SourceInfo("gamma")]
    )
    now = datetime.now(UTC)
    with database.session() as session:
        for n, url in enumerate(urls):  # day 119 changed last
            when = now - timedelta(hours=120 - n)
            session.execute(
                update(FeedValidator).where(FeedValidator.url_hash == url_hash(url)).values(changed_at=when)
            )
    children = feeds.sitemap_children(["gamma"], now - timedelta(days=30))["gamma"]
    assert len(children) == MAX_INDEX_CHILDREN == 50
    assert children == list(reversed(urls))[:50]
    database.dispose()


def test_odd_validators_do_not_lose_the_crawls_batch_and_go_back_as_sent(db_url: str) -> None:
    """Unit, both databases: a Last-Modified longer than its column (PostgreSQL refused the whole batch of
    the crawl's validators) is not kept, and the others are saved; an ETag in latin-1 goes back as the
    server's own bytes, not re-encoded as UTF-8."""
    import types

    from scrapy import Request
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    from monitor.db.feeds import FeedStore
    from monitor.faults import Skipped
    from monitor.middlewares import ConditionalRequestMiddleware

    feeds = {name: f"https://delta.example/{name}.xml" for name in ("odd", "long", "plain")}
    sent = {
        "odd": {"ETag": '"café"'.encode("latin-1")},
        "long": {"ETag": '"l1"', "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT; " + "x" * 200},
        "plain": {"ETag": '"p1"', "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT"},
    }

    def crawl_once() -> dict[str, Request]:
        crawler = get_crawler(settings_dict={"MONITOR_DATABASE_URL": db_url})
        crawler.stats.open_spider()
        middleware = ConditionalRequestMiddleware.from_crawler(crawler)
        spider = types.SimpleNamespace(sources=[Source("delta", "Delta", "en", feeds=tuple(feeds.values()))])
        middleware.spider_opened(spider)  # type: ignore[arg-type]
        requests = {}
        for name, url in feeds.items():
            request = Request(url, meta={"kind": "feed", "source": "delta", "depth": 0})
            middleware.process_request(request)
            requests[name] = request
            with contextlib.suppress(Skipped):  # the second time: unchanged since the last crawl
                middleware.process_response(request, Response(url, status=200, headers=sent[name], body=name.encode()))
        middleware.spider_closed(spider, "finished")  # type: ignore[arg-type]
        return requests

    crawl_once()
    database = Database(db_url)
    try:
        kept = FeedStore(database).validators(feeds.values())
    finally:
        database.dispose()
    assert set(kept) == set(feeds.values())
    assert kept[feeds["long"]].etag == '"l1"' and kept[feeds["long"]].last_modified is None
    again = crawl_once()
    assert again["odd"].headers[b"If-None-Match"] == '"café"'.encode("latin-1")
    assert again["long"].headers[b"If-None-Match"] == b'"l1"' and b"If-Modified-Since" not in again["long"].headers
    assert again["plain"].headers[b"If-Modified-Since"] == b"Tue, 01 Dec 2026 10:00:00 GMT"
