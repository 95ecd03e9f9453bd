"""stories: merged_into and manual fixes (story_fixes)

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-30 04:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.db.types

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN (no foreign key): SQLite would otherwise rebuild the table under the views
    op.add_column("stories", sa.Column("merged_into", sa.Integer(), nullable=True))
    op.create_table(
        "story_fixes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("other_story_id", sa.Integer(), nullable=False),
        sa.Column("article_ids", sa.JSON(), nullable=False),
        sa.Column("other_article_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_fixes")),
    )


def downgrade() -> None:
    op.drop_table("story_fixes")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_column("merged_into")
