"""Read-side queries for the CLI and the exports: rows streamed as dicts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, func, select

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


def _article_query(flt: ArticleFilter) -> Select[Any]:
    query: Select[Any] = cast(
        "Select[Any]",
        select(Article, Source.name, StoryArticle.story_id, Copy.original_id, Copy.agency)
        .join(Source, Source.id == Article.source_id)
        .outerjoin(StoryArticle, StoryArticle.article_id == Article.id)
        .outerjoin(Copy, Copy.article_id == Article.id)
        .order_by(Article.id),
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


def iter_articles(db: Database, flt: ArticleFilter, batch: int = 500) -> Iterator[dict[str, Any]]:
    """Article rows in id order, fetched in batches so that memory stays flat."""
    last_id = 0
    while True:
        with db.session() as session:
            rows = session.execute(_article_query(flt).where(Article.id > last_id).limit(batch)).all()
            if not rows:
                return
            ids = [row[0].id for row in rows]
            topics: dict[int, list[ArticleTopic]] = {}
            for topic in session.scalars(select(ArticleTopic).where(ArticleTopic.article_id.in_(ids))):
                topics.setdefault(topic.article_id, []).append(topic)
        for article, source, story_id, copy_of, agency in rows:
            matched = topics.get(article.id, [])
            yield {
                "id": article.id,
                "external_id": article.external_id,
                "url": article.url,
                "canonical_url": article.canonical_url,
                "source": source,
                "title": article.title,
                "published_at": _iso(article.published_at),
                "language": article.language,
                "authors": "; ".join(article.authors or []),
                "story_id": story_id,
                "copy_of": copy_of,
                "agency": agency,
                "topics": ";".join(t.topic for t in matched),
                "matched_terms": ";".join(dict.fromkeys(term for t in matched for term in t.terms)),
                "relevance": max((t.score for t in matched), default=None),
                "fetched_at": _iso(article.fetched_at),
                "content_hash": article.content_hash,
            }
        last_id = ids[-1]


def iter_stories(db: Database, flt: ArticleFilter, min_articles: int = 1) -> Iterator[dict[str, Any]]:
    """Stories with their counts, outlets and languages, the most covered first."""
    with db.session() as session:
        query = (
            select(
                Story.id,
                Story.title,
                Story.first_seen,
                Story.last_seen,
                func.count(StoryArticle.article_id),
                func.count(func.distinct(Article.source_id)),
            )
            .join(StoryArticle, StoryArticle.story_id == Story.id)
            .join(Article, Article.id == StoryArticle.article_id)
            .group_by(Story.id, Story.title, Story.first_seen, Story.last_seen)
            .having(func.count(StoryArticle.article_id) >= min_articles)
            .order_by(func.count(func.distinct(Article.source_id)).desc(), Story.first_seen.desc(), Story.id)
        )
        if flt.since:
            query = query.where(Story.last_seen >= flt.since)
        if flt.until:
            query = query.where(Story.first_seen < flt.until)
        if flt.language:
            query = query.where(Article.language == flt.language)
        if flt.topic:
            query = query.where(
                select(ArticleTopic.article_id)
                .where(ArticleTopic.article_id == Article.id, ArticleTopic.topic == flt.topic)
                .exists()
            )
        rows = session.execute(query).all()
        for story_id, title, first, last, count, outlet_count in rows:
            members = session.execute(
                select(Source.name, Article.language)
                .join(Article, Article.source_id == Source.id)
                .join(StoryArticle, StoryArticle.article_id == Article.id)
                .where(StoryArticle.story_id == story_id)
            ).all()
            yield {
                "id": story_id,
                "title": title,
                "first_seen": _iso(first),
                "last_seen": _iso(last),
                "article_count": count,
                "outlet_count": outlet_count,
                "outlets": ";".join(sorted({m[0] for m in members})),
                "languages": ";".join(sorted({m[1] for m in members})),
            }


def story_articles(db: Database, story_id: int) -> list[dict[str, Any]]:
    return list(iter_articles(db, ArticleFilter(story_id=story_id)))
