"""A feed that moved permanently (301, 308) still works through the redirect, and is reported so that the
sources file can be mended: a ``moved`` count in the source's health and a warning naming the new address.
A temporary redirect (302, 307) is not reported, nor a sitemap that a sitemap index lists (the site's to mend)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from scrapy import Request

from monitor.crawl import CrawlOptions, crawl_in_subprocess
from monitor.middlewares import moved_permanently
from monitor.sources import Source
from tests.discovery_server import Route, article, serve

pytestmark = pytest.mark.slow


def _rss(slug: str) -> bytes:
    item = f"<item><title>{slug}</title><link>{{A}}/news/{slug}</link></item>"
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{item}</channel></rss>'.encode()


def _urlset(slug: str) -> bytes:
    today = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    url = f"<url><loc>{{A}}/news/{slug}</loc><lastmod>{today}</lastmod></url>"
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{url}</urlset>'.encode()


INDEX = (
    b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<sitemap><loc>{A}/old-sitemap.xml</loc></sitemap></sitemapindex>"
)


def test_a_feed_moved_permanently_is_read_and_reported(tmp_path: Any) -> None:
    routes = {
        "/robots.txt": Route(b"User-agent: *\nAllow: /\n", "text/plain"),
        "/old-feed.xml": Route(b"", status=301, headers={"Location": "/feeds/alpha.xml"}),
        "/feeds/alpha.xml": Route(_rss("alpha"), "application/rss+xml"),
        "/busy-feed.xml": Route(b"", status=302, headers={"Location": "/feeds/beta.xml"}),
        "/feeds/beta.xml": Route(_rss("beta"), "application/rss+xml"),
        "/sitemap-index.xml": Route(INDEX, "application/xml"),
        "/old-sitemap.xml": Route(b"", status=301, headers={"Location": "/sitemaps/gamma.xml"}),
        "/sitemaps/gamma.xml": Route(_urlset("gamma"), "application/xml"),
        "/news/gamma": Route(article("gamma", "Gamma")),
        "/news/alpha": Route(article("alpha", "Alpha")),
        "/news/beta": Route(article("beta", "Beta")),
    }
    with serve(routes) as (server, _other):
        sources = [
            Source("alpha", "Alpha", "en", feeds=(server.base + "/old-feed.xml",)),
            Source("beta", "Beta", "en", feeds=(server.base + "/busy-feed.xml",)),
            Source("gamma", "Gamma", "en", sitemaps=(server.base + "/sitemap-index.xml",)),
        ]
        options = CrawlOptions(
            database_url=f"sqlite:///{tmp_path / 'archive.db'}",
            sources=sources,
            all_topics=True,
            log_level="WARNING",
            overrides={"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False},
        )
        report = crawl_in_subprocess(options, timeout=120)
        again = crawl_in_subprocess(options, timeout=120)  # the feed answers 304 through the redirect
    assert again.stats.get("monitor/source/alpha/error/moved") == 1, "reported at each crawl, a 304 included"
    assert again.stats.get("monitor/source/alpha/not_modified") == 1
    assert report.stored == 3, "the feeds and the sitemap are read through their redirects"
    assert report.stats.get("monitor/source/alpha/error/moved") == 1
    assert "monitor/source/beta/error/moved" not in report.stats, "a temporary redirect is not a move"
    assert "monitor/source/gamma/error/moved" not in report.stats, "the index lists it: not the sources file's"
    assert report.per_source["alpha"]["fetched"] == 1


def test_moved_permanently_needs_every_redirect_to_be_permanent() -> None:
    def reached(reasons: list[Any]) -> Request:
        return Request(
            "https://b.example/rss",
            meta={"redirect_urls": ["http://a.example/rss"] * len(reasons), "redirect_reasons": reasons},
        )

    assert moved_permanently(reached([301]))
    assert moved_permanently(reached([308, 301]))
    assert not moved_permanently(reached([301, 302]))
    assert not moved_permanently(reached(["meta refresh"]))
    assert not moved_permanently(Request("https://b.example/rss"))
