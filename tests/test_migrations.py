"""The schema comes only from the migrations, and the models agree with them."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from monitor.db import Database
from monitor.db.fts import include_name
from monitor.db.migrate import current_revisions, head_revisions
from monitor.db.models import Base


def test_upgrade_on_empty_database_reaches_head(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert current_revisions(db.engine) == head_revisions()
        tables = set(inspect(db.engine).get_table_names())
        assert {"articles", "sources", "stories", "story_articles", "copies", "raw_pages", "article_topics"} <= tables
    finally:
        db.dispose()


def test_models_and_migrations_agree(database: Any) -> None:
    with database.engine.connect() as connection:
        opts = {"compare_type": True, "include_name": include_name}  # search tables are not models
        context = MigrationContext.configure(connection, opts=opts)
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_second_open_runs_no_migration(db_url: str) -> None:
    first = Database(db_url)
    first.dispose()
    second = Database(db_url, upgrade=False)
    try:
        assert second.upgrade() is False
    finally:
        second.dispose()


def test_sqlite_is_in_wal_mode_with_busy_timeout(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.dispose()


def test_migrations_have_a_single_head() -> None:
    """`alembic upgrade head` needs one head: parallel branches must be merged by a revision."""
    assert len(head_revisions()) == 1, f"several heads: {sorted(head_revisions())}"


def test_revision_checks_are_quiet_and_migrations_are_not(tmp_path: Any, caplog: Any) -> None:
    import logging

    url = f"sqlite:///{tmp_path / 'quiet.db'}"
    with caplog.at_level(logging.INFO, logger="alembic"):
        Database(url).dispose()  # migrates the empty database
        migrated = [r.getMessage() for r in caplog.records]
        caplog.clear()
        for _ in range(3):
            Database(url).dispose()  # at the heads: a revision check each time
        checks = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("Running upgrade") for m in migrated)
    assert not any(m.startswith(("Context impl", "Will assume")) for m in migrated + checks)
    assert checks == []
