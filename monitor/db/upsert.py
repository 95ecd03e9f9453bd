"""Inserts that let a unique constraint decide, on SQLite and PostgreSQL alike.

``INSERT ... ON CONFLICT DO NOTHING`` (PostgreSQL, and SQLite >= 3.24 with the same syntax) instead of
"insert, catch IntegrityError, roll back to a savepoint": no error in the server log, no savepoint per row,
and the same answer when another process inserts the same row at the same moment (PostgreSQL waits for the
other transaction, then skips the row if it committed). Only unique and primary-key conflicts are skipped:
a NOT NULL or foreign-key violation still raises (unlike SQLite's ``INSERT OR IGNORE``, which would hide it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, and_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

Target = Any  # a Table or a mapped class (``models.Article``)
EXCLUDED = object()  # in ``insert_or_update_statement``'s update: the refused row's value
Executor = Session | Connection


def _table(target: Target) -> Table:
    table = getattr(target, "__table__", target)
    if not isinstance(table, Table):
        raise TypeError(f"not a table or a mapped class: {target!r}")
    return table


def _dialect(executor: Executor) -> str:
    bind = executor.get_bind() if isinstance(executor, Session) else executor
    return bind.dialect.name


def insert_ignore_statement(target: Target, dialect: str, conflict_columns: Sequence[str] | None = None) -> Insert:
    """``INSERT INTO target ... ON CONFLICT [(columns)] DO NOTHING`` for ``dialect``.

    Without ``conflict_columns`` a conflict on any unique constraint or the primary key skips the row.
    """
    table = _table(target)
    index_elements = list(conflict_columns) if conflict_columns else None
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    raise ValueError(f"INSERT ... ON CONFLICT DO NOTHING is not supported on {dialect!r}: use SQLite or PostgreSQL")


def insert_or_update_statement(
    target: Target,
    dialect: str,
    conflict_columns: Sequence[str],
    update: Mapping[str, Any],
    newer: str | None = None,
) -> Insert:
    """``INSERT INTO target ... ON CONFLICT (columns) DO UPDATE SET ...`` for ``dialect``; in ``update``, a
    value ``EXCLUDED`` takes the column's value from the row that was refused. With ``newer`` (a column), the
    row in place is only replaced by a row whose value there is not older (``... DO UPDATE ... WHERE``)."""
    table = _table(target)
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:
        raise ValueError(f"INSERT ... ON CONFLICT DO UPDATE is not supported on {dialect!r}: use SQLite or PostgreSQL")
    values = {key: getattr(statement.excluded, key) if value is EXCLUDED else value for key, value in update.items()}
    where = getattr(statement.excluded, newer) >= table.c[newer] if newer else None
    return statement.on_conflict_do_update(index_elements=list(conflict_columns), set_=values, where=where)


def insert_ignore(
    executor: Executor,
    target: Target,
    rows: Sequence[Mapping[str, Any]],
    conflict_columns: Sequence[str] | None = None,
) -> int:
    """Insert ``rows`` (all with the same keys), skipping those a unique constraint rejects; returns how many
    were inserted. One statement for the batch (SQLAlchemy's insertmanyvalues)."""
    if not rows:
        return 0
    table = _table(target)
    statement = insert_ignore_statement(table, _dialect(executor), conflict_columns)
    statement = statement.returning(*table.primary_key.columns)
    result = executor.execute(statement, [dict(row) for row in rows])
    return len(result.all())


def insert_returning_id(
    executor: Executor,
    target: Target,
    values: Mapping[str, Any],
    conflict_columns: Sequence[str] | None = None,
) -> int | None:
    """Insert one row and return its integer id, or None when a unique constraint says it is there already."""
    table = _table(target)
    statement = insert_ignore_statement(table, _dialect(executor), conflict_columns).values(dict(values))
    row = executor.execute(statement.returning(table.c.id)).first()
    return None if row is None else int(row[0])


def get_or_create_id(
    executor: Executor, target: Target, values: Mapping[str, Any], key_columns: Sequence[str]
) -> tuple[int, bool]:
    """The id of the row whose ``key_columns`` equal those of ``values``, inserted if missing; ``(id, created)``.

    Safe against a concurrent creator: the loser's insert is skipped and it reads the winner's row.
    """
    table = _table(target)
    missing = [column for column in key_columns if column not in values]
    if missing:
        raise ValueError(f"values lack the key column(s) {missing}")
    where = and_(*(table.c[column] == values[column] for column in key_columns))
    found = executor.execute(select(table.c.id).where(where)).scalar()
    if found is not None:
        return int(found), False
    inserted = insert_returning_id(executor, table, values, key_columns)
    if inserted is not None:
        return inserted, True
    found = executor.execute(select(table.c.id).where(where)).scalar()
    if found is None:  # pragma: no cover - the conflicting row vanished (deleted by another transaction)
        raise LookupError(f"{table.name}: a conflicting row for {dict((c, values[c]) for c in key_columns)} vanished")
    return int(found), False
