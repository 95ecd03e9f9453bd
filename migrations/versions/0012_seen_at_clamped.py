"""the views' seen time is never after the fetch: a page dated in the future is counted when it was fetched

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 12:00:00

A page wrongly dated in the future (a typo in its JSON-LD, a time zone read as UTC twice) had
``articles_v.seen_at`` and ``story_articles_v.seen_at`` (and their ``day``, ``week``, ``month``) in the
future, and ranked last in its story (``rank_in_story``, hence ``stories_v.first_article_id`` and
``first_outlet``), while the stories themselves already use the article's time clamped to its fetch
(``monitor.db.store.article_time_column``). The views now use that time too: the publication date, never
after the fetch, else the fetch. ``published_at`` itself is shown as the page gave it.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the views as revision 0010 made them, with {seen} the time this revision changes
_ARTICLES_V = """
CREATE VIEW articles_v AS
SELECT a.id, o.name AS source, o.title AS source_title, a.title, a.url, a.canonical_url, a.language,
       a.published_at, a.fetched_at, {seen} AS seen_at,
       {day} AS day, {week} AS week, {month} AS month,
       {authors} AS authors, a.site_name, a.external_id,
       sa.story_id, c.original_id AS copy_of, COALESCE(a.agency, c.agency) AS agency,
       CASE WHEN c.article_id IS NULL THEN 0 ELSE 1 END AS is_copy,
       {topics} AS topics,
       (SELECT max(t.score) FROM article_topics t WHERE t.article_id = a.id) AS relevance,
       length(a.text) AS text_length, a.content_hash,
       a.updated_at, a.section, CASE WHEN a.is_paywalled THEN 1 ELSE 0 END AS is_paywalled,
       a.published_offset
FROM articles a
JOIN sources o ON o.id = a.source_id
LEFT JOIN story_articles sa ON sa.article_id = a.id
LEFT JOIN copies c ON c.article_id = a.id
"""
_STORY_ARTICLES_V = """
{create} story_articles_v AS
SELECT sa.story_id, sa.article_id, o.name AS source, a.language, a.title, a.url,
       a.published_at, {seen} AS seen_at, {day} AS day,
       sa.similarity, sa.manual, sa.added_at, c.original_id AS copy_of,
       ROW_NUMBER() OVER (PARTITION BY sa.story_id
                          ORDER BY {seen}, a.id) AS rank_in_story
FROM story_articles sa
JOIN articles a ON a.id = sa.article_id
JOIN sources o ON o.id = a.source_id
LEFT JOIN copies c ON c.article_id = a.id
"""
_SEEN = {
    True: "(CASE WHEN a.published_at > a.fetched_at THEN a.fetched_at ELSE COALESCE(a.published_at, a.fetched_at) END)",
    False: "COALESCE(a.published_at, a.fetched_at)",  # revision 0010
}
_OFFSET = "CASE WHEN a.published_at IS NULL THEN 0 ELSE COALESCE(a.published_offset, 0) END"
_DIALECT = {  # {name: (sqlite, postgresql)}
    "authors": ("a.authors", "CAST(a.authors AS text)"),
    "topics": (
        "(SELECT group_concat(topic, ';') FROM (SELECT t.topic FROM article_topics t WHERE t.article_id = a.id "
        "ORDER BY t.topic))",
        "(SELECT string_agg(t.topic, ';' ORDER BY t.topic) FROM article_topics t WHERE t.article_id = a.id)",
    ),
}


def _pieces(dialect: str, new: bool) -> dict[str, str]:
    """``seen``, ``day``, ``week``, ``month`` (on the publisher's clock where known), ``authors``, ``topics``."""
    seen = _SEEN[new]
    if dialect == "sqlite":
        local = f"datetime({seen}, {_OFFSET} || ' minutes')"
        days = {
            "day": f"strftime('%Y-%m-%d', {local})",
            "week": f"date({local}, 'weekday 0', '-6 days')",
            "month": f"strftime('%Y-%m', {local})",
        }
    else:
        local = f"(({seen}) AT TIME ZONE 'UTC') + make_interval(mins => {_OFFSET})"
        days = {
            "day": f"to_char({local}, 'YYYY-MM-DD')",
            "week": f"to_char(date_trunc('week', {local}), 'YYYY-MM-DD')",
            "month": f"to_char({local}, 'YYYY-MM')",
        }
    pick = 0 if dialect == "sqlite" else 1
    return {"seen": seen, **days, **{name: pair[pick] for name, pair in _DIALECT.items()}}


def _replace_views(new: bool) -> None:
    dialect = op.get_bind().dialect.name
    pieces = _pieces(dialect, new)
    op.execute("DROP VIEW IF EXISTS articles_v")
    op.execute(_ARTICLES_V.format(**pieces))
    if dialect == "sqlite":  # replaced in place: stories_v reads it (SQLite checks no dependency on a drop)
        op.execute("DROP VIEW IF EXISTS story_articles_v")
        op.execute(_STORY_ARTICLES_V.format(create="CREATE VIEW", **pieces))
    else:
        op.execute(_STORY_ARTICLES_V.format(create="CREATE OR REPLACE VIEW", **pieces))


def upgrade() -> None:
    _replace_views(new=True)


def downgrade() -> None:
    _replace_views(new=False)
