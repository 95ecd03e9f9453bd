"""the offset the page gave with its publication date; articles_v's days are the publisher's

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 00:10:00

``published_at`` is stored in UTC, which loses the offset the page printed ("2024-10-16T00:00:00+08:00"
became 2024-10-15 16:00 UTC): an article published just after midnight in Paris or in the morning in Sydney
was exported and counted under the day before. ``published_offset`` keeps that offset, in minutes east of
UTC (NULL when the page gave none, or for the rows archived before this revision until ``monitor
reextract`` fills it). ``articles_v``'s ``day``, ``week`` and ``month`` and ``story_articles_v``'s ``day`` are
those of the publisher's clock where it is known, UTC otherwise; ``articles_v`` gains ``published_offset`` at
its end.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# articles_v as revision 0009 made it, with {day}, {week}, {month} and {extra} what this revision changes
_ARTICLES_V = """
CREATE VIEW articles_v AS
SELECT a.id, o.name AS source, o.title AS source_title, a.title, a.url, a.canonical_url, a.language,
       a.published_at, a.fetched_at, COALESCE(a.published_at, a.fetched_at) AS seen_at,
       {day} AS day, {week} AS week, {month} AS month,
       {authors} AS authors, a.site_name, a.external_id,
       sa.story_id, c.original_id AS copy_of, COALESCE(a.agency, c.agency) AS agency,
       CASE WHEN c.article_id IS NULL THEN 0 ELSE 1 END AS is_copy,
       {topics} AS topics,
       (SELECT max(t.score) FROM article_topics t WHERE t.article_id = a.id) AS relevance,
       length(a.text) AS text_length, a.content_hash,
       a.updated_at, a.section, CASE WHEN a.is_paywalled THEN 1 ELSE 0 END AS is_paywalled{extra}
FROM articles a
JOIN sources o ON o.id = a.source_id
LEFT JOIN story_articles sa ON sa.article_id = a.id
LEFT JOIN copies c ON c.article_id = a.id
"""
_SEEN = "COALESCE(a.published_at, a.fetched_at)"
_OFFSET = "CASE WHEN a.published_at IS NULL THEN 0 ELSE COALESCE(a.published_offset, 0) END"
_LOCAL_SQLITE = f"datetime({_SEEN}, {_OFFSET} || ' minutes')"  # the seen time on the publisher's clock
_LOCAL_POSTGRESQL = f"(({_SEEN}) AT TIME ZONE 'UTC') + make_interval(mins => {_OFFSET})"
_UTC_POSTGRESQL = f"({_SEEN}) AT TIME ZONE 'UTC'"
_DIALECT = {  # {name: (sqlite, postgresql)}
    "authors": ("a.authors", "CAST(a.authors AS text)"),
    "topics": (
        "(SELECT group_concat(topic, ';') FROM (SELECT t.topic FROM article_topics t WHERE t.article_id = a.id "
        "ORDER BY t.topic))",
        "(SELECT string_agg(t.topic, ';' ORDER BY t.topic) FROM article_topics t WHERE t.article_id = a.id)",
    ),
}


def _days(sqlite_time: str, postgresql_time: str) -> dict[str, tuple[str, str]]:
    """``day``, ``week`` and ``month`` of a time: {name: (sqlite, postgresql)}."""
    return {
        "day": (f"strftime('%Y-%m-%d', {sqlite_time})", f"to_char({postgresql_time}, 'YYYY-MM-DD')"),
        "week": (
            f"date({sqlite_time}, 'weekday 0', '-6 days')",
            f"to_char(date_trunc('week', {postgresql_time}), 'YYYY-MM-DD')",
        ),
        "month": (f"strftime('%Y-%m', {sqlite_time})", f"to_char({postgresql_time}, 'YYYY-MM')"),
    }


# the publisher's days (this revision) or the UTC ones (revision 0009)
_DAYS = {True: _days(_LOCAL_SQLITE, _LOCAL_POSTGRESQL), False: _days(_SEEN, _UTC_POSTGRESQL)}


def _articles_v(dialect: str, new: bool) -> str:
    pick = 0 if dialect == "sqlite" else 1
    pieces = {name: pair[pick] for name, pair in (*_DIALECT.items(), *_DAYS[new].items())}
    return _ARTICLES_V.format(**pieces, extra=",\n       a.published_offset" if new else "")


# story_articles_v as revision 0006 made it, with {day} what this revision changes
_STORY_ARTICLES_V = """
{create} story_articles_v AS
SELECT sa.story_id, sa.article_id, o.name AS source, a.language, a.title, a.url,
       a.published_at, COALESCE(a.published_at, a.fetched_at) AS seen_at, {day} AS day,
       sa.similarity, sa.manual, sa.added_at, c.original_id AS copy_of,
       ROW_NUMBER() OVER (PARTITION BY sa.story_id
                          ORDER BY COALESCE(a.published_at, a.fetched_at), a.id) AS rank_in_story
FROM story_articles sa
JOIN articles a ON a.id = sa.article_id
JOIN sources o ON o.id = a.source_id
LEFT JOIN copies c ON c.article_id = a.id
"""


def _story_articles_v(dialect: str, new: bool) -> list[str]:
    """Its statements: replaced in place (``stories_v`` reads it; SQLite checks no dependency on a drop)."""
    day = _DAYS[new]["day"][0 if dialect == "sqlite" else 1]
    if dialect == "sqlite":
        return ["DROP VIEW IF EXISTS story_articles_v", _STORY_ARTICLES_V.format(create="CREATE VIEW", day=day)]
    return [_STORY_ARTICLES_V.format(create="CREATE OR REPLACE VIEW", day=day)]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW IF EXISTS articles_v")
    op.add_column("articles", sa.Column("published_offset", sa.Integer(), nullable=True))
    op.execute(_articles_v(dialect, new=True))
    for statement in _story_articles_v(dialect, new=True):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW IF EXISTS articles_v")
    for statement in _story_articles_v(dialect, new=False):
        op.execute(statement)
    op.drop_column("articles", "published_offset")
    op.execute(_articles_v(dialect, new=False))
