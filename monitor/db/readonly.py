"""User SQL runs read-only: a read-only connection on SQLite, a read-only transaction on PostgreSQL."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from monitor.db.session import resolve_database_url


class ReadOnlyError(RuntimeError):
    """The query could not run (syntax error, a write refused, no such database)."""


def run_readonly(
    url: str | None, query: str, params: Mapping[str, Any] | None = None, timeout: float = 0.0
) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Columns and a stream of rows of ``query``, run so that it cannot change the archive, stopped after
    ``timeout`` seconds (0: no limit). Ctrl-C stops a long query (``KeyboardInterrupt``)."""
    if not _without_comments(query).strip().rstrip(";").strip():
        raise ReadOnlyError("the query is empty")
    resolved = resolve_database_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError as exc:
        raise ReadOnlyError(f"cannot open the database: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(parsed.database or "", query, params or {}, timeout)
    return _other(resolved, query, params or {}, timeout)


_COMMENT = re.compile(r"\s*(?:--[^\n]*(?:\n|$)|/\*.*?\*/)", re.S)


def _without_comments(query: str) -> str:
    """``query`` without its leading comments and spaces."""
    start = 0
    while match := _COMMENT.match(query, start):
        if match.end() == start:
            break
        start = match.end()
    return query[start:].lstrip()


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
    words = _without_comments(query).split()[:2]
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


def _sqlite(
    path: str, query: str, params: Mapping[str, Any], timeout: float
) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    if not path or path == ":memory:" or not Path(path).exists():
        raise ReadOnlyError(f"no database at {path or ':memory:'}: run `monitor init` or a crawl first")
    if not Path(path).is_file():
        raise ReadOnlyError(f"cannot open the database: {path} is not a file")
    try:  # the path as a file: URI, percent-encoded (a # or ? in a folder's name is part of the path)
        connection = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        connection.execute("PRAGMA query_only = ON")
    except sqlite3.Error as exc:
        raise ReadOnlyError(f"cannot open the database: {path}: {exc}") from exc
    refused: list[str] = []
    connection.set_authorizer(_authorizer(refused))
    timed_out = _stop_after(connection, timeout)
    try:
        cursor = connection.execute(query, dict(params))
    except sqlite3.Error as exc:
        connection.close()
        raise _stopped(exc, timed_out, timeout) or _refusal(exc, refused, query) from exc
    columns = [d[0] for d in cursor.description or []]

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            while True:
                chunk = cursor.fetchmany(500)
                if not chunk:
                    return
                yield from chunk
        except sqlite3.Error as exc:
            raise _stopped(exc, timed_out, timeout) or _refusal(exc, refused, query) from exc
        finally:
            connection.close()

    return columns, rows()


def _stop_after(connection: sqlite3.Connection, timeout: float) -> Callable[[], bool]:
    """SQLite runs a query in C, deaf to signals: a progress handler lets Ctrl-C in (Python runs its signal
    handler there, and the query is interrupted) and stops the query after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout if timeout > 0 else float("inf")
    state = {"timed_out": False}

    def progress() -> int:
        if time.monotonic() > deadline:
            state["timed_out"] = True
            return 1
        return 0

    connection.set_progress_handler(progress, 20_000)
    return lambda: state["timed_out"]


def _stopped(exc: sqlite3.Error, timed_out: Callable[[], bool], timeout: float) -> ReadOnlyError | None:
    """The query's end when SQLite interrupted it: the time limit, or Ctrl-C (raised again as such)."""
    if "interrupted" not in str(exc):
        return None
    if timed_out():
        return ReadOnlyError(f"the query was stopped after {timeout:g} s (--timeout)")
    raise KeyboardInterrupt from exc


_PG_READING = ("SELECT", "WITH", "VALUES", "TABLE", "(")
PG_MAX_TIMEOUT_MS = 2_147_483_647  # statement_timeout is an int of milliseconds
# set_config('role', …) is the way back from the read-only role (``_as_reader``); the others run SQL given as
# text, where such a call can be spelt in pieces; U&"…" spells an identifier in escapes
_PG_REFUSED = re.compile(
    r"\bset_config\b|\bquery_to_xml\w*|\bquery_to_xmlschema\b|\bcursor_to_xml\w*|\bts_stat\b|\bts_rewrite\b"
    r"|\bdblink\w*|\bu&\"",
    re.IGNORECASE,
)


def _other(
    url: str, query: str, params: Mapping[str, Any], timeout: float
) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """PostgreSQL: a read-only transaction (and read-only by default on this session), rows from a server-side
    cursor, which takes one SELECT/WITH/VALUES/TABLE query (after comments) and nothing else."""
    words = _without_comments(query).split(None, 1)
    first = words[0].upper() if words else ""
    if not first.startswith(_PG_READING):
        raise ReadOnlyError(
            f"monitor sql is read-only: {_statement(query)} is not allowed (the archive is unchanged); "
            "write a SELECT, WITH, VALUES or TABLE query"
        )
    refused = _PG_REFUSED.search(query)
    if refused:
        raise ReadOnlyError(
            f"monitor sql does not run {refused.group(0).strip(chr(34))!r} (it could leave the read-only role the "
            "query runs as); the archive is unchanged"
        )
    options = "-c default_transaction_read_only=on"
    if timeout > 0:  # bounds each FETCH of the cursor; the rows' loop bounds the whole (below)
        options += f" -c statement_timeout={min(PG_MAX_TIMEOUT_MS, max(1, round(timeout * 1000)))}"
    try:
        engine = create_engine(url, connect_args={"options": options})
        connection = engine.connect()
    except (SQLAlchemyError, ImportError) as exc:
        raise ReadOnlyError(f"cannot open the database: {_pg_message(exc)}") from exc
    try:
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        _as_reader(connection)
        result = connection.execution_options(stream_results=True).execute(text(query), dict(params))
    except Exception as exc:
        connection.close()
        engine.dispose()
        raise _pg_error(exc, timeout) from exc
    columns = list(result.keys())

    deadline = time.monotonic() + timeout if timeout > 0 else float("inf")

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            for count, row in enumerate(result):
                if count % 1000 == 0 and time.monotonic() > deadline:
                    raise ReadOnlyError(f"the query was stopped after {timeout:g} s (--timeout)")
                yield tuple(row)
        except ReadOnlyError:
            raise
        except Exception as exc:
            raise _pg_error(exc, timeout) from exc
        finally:
            connection.rollback()
            connection.close()
            engine.dispose()

    return columns, rows()


def _as_reader(connection: Any) -> None:
    """A superuser (often the archive's owner on a newsroom's server) may read the server's files, end other
    sessions, create a replication slot or write through dblink: a read-only transaction stops none of that.
    Its query runs as the built-in role ``pg_read_all_data`` (PostgreSQL 14+), which reads every table and
    nothing more; ``set_config('role', …)``, the way back, is refused beforehand (``_pg_refused``)."""
    superuser, version = connection.exec_driver_sql(
        "SELECT current_setting('is_superuser'), current_setting('server_version_num')::int"
    ).one()
    if superuser == "on" and version >= 140000:
        connection.exec_driver_sql("SET LOCAL ROLE pg_read_all_data")


def _pg_error(exc: Exception, timeout: float) -> ReadOnlyError:
    message = _pg_message(exc)
    if timeout > 0 and "statement timeout" in message:
        return ReadOnlyError(f"the query was stopped after {timeout:g} s (--timeout)")
    return ReadOnlyError(message)


def _pg_message(exc: Exception) -> str:
    message = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    if "read-only transaction" in message or "data-modifying" in message:
        return f"monitor sql is read-only: {message} (the archive is unchanged)"
    return message
