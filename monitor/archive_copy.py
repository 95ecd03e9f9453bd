"""Copy a whole archive between databases (SQLite <-> PostgreSQL), resumably, and check the copy.

Tables are copied parents first (the models' foreign-key order), each in primary-key order, in batches of
one transaction each, with ``INSERT ... ON CONFLICT DO NOTHING``: a copy that was interrupted is resumed by
running it again (each table restarts from the last key the destination holds; rows already there are
skipped). Ids are kept, so the links between tables survive; PostgreSQL sequences are moved past the copied
ids at the end. Full-text indexes are filled by the destination's own triggers.

The destination must be empty or a partial copy of the same source: before anything is written, the last
row of each non-empty destination table must be found, identical, in the source.

Verification compares, table by table, the row count and an order-independent digest of every row (the sum
of the rows' SHA-256), so SQLite and PostgreSQL, which sort text differently, give the same digest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Connection, Integer, MetaData, Table, func, select, text, tuple_

from monitor.db import Database
from monitor.db.models import Base
from monitor.db.upsert import insert_ignore

DEFAULT_BATCH = 500
_MOD = 2**256

Progress = Callable[[str, int, int], None]  # (table, rows done, rows in the source)


class CopyError(RuntimeError):
    """The copy cannot be made safely; the message says why and what to do."""


@dataclass
class CopyReport:
    copied: dict[str, int] = field(default_factory=dict)  # rows inserted by this run, per table
    totals: dict[str, int] = field(default_factory=dict)  # rows in the source, per table
    mismatches: list[str] = field(default_factory=list)  # tables whose count or digest differ (after verify)
    verified: bool = False


def archive_tables(metadata: MetaData | None = None) -> list[Table]:
    """The tables of the archive, parents before children."""
    tables = (metadata or Base.metadata).sorted_tables
    for table in tables:
        if not table.primary_key.columns:
            raise CopyError(f"table {table.name} has no primary key: it cannot be copied resumably")
    return list(tables)


# one row as comparable data ------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return value


def row_digest(row: dict[str, Any]) -> int:
    data = json.dumps({key: _plain(value) for key, value in row.items()}, sort_keys=True, ensure_ascii=False)
    return int.from_bytes(hashlib.sha256(data.encode("utf-8")).digest(), "big")


def table_digest(connection: Connection, table: Table) -> tuple[int, str]:
    """(row count, digest) of ``table``; the same rows give the same digest on every backend."""
    count, total = 0, 0
    result = connection.execution_options(stream_results=True, yield_per=1000).execute(select(table))
    for row in result.mappings():
        count += 1
        total = (total + row_digest(dict(row))) % _MOD
    return count, f"{total:064x}"


def archive_digest(database: Database, tables: Sequence[Table] | None = None) -> dict[str, tuple[int, str]]:
    with database.engine.connect() as connection:
        return {table.name: table_digest(connection, table) for table in tables or archive_tables()}


# copying ---------------------------------------------------------------------------------------------------
def _pk(table: Table) -> list[Column[Any]]:
    return list(table.primary_key.columns)


def _key(table: Table, row: Any) -> tuple[Any, ...]:
    return tuple(row[column.name] for column in _pk(table))


def _insert_table(table: Table) -> Table:
    """``table`` with its JSON columns writing Python None as SQL NULL (as read), not as JSON ``null``."""
    if not any(isinstance(column.type, JSON) for column in table.columns):
        return table
    columns = [
        Column(c.name, JSON(none_as_null=True) if isinstance(c.type, JSON) else c.type, primary_key=c.primary_key)
        for c in table.columns
    ]
    return Table(table.name, MetaData(), *columns)


def _last_row(connection: Connection, table: Table) -> dict[str, Any] | None:
    query = select(table).order_by(*(column.desc() for column in _pk(table))).limit(1)
    row = connection.execute(query).mappings().first()
    return dict(row) if row is not None else None


def _find(connection: Connection, table: Table, key: tuple[Any, ...]) -> dict[str, Any] | None:
    where = [column == value for column, value in zip(_pk(table), key, strict=True)]
    row = connection.execute(select(table).where(*where)).mappings().first()
    return dict(row) if row is not None else None


def check_destination(source: Connection, destination: Connection, tables: Sequence[Table]) -> None:
    """Refuse a destination that holds rows the source does not have (another archive)."""
    for table in tables:
        last = _last_row(destination, table)
        if last is None:
            continue
        found = _find(source, table, _key(table, last))
        if found is None or row_digest(found) != row_digest(last):
            raise CopyError(
                f"the destination already holds other data (table {table.name}, key {_key(table, last)}): "
                "copy into an empty database, or resume a copy of the same source"
            )


def _resume_from(destination: Connection, table: Table) -> Any:
    """Where to restart: the destination's greatest value of the first key column, when it is an integer
    (integers sort alike everywhere); None means from the start (text keys: rows present are skipped)."""
    first = _pk(table)[0]
    if not isinstance(first.type, Integer):
        return None
    return destination.execute(select(func.max(first))).scalar()


def _batches(source: Connection, table: Table, start: Any, size: int) -> Iterator[list[dict[str, Any]]]:
    """The source's rows in key order from ``start`` (first key column >= start), ``size`` at a time."""
    pk = _pk(table)
    last: tuple[Any, ...] | None = None
    while True:
        query = select(table).order_by(*pk).limit(size)
        if start is not None:
            query = query.where(pk[0] >= start)
        if last is not None:
            query = query.where(tuple_(*pk) > tuple_(*last)) if len(pk) > 1 else query.where(pk[0] > last[0])
        rows = [dict(row) for row in source.execute(query).mappings()]
        if not rows:
            return
        yield rows
        last = _key(table, rows[-1])


