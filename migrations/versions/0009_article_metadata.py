"""article metadata: the agency credit, update date, description, section, tags, image, paywall, provenance

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:00:00

Extraction read these fields from every page; the archive kept only title, text, date, authors and site
name, so an agency credit ("Le Monde avec AFP") survived only on a wire copy's ``copies`` row. The rows
archived before this revision have NULL (``is_paywalled`` false) until ``monitor reextract`` fills them.
``articles_v`` gains ``updated_at``, ``section`` and ``is_paywalled`` (0/1 on both backends) at its end,
and its ``agency`` is the article's own credit, else the one found when it was recorded as a copy.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("agency", sa.String(length=100)),
    ("updated_at", monitor.db.types.UTCDateTime(timezone=True)),
    ("description", sa.Text()),
    ("section", sa.String(length=300)),
    ("tags", sa.JSON()),
    ("image_url", sa.String(length=2048)),
    ("provenance", sa.JSON()),
)

# articles_v as revision 0006 made it; {agency} and {extra} are what this revision changes.
_ARTICLES_V = """
CREATE VIEW articles_v AS
SELECT a.id, o.name AS source, o.title AS source_title, a.title, a.url, a.canonical_url, a.language,
       a.published_at, a.fetched_at, COALESCE(a.published_at, a.fetched_at) AS seen_at,
       {day} AS day, {week} AS week, {month} AS month,
       {authors} AS authors, a.site_name, a.external_id,
       sa.story_id, c.original_id AS copy_of, {agency} AS agency,
       CASE WHEN c.article_id IS NULL THEN 0 ELSE 1 END AS is_copy,
       {topics} AS topics,
       (SELECT max(t.score) FROM article_topics t WHERE t.article_id = a.id) AS relevance,
       length(a.text) AS text_length, a.content_hash{extra}
FROM articles a
JOIN sources o ON o.id = a.source_id
LEFT JOIN story_articles sa ON sa.article_id = a.id
LEFT JOIN copies c ON c.article_id = a.id
"""
_SEEN = "COALESCE(a.published_at, a.fetched_at)"
_DIALECT = {  # {name: (sqlite, postgresql)}
    "day": (f"strftime('%Y-%m-%d', {_SEEN})", f"to_char(({_SEEN}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
    "week": (
        f"date({_SEEN}, 'weekday 0', '-6 days')",
        f"to_char(date_trunc('week', ({_SEEN}) AT TIME ZONE 'UTC'), 'YYYY-MM-DD')",
    ),
    "month": (f"strftime('%Y-%m', {_SEEN})", f"to_char(({_SEEN}) AT TIME ZONE 'UTC', 'YYYY-MM')"),
    "authors": ("a.authors", "CAST(a.authors AS text)"),
    "topics": (
        "(SELECT group_concat(topic, ';') FROM (SELECT t.topic FROM article_topics t WHERE t.article_id = a.id "
        "ORDER BY t.topic))",
        "(SELECT string_agg(t.topic, ';' ORDER BY t.topic) FROM article_topics t WHERE t.article_id = a.id)",
    ),
}
_EXTRA = ",\n       a.updated_at, a.section, CASE WHEN a.is_paywalled THEN 1 ELSE 0 END AS is_paywalled"


def _articles_v(dialect: str, new: bool) -> str:
    pick = 0 if dialect == "sqlite" else 1
    pieces = {name: pair[pick] for name, pair in _DIALECT.items()}
    if new:
        return _ARTICLES_V.format(**pieces, agency="COALESCE(a.agency, c.agency)", extra=_EXTRA)
    return _ARTICLES_V.format(**pieces, agency="c.agency", extra="")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW IF EXISTS articles_v")
    for name, type_ in _COLUMNS:
        op.add_column("articles", sa.Column(name, type_, nullable=True))
    op.add_column("articles", sa.Column("is_paywalled", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(_articles_v(dialect, new=True))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW IF EXISTS articles_v")
    for name in ["is_paywalled", *(name for name, _ in reversed(_COLUMNS))]:
        op.drop_column("articles", name)  # SQLite >= 3.35 drops a column in place
    op.execute(_articles_v(dialect, new=False))
