"""Alembic environment: offline (SQL script) and online modes; batch mode on SQLite."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine, create_engine, pool

from monitor.db.fts import include_name
from monitor.db.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    from monitor.db.session import resolve_database_url

    return resolve_database_url(config.get_main_option("sqlalchemy.url") or None)


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=_url().startswith("sqlite"),
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,  # the full-text search tables are not models
    )
    if connection.dialect.name == "sqlite":
        # Batch migrations rebuild tables by renaming them: in legacy mode the rename leaves the analyst
        # views alone, and they find the rebuilt table by its name (sqlalchemy/alembic#1207).
        connection.exec_driver_sql("PRAGMA legacy_alter_table = ON")
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two processes upgrading at once: the second waits, then finds the schema at head.
            context.execute("SELECT pg_advisory_xact_lock(7263541)")
        context.run_migrations()


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if isinstance(engine, Engine):
        with engine.connect() as connection:
            _run(connection)
        return
    from monitor.db.session import make_engine

    url = _url()
    connectable = make_engine(url, poolclass=pool.NullPool) if url else create_engine(url)
    with connectable.connect() as connection:
        _run(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
