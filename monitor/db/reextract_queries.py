"""Reads and writes of ``monitor reextract``: archived raw pages out, re-extracted fields back in.

Raw pages are read in batches ordered by article id (keyset pagination: memory stays flat on a large
archive, and rows written meanwhile do not shift the batches). Each article is updated in its own
savepoint, so that a text that now hashes like another article of the same source (the
``(source_id, content_hash)`` unique constraint) is reported and leaves that row as it was, without undoing
the rest of the batch.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError

from monitor.db.models import Article, RawPage, Source
from monitor.db.session import Database

BATCH_SIZE = 100
FIELDS = ("title", "text", "published_at", "authors", "language", "content_hash")
METADATA_FIELDS = (
    *("agency", "updated_at", "description", "section", "tags", "image_url", "is_paywalled", "provenance"),
    "published_offset",
)
READ_FIELDS = FIELDS + METADATA_FIELDS


@dataclass(frozen=True)
class ArchivedPage:
    """An article row and its archived HTML (``html`` is None and ``error`` says why when unreadable)."""

    article_id: int
    source_id: int
    source_language: str | None
    url: str
    encoding: str | None
    html: bytes | None
    error: str | None
    current: dict[str, Any]
    source_name: str = ""


@dataclass(frozen=True)
class FieldUpdate:
    """New values for some of ``READ_FIELDS`` of one article."""

    article_id: int
    source_id: int
    values: dict[str, Any]


@dataclass(frozen=True)
class UpdateResult:
    """``written``; else ``collision_with``: the article of the same source whose text hashes the same."""

    article_id: int
    written: bool
    collision_with: int | None = None


def source_exists(database: Database, name: str) -> bool:
    with database.session() as session:
        return session.scalar(select(Source.id).where(Source.name == name)) is not None


def _filtered(query: Select[Any], since: datetime | None, source: str | None) -> Select[Any]:
    if since is not None:
        query = query.where(Article.fetched_at >= since)
    if source is not None:
        query = query.where(Source.name == source)
    return query


def count_archived_pages(database: Database, since: datetime | None = None, source: str | None = None) -> int:
    """How many articles with an archived raw page match the filters (fetched since ``since``, of ``source``)."""
    query = (
        select(func.count())
        .select_from(RawPage)
        .join(Article, Article.id == RawPage.article_id)
        .join(Source, Source.id == Article.source_id)
    )
    with database.session() as session:
        return int(session.scalar(_filtered(query, since, source)) or 0)


def iter_archived_pages(
    database: Database, since: datetime | None = None, source: str | None = None, batch_size: int = BATCH_SIZE
) -> Iterator[ArchivedPage]:
    """The archived pages matching the filters, in article id order, decompressed one batch at a time."""
    last_id = 0
    while True:
        query = (
            select(
                Article.id,
                Article.source_id,
                Source.language,
                Article.url,
                RawPage.encoding,
                RawPage.html_zlib,
                Source.name,
                *(getattr(Article, name) for name in READ_FIELDS),
            )
            .join(RawPage, RawPage.article_id == Article.id)
            .join(Source, Source.id == Article.source_id)
            .where(Article.id > last_id)
            .order_by(Article.id)
            .limit(batch_size)
        )
        with database.session() as session:
            rows = session.execute(_filtered(query, since, source)).all()
        if not rows:
            return
        for row in rows:
            html, error = _decompress(row[5])
            current = dict(zip(READ_FIELDS, row[7:], strict=True))
            yield ArchivedPage(row[0], row[1], row[2], row[3], row[4], html, error, current, row[6])
        last_id = rows[-1][0]


def _decompress(blob: bytes | None) -> tuple[bytes | None, str | None]:
    if not blob:
        return None, "empty raw page"
    try:
        return zlib.decompress(blob), None
    except zlib.error as exc:
        return None, f"raw page not readable (zlib: {exc})"


def apply_updates(database: Database, updates: Sequence[FieldUpdate]) -> list[UpdateResult]:
    """Write the updates in one transaction, each in a savepoint; a content-hash collision is reported."""
    results: list[UpdateResult] = []
    if not updates:
        return results
    with database.session() as session:
        for change in updates:
            new_hash = change.values.get("content_hash")
            if new_hash is not None:
                other = session.scalar(
                    select(Article.id).where(
                        Article.source_id == change.source_id,
                        Article.content_hash == new_hash,
                        Article.id != change.article_id,
                    )
                )
                if other is not None:
                    results.append(UpdateResult(change.article_id, False, other))
                    continue
            try:
                with session.begin_nested():
                    session.execute(update(Article).where(Article.id == change.article_id).values(**change.values))
            except IntegrityError:  # another writer stored the same text meanwhile
                other = session.scalar(
                    select(Article.id).where(Article.source_id == change.source_id, Article.content_hash == new_hash)
                )
                results.append(UpdateResult(change.article_id, False, other))
                continue
            results.append(UpdateResult(change.article_id, True))
    return results
