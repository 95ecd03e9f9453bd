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


# What a read-only query may do on SQLite: read, call functions, recurse, and inspect the schema.
_ALLOWED_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
_SCHEMA_PRAGMAS = {
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
    "collation_list", "function_list", "module_list", "pragma_list", "database_list", "compile_options",
}  # fmt: skip
_VALUE_PRAGMAS = {
    "user_version",
    "schema_version",
    "data_version",
    "encoding",
    "page_count",
    "page_size",
    "journal_mode",
}
_ACTION_NAMES = {
    getattr(sqlite3, f"SQLITE_{name}"): name.replace("_", " ")
    for name in (
        "CREATE_INDEX", "CREATE_TABLE", "CREATE_TEMP_INDEX", "CREATE_TEMP_TABLE", "CREATE_TEMP_TRIGGER",
        "CREATE_TEMP_VIEW", "CREATE_TRIGGER", "CREATE_VIEW", "DELETE", "DROP_INDEX", "DROP_TABLE",
        "DROP_TEMP_INDEX", "DROP_TEMP_TABLE", "DROP_TEMP_TRIGGER", "DROP_TEMP_VIEW", "DROP_TRIGGER", "DROP_VIEW",
        "INSERT", "TRANSACTION", "UPDATE", "ATTACH", "DETACH", "ALTER_TABLE", "REINDEX", "ANALYZE",
        "CREATE_VTABLE", "DROP_VTABLE", "SAVEPOINT",
    )
}  # fmt: skip


def _authorizer(refused: list[str]) -> Any:
    """An SQLite authorizer that lets a statement read and nothing else; ``refused`` says what it stopped."""

    def check(action: int, arg1: str | None, arg2: str | None, _db: str | None, _source: str | None) -> int:
        if action in _ALLOWED_ACTIONS:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_UPDATE and (arg1 or "").startswith("sqlite_"):
            return sqlite3.SQLITE_OK  # FTS5 reading the schema; the connection itself is read-only anyway
        if action == sqlite3.SQLITE_PRAGMA:
            name = (arg1 or "").lower()
            if name in _SCHEMA_PRAGMAS or (name in _VALUE_PRAGMAS and arg2 is None):
                return sqlite3.SQLITE_OK
            refused.append(f"PRAGMA {name}" + (" = ..." if arg2 is not None else ""))
            return sqlite3.SQLITE_DENY
        refused.append(_ACTION_NAMES.get(action, f"operation {action}"))
        return sqlite3.SQLITE_DENY

    return check


def _statement(query: str) -> str:
    """``DROP TABLE`` of ``drop table articles``: what the user wrote, for the message."""
    words = query.split()[:2]
    if not words:
        return "this statement"
    return " ".join(words).upper() if words[0].upper() in ("CREATE", "DROP", "ALTER") else words[0].upper()


def _refusal(exc: sqlite3.Error, refused: list[str], query: str = "") -> ReadOnlyError:
    if refused:
        what = refused[0] if refused[0].startswith("PRAGMA") else _statement(query)
        return ReadOnlyError(f"monitor sql is read-only: {what} is not allowed (the archive is unchanged)")
    message = str(exc)
    if "readonly" in message or "read-only" in message:
        return ReadOnlyError(f"monitor sql is read-only: {message} (the archive is unchanged)")
    return ReadOnlyError(message)


def _sqlite(path: str, query: str, params: Mapping[str, Any]) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    if not path or path == ":memory:" or not Path(path).exists():
        raise ReadOnlyError(f"no database at {path or ':memory:'}: run `monitor init` or a crawl first")
    connection = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=30)
    connection.execute("PRAGMA query_only = ON")
    refused: list[str] = []
    connection.set_authorizer(_authorizer(refused))
    try:
        cursor = connection.execute(query, dict(params))
    except sqlite3.Error as exc:
        connection.close()
        raise _refusal(exc, refused, query) from exc
    columns = [d[0] for d in cursor.description or []]

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            while True:
                chunk = cursor.fetchmany(500)
                if not chunk:
                    return
                yield from chunk
        except sqlite3.Error as exc:
            raise _refusal(exc, refused, query) from exc
        finally:
            connection.close()

    return columns, rows()


_PG_READING = ("SELECT", "WITH", "VALUES", "TABLE", "(")


def _other(url: str, query: str, params: Mapping[str, Any]) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """PostgreSQL: a read-only transaction (and read-only by default on this session), rows from a server-side
    cursor, which takes one SELECT/WITH/VALUES/TABLE query and nothing else."""
    first = query.lstrip().split(None, 1)[0].upper() if query.strip() else ""
    if not first.startswith(_PG_READING):
        raise ReadOnlyError(
            f"monitor sql is read-only: {_statement(query)} is not allowed (the archive is unchanged); "
            "write a SELECT, WITH, VALUES or TABLE query"
        )
    engine = create_engine(url, connect_args={"options": "-c default_transaction_read_only=on"})
    connection = engine.connect()
    try:
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        result = connection.execution_options(stream_results=True).execute(text(query), dict(params))
    except Exception as exc:
        connection.close()
        engine.dispose()
        raise ReadOnlyError(_pg_message(exc)) from exc
    columns = list(result.keys())

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            for row in result:
                yield tuple(row)
        except Exception as exc:
            raise ReadOnlyError(_pg_message(exc)) from exc
        finally:
            connection.rollback()
            connection.close()
            engine.dispose()

    return columns, rows()


def _pg_message(exc: Exception) -> str:
    message = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    if "read-only transaction" in message or "data-modifying" in message:
        return f"monitor sql is read-only: {message} (the archive is unchanged)"
    return message
