"""Watchlists stored in the database, and archived articles read back for ``monitor topics test``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select

from monitor.db.models import Article, Source, Watchlist
from monitor.db.session import Database


class WatchlistExists(ValueError):
    """``save_watchlist`` without ``replace`` on a name already stored."""


@dataclass(frozen=True)
class StoredWatchlist:
    name: str
    query: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ArchivedText:
    id: int
    source: str
    language: str
    published_at: datetime | None
    url: str
    title: str | None
    text: str


def list_watchlists(db: Database) -> list[StoredWatchlist]:
    with db.session() as session:
        rows = session.scalars(select(Watchlist).order_by(Watchlist.name))
        return [StoredWatchlist(w.name, w.query, w.created_at, w.updated_at) for w in rows]


def save_watchlist(db: Database, name: str, query: str, *, replace: bool = False) -> bool:
    """Store a watchlist; True when it replaced one of the same name (only with ``replace``)."""
    now = datetime.now(UTC)
    with db.session() as session:
        existing = session.scalar(select(Watchlist).where(Watchlist.name == name).with_for_update())
        if existing is not None:
            if not replace:
                raise WatchlistExists(f"a watchlist named {name!r} is already in the database")
            existing.query, existing.updated_at = query, now
            return True
        session.add(Watchlist(name=name, query=query, created_at=now, updated_at=now))
        return False


def delete_watchlist(db: Database, name: str) -> bool:
    with db.session() as session:
        found = session.scalar(select(Watchlist.id).where(Watchlist.name == name))
        if found is None:
            return False
        session.execute(delete(Watchlist).where(Watchlist.id == found))
        return True


def iter_archived_texts(db: Database, since: datetime | None = None, batch: int = 500) -> Iterator[ArchivedText]:
    """Archived articles (published, else fetched, since ``since``), oldest first, streamed in batches."""
    query = (
        select(
            Article.id, Source.name, Article.language, Article.published_at, Article.url, Article.title, Article.text
        )
        .join(Source, Source.id == Article.source_id)
        .order_by(Article.id)
    )
    if since is not None:
        query = query.where(func.coalesce(Article.published_at, Article.fetched_at) >= since)
    last_id = 0
    while True:
        with db.session() as session:
            rows = session.execute(query.where(Article.id > last_id).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield ArchivedText(*row)
        last_id = rows[-1][0]
