"""JSON columns hold UTF-8 text: authors, tags and matched terms read as written, not as \\u escapes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 19:00:00

JSON columns were written with Python's default ``ensure_ascii``: ``["Thomas Lef\\u00e8vre"]``, which
``monitor sql`` printed as such (in a spreadsheet too), and which a ``LIKE '%Lefèvre%'`` did not find. The
engine now writes them as UTF-8 (``monitor.db.session.json_text``); this revision rewrites the rows
written before, those whose text holds an escape. The values themselves do not change, so the downgrade
leaves the rows as they are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the JSON columns that hold text people write and read: (table, key columns, column)
_COLUMNS = (
    ("articles", ("id",), "authors"),
    ("articles", ("id",), "tags"),
    ("article_topics", ("article_id", "topic"), "terms"),
)
_BATCH = 1000


def upgrade() -> None:
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    for table, keys, column in _COLUMNS:
        text_of = f"CAST({column} AS text)" if postgres else column
        select = sa.text(f"SELECT {', '.join(keys)}, {text_of} FROM {table} WHERE {text_of} LIKE :escape ESCAPE '!'")
        value = f"CAST(:value AS {'json' if postgres else 'text'})"
        where = " AND ".join(f"{key} = :{key}" for key in keys)
        update = sa.text(f"UPDATE {table} SET {column} = {value} WHERE {where}")
        rows = connection.execute(select, {"escape": "%\\u%"}).all()
        changes = []
        for row in rows:
            written = row[-1]
            rewritten = json.dumps(json.loads(written), ensure_ascii=False)
            if rewritten != written:
                changes.append({**dict(zip(keys, row[:-1], strict=True)), "value": rewritten})
        for start in range(0, len(changes), _BATCH):
            connection.execute(update, changes[start : start + _BATCH])


def downgrade() -> None:
    pass  # the same values, written otherwise: nothing to undo
