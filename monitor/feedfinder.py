"""Finds the feeds and news sitemaps of a homepage, through Scrapy (robots.txt, User-Agent, timeouts).

``find_feeds(url)`` runs one small crawl in this process (call it once per process, like any crawl):
the homepage's ``<link rel="alternate">`` feeds and feed links, the usual feed paths, and the sitemaps
that robots.txt lists; each candidate is fetched and kept only if it parses with at least one entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response

from monitor.discovery import (
    DiscoveryError,
    feed_candidates,
    html_language,
    html_title,
    parse_feed,
    parse_sitemap,
    sitemap_candidates,
    sniff,
)

MAX_CANDIDATES = 16


@dataclass
class Found:
    homepage: str
    title: str | None = None
    language: str | None = None
    feeds: list[str] = field(default_factory=list)
    ranks: dict[str, int] = field(default_factory=dict)  # candidate order: answers arrive in any order
    sitemaps: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class FeedFinderSpider(Spider):
    name = "feedfinder"
    custom_settings: dict[str, Any] | None = {  # noqa: RUF012 - Scrapy's own attribute
        "HTTPERROR_ALLOW_ALL": True,
        "ITEM_PIPELINES": {},
        "EXTENSIONS": {},
        "RETRY_TIMES": 1,
    }

    def __init__(self, found: Found, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.found = found

    async def start(self) -> Any:
        yield Request(self.found.homepage, self.parse_home, errback=self.failed)

    def parse_home(self, response: Response) -> Iterator[Request]:
        if response.status >= 400:
            self.found.errors.append(f"{response.url}: HTTP {response.status}")
            return
        self.found.title = html_title(response.body)
        self.found.language = html_language(response.body)
        for rank, url in enumerate(feed_candidates(response.body, response.url)[:MAX_CANDIDATES]):
            yield Request(url, self.check, errback=self.ignored, meta={"candidate": "feed", "rank": rank})
        robots = response.urljoin("/robots.txt")
        yield Request(robots, self.parse_robots, errback=self.ignored, dont_filter=True)

    def parse_robots(self, response: Response) -> Iterator[Request]:
        text = response.body.decode("utf-8", "replace") if response.status == 200 else ""
        for url in sitemap_candidates(text, response.url)[:MAX_CANDIDATES]:
            yield Request(url, self.check, errback=self.ignored, meta={"candidate": "sitemap"})

    def check(self, response: Response) -> None:
        if response.status != 200:
            return
        kind = sniff(response.body)
        url = response.meta.get("redirect_urls", [response.url])[0]
        try:
            if kind == "feed" and parse_feed(response.body, response.url):
                self.found.feeds.append(url)
                self.found.ranks.setdefault(url, response.meta.get("rank", MAX_CANDIDATES))
            elif kind == "sitemap" and parse_sitemap(response.body, response.url)[1]:
                self.found.sitemaps.append(url)
        except DiscoveryError:
            return

    def failed(self, failure: Any) -> None:
        self.found.errors.append(f"{self.found.homepage}: {failure.getErrorMessage()}")

    def ignored(self, failure: Any) -> None:
        return None


def find_feeds(homepage: str, overrides: dict[str, Any] | None = None) -> Found:
    """The feeds and sitemaps of ``homepage`` that answer and parse; call once per process."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("monitor.settings", priority="project")
    settings.set(
        "DOWNLOADER_MIDDLEWARES",
        {
            "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
            "monitor.politeness.ContactUserAgentMiddleware": 500,
        },
        priority="cmdline",
    )
    settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    found = Found(homepage)
    process = CrawlerProcess(settings, install_root_handler=False)
    process.crawl(FeedFinderSpider, found=found)
    process.start()
    found.feeds = sorted(dict.fromkeys(found.feeds), key=lambda url: found.ranks.get(url, MAX_CANDIDATES))
    found.sitemaps = sorted(dict.fromkeys(found.sitemaps), key=lambda u: 0 if "news" in u.lower() else 1)
    return found

