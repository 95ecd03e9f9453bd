"""The schema comes only from the migrations, and the models agree with them."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from monitor.db import Database
from monitor.db.fts import include_name
from monitor.db.migrate import current_revisions, head_revisions
from monitor.db.models import Base
from monitor.db.revision import HEAD_REVISION, at_head


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


def test_the_head_known_without_alembic_is_alembics() -> None:
    """A new migration must update HEAD_REVISION, or every process would import alembic to find nothing to do."""
    assert head_revisions() == {HEAD_REVISION}


def test_opening_a_database_at_the_head_imports_no_alembic(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    Database(url).dispose()  # creates the schema: alembic runs
    code = (
        "import sys\nfrom monitor.db import Database\n"
        f"database = Database({url!r})\nassert database.upgrade() is False\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako', 'pygments')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_database_below_the_head_or_empty_is_not_at_head(tmp_path: Any) -> None:
    database = Database(f"sqlite:///{tmp_path / 'a.db'}", upgrade=False)
    try:
        assert not at_head(database.engine)  # no alembic_version table
        database.upgrade()
        assert at_head(database.engine)
        with database.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0008'")
        assert not at_head(database.engine)  # alembic then decides (here it would rerun 0009)
    finally:
        database.dispose()


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


def test_alembics_own_command_steps_the_last_revision_down_and_up_again(db_url: str) -> None:
    """``alembic downgrade`` / ``upgrade`` as an operator runs them (alembic.ini, no engine handed in): the
    last revision's downgrade restores the revision before it, and its upgrade the head, on both backends."""
    from pathlib import Path

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    Database(db_url).dispose()
    config = Config(str(Path(__file__).resolve().parent.parent / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", db_url)
    previous = str(int(HEAD_REVISION) - 1).zfill(4)
    command.downgrade(config, previous)
    engine = create_engine(db_url)
    try:
        assert current_revisions(engine) == {previous}
        command.upgrade(config, "head")
        assert current_revisions(engine) == head_revisions()
        with engine.connect() as connection:
            for view in ("articles_v", "story_articles_v", "stories_v"):
                connection.execute(text(f"SELECT * FROM {view}")).all()
    finally:
        engine.dispose()


def test_0012_clamps_the_views_seen_time_and_its_downgrade_restores_the_publication_time(db_url: str) -> None:
    """Revision 0012: a page dated years ahead is seen when it was fetched; stepping down to 0011 gives back
    the views as they were (the publication time as it is), stepping up again clamps it."""
    from datetime import UTC, datetime
    from pathlib import Path

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text, update

    from monitor.db.models import Article
    from tests.newsroom_archive import fill

    db = Database(db_url)
    ids = fill(db)
    with db.session() as session:
        session.execute(
            update(Article)
            .where(Article.id == ids["gazette_amazon"])
            .values(published_at=datetime(2031, 1, 1, tzinfo=UTC), fetched_at=datetime(2020, 6, 9, 22, tzinfo=UTC))
        )
    db.dispose()
    config = Config(str(Path(__file__).resolve().parent.parent / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", db_url)
    engine = create_engine(db_url)

    def seen() -> str:
        with engine.connect() as connection:
            query = text("SELECT seen_at FROM articles_v WHERE id = :id")
            return str(connection.execute(query, {"id": ids["gazette_amazon"]}).scalar_one())

    try:
        assert seen().startswith("2020-06-09")
        command.downgrade(config, "0011")
        assert seen().startswith("2031-01-01")
        command.upgrade(config, "0012")
        assert seen().startswith("2020-06-09")
    finally:
        engine.dispose()


def test_json_columns_are_utf8_text_and_0013_rewrites_the_escaped_rows(db_url: str) -> None:
    """An author "Lefèvre" reads so in the archive's SQL (``monitor sql``, a spreadsheet), not as an escape,
    whether written now or before 0013."""
    from pathlib import Path

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text, update

    from monitor.db.models import Article
    from tests.newsroom_archive import fill

    db = Database(db_url)
    ids = fill(db)
    article = ids["gazette_amazon"]
    with db.session() as session:
        session.execute(update(Article).where(Article.id == article).values(authors=["Thomas Lefèvre"]))
    db.dispose()
    config = Config(str(Path(__file__).resolve().parent.parent / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", db_url)
    engine = create_engine(db_url)
    postgres = engine.dialect.name == "postgresql"
    authors = text("SELECT CAST(authors AS text) FROM articles WHERE id = :id")
    try:
        with engine.connect() as connection:
            assert "Lefèvre" in connection.execute(authors, {"id": article}).scalar_one()
        command.downgrade(config, "0012")
        with engine.begin() as connection:  # as a version before 0013 wrote it
            escaped = '["Thomas Lef\\u00e8vre", "Ana \\"Q\\" Ruiz"]'
            value = "CAST(:value AS json)" if postgres else ":value"
            connection.execute(
                text(f"UPDATE articles SET authors = {value} WHERE id = :id"), {"value": escaped, "id": article}
            )
        command.upgrade(config, "head")
        with engine.connect() as connection:
            written = connection.execute(authors, {"id": article}).scalar_one()
        assert "\\u" not in written and json.loads(written) == ["Thomas Lefèvre", 'Ana "Q" Ruiz']
    finally:
        engine.dispose()
