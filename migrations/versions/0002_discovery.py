"""discovery: feed validators, adaptive polling, source health

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:30:00

``feed_validators``: ETag / Last-Modified / content hash of each feed, sitemap and section page, for
conditional requests on the next crawl. ``source_polling``: each source's adaptive polling interval
and last change, success and failure streak. ``source_health``: one row per source per crawl.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.db.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed_validators",
        sa.Column("url_hash", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("checked_at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_at", monitor.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_feed_validators_source_id_sources"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("url_hash", name=op.f("pk_feed_validators")),
    )
    with op.batch_alter_table("feed_validators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_validators_source_id"), ["source_id"], unique=False)

    op.create_table(
        "source_polling",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("last_polled_at", monitor.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_changed_at", monitor.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_poll_at", monitor.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", monitor.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_source_polling_source_id_sources"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_source_polling")),
    )

    op.create_table(
        "source_health",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("started_at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("not_modified", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("new_articles", sa.Integer(), nullable=False),
        sa.Column("skipped_articles", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_source_health_source_id_sources"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_health")),
    )
    with op.batch_alter_table("source_health", schema=None) as batch_op:
        batch_op.create_index("ix_source_health_source_started", ["source_id", "started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("source_health", schema=None) as batch_op:
        batch_op.drop_index("ix_source_health_source_started")
    op.drop_table("source_health")
    op.drop_table("source_polling")
    with op.batch_alter_table("feed_validators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_validators_source_id"))
    op.drop_table("feed_validators")
