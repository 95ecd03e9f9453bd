"""`monitor copy`: SQLite -> PostgreSQL -> SQLite with identical counts and digests, resumable, guarded."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from monitor.archive import Archive, RawHtml, SourceRef
from monitor.archive_copy import CopyError, archive_digest, copy_archive
from monitor.article import Article as Record
from monitor.cli import main
from monitor.db import Database
from monitor.db.models import Article, RawPage, Source, Story
from monitor.topics import TopicMatch
from tests.conftest import POSTGRES_ENV, _postgres_database

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def _fill(db_url: str, count: int = 12) -> None:
    """A small archive: sources, articles with raw HTML and topics, a wire copy, stories (French and English)."""
    database = Database(db_url)
    archive = Archive(database)
    topic = TopicMatch("facial-recognition", "title+text", ["reconnaissance faciale", "facial recognition"], 0.8)
    for n in range(count):
        french = n % 2 == 1
        title = f"Reconnaissance faciale : vote n°{n} à Nice" if french else f"Facial recognition: vote {n} in Leeds"
        body = " ".join(f"{title}, paragraphe {k} — « citation » {n * 7 + k} ✓." for k in range(5))
        record = Record(
            url=f"https://outlet{n % 3}.example/articles/vote-{n}.html?utm_source=x",
            text=body,
            title=title,
            language="fr" if french else "en",
            published_at=NOW - timedelta(hours=n),
            authors=[f"Author {n}", "Agence"],
        )
        archive.add(record, SourceRef(f"outlet{n % 3}", f"Outlet {n % 3}", "fr"), [topic], RawHtml(body.encode()))
    wire = Record(
        url="https://outlet2.example/articles/vote-0-wire.html",
        text=" ".join(f"Facial recognition: vote 0 in Leeds, paragraphe {k} — « citation » {k} ✓." for k in range(5)),
        title="Facial recognition: vote 0 in Leeds (AP)",
        language="en",
        published_at=NOW + timedelta(hours=1),
    )
    archive.add(wire, SourceRef("outlet2"), [topic], None)
    database.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"{POSTGRES_ENV} unset")
    yield from _postgres_database()


@pytest.fixture
def filled(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'source.db'}"
    _fill(url)
    return url


def _counts(db_url: str) -> dict[str, int]:
    return {name: count for name, (count, _) in _digest(db_url).items()}


def _digest(db_url: str) -> dict[str, tuple[int, str]]:
    database = Database(db_url)
    try:
        return archive_digest(database)
    finally:
        database.dispose()


def test_sqlite_to_sqlite_copy_is_identical_and_a_rerun_copies_nothing(filled: str, tmp_path: Path) -> None:
    destination = f"sqlite:///{tmp_path / 'copy.db'}"
    report = copy_archive(filled, destination, batch_size=5)
    assert report.verified and report.mismatches == []
    assert report.copied["articles"] == 13 and report.copied["sources"] == 3
    assert _digest(destination) == _digest(filled)
    again = copy_archive(filled, destination, batch_size=5)
    assert sum(again.copied.values()) == 0 and again.verified


def test_an_interrupted_copy_resumes_where_it_stopped(filled: str, tmp_path: Path) -> None:
    destination = f"sqlite:///{tmp_path / 'copy.db'}"
    seen: list[tuple[str, int]] = []

    def stop_in_articles(table: str, done: int, total: int) -> None:
        seen.append((table, done))
        if table == "articles" and done >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        copy_archive(filled, destination, batch_size=2, progress=stop_in_articles)
    partial = _counts(destination)
    assert partial["sources"] == 3 and partial["articles"] == 4 and partial["raw_pages"] == 0
    report = copy_archive(filled, destination, batch_size=2)
    assert report.copied["articles"] == 9 and report.copied["sources"] == 0
    assert report.verified
    assert _digest(destination) == _digest(filled)


def test_a_destination_holding_another_archive_is_refused(filled: str, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    database = Database(other)
    with database.session() as session:
        session.add(Source(name="someone-else", title="Another archive", created_at=NOW))
    database.dispose()
    with pytest.raises(CopyError, match="already holds other data"):
        copy_archive(filled, other)
    assert _counts(other)["articles"] == 0  # nothing written


def test_verification_sees_a_difference(filled: str, tmp_path: Path) -> None:
    destination = f"sqlite:///{tmp_path / 'copy.db'}"
    copy_archive(filled, destination)
    database = Database(destination)
    with database.session() as session:
        story = session.scalars(select(Story).order_by(Story.id)).first()
        assert story is not None
        story.title = story.title + " (edited)"
    database.dispose()
    assert _digest(destination)["stories"] != _digest(filled)["stories"]
    assert _digest(destination)["articles"] == _digest(filled)["articles"]


def test_round_trip_sqlite_postgresql_sqlite(filled: str, postgres_url: str, tmp_path: Path) -> None:
    back = f"sqlite:///{tmp_path / 'back.db'}"
    to_postgres = copy_archive(filled, postgres_url, batch_size=4)
    assert to_postgres.verified, to_postgres.mismatches
    to_sqlite = copy_archive(postgres_url, back, batch_size=4)
    assert to_sqlite.verified, to_sqlite.mismatches
    original, middle, final = _digest(filled), _digest(postgres_url), _digest(back)
    assert original == middle == final
    assert original["articles"][0] == 13 and original["raw_pages"][0] == 12

    for url in (filled, postgres_url, back):  # the content hashes themselves, row by row
        database = Database(url)
        with database.session() as session:
            hashes = sorted(session.execute(select(Article.canonical_url, Article.content_hash)).all())
            html = sorted(session.scalars(select(func.length(RawPage.html_zlib))))
        database.dispose()
        if url == filled:
            expected_hashes, expected_html = hashes, html
        assert hashes == expected_hashes and html == expected_html

    database = Database(postgres_url)  # the sequences moved past the copied ids: new rows get new ids
    with database.session() as session:
        highest = session.scalar(select(func.max(Source.id)))
        session.add(Source(name="new-outlet", title="New", created_at=NOW))
        session.flush()
        assert session.scalar(select(Source.id).where(Source.name == "new-outlet")) == (highest or 0) + 1
    database.dispose()


def test_cli_copy_prints_progress_and_json(filled: str, tmp_path: Path) -> None:
    destination = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(main, ["copy", "--from", filled, "--to", destination, "--batch-size", "3"])
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["verified"] is True and summary["copied"]["articles"] == 13
    assert "articles: 13/13" in result.stderr


def test_cli_copy_refuses_same_database_and_bad_urls(filled: str) -> None:
    same = CliRunner().invoke(main, ["copy", "--from", filled, "--to", filled])
    assert same.exit_code == 1 and "same database" in same.output
    bad = CliRunner().invoke(main, ["copy", "--from", filled, "--to", "postgresql://nobody@127.0.0.1:1/x"])
    assert bad.exit_code == 1 and "copy failed" in bad.output and "Traceback" not in bad.output
