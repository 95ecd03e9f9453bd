"""A feed served as a gzip file (``rss.xml.gz``, without Content-Encoding, which Scrapy leaves as it came)
is read like a sitemap served so; a broken one is a parse error of its source, not a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.crawl import CrawlOptions, crawl_in_subprocess
from monitor.sources import Source
from tests.discovery_server import Route, article, serve

pytestmark = pytest.mark.slow


def test_a_gzipped_feed_is_read_and_a_broken_one_is_a_parse_error(tmp_path: Path) -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Z</title>'
        "<item><title>Zipped</title><link>{A}/news/zipped-feed-story</link></item></channel></rss>"
    )
    routes = {
        "/robots.txt": Route(b"User-agent: *\nAllow: /\n", "text/plain"),
        "/rss.xml.gz": Route(feed.encode(), "application/gzip", gzip=True),
        "/broken.xml.gz": Route(b"\x1f\x8b\x08 this is no gzip stream", "application/gzip"),
        "/news/zipped-feed-story": Route(article("zipped-feed-story", "Zipped feed story")),
    }
    with serve(routes) as (server, _other):
        sources = [
            Source("zipped", "Zipped", "en", feeds=(server.base + "/rss.xml.gz",)),
            Source("broken", "Broken", "en", feeds=(server.base + "/broken.xml.gz",)),
        ]
        overrides = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "MONITOR_EXTRACT_WORKERS": 0}
        options = CrawlOptions(
            f"sqlite:///{tmp_path / 'archive.db'}",
            sources=sources,
            all_topics=True,
            log_level="WARNING",
            overrides=overrides,
        )
        report = crawl_in_subprocess(options, timeout=120)
    assert report.stats.get("monitor/stored") == 1, report.stats
    assert report.stats.get("monitor/feed_links") == 1 and report.stats.get("monitor/feed_errors") == 1
    assert report.per_source["zipped"]["new_articles"] == 1, report.per_source
    broken = report.per_source["broken"]
    assert broken["error_parse_error"] == 1 and broken["failed"] == 1 and broken["fetched"] == 0, broken
