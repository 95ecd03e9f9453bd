"""Merge the branches of the first development round into one head.

Revisions 0002 (discovery), 0003 (watchlists), 0004 (stories), 0005 (runs) and 0006 (views and
full-text search) were written in parallel, each on top of 0001. This revision joins them so that
`alembic upgrade head` works from the command line as well as `monitor init`.

Revision ID: 0007
Revises: 0002, 0003, 0004, 0005, 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | Sequence[str] | None = ("0002", "0003", "0004", "0005", "0006")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
