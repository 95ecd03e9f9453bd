"""The only package that talks to the database: models, engine/session set-up, and the store."""

from __future__ import annotations

from monitor.db.session import Database, resolve_database_url

__all__ = ["Database", "resolve_database_url"]
