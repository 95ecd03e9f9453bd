"""watchlists: named boolean queries added with `monitor topics add`

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01 11:00:00

The shipped and user watchlists live in TOML files; this table holds the ones added from the command
line. A crawl uses both (a database watchlist replaces a file watchlist of the same name).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import monitor.db.types

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "watchlists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlists")),
        sa.UniqueConstraint("name", name=op.f("uq_watchlists_name")),
    )


def downgrade() -> None:
    op.drop_table("watchlists")
