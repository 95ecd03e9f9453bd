"""The item that spiders hand to the pipelines: a fetched page and where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from monitor.article import Article
from monitor.prepared import Prepared
from monitor.topics import TopicMatch


@dataclass
class PageItem:
    """Logged by Scrapy when dropped: the page body and the article are left out of its repr."""

    url: str
    source: str
    body: bytes = field(repr=False)
    encoding: str | None = None
    content_type: str | None = None
    status: int = 200
    fetched_at: datetime | None = None
    feed_title: str | None = None
    feed_published: datetime | None = None
    requested_url: str | None = None  # the canonical URL the spider requested (before any redirect)
    documents: tuple[str, ...] = ()  # the feed, sitemap or section page (and indexes) that led to it
    # filled in by the pipelines
    article: Article | None = field(default=None, repr=False)
    prepared: Prepared | None = field(default=None, repr=False)  # for Archive.add, computed by the worker
    topics: list[TopicMatch] = field(default_factory=list)
    article_id: int | None = None
    story_id: int | None = None
    copy_of: int | None = None
    seen: tuple[str, str] | None = None  # dropped and remembered: (reason, detail), see monitor.db.seen
