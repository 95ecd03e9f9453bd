"""Engine and session set-up, and schema upgrades through Alembic on first use."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATABASE_URL = "sqlite:///monitor.db"
ENV_DATABASE_URL = "MONITOR_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_MS = 30_000
NO_BEGIN = "monitor_no_begin"  # execution option: on SQLite, statements run outside any transaction


def resolve_database_url(url: str | None = None) -> str:
    """``--db`` first, then ``MONITOR_DATABASE_URL``, then ``sqlite:///monitor.db`` in the working directory.

    A plain ``postgresql://`` URL is read as psycopg 3 (``postgresql+psycopg://``); a bare file path
    is read as a SQLite file.
    """
    value = url or os.environ.get(ENV_DATABASE_URL) or DEFAULT_DATABASE_URL
    if "://" not in value:
        value = f"sqlite:///{value}"
    if value.startswith("postgres://"):
        value = "postgresql://" + value[len("postgres://") :]
    if value.startswith("postgresql://"):
        value = "postgresql+psycopg://" + value[len("postgresql://") :]
    return value


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()
        if mode and str(mode[0]).lower() not in ("wal", "memory"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    if connection.get_execution_options().get(NO_BEGIN):
        return  # ``Database.reading``: no transaction, each statement on its own, never the write lock
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def json_text(value: Any) -> str:
    """A JSON column's text: UTF-8 as it is, so that "Lefèvre" reads so in ``monitor sql`` and a spreadsheet,
    not as ``Lef\\u00e8vre``."""
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode, a busy timeout and foreign keys; JSON columns are
    written as UTF-8 text (``json_text``)."""
    kwargs.setdefault("json_serializer", json_text)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # The driver's own transaction handling is off: we emit BEGIN IMMEDIATE ourselves, so that a
        # writer takes the write lock when its transaction starts and waits (busy timeout) for another
        # process's writer, instead of failing with "database is locked" when a read transaction
        # turns into a write (SQLAlchemy's documented pysqlite recipe).
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "isolation_level": None}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:  # a pool of another class (NullPool for alembic's command) takes no size
        kwargs.setdefault("pool_size", 5)
        kwargs.setdefault("max_overflow", 5)
    return create_engine(url, **kwargs)


class Database:
    """An engine, its session factory, and the schema kept at the migrations' head."""

    def __init__(self, url: str | None = None, *, upgrade: bool = True, **engine_kwargs: Any) -> None:
        self.url = resolve_database_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if upgrade:
            self.upgrade()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def upgrade(self) -> bool:
        """Bring the schema to the migrations' head; True when a migration ran."""
        from monitor.db.revision import at_head

        if at_head(self.engine):  # the usual case, without importing alembic
            return False
        from monitor.db.migrate import upgrade_to_head

        return upgrade_to_head(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def reader(self) -> Connection:
        """The connection ``reading`` yields, for a caller that keeps it (and closes it)."""
        return self.engine.connect().execution_options(**{NO_BEGIN: True})

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for small, frequent reads, without a session.

        On SQLite its statements run outside any transaction (each sees what was committed before it) and
        never take the write lock: a ``session()`` begins with BEGIN IMMEDIATE, and so waits for a writer
        of another thread or process. On PostgreSQL it is a plain read transaction, ended on exit.
        """
        with self.reader() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()
