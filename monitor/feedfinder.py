"""Finds the feeds, news sitemaps and section pages of a homepage, through Scrapy (robots.txt, User-Agent,
timeouts).

``find_feeds(url)`` runs one small crawl in this process (call it once per process, like any crawl):
the homepage's ``<link rel="alternate">`` feeds and feed links, the usual feed paths, and the sitemaps
that robots.txt lists; each candidate is fetched and kept only if it parses with at least one entry.
With ``max_sections``, the most relevant section pages the homepage links to (``monitor.sectionfinder``)
are fetched too, and kept when they answer with an HTML page listing at least ``MIN_SECTION_ARTICLES``
article links on the outlet's host (what the crawler will follow there); when none is, the homepage itself
if it lists as many. A homepage under a path (``https://host/outlet/``) has its usual feed and sitemap paths
tried under that path first, and keeps the sitemaps found there rather than the host's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.http import Response

from monitor.discovery import (
    DiscoveryError,
    feed_candidates,
    host_country,
    html_country,
    html_document,
    html_language,
    html_title,
    parse_feed,
    parse_sitemap,
    section_links,
    sitemap_candidates,
    sniff,
    under_home,
)
from monitor.logsetup import hand_over
from monitor.sectionfinder import Section, section_candidates, section_path
from monitor.urls import canonical_url, host_of

MAX_CANDIDATES = 24  # usual paths are tried under the homepage's folder and at the origin
MIN_SECTION_ARTICLES = 3
SECTION_CHECK_FACTOR = 2  # fetch twice as many section candidates as wanted: some answer 404 or list nothing
SECTION_READ_BYTES = 2_000_000


@dataclass
class Found:
    homepage: str
    title: str | None = None
    language: str | None = None
    country: str | None = None  # of the homepage's locale ("fr-FR"), else its domain (".fr"): the source's clock
    feeds: list[str] = field(default_factory=list)
    ranks: dict[str, int] = field(default_factory=dict)  # candidate order: answers arrive in any order
    sitemaps: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    max_sections: int = 0
    homepage_url: str = ""  # where the homepage ended, after redirects
    section_candidates: list[Section] = field(default_factory=list)  # ranked, before they are fetched
    sections_kept: list[tuple[int, Section]] = field(default_factory=list)  # candidate rank: any order
    sections: list[Section] = field(default_factory=list)  # those that answered with article links, ranked
    home_lists_articles: bool = False  # the homepage is a section page itself (proposed when no other is)
    home_is_section: bool = False  # ... and it was


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
        home = html_document(response.body)  # parsed once for its title, locale, feeds, links
        if home is None:  # (not ``or``: lxml warns that an element's truth will no longer be its children)
            home = response.body
        self.found.title = html_title(home)
        self.found.language = html_language(home)
        self.found.country = html_country(home) or host_country(response.url)
        self.found.homepage_url = response.url
        for rank, url in enumerate(feed_candidates(home, response.url)[:MAX_CANDIDATES]):
            yield Request(url, self.check, errback=self.ignored, meta={"candidate": "feed", "rank": rank})
        robots = response.urljoin("/robots.txt")
        yield Request(robots, self.parse_robots, errback=self.ignored, dont_filter=True)
        if self.found.max_sections > 0:
            if len(section_links(home, response.url, [host_of(response.url)])) >= MIN_SECTION_ARTICLES:
                self.found.home_lists_articles = True
            candidates = section_candidates(response.body, response.url)
            self.found.section_candidates = candidates[: self.found.max_sections * SECTION_CHECK_FACTOR]
            for rank, section in enumerate(self.found.section_candidates):
                meta = {"section": section, "rank": rank}
                yield Request(section.url, self.check_section, errback=self.ignored, meta=meta, dont_filter=True)

    def parse_robots(self, response: Response) -> Iterator[Request]:
        text = response.body.decode("utf-8", "replace") if response.status == 200 else ""
        home = self.found.homepage_url or self.found.homepage
        for url in sitemap_candidates(text, response.url, home)[:MAX_CANDIDATES]:
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

    def check_section(self, response: Response) -> None:
        """Keeps a section that answers with an HTML page listing articles on the homepage's host, under
        the URL it ends at (``/tech`` redirected to ``/tech/``) unless a redirect left the section (to the
        homepage, a login page, another host)."""
        section: Section = response.meta["section"]
        if response.status != 200 or section_path(response.url, self.found.homepage_url) is None:
            return
        body = response.body[:SECTION_READ_BYTES]
        if sniff(body) not in ("html", "unknown"):
            return
        if len(section_links(body, response.url, [host_of(section.url)])) >= MIN_SECTION_ARTICLES:
            self.found.sections_kept.append((response.meta["rank"], replace(section, url=canonical_url(response.url))))

    def failed(self, failure: Any) -> None:
        self.found.errors.append(f"{self.found.homepage}: {failure.getErrorMessage()}")

    def ignored(self, failure: Any) -> None:
        return None


def find_feeds(homepage: str, overrides: dict[str, Any] | None = None, max_sections: int = 0) -> Found:
    """The feeds and sitemaps of ``homepage`` that answer and parse, and up to ``max_sections`` of its
    section pages; call once per process."""
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
    # Scrapy's handler at WARNING replaces the command line's (which would print Scrapy's INFO lines)
    settings.set("LOG_INSTALL_ROOT_HANDLER", hand_over(logging.WARNING), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    found = Found(homepage, max_sections=max_sections)
    process = CrawlerProcess(settings)
    process.crawl(FeedFinderSpider, found=found)
    process.start()
    found.feeds = sorted(dict.fromkeys(found.feeds), key=lambda url: found.ranks.get(url, MAX_CANDIDATES))
    found.sitemaps = sorted(dict.fromkeys(found.sitemaps), key=lambda u: 0 if "news" in u.lower() else 1)
    home = found.homepage_url or homepage
    own = [url for url in found.sitemaps if under_home(url, home)]
    if own and urlsplit(home).path.rstrip("/"):  # an outlet under a path: its own sitemaps, not the host's
        found.sitemaps = own
    kept: dict[str, Section] = {}  # two candidates may end at the same page: the better ranked one
    for _, section in sorted(found.sections_kept, key=lambda pair: pair[0]):
        kept.setdefault(section.url, section)
    found.sections = list(kept.values())[:max_sections]
    if not found.sections and found.home_lists_articles:
        found.sections = [Section(canonical_url(home), "the homepage (it lists articles)", 0, "body")]
        found.home_is_section = True
    return found
