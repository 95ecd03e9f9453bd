"""Read-side queries for the CLI and the exports: rows streamed as dicts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, func, select, type_coerce

from monitor.db.models import Article, ArticleTopic, Copy, Source, Story, StoryArticle
from monitor.db.session import Database

ARTICLE_COLUMNS = [
    "id",
    "external_id",
    "url",
    "canonical_url",
    "source",
    "title",
    "published_at",
    "language",
    "authors",
    "story_id",
    "copy_of",
    "agency",
    "topics",
    "matched_terms",
    "relevance",
    "fetched_at",
    "content_hash",
]
STORY_COLUMNS = ["id", "title", "first_seen", "last_seen", "article_count", "outlet_count", "outlets", "languages"]


@dataclass(frozen=True)
class ArticleFilter:
    since: datetime | None = None
    until: datetime | None = None
    language: str | None = None
    sources: tuple[str, ...] = ()
    topic: str | None = None
    story_id: int | None = None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _raw(column: Any) -> Any:
    """The column as the driver returns it: no per-row JSON or datetime processing (the export's hot path)."""
    return type_coerce(column, String).label(column.key)


def _iso_raw(value: Any) -> str | None:
    """ISO 8601 (UTC) of a raw timestamp: SQLite's ``2020-06-10 09:00:00.000000`` text or a datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    fraction = text[20:26].rstrip("0")
    return f"{text[:10]}T{text[11:19]}{'.' + fraction.ljust(6, '0') if fraction else ''}+00:00"


def _names(value: Any, cache: dict[Any, str]) -> str:
    """``a; b`` from a raw JSON list of authors (a str on SQLite, a list on PostgreSQL), memoised per batch."""
    if isinstance(value, list):
        return "; ".join(value)
    found = cache.get(value)
    if found is None:
        if len(cache) > 10_000:
            cache.clear()
        found = cache[value] = "; ".join(json.loads(value) or []) if value else ""
    return found


def _terms(value: Any, cache: dict[Any, list[str]]) -> list[str]:
    if isinstance(value, list):
        return value
    found = cache.get(value)
    if found is None:
        if len(cache) > 10_000:
            cache.clear()
        found = cache[value] = list(json.loads(value) or []) if value else []
    return found


def _article_query(flt: ArticleFilter) -> Select[Any]:
    """The article columns of the export (not the text), filtered, in id order."""
    query: Select[Any] = (
        select(
            Article.id,
            Article.external_id,
            Article.url,
            Article.canonical_url,
            Source.name,
            Article.title,
            _raw(Article.published_at),
            Article.language,
            _raw(Article.authors),
            StoryArticle.story_id,
            Copy.original_id,
            Copy.agency,
            _raw(Article.fetched_at),
            Article.content_hash,
        )
        .join(Source, Source.id == Article.source_id)
        .outerjoin(StoryArticle, StoryArticle.article_id == Article.id)
        .outerjoin(Copy, Copy.article_id == Article.id)
        .order_by(Article.id)
    )
    when = func.coalesce(Article.published_at, Article.fetched_at)
    if flt.since:
        query = query.where(when >= flt.since)
    if flt.until:
        query = query.where(when < flt.until)
    if flt.language:
        query = query.where(Article.language == flt.language)
    if flt.sources:
        query = query.where(Source.name.in_(flt.sources))
    if flt.story_id is not None:
        query = query.where(StoryArticle.story_id == flt.story_id)
    if flt.topic:
        query = query.where(
            select(ArticleTopic.article_id)
            .where(ArticleTopic.article_id == Article.id, ArticleTopic.topic == flt.topic)
            .exists()
        )
    return query


def count_articles(db: Database, flt: ArticleFilter) -> int:
    """How many articles ``iter_articles`` will yield (for a progress bar)."""
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(_article_query(flt).order_by(None).subquery())) or 0


def iter_articles(db: Database, flt: ArticleFilter, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Article rows in id order, a batch at a time (keyset pagination): memory stays flat at any size."""
    last_id = 0
    base = _article_query(flt)
    matched = select(ArticleTopic.article_id, ArticleTopic.topic, _raw(ArticleTopic.terms), ArticleTopic.score)
    seen_terms: dict[Any, list[str]] = {}
    seen_authors: dict[Any, str] = {}
    while True:
        with db.engine.connect() as connection:
            rows = connection.execute(base.where(Article.id > last_id).limit(batch)).all()
            if not rows:
                return
            ids = [row[0] for row in rows]
            topics: dict[int, list[tuple[str, list[str], float]]] = {}
            in_batch = ArticleTopic.article_id.between(ids[0], ids[-1])  # ids are sorted: a range, not a long IN
            for article_id, topic, terms, score in connection.execute(
                matched.where(in_batch).order_by(ArticleTopic.article_id, ArticleTopic.topic)
            ):
                topics.setdefault(article_id, []).append((topic, _terms(terms, seen_terms), score))

        for (
            article_id,
            external_id,
            url,
            canonical_url,
            source,
            title,
            published_at,
            language,
            authors,
            story_id,
            copy_of,
            agency,
            fetched_at,
            content_hash,
        ) in rows:
            found = topics.get(article_id, ())
            yield {
                "id": article_id,
                "external_id": external_id,
                "url": url,
                "canonical_url": canonical_url,
                "source": source,
                "title": title,
                "published_at": _iso_raw(published_at),
                "language": language,
                "authors": _names(authors, seen_authors),
                "story_id": story_id,
                "copy_of": copy_of,
                "agency": agency,
                "topics": ";".join(t[0] for t in found),
                "matched_terms": ";".join(dict.fromkeys(term for t in found for term in t[1])),
                "relevance": max((t[2] for t in found), default=None),
                "fetched_at": _iso_raw(fetched_at),
                "content_hash": content_hash,
            }
        last_id = ids[-1]


def iter_stories(db: Database, flt: ArticleFilter, min_articles: int = 1, batch: int = 500) -> Iterator[dict[str, Any]]:
    """Stories with their counts, outlets and languages, the most covered first.

    ``since``/``until`` select the stories seen in that window; ``language``, ``sources`` and ``topic``
    the stories with at least one such article; ``story_id`` one story.
    """
    outlets = func.count(func.distinct(Article.source_id))
    query = (
        select(Story.id, Story.title, Story.first_seen, Story.last_seen, func.count(StoryArticle.article_id), outlets)
        .join(StoryArticle, StoryArticle.story_id == Story.id)
        .join(Article, Article.id == StoryArticle.article_id)
        .group_by(Story.id, Story.title, Story.first_seen, Story.last_seen)
        .having(func.count(StoryArticle.article_id) >= min_articles)
        .order_by(outlets.desc(), Story.first_seen.desc(), Story.id)
    )
    if flt.since:
        query = query.where(Story.last_seen >= flt.since)
    if flt.until:
        query = query.where(Story.first_seen < flt.until)
    if flt.story_id is not None:
        query = query.where(Story.id == flt.story_id)
    member = select(StoryArticle.story_id).join(Article, Article.id == StoryArticle.article_id)
    if flt.language:
        member = member.where(Article.language == flt.language)
    if flt.sources:
        member = member.join(Source, Source.id == Article.source_id).where(Source.name.in_(flt.sources))
    if flt.topic:
        member = member.join(ArticleTopic, ArticleTopic.article_id == Article.id).where(ArticleTopic.topic == flt.topic)
    if flt.language or flt.sources or flt.topic:
        query = query.where(Story.id.in_(member))
    with db.session() as session:
        rows = session.execute(query).all()
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        members: dict[int, tuple[set[str], set[str]]] = {row[0]: (set(), set()) for row in chunk}
        with db.session() as session:
            for story_id, source, language in session.execute(
                select(StoryArticle.story_id, Source.name, Article.language)
                .join(Article, Article.id == StoryArticle.article_id)
                .join(Source, Source.id == Article.source_id)
                .where(StoryArticle.story_id.in_(list(members)))
            ):
                members[story_id][0].add(source)
                members[story_id][1].add(language)
        for story_id, title, first, last, count, outlet_count in chunk:
            yield {
                "id": story_id,
                "title": title,
                "first_seen": _iso(first),
                "last_seen": _iso(last),
                "article_count": count,
                "outlet_count": outlet_count,
                "outlets": ";".join(sorted(members[story_id][0])),
                "languages": ";".join(sorted(members[story_id][1])),
            }


def story_articles(db: Database, story_id: int) -> list[dict[str, Any]]:
    return list(iter_articles(db, ArticleFilter(story_id=story_id)))


def articles_per_day(db: Database, flt: ArticleFilter) -> dict[tuple[str, str], int]:
    """``{(day, language): articles}`` of the articles seen in the filter's window (days in UTC, ISO)."""
    when = func.coalesce(Article.published_at, Article.fetched_at)
    query = select(when, Article.language).join(Source, Source.id == Article.source_id)
    if flt.since:
        query = query.where(when >= flt.since)
    if flt.until:
        query = query.where(when < flt.until)
    if flt.language:
        query = query.where(Article.language == flt.language)
    if flt.sources:
        query = query.where(Source.name.in_(flt.sources))
    if flt.topic:
        query = query.where(
            select(ArticleTopic.article_id)
            .where(ArticleTopic.article_id == Article.id, ArticleTopic.topic == flt.topic)
            .exists()
        )
    counts: dict[tuple[str, str], int] = {}
    with db.engine.connect() as connection:
        for seen, language in connection.execute(query).yield_per(2000):
            key = (seen.date().isoformat(), language)
            counts[key] = counts.get(key, 0) + 1
    return counts


def stories_with_articles(db: Database, flt: ArticleFilter, limit: int = 50) -> list[dict[str, Any]]:
    """The ``limit`` stories of ``iter_stories`` (most outlets first), each with ``articles`` in time order."""
    stories = []
    for story in iter_stories(db, flt):
        articles = list(iter_articles(db, ArticleFilter(story_id=story["id"])))
        articles.sort(key=lambda a: (a["published_at"] or a["fetched_at"] or "", a["id"]))
        stories.append({**story, "articles": articles})
        if len(stories) >= limit:
            break
    return stories


def recent_stories(db: Database, topic: str | None, since: datetime, limit: int = 50) -> list[dict[str, Any]]:
    """Stories changed since ``since`` (new or grown) with an article matched by ``topic``, latest change first;
    each with ``updated_at``, its counts and ``articles`` in time order."""
    query = select(Story.id).where(Story.updated_at >= since).order_by(Story.updated_at.desc(), Story.id.desc())
    if topic:
        matched = (
            select(StoryArticle.story_id)
            .join(ArticleTopic, ArticleTopic.article_id == StoryArticle.article_id)
            .where(ArticleTopic.topic == topic)
        )
        query = query.where(Story.id.in_(matched))
    with db.session() as session:
        found = list(session.execute(query.limit(limit)).scalars())
        updated = {
            row[0]: row[1] for row in session.execute(select(Story.id, Story.updated_at).where(Story.id.in_(found)))
        }
    stories = []
    for story_id in found:
        for story in iter_stories(db, ArticleFilter(story_id=story_id)):
            articles = list(iter_articles(db, ArticleFilter(story_id=story_id)))
            articles.sort(key=lambda a: (a["published_at"] or a["fetched_at"] or "", a["id"]))
            stories.append({**story, "updated_at": _iso(updated[story_id]), "articles": articles})
    return stories