def reset_sequences(destination: Connection, tables: Sequence[Table]) -> None:
    """PostgreSQL: move each serial/identity sequence past the greatest copied id."""
    if destination.dialect.name != "postgresql":
        return
    for table in tables:
        pk = _pk(table)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        sequence = destination.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": pk[0].name}
        ).scalar()
        if sequence:
            highest = destination.execute(select(func.max(pk[0]))).scalar() or 0
            destination.execute(
                text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
                {"sequence": sequence, "value": max(highest, 1), "called": highest > 0},
            )


def copy_archive(
    source_url: str,
    destination_url: str,
    *,
    batch_size: int = DEFAULT_BATCH,
    verify: bool = True,
    progress: Progress | None = None,
) -> CopyReport:
    """Copy every table of the archive at ``source_url`` into ``destination_url`` (created and migrated if
    needed); run it again to resume an interrupted copy."""
    if batch_size < 1:
        raise CopyError("the batch size must be at least 1")
    source, destination = Database(source_url), Database(destination_url)
    try:
        if source.engine.url == destination.engine.url:
            raise CopyError("the source and the destination are the same database")
        tables = archive_tables()
        report = CopyReport()
        with source.engine.connect() as read, destination.engine.connect() as write:
            check_destination(read, write, tables)
            write.commit()
            for table in tables:
                total = read.execute(select(func.count()).select_from(table)).scalar() or 0
                report.totals[table.name] = total
                report.copied[table.name] = 0
                start = _resume_from(write, table)
                write.commit()
                done = write.execute(select(func.count()).select_from(table)).scalar() or 0
                write.commit()
                if progress:
                    progress(table.name, done, total)
                target = _insert_table(table)
                for rows in _batches(read, table, start, batch_size):
                    inserted = insert_ignore(write, target, rows)
                    write.commit()  # one transaction per batch: an interruption loses at most one batch
                    report.copied[table.name] += inserted
                    done += inserted
                    if progress:
                        progress(table.name, done, total)
                read.commit()  # end the read transaction: no long-held snapshot between tables
            reset_sequences(write, tables)
            write.commit()
        if verify:
            expected, found = archive_digest(source, tables), archive_digest(destination, tables)
            report.mismatches = [name for name in expected if expected[name] != found.get(name)]
            report.verified = not report.mismatches
        return report
    finally:
        source.dispose()
        destination.dispose()
