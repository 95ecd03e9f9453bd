"""seen pages: fetched, examined and not archived (off topic, not an article)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 14:00:00

``seen_pages``: one row per canonical URL a crawl fetched and dropped as off topic or as not an article,
so that the next crawls do not fetch it again while the reason holds (``monitor.db.seen``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seen_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("canonical_url", sa.String(length=2048), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_seen_pages_source_id_sources"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seen_pages")),
        sa.UniqueConstraint("canonical_url", name=op.f("uq_seen_pages_canonical_url")),
    )
    with op.batch_alter_table("seen_pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seen_pages_source_id"), ["source_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("seen_pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seen_pages_source_id"))
    op.drop_table("seen_pages")
