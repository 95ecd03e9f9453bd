"""Links as real feeds give them: one bad address does not cost the feed its other links; a query parameter
that is an article's identifier (``?cid=4521``) is not taken for tracking; a template whose canonical is the
homepage does not make every article one; a page that gives only the day (from its URL) keeps the feed's
time. Pure URL forms first, then one crawl of a local server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from monitor.crawl import CrawlOptions, crawl_in_subprocess
from monitor.discovery import parse_feed
from monitor.extraction import extract_article
from monitor.sources import Source
from monitor.urls import canonical_url, fetch_url, is_tracking_param
from tests.discovery_server import Route, serve


def test_identifier_like_parameters_are_kept_words_from_trackers_dropped() -> None:
    assert canonical_url("https://x.test/actualite.php?cid=4521") == "https://x.test/actualite.php?cid=4521"
    assert canonical_url("https://x.test/a?cid=4521") != canonical_url("https://x.test/a?cid=4522")
    assert canonical_url("https://x.test/a?source=rss&from=homepage&ref=tw&id=3") == "https://x.test/a?id=3"
    assert (
        is_tracking_param("utm_source", "12")
        and is_tracking_param("fbclid", "IwAR3x")
        and is_tracking_param("xtor", "RSS-3208")
    )
    assert not is_tracking_param("source", "12") and is_tracking_param("source", "twitter")


def test_the_request_goes_to_the_link_not_to_a_guessed_variant() -> None:
    # an m. host becomes www. in the key, but a site without www. does not answer there: fetch what was given
    assert fetch_url("https://m.numerique.test/a/b?utm_source=x#top") == "https://m.numerique.test/a/b"
    assert canonical_url("https://m.numerique.test/a/b") == "https://www.numerique.test/a/b"
    # BBC's AMP path: one key with the main page
    assert canonical_url("https://www.bbc.test/news/amp/technology-7") == "https://www.bbc.test/news/technology-7"
    # Google's AMP cache is not a guess: the page's own address is fetched
    cache = "https://www-x-test.cdn.ampproject.org/c/s/www.x.test/a/b"
    assert fetch_url(cache) == "https://www.x.test/a/b"


def test_a_json_feed_is_recognised_wherever_its_version_key_is() -> None:
    from monitor.discovery import sniff

    items = ", ".join(f'{{"id": "{i}", "url": "https://x.test/{i}", "title": "{"t" * 40}"}}' for i in range(80))
    body = f'{{"items": [{items}], "title": "X", "version": "https://jsonfeed.org/version/1.1"}}'.encode()
    assert len(body) > 4096 and sniff(body) == "feed"


def test_a_link_with_a_port_that_is_not_a_number_is_dropped_alone() -> None:
    items = "".join(
        f"<item><title>{slug}</title><link>{link}</link></item>"
        for slug, link in [("a", "https://x.test/a"), ("bad", "https://x.test:80O/bad"), ("b", "https://x.test/b")]
    )
    feed = parse_feed(f'<rss version="2.0"><channel>{items}</channel></rss>'.encode(), "https://x.test/rss")
    assert [link.url for link in feed] == ["https://x.test/a", "https://x.test/b"]


def _page(title: str, head: str = "", words: str = "") -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {i} on {words or title}: the council debated live facial recognition cameras used by "
        f"police, and civil liberties groups asked for an audit number {i * 13} before any deployment.</p>"
        for i in range(1, 7)
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
        f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()


def test_a_canonical_that_is_the_homepage_or_a_section_is_not_the_article() -> None:
    home = _page("Cameras in Lyon", '<link rel="canonical" href="https://www.g.test/">')
    assert extract_article(home.decode(), "https://www.g.test/news/cameras-lyon").canonical_url == (
        "https://www.g.test/news/cameras-lyon"
    )
    section = _page("Cameras in Lyon", '<meta property="og:url" content="https://www.g.test/news/">')
    assert extract_article(section.decode(), "https://www.g.test/news/cameras-lyon").canonical_url == (
        "https://www.g.test/news/cameras-lyon"
    )
    relative = _page("Cameras in Lyon", '<link rel="canonical" href="/news/cameras-lyon">')
    assert extract_article(relative.decode(), "https://www.g.test/news/amp/cameras-lyon").canonical_url == (
        "https://www.g.test/news/cameras-lyon"
    )


@pytest.mark.slow
def test_one_crawl_of_links_as_real_feeds_give_them(tmp_path: Path) -> None:
    def rss(*items: tuple[str, str, str]) -> Route:
        body = "".join(
            f"<item><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate></item>" for t, link, d in items
        )
        return Route(
            f'<rss version="2.0"><channel><title>T</title>{body}</channel></rss>'.encode(), "application/rss+xml"
        )

    day = "Tue, 05 Mar 2024 14:30:00 +0000"
    homepage_canonical = '<link rel="canonical" href="{A}/">'
    routes = {
        "/robots.txt": Route(b"User-agent: *\nAllow: /\n", "text/plain"),
        "/bad.xml": rss(
            ("One", "{A}/news/one", day), ("Bad", "http://127.0.0.1:80O/news/bad", day), ("Two", "{A}/news/two", day)
        ),
        "/news/one": Route(
            _page("Cameras one", '<meta property="article:published_time" content="2024-03-05T09:00:00Z">')
        ),
        "/news/two": Route(
            _page("Cameras two", '<meta property="article:published_time" content="2024-03-05T09:00:00Z">')
        ),
        "/cid.xml": rss(("A", "{A}/actualite.php?cid=4521", day), ("B", "{A}/actualite.php?cid=4522", day)),
        "/actualite.php?cid=4521": Route(_page("Cameras at the station", words="the station")),
        "/actualite.php?cid=4522": Route(_page("Cameras at the stadium", words="the stadium")),
        "/home.xml": rss(("C", "{A}/2024/03/05/cameras-school", day), ("D", "{A}/2024/03/05/cameras-market", day)),
        "/2024/03/05/cameras-school": Route(_page("Cameras at the school", homepage_canonical, "the school")),
        "/2024/03/05/cameras-market": Route(_page("Cameras at the market", homepage_canonical, "the market")),
        "/feed-as-sitemap.xml": rss(("E", "{A}/news/listed-by-a-feed-given-as-sitemap", day)),
        "/news/listed-by-a-feed-given-as-sitemap": Route(_page("Cameras in the feed", words="the feed")),
        "/empty-sitemap.xml": Route(b"", "application/xml"),
    }
    with serve(routes) as (server, _other):
        sources = [Source(name, name, "en", feeds=(f"{server.base}/{name}.xml",)) for name in ("bad", "cid", "home")]
        sources.append(Source("feedmap", "F", "en", sitemaps=(f"{server.base}/feed-as-sitemap.xml",)))
        sources.append(Source("empty", "E", "en", sitemaps=(f"{server.base}/empty-sitemap.xml",)))
        database = f"sqlite:///{tmp_path / 'archive.db'}"
        options = CrawlOptions(
            database_url=database,
            sources=sources,
            all_topics=True,
            log_level="WARNING",
            overrides={"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False},
        )
        report = crawl_in_subprocess(options, timeout=120)
        base = server.base
    assert report.errors == 0, report.stats
    engine = create_engine(database)
    with engine.connect() as connection:
        rows: list[Any] = list(connection.execute(text("SELECT canonical_url, published_at FROM articles")))
    engine.dispose()
    stored = {row.canonical_url.removeprefix(base): row for row in rows}
    assert set(stored) == {
        "/news/one",
        "/news/two",
        "/actualite.php?cid=4521",
        "/actualite.php?cid=4522",
        "/2024/03/05/cameras-school",
        "/2024/03/05/cameras-market",
        "/news/listed-by-a-feed-given-as-sitemap",  # search engines take a feed as a sitemap: so do we
    }
    # an empty sitemap is a sitemap without entries, not a failure that makes its index read again each time
    assert report.stats.get("monitor/source/empty/error/empty_sitemap") == 1
    assert not report.stats.get("monitor/source/empty/failed")
    # the page gives only the day (htmldate reads it from the URL): the feed's time on that day is kept
    assert str(stored["/2024/03/05/cameras-school"].published_at).startswith("2024-03-05 14:30")


def test_a_feed_whose_reading_raised_keeps_no_validator() -> None:
    """Whatever makes a feed's callback raise, the links it had not yielded are not hidden behind a 304 at
    the next crawl: the feed keeps no validator, and counts as a parse error of its source."""
    from scrapy import Request
    from scrapy.http import XmlResponse
    from scrapy.utils.test import get_crawler
    from twisted.python.failure import Failure

    from spiders.news import NewsSpider

    source = Source("alpha", "Alpha", "en", feeds=("http://127.0.0.1:9/rss.xml",))
    crawler = get_crawler(NewsSpider, {"MONITOR_STORAGE_DISABLED": True})
    crawler._apply_settings()  # its stats, as a crawl has them
    spider = NewsSpider.from_crawler(crawler, sources=[source])
    assert crawler.stats is not None
    request = Request("http://127.0.0.1:9/rss.xml", meta={"source": "alpha", "kind": "feed"})
    response = XmlResponse(request.url, body=b"<rss/>", request=request)
    try:
        raise ValueError("Port could not be cast to integer value as '80O'")
    except ValueError:
        failure = Failure()
    crawler.signals.send_catch_log(
        signal=__import__("scrapy").signals.spider_error, failure=failure, response=response, spider=spider
    )
    assert response.meta["discovery_failed"] is True
    assert crawler.stats.get_value("monitor/source/alpha/error/parse_error") == 1
