"""SQLAlchemy 2.0 typed models of the archive.

The schema is created and changed only by the Alembic migrations in ``migrations/``; a test checks that
these models and the migrations agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from monitor.db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
timestamp = Annotated[datetime, mapped_column(UTCDateTime())]
url_str = Annotated[str, mapped_column(String(2048))]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class Source(Base):
    """An outlet (from the sources file) or the origin named by ingested records."""

    __tablename__ = "sources"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str | None] = mapped_column(String(8))
    homepage: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[timestamp]

    articles: Mapped[list[Article]] = relationship(back_populates="source")


class Article(Base):
    """One article: one canonical URL, one row."""

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("source_id", "content_hash"),
        UniqueConstraint("source_id", "external_id"),
        Index("ix_articles_published_at", "published_at"),
        Index("ix_articles_fetched_at", "fetched_at"),
        Index("ix_articles_content_hash", "content_hash"),
    )

    id: Mapped[intpk]
    url: Mapped[url_str]
    canonical_url: Mapped[url_str] = mapped_column(unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="RESTRICT"))
    external_id: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    language: Mapped[str] = mapped_column(String(8))
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    site_name: Mapped[str | None] = mapped_column(String(300))
    fetched_at: Mapped[timestamp]
    content_hash: Mapped[str] = mapped_column(String(64))
    # revision 0009: what extraction reads besides the text (``monitor.article.Article``)
    agency: Mapped[str | None] = mapped_column(String(100))  # the agency the article credits (AFP, Reuters…)
    updated_at: Mapped[datetime | None]
    description: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(String(300))
    tags: Mapped[list[str] | None] = mapped_column(JSON)  # NULL in the rows archived before 0009
    image_url: Mapped[str | None] = mapped_column(String(2048))
    is_paywalled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    provenance: Mapped[dict[str, str] | None] = mapped_column(JSON)  # field -> where its value came from
    # revision 0010: the offset the page gave with ``published_at`` (stored in UTC), in minutes east of UTC;
    # NULL when it gave none (read as UTC)
    published_offset: Mapped[int | None] = mapped_column(Integer)

    source: Mapped[Source] = relationship(back_populates="articles")
    topics: Mapped[list[ArticleTopic]] = relationship(cascade="all, delete-orphan")


class RawPage(Base):
    """The HTML as fetched, zlib-compressed, for later re-extraction."""

    __tablename__ = "raw_pages"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    encoding: Mapped[str | None] = mapped_column(String(40))
    content_type: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[int | None] = mapped_column(Integer)
    html_zlib: Mapped[bytes] = mapped_column(LargeBinary)


class ArticleTopic(Base):
    """Which watchlist matched an article, where, on which terms, with which relevance."""

    __tablename__ = "article_topics"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(200), primary_key=True)
    location: Mapped[str] = mapped_column(String(20))  # title, text, or title+text
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    score: Mapped[float] = mapped_column(Float)


class Copy(Base):
    """An article that repeats the text of an earlier one (a syndicated wire copy)."""

    __tablename__ = "copies"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    original_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    similarity: Mapped[float] = mapped_column(Float)
    agency: Mapped[str | None] = mapped_column(String(100))


class Story(Base):
    """Coverage of one event, across outlets and languages."""

    __tablename__ = "stories"

    id: Mapped[intpk]
    title: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[timestamp]
    last_seen: Mapped[timestamp] = mapped_column(index=True)
    created_at: Mapped[timestamp]
    updated_at: Mapped[timestamp]
    merged_into: Mapped[int | None] = mapped_column(Integer)  # merged by hand into this story


class StoryArticle(Base):
    """The article-to-story link: an article belongs to at most one story."""

    __tablename__ = "story_articles"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    similarity: Mapped[float] = mapped_column(Float, default=0.0)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[timestamp]


class CrawlRun(Base):
    """One crawl of one source: by the daemon, by cron (``monitor crawl``) or ``monitor daemon --once``.

    ``status`` is ``running`` until the run ends: ``finished``, ``interrupted`` (stopped by a signal, or
    found still ``running`` by the next run of the source after a kill -9), ``failed`` or ``skipped``
    (another process held the source's lock).
    """

    __tablename__ = "crawl_runs"
    __table_args__ = (Index("ix_crawl_runs_source_started", "source", "started"),)

    id: Mapped[intpk]
    source: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(20))  # cron, daemon, once
    started: Mapped[timestamp]
    finished: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), index=True)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    pid: Mapped[int | None] = mapped_column(Integer)


# APScheduler's job store (``SQLAlchemyJobStore``) lives in the same database. Its table is created by the
# migration 0005 like every other table and declared here with APScheduler's exact columns, so the
# model/migration comparison covers it; the job store's own ``create_all`` then finds it and does nothing.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class StoryFix(Base):
    """A manual fix of the grouping (``monitor stories merge`` / ``split``), replayed by ``monitor regroup``.

    merge: ``article_ids`` (the story merged in) belong with ``other_article_ids`` (the story kept).
    split: ``article_ids`` were taken out of the story that kept ``other_article_ids``.
    """

    __tablename__ = "story_fixes"

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(10))
    story_id: Mapped[int] = mapped_column(Integer)  # merge: the story kept; split: the new story
    other_story_id: Mapped[int] = mapped_column(Integer)  # merge: the story merged in; split: the story split
    article_ids: Mapped[list[int]] = mapped_column(JSON)
    other_article_ids: Mapped[list[int]] = mapped_column(JSON)
    created_at: Mapped[timestamp]


class FeedValidator(Base):
    """What the last fetch of a feed, sitemap or section page returned: validators for conditional requests.

    Keyed by the SHA-256 of the URL (URLs can be longer than an index allows).
    """

    __tablename__ = "feed_validators"

    url_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[url_str]
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # feed, sitemap, section
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))  # the HTTP-date as the server sent it
    content_hash: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[timestamp]
    changed_at: Mapped[datetime | None]


class RobotsTxt(Base):
    """The last robots.txt of an origin (``scheme://host[:port]``), kept between crawls (revision 0011).

    A crawl uses it without a request while it is fresh (``MONITOR_ROBOTS_MAX_AGE``), then revalidates it
    with ``If-None-Match`` / ``If-Modified-Since``, and falls back on it while the origin's robots.txt is
    unreachable (RFC 9309, section 2.4). ``monitor.robots``.
    """

    __tablename__ = "robots_txt"

    origin: Mapped[str] = mapped_column(String(300), primary_key=True)
    status: Mapped[int] = mapped_column(Integer)  # of the last full answer: 200, or a 4xx (no rules: all allowed)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # the rules as served (the first 500 KiB), empty for a 4xx
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))  # the HTTP-date as the server sent it
    checked_at: Mapped[timestamp]  # the last answer that confirmed the rules (200, 304 or 4xx)
    changed_at: Mapped[timestamp]  # when the body last changed


class SeenPage(Base):
    """A page fetched and not archived under this URL: off topic, not an article (a live blog, a video, an
    index page), or another URL of an archived article. The next crawls do not fetch it again while the
    reason holds: the same watchlists for an off-topic page (``detail``: their digest), a page type still
    not kept (``detail``: the type), always for another URL (``detail``: the article's id). ``--refresh``
    fetches everything again (``monitor.db.seen``)."""

    __tablename__ = "seen_pages"

    id: Mapped[intpk]
    canonical_url: Mapped[url_str] = mapped_column(unique=True)  # as the crawl requested it
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # off_topic, not_article, archived_as
    detail: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[timestamp]
    last_seen_at: Mapped[timestamp]


class SourcePolling(Base):
    """Adaptive polling of a source: the interval shrinks when it changes, grows when it does not."""

    __tablename__ = "source_polling"

    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    last_polled_at: Mapped[datetime | None]
    last_changed_at: Mapped[datetime | None]
    next_poll_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)


class SourceHealth(Base):
    """One crawl of one source: discovery fetches, new articles, errors by kind (403, 404, timeout…)."""

    __tablename__ = "source_health"
    __table_args__ = (Index("ix_source_health_source_started", "source_id", "started_at"),)

    id: Mapped[intpk]
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    started_at: Mapped[timestamp]
    finished_at: Mapped[timestamp]
    fetched: Mapped[int] = mapped_column(Integer, default=0)  # discovery documents answered 200
    not_modified: Mapped[int] = mapped_column(Integer, default=0)  # answered 304 (or unchanged content)
    failed: Mapped[int] = mapped_column(Integer, default=0)  # discovery documents that failed
    new_articles: Mapped[int] = mapped_column(Integer, default=0)
    skipped_articles: Mapped[int] = mapped_column(Integer, default=0)  # already archived, not fetched
    errors: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    ok: Mapped[bool] = mapped_column(Boolean)


class Watchlist(Base):
    """A watchlist added with ``monitor topics add``: a name and a boolean query (see monitor/query/)."""

    __tablename__ = "watchlists"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[timestamp]
    updated_at: Mapped[timestamp]
