"""End to end on two local hosts: feeds (RSS, Atom, RDF served as text/html), a self-listing sitemap
index, a gzipped Google News sitemap, a section page, robots.txt with Crawl-delay, a 503 with
Retry-After, off-source links, a failing source; then a second, incremental crawl."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from monitor.cli import main
from monitor.crawl import CrawlOptions, CrawlReport, crawl_in_subprocess
from monitor.db import Database
from monitor.db.feeds import FeedStore
from monitor.db.models import Article
from monitor.sources import Source
from tests.discovery_server import LocalServer, Route, article, serve

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).parent / "fixtures" / "discovery"
ALPHA_ARTICLES = [
    "2024/alpha-article-one",
    "relative-article-link",
    "flaky-article-retry",
    "atom-entry-story",
    "sitemap-only-story",
    "section-linked-story-here",
]
NEVER_REQUESTED_A = [
    "/private/secret-article-here",
    "/news/old-article-from-2001",
    "/sitemap-2001.xml",
    "/tag/biometrics/",
    "/author/jane-doe",
    "/tech/page/2",
    "/video/watch-the-council-debate",
    "/gallery/photos-of-the-cameras",
]


def _fixture(name: str) -> bytes:
    today = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return (FIXTURES / name).read_bytes().replace(b"TODAY", today)


def _routes() -> tuple[dict[str, Route], dict[str, Route]]:
    a = {
        "/robots.txt": Route(_fixture("robots.txt"), "text/plain"),
        "/rss.xml": Route(_fixture("rss.xml"), "application/rss+xml"),
        "/atom.xml": Route(_fixture("atom.xml"), "application/atom+xml"),
        "/sitemap-index.xml": Route(_fixture("sitemap-index.xml"), "application/xml"),
        "/news-sitemap.xml.gz": Route(_fixture("news-sitemap.xml"), "application/gzip", gzip=True),
        "/sitemap-2001.xml": Route(_fixture("news-sitemap.xml"), "application/xml"),
        "/tech/": Route(_fixture("section.html")),
        "/bad-sitemap.xml": Route(b"<<< this is not XML at all", "application/xml"),
        "/private/secret-article-here": Route(article("secret-article-here", "Secret")),
        "/news/old-article-from-2001": Route(article("old-article-from-2001", "Old")),
    }
    for slug in ALPHA_ARTICLES:
        a[f"/news/{slug}"] = Route(article(slug, slug.replace("-", " ").title()))
    a["/news/flaky-article-retry"].fail_first = 1
    b = {
        "/feed.rdf": Route(_fixture("feed.rdf"), "text/html; charset=utf-8"),
        "/news/beta-rdf-story": Route(article("beta-rdf-story", "Beta RDF story", base="{B}")),
        "/news/offsite-article-page": Route(article("offsite-article-page", "Offsite", base="{B}")),
        "/news/another-host-section-story": Route(article("another-host-section-story", "Other", base="{B}")),
    }
    return a, b


def _sources(a: str, b: str) -> list[Source]:
    return [
        Source(
            "alpha",
            "Alpha",
            "en",
            homepage=a + "/",
            feeds=(a + "/rss.xml", a + "/atom.xml"),
            sitemaps=(a + "/sitemap-index.xml",),
            sections=(a + "/tech/",),
        ),
        Source("beta", "Beta", "en", homepage=b + "/", feeds=(b + "/feed.rdf",)),
        Source("broken", "Broken", "en", feeds=(a + "/missing.xml",), sitemaps=(a + "/bad-sitemap.xml",)),
    ]


def _crawl(servers: list[LocalServer], db_url: str) -> CrawlReport:
    overrides = {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "DOWNLOAD_TIMEOUT": 10,
        "MONITOR_CONTACT": "mailto:desk@example.org",
        "MONITOR_RETRY_BACKOFF_BASE": 0.1,
    }
    options = CrawlOptions(
        database_url=db_url,
        sources=_sources(servers[0].base, servers[1].base),
        all_topics=True,
        log_level="WARNING",
        overrides=overrides,
    )
    return crawl_in_subprocess(options, timeout=120)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    a, b = _routes()
    with serve(a, b) as servers:
        db_url = f"sqlite:///{tmp_path_factory.mktemp('discovery') / 'archive.db'}"
        first = _crawl(servers, db_url)
        database = Database(db_url)
        health_1 = {row["name"]: row for row in FeedStore(database).health()}
        with database.session() as session:
            urls = set(session.scalars(select(Article.canonical_url)))
        marks = [len(server.hits) for server in servers]
        second = _crawl(servers, db_url)
        health_2 = {row["name"]: row for row in FeedStore(database).health()}
        yield {
            "servers": servers,
            "db_url": db_url,
            "first": first,
            "second": second,
            "urls": urls,
            "marks": marks,
            "health_1": health_1,
            "health_2": health_2,
        }
        database.dispose()


def test_first_crawl_stores_each_discovered_article_once(crawled: dict[str, Any]) -> None:
    a, b = (server.base for server in crawled["servers"])
    assert crawled["first"].stats["finish_reason"] == "finished"
    expected = {f"{a}/news/{slug}" for slug in ALPHA_ARTICLES} | {f"{b}/news/beta-rdf-story"}
    assert crawled["urls"] == expected


def test_article_with_tracking_parameters_and_sitemap_copy_is_one_row(crawled: dict[str, Any]) -> None:
    server_a = crawled["servers"][0]
    hits = [p for p in server_a.paths() if p.startswith("/news/2024/alpha-article-one")]
    assert hits == ["/news/2024/alpha-article-one"], "fetched once, without its tracking parameters"


def test_robots_old_entries_off_source_links_and_non_articles_are_not_requested(crawled: dict[str, Any]) -> None:
    server_a, server_b = crawled["servers"]
    requested = set(server_a.paths())
    for path in NEVER_REQUESTED_A:
        assert path not in requested, path
    assert "/news/offsite-article-page" not in server_b.paths()
    assert "/news/another-host-section-story" not in server_b.paths()
    first_run = server_a.paths()[: crawled["marks"][0]]
    assert first_run.count("/sitemap-index.xml") == 1, "the index listing itself is fetched once"
    assert crawled["first"].stats.get("monitor/source/alpha/error/robots") == 1


def test_retry_after_is_honoured(crawled: dict[str, Any]) -> None:
    server_a = crawled["servers"][0]
    hits = [h for h in server_a.hits if h.path == "/news/flaky-article-retry"]
    assert [h.status for h in hits[:2]] == [503, 200]
    assert hits[1].time - hits[0].time >= 0.9


def test_crawl_delay_spaces_requests_to_the_host(crawled: dict[str, Any]) -> None:
    server_a = crawled["servers"][0]
    first_run = server_a.hits[: crawled["marks"][0]]
    times = sorted(h.time for h in first_run if h.path != "/robots.txt")
    gaps = [b - a for a, b in pairwise(times)]
    assert len(gaps) >= 8
    assert min(gaps) >= 0.27, f"requests closer than the robots.txt Crawl-delay (0.3 s): {min(gaps):.3f}"


def test_user_agent_names_the_contact(crawled: dict[str, Any]) -> None:
    agents = {h.user_agent for server in crawled["servers"] for h in server.hits}
    assert agents and all("facewatch-monitor" in ua and "mailto:desk@example.org" in ua for ua in agents)


def test_second_crawl_makes_only_conditional_requests_answered_304(crawled: dict[str, Any]) -> None:
    second = crawled["second"]
    assert second.stats["finish_reason"] == "finished"
    assert second.stats.get("monitor/stored", 0) == 0
    healthy_paths = {"/rss.xml", "/atom.xml", "/sitemap-index.xml", "/news-sitemap.xml.gz", "/tech/", "/feed.rdf"}
    for server, mark in zip(crawled["servers"], crawled["marks"], strict=True):
        later = server.hits[mark:]
        assert not [h.path for h in later if h.path.startswith(("/news/", "/private/"))], "article requests"
        for hit in later:
            if hit.path in healthy_paths:
                assert hit.if_none_match and hit.status == 304, hit
    # the index unchanged, the sitemap it lists is asked too (it may have changed): 304 as well
    assert "/news-sitemap.xml.gz" in [h.path for h in crawled["servers"][0].hits[crawled["marks"][0] :]]
    assert second.stats.get("monitor/not_modified", 0) == 6


def test_source_health_and_adaptive_polling(crawled: dict[str, Any]) -> None:
    first, second = crawled["health_1"], crawled["health_2"]
    assert first["alpha"]["failed"] == 0 and first["alpha"]["fetched"] >= 5
    assert first["alpha"]["new_articles"] == len(ALPHA_ARTICLES)
    assert first["beta"]["new_articles"] == 1
    assert first["broken"]["failed"] == 2 and first["broken"]["errors"] == {"404": 1, "parse_error": 1}
    assert first["broken"]["last_success"] is None and first["broken"]["failing_runs"] == 1
    assert second["alpha"]["not_modified"] == 5 and second["alpha"]["fetched"] == 0
    assert second["alpha"]["last_success"] is not None
    assert second["broken"]["failing_runs"] == 2
    assert second["alpha"]["interval_s"] > first["alpha"]["interval_s"], "unchanged source polled less often"


def test_sources_list_flags_the_failing_source(crawled: dict[str, Any], tmp_path: Path) -> None:
    a, b = (server.base for server in crawled["servers"])
    file = tmp_path / "sources.toml"
    file.write_text(
        "\n".join(
            f'[[source]]\nname = "{s.name}"\nfeeds = {list(s.feeds) or list(s.sitemaps)!r}\n'.replace("'", '"')
            for s in _sources(a, b)
        ),
        "utf-8",
    )
    result = CliRunner().invoke(
        main, ["sources", "list", "--db", crawled["db_url"], "--sources", str(file), "--failing-after", "2", "--csv"]
    )
    assert result.exit_code == 0, result.output
    lines = {line.split(",")[0]: line for line in result.output.splitlines()[1:]}
    assert "FAILING (2 runs)" in lines["broken"]
    assert ",ok," in lines["alpha"] and ",ok," in lines["beta"]


def test_an_article_listed_by_two_documents_is_requested_once(crawled: dict[str, Any]) -> None:
    stats = crawled["first"].stats
    assert stats.get("monitor/duplicate_links", 0) >= 1, "the sitemap copy of alpha-article-one"
    assert stats.get("dupefilter/filtered", 0) == 0, "left to the dupefilter, it would have been scheduled first"
