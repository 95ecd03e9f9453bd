"""Several writers on one archive: ON CONFLICT helpers, and processes storing the same articles at once."""

from __future__ import annotations

import multiprocessing
import os
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from monitor.db import Database
from monitor.db.models import Article, RawPage, Source, StoryArticle
from monitor.db.upsert import get_or_create_id, insert_ignore, insert_ignore_statement, insert_returning_id
from tests.conftest import POSTGRES_ENV

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def _source_row(name: str) -> dict[str, Any]:
    return {"name": name, "title": name.title(), "language": "en", "homepage": None, "created_at": NOW}


# the helpers, on SQLite and PostgreSQL -------------------------------------------------------------------
def test_insert_ignore_counts_only_new_rows(database: Database) -> None:
    with database.session() as session:
        assert insert_ignore(session, Source, [_source_row("a"), _source_row("b")]) == 2
    with database.session() as session:
        assert insert_ignore(session, Source, [_source_row("b"), _source_row("c"), _source_row("a")]) == 1
        assert insert_ignore(session, Source, []) == 0
    with database.session() as session:
        names = list(session.scalars(select(Source.name).order_by(Source.name)))
        assert names == ["a", "b", "c"]
        assert session.scalar(select(Source.title).where(Source.name == "b")) == "B"


def test_insert_ignore_on_named_columns_and_still_raises_on_bad_data(database: Database) -> None:
    with database.session() as session:
        assert insert_ignore(session, Source, [_source_row("a")], conflict_columns=["name"]) == 1
        assert insert_ignore(session, Source, [_source_row("a")], conflict_columns=["name"]) == 0
    with pytest.raises(IntegrityError), database.session() as session:  # NOT NULL is not a conflict to skip
        insert_ignore(session, Source, [{**_source_row("z"), "created_at": None}])
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Source)) == 1


def test_insert_returning_id_and_get_or_create(database: Database) -> None:
    with database.session() as session:
        first = insert_returning_id(session, Source, _source_row("lemonde"))
        assert isinstance(first, int)
        assert insert_returning_id(session, Source, _source_row("lemonde")) is None
        assert get_or_create_id(session, Source, _source_row("lemonde"), ["name"]) == (first, False)
        created, was_created = get_or_create_id(session, Source, _source_row("bbc"), ["name"])
        assert was_created and created != first
    with pytest.raises(ValueError, match="key column"), database.session() as session:
        get_or_create_id(session, Source, {"title": "x"}, ["name"])


def test_unsupported_dialect_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not supported on 'mysql'"):
        insert_ignore_statement(Source, "mysql")


# several processes ---------------------------------------------------------------------------------------
def _articles(count: int) -> list[dict[str, Any]]:
    """Distinct on-topic articles from three outlets, in two languages."""
    items = []
    for n in range(count):
        outlet = ("courier", "gazette", "herald")[n % 3]
        french = outlet == "gazette"
        title = (
            f"Reconnaissance faciale : la ville {n} suspend ses caméras"
            if french
            else f"Facial recognition: city {n} pauses its cameras"
        )
        text = " ".join(
            [title + "."]
            + [f"Paragraph {k} on the {n}th city council vote on surveillance, number {n * 31 + k}." for k in range(6)]
        )
        items.append(
            {
                "outlet": outlet,
                "url": f"https://{outlet}.example/articles/city-{n}-cameras.html",
                "title": title,
                "text": text,
                "language": "fr" if french else "en",
                "published_at": NOW - timedelta(hours=n),
            }
        )
    return items


def _writer(db_url: str, items: list[dict[str, Any]], seed: int, barrier: Any, results: Any) -> None:
    from monitor.archive import Archive, RawHtml, SourceRef
    from monitor.article import Article as Record
    from monitor.topics import TopicMatch

    database = Database(db_url)
    archive = Archive(database)
    order = list(items)
    random.Random(seed).shuffle(order)
    outcomes: list[tuple[str, str]] = []
    barrier.wait(timeout=60)
    try:
        for item in order:
            record = Record(
                url=item["url"],
                text=item["text"],
                title=item["title"],
                language=item["language"],
                published_at=item["published_at"],
            )
            topic = TopicMatch("facial-recognition", "title+text", ["facial recognition"], 1.0)
            outcome = archive.add(record, SourceRef(item["outlet"]), [topic], RawHtml(item["text"].encode()))
            outcomes.append((item["url"], outcome.status))
        results.put(("ok", outcomes))
    except Exception as exc:  # reported to the test, which fails with it
        results.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        database.dispose()


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} unset")
def test_processes_storing_the_same_articles_at_once_make_no_duplicates_and_no_deadlock() -> None:
    from tests.conftest import _postgres_database

    processes_count, items = 4, _articles(30)
    for db_url in _postgres_database():
        Database(db_url).dispose()  # migrate once, before the writers start
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(processes_count)
        results = context.Queue()
        processes = [
            context.Process(target=_writer, args=(db_url, items, seed, barrier, results))
            for seed in range(processes_count)
        ]
        for process in processes:
            process.start()
        reports = [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(30)
            assert process.exitcode == 0
        errors = [detail for status, detail in reports if status == "error"]
        assert not errors, errors

        stored: dict[str, int] = {}
        for _, outcomes in reports:
            assert len(outcomes) == len(items)  # every writer got an answer for every article
            for url, status in outcomes:
                assert status in ("stored", "duplicate")
                stored[url] = stored.get(url, 0) + (status == "stored")
        assert stored == {item["url"]: 1 for item in items}, "an article was stored by no writer, or by two"

        database = Database(db_url)
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(Article)) == len(items)
            assert session.scalar(select(func.count(func.distinct(Article.canonical_url)))) == len(items)
            assert session.scalar(select(func.count()).select_from(RawPage)) == len(items)
            assert session.scalar(select(func.count()).select_from(StoryArticle)) == len(items)
            assert sorted(session.scalars(select(Source.name))) == ["courier", "gazette", "herald"]
        database.dispose()
