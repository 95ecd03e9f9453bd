"""User SQL runs read-only: a read-only connection on SQLite, a read-only transaction on PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from monitor.db.session import resolve_database_url


class ReadOnlyError(RuntimeError):
    """The query could not run (syntax error, a write refused, no such database)."""


def run_readonly(
    url: str | None, query: str, params: Mapping[str, Any] | None = None
) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Columns and a stream of rows of ``query``, run so that it cannot change the archive."""
    resolved = resolve_database_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(parsed.database or "", query, params or {})
    return _other(resolved, query, params or {})


def _sqlite(path: str, query: str, params: Mapping[str, Any]) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    if not path or path == ":memory:" or not Path(path).exists():
        raise ReadOnlyError(f"no database at {path or ':memory:'}: run `monitor init` or a crawl first")
    connection = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=30)
    connection.execute("PRAGMA query_only = ON")
    try:
        cursor = connection.execute(query, dict(params))
    except sqlite3.Error as exc:
        connection.close()
        raise ReadOnlyError(str(exc)) from exc
    columns = [d[0] for d in cursor.description or []]

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            while True:
                chunk = cursor.fetchmany(500)
                if not chunk:
                    return
                yield from chunk
        except sqlite3.Error as exc:
            raise ReadOnlyError(str(exc)) from exc
        finally:
            connection.close()

    return columns, rows()


def _other(url: str, query: str, params: Mapping[str, Any]) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    engine = create_engine(url)
    connection = engine.connect()
    try:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        result = connection.execution_options(stream_results=True).execute(text(query), dict(params))
    except Exception as exc:
        connection.close()
        engine.dispose()
        raise ReadOnlyError(str(exc).splitlines()[0]) from exc
    columns = list(result.keys())

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            for row in result:
                yield tuple(row)
        finally:
            connection.rollback()
            connection.close()
            engine.dispose()

    return columns, rows()
