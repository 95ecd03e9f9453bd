"""All reads and writes of the archive go through ``Store``: the rest of the code never writes SQL.

The writes of ``Archive.add`` (one article: its row, raw page, topics, copy and story links) go through
SQLAlchemy Core on the session's connection, prepared statements with bound parameters: the ORM's unit of
work cost several milliseconds per article for rows that are written once and never loaded as objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, String, bindparam, case, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from monitor.dates import offset_minutes
from monitor.db.models import Article, ArticleTopic, Copy, RawPage, Source, Story, StoryArticle, StoryFix
from monitor.db.session import Database
from monitor.db.upsert import insert_ignore_statement
from monitor.rawzlib import compress_raw

if TYPE_CHECKING:
    from monitor.article import Article as Extracted


@dataclass(frozen=True)
class WindowArticle:
    """What the in-memory indexes need of a recent article."""

    id: int
    title: str | None
    text: str
    language: str
    when: datetime
    story_id: int | None


ARCHIVE_WRITE_LOCK = 7263542  # PostgreSQL advisory lock key of archive writers

# Statements of the archive's hot path, built once (immutable; compiled once per dialect by SQLAlchemy's cache)
_ARCHIVED = select(Article.canonical_url).where(Article.canonical_url.in_(bindparam("urls", expanding=True)))
_SOURCE_BY_NAME = select(Source.id).where(Source.name == bindparam("name"))
_ARCHIVED_ONE = select(Article.canonical_url).where(Article.canonical_url == bindparam("url"))
_ARTICLE_BY_URL = select(Article.id).where(Article.canonical_url == bindparam("canonical_url"))
_ARTICLE_BY_HASH = select(Article.id).where(
    Article.source_id == bindparam("source_id"), Article.content_hash == bindparam("content_hash")
)
_ARTICLE_BY_EXTERNAL_ID = select(Article.id).where(
    Article.source_id == bindparam("source_id"), Article.external_id == bindparam("external_id")
)


def article_time_column() -> ColumnElement[Any]:
    """An article's time for stories and copies: its publication, never after its fetch (a page wrongly
    dated in the future would move the indexes' clock ahead), else its fetch."""
    return case(
        (Article.published_at > Article.fetched_at, Article.fetched_at),
        else_=func.coalesce(Article.published_at, Article.fetched_at),
    )


_WHEN = article_time_column()
_ARTICLES_AFTER = (
    select(Article.id, Article.title, Article.text, Article.language, _WHEN, StoryArticle.story_id)
    .outerjoin(StoryArticle, StoryArticle.article_id == Article.id)
    .where(Article.id > bindparam("after_id"))
    .order_by(Article.id)
)
_INSERT_RAW_PAGE = insert(RawPage)
_INSERT_TOPIC = insert(ArticleTopic)
_INSERT_COPY = insert(Copy)
_INSERT_STORY = insert(Story)
_INSERT_STORY_ARTICLE = insert(StoryArticle)
_STORY = select(Story.id, Story.merged_into, Story.first_seen, Story.last_seen).where(Story.id == bindparam("id"))
_STORY_SEEN = update(Story).where(Story.id == bindparam("story_id"))  # SET first_seen, last_seen, updated_at
_COPY_PARENT = select(Copy.original_id).where(Copy.article_id == bindparam("article_id"))
_ARTICLE_TIME = select(Article.published_at, Article.fetched_at).where(Article.id == bindparam("article_id"))


MAX_TAGS = 50  # bounds of the JSON cells
MAX_TAG_CHARS = 200


def _length(column: str) -> int:
    """The length of a ``String`` column of ``articles``, as the model (and the migrations) declare it."""
    column_type = Article.__table__.c[column].type
    assert isinstance(column_type, String) and column_type.length
    return column_type.length


AGENCY_CHARS, SECTION_CHARS, URL_CHARS = _length("agency"), _length("section"), _length("image_url")


def metadata_values(article: Extracted) -> dict[str, Any]:
    """The ``articles`` columns for what extraction read besides text, title, date and authors, clipped to
    the columns' lengths (PostgreSQL refuses longer values); an image URL too long to be one is dropped."""
    image = article.image_url if article.image_url and len(article.image_url) <= URL_CHARS else None
    return {
        "agency": article.agency[:AGENCY_CHARS] if article.agency else None,
        "updated_at": article.updated_at,
        "description": article.description or None,
        "section": article.section[:SECTION_CHARS] if article.section else None,
        "tags": [tag[:MAX_TAG_CHARS] for tag in article.tags[:MAX_TAGS]] or None,  # NULL: no tags
        "image_url": image,
        "is_paywalled": bool(article.is_paywalled),
        "provenance": dict(article.provenance),
        "published_offset": offset_minutes(article.published_at),
    }


def utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    def __init__(self, database: Database) -> None:
        self.db = database
        self._insert_article: Insert | None = None  # INSERT ... ON CONFLICT DO NOTHING RETURNING id, per dialect
        self._insert_source: Insert | None = None

    # sources -----------------------------------------------------------------------------------
    def ensure_source(
        self,
        session: Session,
        name: str,
        title: str | None = None,
        language: str | None = None,
        homepage: str | None = None,
    ) -> int:
        """The id of source ``name``, created if needed (safe against a concurrent creator); the session's
        pending ORM rows are flushed first, as an ORM query would."""
        session.flush()
        return self.source_id(session, name, title, language, homepage)

    def source_id(
        self,
        session: Session,
        name: str,
        title: str | None = None,
        language: str | None = None,
        homepage: str | None = None,
    ) -> int:
        """The id of source ``name``, created if needed, in Core (``INSERT ... ON CONFLICT``: safe against a
        concurrent creator, the loser reads the winner's row)."""
        connection = session.connection()
        found = connection.execute(_SOURCE_BY_NAME, {"name": name}).scalar()
        if found is not None:
            return int(found)
        if self._insert_source is None:
            statement = insert_ignore_statement(Source, connection.dialect.name, ["name"])
            self._insert_source = statement.returning(Source.id)
        values = {"name": name, "title": title, "language": language, "homepage": homepage, "created_at": utcnow()}
        row = connection.execute(self._insert_source, values).first()
        if row is None:  # created by another writer since the select
            row = connection.execute(_SOURCE_BY_NAME, {"name": name}).first()
            if row is None:  # pragma: no cover - the conflicting row vanished (deleted by another transaction)
                raise LookupError(f"source {name!r}: a conflicting row vanished")
        return int(row[0])

    # articles ----------------------------------------------------------------------------------
    def archived(self, canonical_urls: Iterable[str], connection: Connection | None = None) -> set[str]:
        """Which of these canonical URLs are already in the archive.

        ``connection``: a ``Database.reader()`` the caller keeps for its many lookups (a crawl asks this
        per article request); by default one is opened for the call. Either way no write lock is taken.
        """
        if connection is None:
            with self.db.reading() as reader:
                return self.archived(canonical_urls, reader)
        wanted = list(dict.fromkeys(canonical_urls))
        found: set[str] = set()
        try:
            if len(wanted) == 1:  # the crawl's case: a plain equality costs half an expanding IN
                found.update(connection.execute(_ARCHIVED_ONE, {"url": wanted[0]}).scalars())
            else:
                for start in range(0, len(wanted), 500):
                    chunk = wanted[start : start + 500]
                    found.update(connection.execute(_ARCHIVED, {"urls": chunk}).scalars())
        finally:
            if connection.dialect.name != "sqlite":  # SQLite's reader runs no transaction at all
                connection.rollback()  # no transaction left open between two lookups (PostgreSQL)
        return found

    def existing_article(
        self, session: Session, canonical_url: str, source_id: int, content_hash: str, external_id: str | None
    ) -> int | None:
        """An article that is the same as the one described: same URL, same text or same record id."""
        connection = session.connection()
        found = connection.execute(_ARTICLE_BY_URL, {"canonical_url": canonical_url}).scalar()
        if found is None:
            found = connection.execute(
                _ARTICLE_BY_HASH, {"source_id": source_id, "content_hash": content_hash}
            ).scalar()
        if found is None and external_id is not None:
            params = {"source_id": source_id, "external_id": external_id}
            found = connection.execute(_ARTICLE_BY_EXTERNAL_ID, params).scalar()
        return found

    def add_article(
        self, session: Session, values: dict[str, Any], raw_page: dict[str, Any] | None = None
    ) -> int | None:
        """Insert an article row (``values``: its columns) and its raw page (``raw_page``: the columns of
        ``RawPage`` but ``article_id``); None when a unique constraint says it is already there (another
        writer won), and then nothing is written."""
        connection = session.connection()
        if self._insert_article is None:
            statement = insert_ignore_statement(Article, connection.dialect.name)
            self._insert_article = statement.returning(Article.id)
        row = connection.execute(self._insert_article, values).first()
        if row is None:
            return None
        article_id = int(row[0])
        if raw_page is not None:
            connection.execute(_INSERT_RAW_PAGE, {**raw_page, "article_id": article_id})
        return article_id

    def insert_article(
        self,
        session: Session,
        article: Article,
        raw_html: bytes | None = None,
        encoding: str | None = None,
        content_type: str | None = None,
        status: int | None = None,
        raw_zlib: bytes | None = None,
    ) -> int | None:
        """Insert; None when a unique constraint says it is already there (another process won).

        The raw page is given as ``raw_html`` (compressed here) or already zlib-compressed as ``raw_zlib``.
        """
        if raw_zlib is None and raw_html is not None:
            raw_zlib = compress_raw(raw_html)
        try:
            with session.begin_nested():
                session.add(article)
                session.flush()
                if raw_zlib is not None:
                    session.add(
                        RawPage(
                            article_id=article.id,
                            encoding=encoding,
                            content_type=content_type,
                            status=status,
                            html_zlib=raw_zlib,
                        )
                    )
                    session.flush()
        except IntegrityError:
            return None
        return article.id

    def add_topics(self, session: Session, article_id: int, rows: Sequence[tuple[str, str, list[str], float]]) -> None:
        if rows:
            params = [
                {"article_id": article_id, "topic": topic, "location": location, "terms": terms, "score": score}
                for topic, location, terms, score in rows
            ]
            session.connection().execute(_INSERT_TOPIC, params)

    def add_copy(
        self, session: Session, article_id: int, original_id: int, similarity: float, agency: str | None
    ) -> None:
        params = {"article_id": article_id, "original_id": original_id, "similarity": similarity, "agency": agency}
        session.connection().execute(_INSERT_COPY, params)

    def article_time(self, session: Session, article_id: int) -> datetime | None:
        row = session.connection().execute(_ARTICLE_TIME, {"article_id": article_id}).one_or_none()
        if row is None:
            return None
        published, fetched = row
        return min(published, fetched) if published and fetched else (published or fetched)

    def article_credit_text(self, session: Session, article_id: int) -> tuple[str, str]:
        """The text and the byline (authors) of an article, to find the agency it credits."""
        row = session.execute(select(Article.text, Article.authors).where(Article.id == article_id)).one_or_none()
        return (row[0], "; ".join(row[1] or [])) if row else ("", "")

    def make_original(
        self, session: Session, new_original: int, old_original: int, similarity: float, agency: str | None
    ) -> None:
        """``new_original`` was published first: the old original and its copies become its copies."""
        for copy in session.scalars(select(Copy).where(Copy.original_id == old_original)):
            copy.original_id = new_original
        session.add(Copy(article_id=old_original, original_id=new_original, similarity=similarity, agency=agency))
        session.flush()

    def copy_root(self, session: Session, article_id: int) -> int:
        """The original of a chain of copies: copies always point at the earliest text."""
        connection = session.connection()
        seen = {article_id}
        current = article_id
        while True:
            parent = connection.execute(_COPY_PARENT, {"article_id": current}).scalar()
            if parent is None or parent in seen:
                return current
            seen.add(parent)
            current = parent

    # stories -----------------------------------------------------------------------------------
    def story_of(self, session: Session, article_id: int) -> int | None:
        query = select(StoryArticle.story_id).where(StoryArticle.article_id == article_id)
        found = session.connection().execute(query).scalar()
        return int(found) if found is not None else None

    def open_story(self, session: Session, title: str, when: datetime) -> int:
        now = utcnow()
        params = {"title": title, "first_seen": when, "last_seen": when, "created_at": now, "updated_at": now}
        key = session.connection().execute(_INSERT_STORY, params).inserted_primary_key
        assert key is not None
        return int(key[0])

    def link_story(
        self,
        session: Session,
        article_id: int,
        story_id: int,
        when: datetime,
        similarity: float,
        manual: bool = False,
        opened: bool = False,
    ) -> int:
        """Put the article in the story (or in the story it was merged into by hand); returns the story id.

        ``opened``: the story was just opened for this article (``open_story``, same ``when``): nothing to
        follow or to move.
        """
        connection = session.connection()
        link = {"article_id": article_id, "similarity": similarity, "manual": manual, "added_at": utcnow()}
        if opened:
            connection.execute(_INSERT_STORY_ARTICLE, {**link, "story_id": story_id})
            return story_id
        story = connection.execute(_STORY, {"id": story_id}).first()
        seen = {story_id}
        while story is not None and story.merged_into is not None and story.merged_into not in seen:
            seen.add(story.merged_into)
            story = connection.execute(_STORY, {"id": story.merged_into}).first()
        target = story.id if story is not None else story_id
        connection.execute(_INSERT_STORY_ARTICLE, {**link, "story_id": target})
        if story is not None:
            seen_at = {"first_seen": min(story.first_seen, when), "last_seen": max(story.last_seen, when)}
            connection.execute(_STORY_SEEN, {"story_id": target, **seen_at, "updated_at": utcnow()})
        return target

    def merged_facets(self) -> dict[int, int]:
        """``{article_id: story_id}``: the story each article of a manual merge came from, so that the
        story index keeps the events of a merged story as separate facets of it."""
        facets: dict[int, int] = {}
        with self.db.session() as session:
            for fix in session.scalars(select(StoryFix).where(StoryFix.kind == "merge").order_by(StoryFix.id)):
                for article_id in fix.article_ids:
                    facets[article_id] = fix.other_story_id
        return facets

    def lock_writes(self, session: Session) -> None:
        """Serialise archive writers across processes until the transaction ends.

        On SQLite the transaction began with BEGIN IMMEDIATE and already holds the write lock; on
        PostgreSQL a transaction-level advisory lock does the same, so that each writer sees every
        article committed before its own and the story and copy indexes of all processes agree.
        """
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ARCHIVE_WRITE_LOCK})

    def max_article_id(self) -> int:
        with self.db.session() as session:
            return session.scalar(select(func.max(Article.id))) or 0

    def articles_after(self, session: Session, after_id: int) -> list[WindowArticle]:
        """Articles stored (by other processes) since ``after_id``, in id order."""
        return [WindowArticle(*row) for row in session.connection().execute(_ARTICLES_AFTER, {"after_id": after_id})]

    def window_bounds(self, span: timedelta) -> tuple[datetime, datetime] | None:
        """The open window of the in-memory indexes: ``span`` before the latest article (never later than
        now), measured in article time so that an archive ingested today from last year reloads last year's
        window, not the whole ingest; None for an empty archive."""
        now = utcnow()
        with self.db.session() as session:
            latest_published = session.scalar(select(func.max(Article.published_at)).where(Article.published_at <= now))
            latest_fetched = session.scalar(select(func.max(Article.fetched_at)))
        latest = latest_published or latest_fetched
        return (latest - span, now) if latest is not None else None

    def window_articles(self, span: timedelta, limit: int = 50_000) -> Iterator[WindowArticle]:
        """The articles of ``window_bounds(span)``, oldest first."""
        bounds = self.window_bounds(span)
        if bounds is not None:
            yield from self.articles_between(*bounds, limit=limit)

    def articles_between(
        self, since: datetime, until: datetime, max_id: int | None = None, limit: int = 50_000
    ) -> Iterator[WindowArticle]:
        """The articles whose time is in [since, until] (and whose id is at most ``max_id``), oldest first."""
        now = utcnow()
        when = article_time_column()
        with self.db.session() as session:
            query = (
                select(Article.id, Article.title, Article.text, Article.language, when, StoryArticle.story_id)
                .outerjoin(StoryArticle, StoryArticle.article_id == Article.id)
                .where(
                    (Article.published_at >= since) | (Article.published_at.is_(None) & (Article.fetched_at >= since))
                )
                .where(when <= min(now, until))
                .order_by(when, Article.id)
                .limit(limit)
            )
            if max_id is not None:
                query = query.where(Article.id <= max_id)
            for article_id, title, text, language, at, story_id in session.execute(query).yield_per(1000):
                yield WindowArticle(article_id, title, text, language, at, story_id)

    def counts(self) -> dict[str, int]:
        with self.db.session() as session:
            return {
                "articles": session.scalar(select(func.count()).select_from(Article)) or 0,
                "stories": session.scalar(select(func.count()).select_from(Story)) or 0,
                "copies": session.scalar(select(func.count()).select_from(Copy)) or 0,
                "sources": session.scalar(select(func.count()).select_from(Source)) or 0,
            }
