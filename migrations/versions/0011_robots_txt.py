"""robots_txt: each origin's last robots.txt, kept between crawls

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 08:00:00

``robots_txt``: one row per origin (``scheme://host[:port]``) with the rules it served, their validators and
when they were last confirmed, so that a crawl does not download every robots.txt again: a fresh copy is
used as it is, an older one is revalidated with a conditional request, and the copy stands in while the
file is unreachable (``monitor.robots``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.db.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "robots_txt",
        sa.Column("origin", sa.String(length=300), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("checked_at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("origin", name=op.f("pk_robots_txt")),
    )


def downgrade() -> None:
    op.drop_table("robots_txt")
