"""Pages fetched and dropped (off topic, a live blog) are not fetched again by the next crawls of a changed
feed, until the watchlists or the kept page types change, or ``--refresh``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.archive import Archive, SourceRef
from monitor.crawl import CrawlOptions, CrawlReport, crawl_in_subprocess
from monitor.db import Database
from monitor.db.models import Article, SeenPage
from monitor.db.seen import ARCHIVED_AS, NOT_ARTICLE, OFF_TOPIC, SeenRule, seen_reason
from monitor.sources import Source
from tests.discovery_server import LocalServer, Route, article, serve

pytestmark = pytest.mark.slow

OFF_TOPIC_PAGE = "/news/cup-final-report"
LIVE_PAGE = "/news/live/council-debate-live"
ON_TOPIC_PAGE = "/news/council-cameras"
LATER_PAGE = "/news/cameras-audit-published"
PROXY_PAGE = "/r/8812"  # a feed proxy's link: the page's rel=canonical is /news/proxied-cameras-story


def _off_topic() -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {i}: the home side won the cup final after extra time, and the manager praised a squad "
        f"that had lost {i} players to injury before kick-off in front of a sold-out stadium.</p>"
        for i in range(1, 7)
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Cup final report</title>'
        '<meta property="article:published_time" content="2024-03-05T10:00:00Z"></head>'
        f"<body><article><h1>Home side win the cup final</h1>{paragraphs}</article></body></html>"
    ).encode()


def _live_blog() -> bytes:
    page = article("council-debate-live", "Live: the council debates facial recognition").decode()
    live = '<script type="application/ld+json">{"@type": "LiveBlogPosting", "headline": "Live"}</script></head>'
    return page.replace("</head>", live, 1).encode()


def _feed(paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>{path}</title><link>{{A}}{path}</link><pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate></item>"
        for path in paths
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>A</title>{items}</channel></rss>'.encode()


def _crawl(server: LocalServer, db_url: str, **kwargs: Any) -> CrawlReport:
    overrides = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}
    overrides.update(kwargs.pop("overrides", {}))
    source = Source("alpha", "Alpha", "en", homepage=server.base + "/", feeds=(server.base + "/rss.xml",))
    options = CrawlOptions(database_url=db_url, sources=[source], log_level="WARNING", overrides=overrides, **kwargs)
    return crawl_in_subprocess(options, timeout=120)


def _requested(server: LocalServer, since: int) -> list[str]:
    return [hit.path for hit in server.hits[since:]]


@pytest.fixture(scope="module")
def site() -> Iterator[LocalServer]:
    routes = {
        "/robots.txt": Route(b"User-agent: *\nAllow: /\n", "text/plain"),
        "/rss.xml": Route(_feed([ON_TOPIC_PAGE, OFF_TOPIC_PAGE, LIVE_PAGE, PROXY_PAGE]), "application/rss+xml"),
        ON_TOPIC_PAGE: Route(article("council-cameras", "Council cameras")),
        OFF_TOPIC_PAGE: Route(_off_topic()),
        LIVE_PAGE: Route(_live_blog()),
        LATER_PAGE: Route(article("cameras-audit-published", "Cameras audit published")),
        PROXY_PAGE: Route(article("proxied-cameras-story", "Proxied cameras story")),
    }
    with serve(routes) as servers:
        yield servers[0]


def test_dropped_pages_are_remembered_and_not_fetched_again(site: LocalServer, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    first = _crawl(site, db_url)
    assert first.stats["monitor/stored"] == 2
    assert first.stats["monitor/off_topic"] == 1 and first.stats["monitor/not_articles"] == 1
    database = Database(db_url)
    try:
        with database.session() as session:
            seen = {
                row.canonical_url.removeprefix(site.base): (row.reason, row.source_id)
                for row in session.scalars(select(SeenPage))
            }
        assert {url: reason for url, (reason, _) in seen.items()} == {
            OFF_TOPIC_PAGE: OFF_TOPIC,
            LIVE_PAGE: NOT_ARTICLE,
            PROXY_PAGE: ARCHIVED_AS,
        }

        # the feed changes (a new article): only the new article is fetched
        site.routes["/rss.xml"] = Route(
            _feed([LATER_PAGE, ON_TOPIC_PAGE, OFF_TOPIC_PAGE, LIVE_PAGE, PROXY_PAGE]), "application/rss+xml"
        )
        mark = len(site.hits)
        second = _crawl(site, db_url)
        requested = _requested(site, mark)
        assert LATER_PAGE in requested
        assert not {OFF_TOPIC_PAGE, LIVE_PAGE, ON_TOPIC_PAGE, PROXY_PAGE} & set(requested), requested
        assert second.stats["monitor/stored"] == 1
        assert second.stats["monitor/already_seen"] == 2
        assert second.stats["monitor/already_archived"] == 2  # the article, and the one behind the proxy link
        assert second.per_source["alpha"]["skipped_articles"] == 4

        # other watchlists may keep the off-topic page: once the feed changes again, it is fetched, and kept
        site.routes["/rss.xml"] = Route(_feed([OFF_TOPIC_PAGE, LIVE_PAGE]), "application/rss+xml")
        watchlists = tmp_path / "watchlists.toml"
        watchlists.write_text('[[watchlist]]\nname = "football"\nquery = "cup final"\n', "utf-8")
        mark = len(site.hits)
        third = _crawl(site, db_url, watchlists_file=str(watchlists))
        requested = _requested(site, mark)
        assert OFF_TOPIC_PAGE in requested and LIVE_PAGE not in requested
        assert third.stats["monitor/stored"] == 1

        # keeping live blogs fetches the live blog again
        site.routes["/rss.xml"] = Route(_feed([LIVE_PAGE]), "application/rss+xml")
        mark = len(site.hits)
        _crawl(site, db_url, overrides={"MONITOR_PAGE_TYPES": "article,liveblog"})
        assert LIVE_PAGE in _requested(site, mark)

        with database.session() as session:
            urls = {url.removeprefix(site.base) for url in session.scalars(select(Article.canonical_url))}
        assert urls == {
            ON_TOPIC_PAGE,
            LATER_PAGE,
            OFF_TOPIC_PAGE,
            "/news/council-debate-live",
            "/news/proxied-cameras-story",
        }  # its rel=canonical
    finally:
        database.dispose()


def test_refresh_fetches_the_remembered_pages_too(site: LocalServer, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    site.routes["/rss.xml"] = Route(_feed([ON_TOPIC_PAGE, OFF_TOPIC_PAGE, LIVE_PAGE]), "application/rss+xml")
    _crawl(site, db_url)
    mark = len(site.hits)
    _crawl(site, db_url, refresh=True)
    assert {OFF_TOPIC_PAGE, LIVE_PAGE} <= set(_requested(site, mark))


def test_a_seen_page_is_skipped_only_while_its_reason_holds() -> None:
    rule = SeenRule("digest-1", frozenset({"article"}))
    assert rule.skips(OFF_TOPIC, "digest-1")
    assert not rule.skips(OFF_TOPIC, "digest-0")  # the watchlists changed
    assert rule.skips(NOT_ARTICLE, "liveblog")
    assert not SeenRule("digest-1", frozenset({"article", "liveblog"})).skips(NOT_ARTICLE, "liveblog")
    assert not SeenRule(None, frozenset({"article"})).skips(OFF_TOPIC, "digest-1")  # every topic kept
    assert rule.skips(ARCHIVED_AS, "12") and SeenRule(None, frozenset()).skips(ARCHIVED_AS, "12")
    assert not rule.skips("unknown", "x")


def test_one_row_per_seen_url_on_either_database(database: Any) -> None:
    """Seen again for another reason (a page turned into a live blog): the row is updated, not duplicated."""
    archive = Archive(database)
    url = "https://example.org/news/cup-final-report?utm_source=rss"
    archive.remember_seen(url, SourceRef("alpha", "Alpha", "en"), OFF_TOPIC, "digest-1")
    archive.remember_seen(url, SourceRef("alpha"), NOT_ARTICLE, "liveblog")
    with database.session() as session:
        rows = list(session.scalars(select(SeenPage)))
        assert [(r.canonical_url, r.reason, r.detail) for r in rows] == [
            ("https://example.org/news/cup-final-report", NOT_ARTICLE, "liveblog")
        ]
        assert rows[0].first_seen_at < rows[0].last_seen_at  # refreshed, first sight kept
    with database.reading() as reader:
        assert seen_reason(reader, "https://example.org/news/cup-final-report") == (NOT_ARTICLE, "liveblog")
        assert seen_reason(reader, "https://example.org/news/other") is None
    with pytest.raises(ValueError, match="unknown reason"):
        archive.remember_seen(url, SourceRef("alpha"), "boring", "")
