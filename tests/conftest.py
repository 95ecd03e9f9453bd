"""Shared fixtures: a temporary database (SQLite, and PostgreSQL when MONITOR_TEST_POSTGRES_URL is set),
the demo site served on 127.0.0.1, the demo's ground truth.

Property tests (hypothesis) draw the same examples on every run, so that a test run, and CI, gives the same
answer twice; ``HYPOTHESIS_PROFILE=explore`` draws new ones, to look for new failing cases (each found one
then becomes an ``@example``)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

settings.register_profile("deterministic", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

FIXTURES = Path(__file__).parent / "fixtures"
POSTGRES_ENV = "MONITOR_TEST_POSTGRES_URL"
REDIS_ENV = "MONITOR_TEST_REDIS_URL"


def _backends() -> list[Any]:
    backends: list[Any] = ["sqlite"]
    backends.append(
        pytest.param(
            "postgresql", marks=pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} unset")
        )
    )
    return backends


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'archive.db'}"


def _postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from monitor.db.session import resolve_database_url

    base = resolve_database_url(os.environ[POSTGRES_ENV])
    name = f"monitor_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for one test: SQLite always, PostgreSQL too when MONITOR_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def database(db_url: str) -> Iterator[Any]:
    from monitor.db import Database

    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def demo_site() -> Iterator[Any]:
    from monitor.demo.server import serve_site

    with serve_site() as site:
        yield site


@pytest.fixture(scope="session")
def demo_truth() -> dict[str, dict[str, Any]]:
    """``{"outlet/path": article truth}`` for every article of the demo site."""
    truth: dict[str, dict[str, Any]] = {}
    for file in sorted((FIXTURES / "demo_truth").glob("*.json")):
        data = json.loads(file.read_text("utf-8"))
        for article in data["articles"]:
            truth[f"{data['outlet']}{article['path']}"] = {
                **article,
                "outlet": data["outlet"],
                "language": data["language"],
            }
    return truth
