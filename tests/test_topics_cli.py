"""`monitor topics list|add|remove|test` against a temporary database, and crawls using database watchlists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from monitor.article import Article
from monitor.cli import main
from monitor.db import Database
from monitor.db.topics_queries import WatchlistExists, list_watchlists, save_watchlist
from monitor.items import PageItem
from monitor.pipelines import TopicPipeline
from monitor.topics import DATABASE, DEFAULT_WATCHLIST, WatchlistError, load_watchlists

RECORDS = [
    {
        "id": "a1",
        "url": "https://example.org/fr/1",
        "title": "La CNIL inflige une amende à Clearview AI",
        "text": "Le régulateur a condamné l'entreprise de reconnaissance faciale à une amende de 20 millions d'euros.",
        "lang": "fr",
        "source": "gazette",
    },
    {
        "id": "a2",
        "url": "https://example.org/en/2",
        "title": "Police drones over the stadium",
        "text": "Officers flew drones above the crowd; the club said the drones were there for safety.",
        "lang": "en",
        "source": "courier",
    },
    {
        "id": "a3",
        "url": "https://example.org/fr/3",
        "title": "Le XV de France face à l'Irlande",
        "text": "Les Bleus affrontent samedi le champion en titre au Stade de France, dans un match très attendu.",
        "lang": "fr",
        "source": "gazette",
    },
]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def archive_url(db_url: str, runner: CliRunner, tmp_path: Path) -> str:
    records = tmp_path / "records.jsonl"
    records.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", "utf-8")
    result = runner.invoke(main, ["ingest", str(records), "--all-topics", "--db", db_url])
    assert result.exit_code == 0, result.output
    return db_url


def test_add_list_replace_remove(runner: CliRunner, db_url: str) -> None:
    result = runner.invoke(main, ["topics", "add", "drones", "drone* NEAR/5 police", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "added watchlist 'drones'" in result.output
    again = runner.invoke(main, ["topics", "add", "drones", "drone*", "--db", db_url])
    assert again.exit_code == 1 and "--replace" in again.output
    replaced = runner.invoke(main, ["topics", "add", "drones", "drone* -livraison", "--replace", "--db", db_url])
    assert replaced.exit_code == 0 and "replaced" in replaced.output

    listing = runner.invoke(main, ["topics", "list", "--jsonl", "--db", db_url])
    assert listing.exit_code == 0, listing.output
    rows = {row["name"]: row for row in map(json.loads, listing.output.splitlines())}
    assert rows["drones"] == {"name": "drones", "origin": "database", "query": "drone* -livraison"}
    assert rows[DEFAULT_WATCHLIST]["origin"] == "shipped"
    assert "#" not in rows[DEFAULT_WATCHLIST]["query"]  # comments dropped from the one-line form

    removed = runner.invoke(main, ["topics", "remove", "drones", "--db", db_url])
    assert removed.exit_code == 0
    assert runner.invoke(main, ["topics", "remove", "drones", "--db", db_url]).exit_code == 1
    database = Database(db_url)
    try:
        assert list_watchlists(database) == []
    finally:
        database.dispose()


def test_add_refuses_a_bad_query_with_its_position_and_stores_nothing(runner: CliRunner, db_url: str) -> None:
    result = runner.invoke(main, ["topics", "add", "broken", "drone AND (police", "--db", db_url])
    assert result.exit_code == 2
    assert "invalid query: missing ')'" in result.output and "at character 18" in result.output
    assert "Traceback" not in result.output
    bad_name = runner.invoke(main, ["topics", "add", "bad name", "drone", "--db", db_url])
    assert bad_name.exit_code == 2 and "invalid watchlist name" in bad_name.output
    listing = runner.invoke(main, ["topics", "list", "--csv", "--db", db_url])
    assert "broken" not in listing.output and "bad name" not in listing.output


def test_list_with_a_user_file_and_a_broken_file(runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('[[watchlist]]\nname = "drones"\nquery = "drone*"\n', "utf-8")
    listing = runner.invoke(main, ["topics", "list", "--csv", "--watchlists", str(mine), "--db", db_url])
    assert listing.exit_code == 0, listing.output
    assert f"drones,{mine},drone*" in listing.output and DEFAULT_WATCHLIST not in listing.output
    mine.write_text('[[watchlist]]\nname = "drones"\nquery = "drone AND"\n', "utf-8")
    broken = runner.invoke(main, ["topics", "list", "--watchlists", str(mine), "--db", db_url])
    assert broken.exit_code == 1 and "'AND' needs something after it" in broken.output


def test_test_shows_matching_archived_articles_with_terms_highlighted(runner: CliRunner, archive_url: str) -> None:
    result = runner.invoke(main, ["topics", "test", '"reconnaissance faciale" OR clearview', "--db", archive_url])
    assert result.exit_code == 0, result.output
    assert "**Clearview** AI" in result.output
    assert "**reconnaissance faciale**" in result.output
    assert "1 of 3 archived article(s) match" in result.output

    filtered = runner.invoke(main, ["topics", "test", "stade lang:en", "--db", archive_url])
    assert "0 of 3 archived article(s) match" in filtered.output
    by_source = runner.invoke(main, ["topics", "test", "(drone* OR stade) -source:gazette", "--db", archive_url])
    assert "1 of 3" in by_source.output and "**drones**" in by_source.output

    future = runner.invoke(main, ["topics", "test", "drone*", "--since", "2999-01-01", "--db", archive_url])
    assert "0 of 0 archived article(s) match" in future.output


def test_test_limit_and_bad_query(runner: CliRunner, archive_url: str) -> None:
    limited = runner.invoke(main, ["topics", "test", "stade* OR drone*", "--limit", "1", "--db", archive_url])
    assert "2 of 3 archived article(s) match, 1 not shown (--limit)" in limited.output
    bad = runner.invoke(main, ["topics", "test", "face NEAR police", "--db", archive_url])
    assert bad.exit_code == 2
    assert "NEAR needs a distance" in bad.output and "     ^" in bad.output


def test_save_watchlist_refuses_duplicates(database: Database) -> None:
    assert save_watchlist(database, "drones", "drone*") is False
    with pytest.raises(WatchlistExists):
        save_watchlist(database, "drones", "drone")
    assert save_watchlist(database, "drones", "drone", replace=True) is True
    assert [(w.name, w.query) for w in list_watchlists(database)] == [("drones", "drone")]


def test_a_crawl_uses_file_and_database_watchlists(database: Database) -> None:
    save_watchlist(database, "drones", "drone* NEAR/5 police")
    crawler = get_crawler(settings_dict={"MONITOR_DATABASE_URL": database.url})
    pipeline = TopicPipeline.from_crawler(crawler)
    assert [w.name for w in pipeline.processor.matcher.watchlists] == [DEFAULT_WATCHLIST, "drones"]

    def item(title: str, text: str) -> PageItem:
        page = PageItem("https://example.org/a", "courier", b"")
        page.article = Article(url=page.url, title=title, text=text, language="en")
        return page

    kept = pipeline.process_item(item("Police drones", "Police flew drones over the stadium."))
    assert [(t.topic, t.location) for t in kept.topics] == [("drones", "title+text")]
    both = pipeline.process_item(item("Facial recognition", "Police drones with facial recognition."))
    assert {t.topic for t in both.topics} == {DEFAULT_WATCHLIST, "drones"}
    with pytest.raises(DropItem):
        pipeline.process_item(item("Rugby", "France face Ireland on Saturday."))


def test_a_database_watchlist_replaces_the_file_one_of_the_same_name(database: Database) -> None:
    save_watchlist(database, DEFAULT_WATCHLIST, "rugby")
    crawler = get_crawler(settings_dict={"MONITOR_DATABASE_URL": database.url})
    watchlists = TopicPipeline.from_crawler(crawler).processor.matcher.watchlists
    assert [(w.name, w.origin, w.query) for w in watchlists] == [(DEFAULT_WATCHLIST, DATABASE, "rugby")]


def test_bad_watchlist_files_are_clear_errors(tmp_path: Path) -> None:
    cases = {
        "not toml [": "not valid TOML",
        '[[watchlist]]\nname = "x"\n': "needs a name and a query",
        '[[watchlist]]\nname = "x"\nquery = "a"\n[[watchlist]]\nname = "x"\nquery = "b"\n': "two watchlists",
        '[[watchlist]]\nname = "x"\nquery = "(a"\n': "missing ')'",
    }
    for content, message in cases.items():
        path = tmp_path / "w.toml"
        path.write_text(content, "utf-8")
        with pytest.raises(WatchlistError, match=message.replace("(", r"\(").replace(")", r"\)")):
            load_watchlists(path)
    with pytest.raises(WatchlistError, match="cannot read"):
        load_watchlists(tmp_path / "missing.toml")


def _stored_topics(db_url: str) -> dict[str, list[str]]:
    from sqlalchemy import select

    from monitor.db.models import Article, ArticleTopic

    database = Database(db_url)
    try:
        with database.session() as session:
            rows = session.execute(
                select(Article.external_id, ArticleTopic.topic)
                .outerjoin(ArticleTopic, ArticleTopic.article_id == Article.id)
                .order_by(Article.external_id, ArticleTopic.topic)
            ).all()
    finally:
        database.dispose()
    found: dict[str, list[str]] = {}
    for external_id, topic in rows:
        found.setdefault(external_id, []).extend([topic] if topic else [])
    return found


def test_ingest_uses_file_and_database_watchlists(runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    records.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", "utf-8")
    added = runner.invoke(main, ["topics", "add", "drones", "drone* NEAR/5 (police OR officers)", "--db", db_url])
    assert added.exit_code == 0, added.output
    result = runner.invoke(main, ["ingest", str(records), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "2 stored" in result.output and "1 off topic" in result.output
    # a1 by the shipped watchlist, a2 by the database one; a3 (rugby) by neither
    assert _stored_topics(db_url) == {"a1": [DEFAULT_WATCHLIST], "a2": ["drones"]}


def test_ingest_with_a_watchlists_file_and_a_broken_one(runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    records.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", "utf-8")
    mine = tmp_path / "mine.toml"
    mine.write_text('[[watchlist]]\nname = "rugby"\nquery = "\\"xv de france\\" OR rugby"\n', "utf-8")
    result = runner.invoke(main, ["ingest", str(records), "--watchlists", str(mine), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert _stored_topics(db_url) == {"a3": ["rugby"]}  # the file replaces the shipped watchlist

    mine.write_text('[[watchlist]]\nname = "rugby"\nquery = "rugby NEAR"\n', "utf-8")
    broken = runner.invoke(main, ["ingest", str(records), "--watchlists", str(mine), "--db", db_url])
    assert broken.exit_code == 1 and "NEAR needs a distance" in broken.output
    assert "Traceback" not in broken.output
