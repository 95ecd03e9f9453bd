"""Per-response costs of the crawl process: meta refresh read from the head, quiet DEBUG lines, plain stats."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from monitor.middlewares import HEAD_BYTES, HEAD_CHARS, HeadMetaRefreshMiddleware, page_head

URL = "https://www.example.org/news/"
REFRESH = '<meta http-equiv="refresh" content="0; url=/news/moved-here">'
FILLER = "<p>Reconnaissance faciale : la CNIL s\u2019inqui\u00e8te, \u00e9t\u00e9 \u2014 \u6f22\u5b57 \U0001f4f7</p>\n"


def pages() -> list[tuple[str, bytes, str | None]]:
    """(name, body, charset in the Content-Type header)."""
    long_text = FILLER * 600  # far more than HEAD_BYTES, multibyte characters cut anywhere
    cases = [
        ("refresh, short page", f"<html><head>{REFRESH}</head><body>x</body></html>", "utf-8"),
        ("refresh, long page", f"<html><head>{REFRESH}</head><body>{long_text}</body></html>", "utf-8"),
        ("refresh with a base href", f'<html><head><base href="/other/">{REFRESH}</head>{long_text}</html>', None),
        (
            "refresh after the first 4096 characters",
            f"<html><head></head><body>{long_text}{REFRESH}</body></html>",
            "utf-8",
        ),
        ("refresh at the edge", "<html><head>" + "\u00e9" * (HEAD_CHARS - 40) + REFRESH + long_text, "utf-8"),
        ("no refresh", f"<html><head><title>t</title></head><body>{long_text}</body></html>", "utf-8"),
        ("refresh in a script", f"<html><head><script>{REFRESH}</script></head>{long_text}</html>", "utf-8"),
        (
            "delay over the maximum",
            long_text.replace("<p>", '<meta http-equiv="refresh" content="900;url=/x">', 1),
            None,
        ),
    ]
    found = [(name, text.encode("utf-8"), charset) for name, text, charset in cases]
    words = "caf\u00e9 " * 5000
    latin = f"<html><head>{REFRESH}</head><body>{words}</body></html>"
    found.append(("latin-1 page", latin.encode("latin-1"), "iso-8859-1"))
    found.append(("utf-16 page", f"<html><head>{REFRESH}</head>{long_text}</html>".encode("utf-16"), None))
    found.append(
        ("bad bytes", b"<html><head>" + b"\xff\xfe\xc3" * 9000 + REFRESH.encode() + b"</head></html>", "utf-8")
    )
    return found


def middlewares() -> tuple[MetaRefreshMiddleware, HeadMetaRefreshMiddleware]:
    crawler = get_crawler(settings_dict={"METAREFRESH_MAXDELAY": 100})
    return MetaRefreshMiddleware.from_crawler(crawler), HeadMetaRefreshMiddleware.from_crawler(crawler)


def outcome(result: Request | Response) -> tuple[str, str | None, list[str] | None]:
    if isinstance(result, Request):
        return ("redirect", result.url, result.meta.get("redirect_reasons"))
    return ("response", None, None)


@pytest.mark.parametrize(("name", "body", "charset"), pages(), ids=[p[0] for p in pages()])
def test_same_decision_as_scrapy(name: str, body: bytes, charset: str | None) -> None:
    scrapy_mw, head_mw = middlewares()
    headers = {"Content-Type": f"text/html; charset={charset}" if charset else "text/html"}

    def response() -> HtmlResponse:  # a fresh one each time: Scrapy caches its reading per response
        return HtmlResponse(URL, body=body, headers=headers, request=Request(URL))

    assert page_head(response()) == response().text[:HEAD_CHARS]
    expected = outcome(scrapy_mw.process_response(Request(URL), response()))
    assert outcome(head_mw.process_response(Request(URL), response())) == expected


def test_long_pages_are_not_decoded_in_full() -> None:
    body = f"<html><head>{REFRESH}</head><body>{FILLER * 3000}</body></html>".encode()
    assert len(body) > 10 * HEAD_BYTES
    response = HtmlResponse(URL, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
    result = middlewares()[1].process_response(Request(URL), response)
    assert isinstance(result, Request) and result.url == "https://www.example.org/news/moved-here"
    assert response._cached_ubody is None  # Scrapy's own would have decoded all of it


def test_settings_swap_scrapy_middleware_for_ours() -> None:
    from monitor import settings as project

    configured = Settings()
    configured.setmodule(project)
    middlewares_ = configured.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares_["scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"] is None
    assert middlewares_["monitor.middlewares.HeadMetaRefreshMiddleware"] == 580


def test_debug_lines_of_pages_and_items_are_not_built_above_debug() -> None:
    from monitor.runlog import QuietLogFormatter

    request = Request(URL)
    response = HtmlResponse(URL, body=b"<html></html>", request=request)
    quiet = QuietLogFormatter.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": "INFO"}))
    assert quiet.crawled(request, response, None) is None and quiet.scraped({}, response, None) is None
    verbose = QuietLogFormatter.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": "DEBUG"}))
    assert verbose.crawled(request, response, None)["msg"].startswith("Crawled")
    assert verbose.scraped({}, response, None)["msg"].startswith("Scraped")
    assert quiet.dropped({}, ValueError("off topic"), response, None)["level"] == 20  # INFO, as before


def test_stats_collector_without_the_access_wrapper() -> None:
    from monitor.extensions import CrawlStatsCollector

    stats = CrawlStatsCollector(get_crawler())
    stats.inc_value("a")
    stats.inc_value("a", 2, spider=None)
    stats.max_value("m", 3)
    stats.max_value("m", 1)
    assert stats.get_stats() == {"a": 3, "m": 3}
    assert stats.inc_value.__func__ is CrawlStatsCollector.inc_value  # Scrapy's method, not a wrapper


def test_archived_url_lookups_keep_one_reader(tmp_path: Any) -> None:
    from datetime import UTC, datetime

    from monitor.db import Database
    from monitor.db.store import Store
    from monitor.faults import Skipped
    from monitor.middlewares import CANONICAL, ArchivedUrlMiddleware

    url = f"sqlite:///{tmp_path / 'a.db'}"
    database = Database(url)
    store = Store(database)
    with database.session() as session:
        source_id = store.source_id(session, "s")
        now = datetime.now(UTC)
        values = {"url": URL + "a", "canonical_url": URL + "a", "source_id": source_id, "text": "t", "language": "en"}
        assert store.add_article(session, {**values, "authors": [], "fetched_at": now, "content_hash": "h"})
    crawler = get_crawler(settings_dict={"MONITOR_DATABASE_URL": url})
    middleware = ArchivedUrlMiddleware.from_crawler(crawler)
    archived = Request(URL + "a", meta={"kind": "article", CANONICAL: URL + "a"})
    with pytest.raises(Skipped):
        middleware.process_request(archived)
    redirected = Request(URL + "a?utm_source=x", meta={"kind": "article", CANONICAL: URL + "b"})
    with pytest.raises(Skipped):  # not the URL the spider canonicalised: canonicalised here
        middleware.process_request(redirected)
    assert middleware.process_request(Request(URL + "b", meta={"kind": "article", CANONICAL: URL + "b"})) is None
    reader = middleware._reader
    assert reader is not None and not reader.closed
    middleware.spider_closed(crawler.spider)
    assert reader.closed and middleware._reader is None
    database.dispose()


def test_allowed_hosts_computed_once_per_definition_of_a_source() -> None:
    from dataclasses import replace

    from monitor.sources import Source
    from spiders.news import NewsSpider

    source = Source("s", "S", feeds=("https://www.example.org/rss.xml",), domains=("cdn.example.net",))
    spider = NewsSpider(sources=[source])
    hosts = spider.allowed_hosts("s")
    assert hosts == ("cdn.example.net", "example.org") and spider.allowed_hosts("s") is hosts
    spider.sources_by_name["s"] = replace(source, domains=("static.example.com",))  # learnt mid-crawl
    assert spider.allowed_hosts("s") == ("static.example.com", "example.org")


def test_tallies_read_every_source_in_one_pass_as_tally_does() -> None:
    from monitor.health import STAT_PREFIX, tallies

    def old_tally(stats: dict[str, Any], source: str) -> dict[str, Any]:  # the one-source-at-a-time reading
        prefix, found, errors = f"{STAT_PREFIX}{source}/", {}, {}
        for key, value in stats.items():
            if key.startswith(prefix) and isinstance(value, int):
                name = key[len(prefix) :]
                if name.startswith("error/"):
                    errors[name[len("error/") :]] = value
                elif name in ("fetched", "not_modified", "failed", "new_articles", "skipped_articles"):
                    found[name] = value
        return {**found, "errors": errors}

    stats: dict[str, Any] = {
        "monitor/source/a/fetched": 3,
        "monitor/source/a/error/404": 2,
        "monitor/source/a/error/x/y": 1,
        "monitor/source/a/b/fetched": 7,  # source "a/b"
        "monitor/source/a/b/error/timeout": 1,
        "monitor/source/c/not_modified": 1,
        "monitor/source/c/new_articles": 4,
        "monitor/source/c/skipped_articles": 2,
        "monitor/source/c/failed": "not an int",
        "monitor/source/zz/fetched": 9,  # not asked for
        "monitor/stored": 5,
    }
    names = ["a", "a/b", "c", "missing", "a"]
    for result in tallies(stats, names):
        read = {
            k: getattr(result, k) for k in ("fetched", "not_modified", "failed", "new_articles", "skipped_articles")
        }
        expected = old_tally(stats, result.source)
        assert {k: v for k, v in read.items() if v} == {k: v for k, v in expected.items() if k != "errors"}
        assert result.errors == expected["errors"]
    assert [t.source for t in tallies(stats, names)] == names
