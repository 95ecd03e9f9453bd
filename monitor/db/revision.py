"""Whether a database is at the migrations' head, told with one query and without importing alembic.

Every process that opens the archive checks its schema (a crawl from several components, each CLI
command); importing alembic, its migration scripts and, through mako, pygments costs about 0.1-0.2 s of
CPU, which a database already at the head does not need. ``HEAD_REVISION`` names the last migration;
``tests/test_migrations.py`` checks it is alembic's head, so a new migration cannot forget it.
"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from monitor.db.session import NO_BEGIN

HEAD_REVISION = "0013"  # migrations/versions/0013_json_as_utf8.py


def at_head(engine: Engine) -> bool:
    """True when ``alembic_version`` holds ``HEAD_REVISION`` alone; False when it does not, or is missing."""
    try:
        with engine.connect().execution_options(**{NO_BEGIN: True}) as connection:  # no write lock on SQLite
            revisions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:  # no alembic_version table: an empty database
        return False
    return revisions == [HEAD_REVISION]
