"""A tree of sitemap indexes cannot make a crawl endless: a source follows at most
``MONITOR_SITEMAP_MAX_DOCUMENTS`` sitemaps from its indexes per crawl, and says so in its health."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.crawl import CrawlOptions, crawl_in_subprocess
from monitor.sources import Source
from tests.discovery_server import Route, article, serve

pytestmark = pytest.mark.slow

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _index(children: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{{A}}{child}</loc></sitemap>" for child in children)  # undated
    return f'<?xml version="1.0"?><sitemapindex xmlns="{NS}">{entries}</sitemapindex>'.encode()


def _urlset(path: str) -> bytes:
    return f'<?xml version="1.0"?><urlset xmlns="{NS}"><url><loc>{{A}}{path}</loc></url></urlset>'.encode()


def test_a_tree_of_undated_sitemap_indexes_is_followed_up_to_the_limit(tmp_path: Any) -> None:
    routes = {"/robots.txt": Route(b"User-agent: *\nAllow: /\n", "text/plain")}
    children = [f"/tree/{i}/index.xml" for i in range(5)]
    routes["/tree/index.xml"] = Route(_index(children), "application/xml")
    for i in range(5):
        leaves = [f"/tree/{i}/{j}.xml" for j in range(5)]
        routes[f"/tree/{i}/index.xml"] = Route(_index(leaves), "application/xml")
        for j in range(5):
            routes[f"/tree/{i}/{j}.xml"] = Route(_urlset(f"/news/story-{i}-{j}"), "application/xml")
            routes[f"/news/story-{i}-{j}"] = Route(article(f"story-{i}-{j}", f"Story {i} {j}"))
    with serve(routes) as (server, _other):
        options = CrawlOptions(
            database_url=f"sqlite:///{tmp_path / 'archive.db'}",
            sources=[Source("tree", "Tree", "en", sitemaps=(server.base + "/tree/index.xml",))],
            all_topics=True,
            log_level="WARNING",
            overrides={"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "MONITOR_SITEMAP_MAX_DOCUMENTS": 8},
        )
        report = crawl_in_subprocess(options, timeout=120)
        sitemaps = [path for path in server.paths() if path.endswith(".xml")]
    assert len(sitemaps) == 1 + 8, sitemaps  # the root index, then 8 sitemaps of the 30 in the tree
    assert report.stats.get("monitor/source/tree/error/sitemap_limit", 0) >= 1
    assert report.stored == 3  # the five indexes and three sitemaps make the 8: three articles
