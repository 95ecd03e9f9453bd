"""Full-text search: the query syntax (pure), FTS5 / tsvector kept in sync by the database, `monitor search`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, update

from monitor.cli import main
from monitor.db import Database
from monitor.db.fts import SearchFilter, search_articles, to_fts5
from monitor.db.models import Article
from monitor.search import AllOf, AnyOf, QueryError, Term, describe, parse
from tests.newsroom_archive import fill, when


# the syntax ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("reconnaissance faciale", "(reconnaissance faciale)"),
        ('"facial recognition" police', '("facial recognition" police)'),
        ("clearview OR pimeyes", "(clearview OR pimeyes)"),
        ("amazon -police", "(amazon -police)"),
        ("amazon NOT police", "(amazon -police)"),
        ("biometr* AND (ban OR moratorium)", "(biometr* (ban OR moratorium))"),
        ('amazon -"police use"', '(amazon -"police use")'),
        ("face-à-face", "face-à-face"),
    ],
)
def test_query_syntax(query: str, expected: str) -> None:
    assert describe(parse(query)) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty query"),
        ("-police", "at least one term"),
        ("(amazon", "not closed"),
        ("amazon)", "no opening"),
        ("amazon OR", "OR needs a term"),
        ("AND amazon", "AND needs a term"),
        ("amazon OR -police", "cannot be an alternative"),
        ('""', "needs at least one word"),
        ("***", "needs letters"),
    ],
)
def test_bad_queries_say_why(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse(query)


def test_fts5_expression_quotes_user_text() -> None:
    node = parse('amazon "near(x y" -police recogn* OR:x')
    assert to_fts5(node) == '(("amazon" AND "near(x y" AND "recogn" * AND "OR:x") NOT "police")'
    assert parse("a OR b") == AnyOf((Term("a"), Term("b")))
    assert parse("a b") == AllOf((Term("a"), Term("b")))


# against a database, both backends -------------------------------------------------------------------
@pytest.fixture
def archive(db_url: str) -> Iterator[tuple[Database, dict[str, int]]]:
    db = Database(db_url)
    ids = fill(db)
    yield db, ids
    db.dispose()


def _hits(db: Database, query: str, **filters: Any) -> list[int]:
    return [row["id"] for row in search_articles(db, parse(query), SearchFilter(**filters))]


def test_search_folds_accents_and_stems(archive: tuple[Database, dict[str, int]]) -> None:
    db, ids = archive
    assert set(_hits(db, "camera")) == {ids["gazette_jo"], ids["gazette_amazon"]}  # caméras
    assert set(_hits(db, "cameras augmentees")) == {ids["gazette_jo"]}
    assert set(_hits(db, "CNIL")) == {ids["radio_clearview"]}


def test_search_operators(archive: tuple[Database, dict[str, int]]) -> None:
    db, ids = archive
    amazon = {ids["wire_amazon"], ids["courier_amazon"], ids["gazette_amazon"]}
    assert set(_hits(db, "amazon")) == amazon
    assert set(_hits(db, "amazon -congres")) == {ids["wire_amazon"], ids["courier_amazon"]}
    assert set(_hits(db, '"facial recognition"')) == {ids["wire_amazon"], ids["courier_amazon"]}
    assert _hits(db, '"recognition facial"') == []
    assert set(_hits(db, "clearview OR olympiques")) == {ids["radio_clearview"], ids["gazette_jo"]}
    assert set(_hits(db, "rekogn*")) == amazon
    assert set(_hits(db, "cnil (amende OR fine)")) == {ids["radio_clearview"]}


def test_search_filters_and_order(archive: tuple[Database, dict[str, int]]) -> None:
    db, ids = archive
    assert set(_hits(db, "amazon", language="fr")) == {ids["gazette_amazon"]}
    assert set(_hits(db, "amazon", sources=("wire",))) == {ids["wire_amazon"]}
    assert set(_hits(db, "amazon", since=when(10, 12))) == {ids["courier_amazon"], ids["gazette_amazon"]}
    assert _hits(db, "amazon", by_date=True) == [ids["gazette_amazon"], ids["courier_amazon"], ids["wire_amazon"]]
    assert len(_hits(db, "amazon", limit=1)) == 1
    assert _hits(db, "storm", topic="facial-recognition") == []


def test_search_index_follows_inserts_updates_deletes(archive: tuple[Database, dict[str, int]]) -> None:
    db, ids = archive
    with db.session() as session:
        session.execute(update(Article).where(Article.id == ids["courier_weather"]).values(text="PimEyes scans faces"))
    assert _hits(db, "pimeyes") == [ids["courier_weather"]]
    assert _hits(db, "storm") == [ids["courier_weather"]]  # the title still counts
    with db.session() as session:
        session.execute(delete(Article).where(Article.id == ids["courier_weather"]))
    assert _hits(db, "pimeyes") == []


def test_search_command(archive: tuple[Database, dict[str, int]], db_url: str) -> None:
    _, ids = archive
    runner = CliRunner()
    result = runner.invoke(main, ["search", "clearview", "--db", db_url, "--jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["id"] for r in rows] == [ids["radio_clearview"]]
    assert rows[0]["source"] == "radio" and "[Clearview]" in rows[0]["snippet"]
    table = runner.invoke(main, ["search", "amazon", "--lang", "en", "--db", db_url])
    assert table.exit_code == 0 and "wire" in table.output and "gazette" not in table.output
    bad = runner.invoke(main, ["search", "amazon OR", "--db", db_url])
    assert bad.exit_code == 2 and "OR needs a term" in bad.output
