"""`monitor init`."""

from __future__ import annotations

import click

from monitor.cli.common import db_option, open_db


@click.command()
@db_option
def init(db_url: str | None) -> None:
    """Create the database, or upgrade it to the latest schema (runs the Alembic migrations).

    \b
    Example:
        monitor init --db sqlite:///archive.db
        MONITOR_DATABASE_URL=postgresql://postgres@localhost/monitor monitor init
    """
    from monitor.db.migrate import head_revision

    database = open_db(db_url)
    click.echo(f"database ready at revision {head_revision()}: {database.engine.url.render_as_string()}")
