"""Run the Alembic migrations of ``migrations/`` programmatically."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def migrations_path() -> Path:
    """The ``migrations/`` folder, installed as a package beside ``monitor``."""
    spec = importlib.util.find_spec("migrations")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            path = Path(location)
            if (path / "env.py").exists():
                return path
    fallback = Path(__file__).resolve().parents[2] / "migrations"
    if (fallback / "env.py").exists():
        return fallback
    raise RuntimeError("cannot find the migrations/ folder: is the project installed (pip install -e .)?")


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_path()))
    if engine is not None:
        url = engine.url.render_as_string(hide_password=False)  # a "#" in a path is "%23", a password's "%" too:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # escaped for alembic's configparser
        config.attributes["engine"] = engine
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def head_revision() -> str:
    """The head(s) of the migrations, as one printable string."""
    return ",".join(sorted(head_revisions()))


def current_revisions(engine: Engine) -> set[str]:
    _quiet_routine_lines()
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


class _RoutineLines(logging.Filter):
    """Drops the two INFO lines alembic prints whenever it looks at a database ("Context impl SQLiteImpl.",
    "Will assume non-transactional DDL."): a crawl checks the revision from several components, and the
    lines said nothing to its users; the lines of a migration that runs ("Running upgrade …") stay."""

    ROUTINE = frozenset({"Context impl %s.", "Will assume %s DDL."})

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in self.ROUTINE


def _quiet_routine_lines() -> None:
    """Add ``_RoutineLines`` to alembic's migration logger, once per process."""
    migration_log = logging.getLogger("alembic.runtime.migration")
    if not any(isinstance(f, _RoutineLines) for f in migration_log.filters):
        migration_log.addFilter(_RoutineLines())


def upgrade_to_head(engine: Engine) -> bool:
    """Upgrade the database to the heads; does nothing (one cheap query) when it is already there.

    Two processes upgrading an empty database at once: on PostgreSQL an advisory lock (in
    ``migrations/env.py``) serialises them; on SQLite the loser's error is forgiven when the schema
    ends up at the heads anyway.
    """
    if current_revisions(engine) == head_revisions():
        return False
    try:
        command.upgrade(alembic_config(engine), "heads")
    except Exception:
        if current_revisions(engine) != head_revisions():
            raise
    return True
