"""Pages a crawl fetched and did not archive under that URL, so that the next crawls leave them alone.

A feed or a section page lists mostly articles our watchlists do not keep, and some live blogs, videos and
index pages; the archive holds none of them, so without a memory every crawl of a changed feed fetched
and extracted them all again. ``seen_pages`` remembers each one with its reason and what the reason
depends on, and ``SeenRule`` says whether it still holds:

- ``off_topic``: the digest of the watchlists that rejected it. Other watchlists (one added with ``monitor
  topics add``, a query changed) may keep it: it is fetched again. ``MONITOR_ALL_TOPICS`` keeps everything.
- ``not_article``: its page type. A type added to ``MONITOR_PAGE_TYPES`` makes its pages fetched again.
- ``archived_as``: the URL a feed links to is not the one the article was archived under (its
  ``rel=canonical``, a redirect's target, a feed proxy's link): the article's id. Always skipped, else such
  an article would be fetched again by every crawl that reads the feed, only to be found a duplicate.

``--refresh`` (``MONITOR_REFRESH``) fetches everything again, these pages included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Insert, bindparam, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from monitor.db.models import SeenPage
from monitor.db.upsert import EXCLUDED, insert_or_update_statement

OFF_TOPIC = "off_topic"
NOT_ARTICLE = "not_article"
ARCHIVED_AS = "archived_as"  # another URL of an archived article (detail: its id)
REASONS = (OFF_TOPIC, NOT_ARTICLE, ARCHIVED_AS)

_LOOKUP = select(SeenPage.reason, SeenPage.detail).where(SeenPage.canonical_url == bindparam("url"))


@dataclass(frozen=True)
class SeenRule:
    """What the crawl keeps now: a seen page is skipped only while its reason still holds."""

    watchlists_digest: str | None  # None: every topic is kept (MONITOR_ALL_TOPICS)
    page_types: frozenset[str]

    def skips(self, reason: str, detail: str) -> bool:
        if reason == OFF_TOPIC:
            return self.watchlists_digest is not None and detail == self.watchlists_digest
        if reason == NOT_ARTICLE:
            return detail not in self.page_types
        return reason == ARCHIVED_AS


def seen_reason(connection: Connection, canonical_url: str) -> tuple[str, str] | None:
    """``(reason, detail)`` of a page seen and not archived, or None."""
    row = connection.execute(_LOOKUP, {"url": canonical_url}).first()
    return None if row is None else (str(row[0]), str(row[1]))


def remember(session: Session, canonical_url: str, source_id: int, reason: str, detail: str, when: datetime) -> None:
    """Record (or refresh) why ``canonical_url`` was not archived; one row per URL, whoever writes it."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}: one of {', '.join(REASONS)}")
    values = {
        "canonical_url": canonical_url,
        "source_id": source_id,
        "reason": reason,
        "detail": detail[:64],
        "first_seen_at": when,
        "last_seen_at": when,
    }
    session.execute(_upsert(session.get_bind().dialect.name), values)


@cache
def _upsert(dialect: str) -> Insert:
    """The insert-or-refresh statement, built once per dialect (a crawl remembers a page per article it
    reached under another URL): a refused row's reason, detail and time replace the stored ones."""
    update = {"reason": EXCLUDED, "detail": EXCLUDED, "last_seen_at": EXCLUDED}
    return insert_or_update_statement(SeenPage, dialect, ["canonical_url"], update)
