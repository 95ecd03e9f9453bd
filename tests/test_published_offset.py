"""The offset a page gives with its publication date is kept (``articles.published_offset``): exports write
the date on the publisher's clock and ``articles_v``'s days are the publisher's, on both backends."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner

from monitor.archive import Archive, SourceRef
from monitor.article import Article
from monitor.cli import main
from monitor.dates import offset_minutes
from monitor.db.migrate import alembic_config
from monitor.db.queries import ArticleFilter, iter_articles
from monitor.reextract import new_values

PARIS_SUMMER = timezone(timedelta(hours=2))
NEWFOUNDLAND = timezone(-timedelta(hours=3, minutes=30))
WORDS = [
    "police",
    "reconnaissance",
    "faciale",
    "moratoire",
    "caméras",
    "ville",
    "conseil",
    "loi",
    "données",
    "justice",
    "enquête",
]


def _article(n: int, published: datetime | None) -> Article:
    text = " ".join(WORDS[(n + i) % len(WORDS)] + str(i * (n + 1)) for i in range(120))  # no two alike
    return Article(url=f"https://quotidien.example/{n}", text=text, title=f"Titre {n}", published_at=published)


def test_exports_and_days_are_on_the_publishers_clock(database: Any, db_url: str) -> None:
    dates = {
        "paris": datetime(2020, 6, 10, 0, 30, tzinfo=PARIS_SUMMER),  # 9 June, 22:30 in UTC
        "newfoundland": datetime(2020, 6, 9, 21, 0, 0, 250000, tzinfo=NEWFOUNDLAND),  # 10 June, 00:30 in UTC
        "utc": datetime(2020, 6, 10, 9, 0, tzinfo=UTC),
        "naive": datetime(2020, 6, 10, 23, 59),  # no offset given: read as UTC
    }
    archive = Archive(database)
    ids = {}
    for n, (name, when) in enumerate(dates.items()):
        outcome = archive.add(_article(n, when), SourceRef("quotidien", "Le Quotidien", "fr"), [])
        assert outcome.article_id is not None
        ids[outcome.article_id] = name
    exported = {ids[row["id"]]: row["published_at"] for row in iter_articles(database, ArticleFilter())}
    assert exported == {
        "paris": "2020-06-10T00:30:00+02:00",
        "newfoundland": "2020-06-09T21:00:00.250000-03:30",
        "utc": "2020-06-10T09:00:00+00:00",
        "naive": "2020-06-10T23:59:00+00:00",
    }
    for name, text in exported.items():  # the same instants as stored
        assert datetime.fromisoformat(text) == (dates[name] if name != "naive" else dates[name].replace(tzinfo=UTC))
    with database.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT id, day, week, month, published_offset FROM articles_v")).all()
    days = {ids[row.id]: (row.day, row.week, row.month, row.published_offset) for row in rows}
    assert days == {
        "paris": ("2020-06-10", "2020-06-08", "2020-06", 120),
        "newfoundland": ("2020-06-09", "2020-06-08", "2020-06", -210),
        "utc": ("2020-06-10", "2020-06-08", "2020-06", 0),
        "naive": ("2020-06-10", "2020-06-08", "2020-06", None),
    }
    with database.engine.connect() as connection:
        story_days = dict(connection.execute(sa.text("SELECT article_id, day FROM story_articles_v")).all())
    assert {ids[key]: day for key, day in story_days.items()} == {name: days[name][0] for name in dates}
    result = CliRunner().invoke(main, ["export", "articles", "--db", db_url, "--excel"])
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff")), delimiter=";"))
    assert sorted(row["published_at"] for row in table) == sorted(exported.values())
    found = CliRunner().invoke(main, ["search", "titre", "--db", db_url, "--jsonl", "--newest"])
    assert found.exit_code == 0, found.output
    hits = [json.loads(line) for line in found.output.splitlines()]
    assert {ids[hit["id"]]: hit["published_at"] for hit in hits} == exported
    assert [ids[hit["id"]] for hit in hits] == ["naive", "utc", "newfoundland", "paris"]  # by instant


def test_offset_minutes_and_reextraction_keep_the_offset_with_the_date() -> None:
    assert offset_minutes(datetime(2020, 6, 10, tzinfo=PARIS_SUMMER)) == 120
    assert offset_minutes(datetime(2020, 6, 10, tzinfo=NEWFOUNDLAND)) == -210
    assert offset_minutes(datetime(2020, 6, 10)) is None and offset_minutes(None) is None
    stored = {"published_at": datetime(2020, 6, 9, 22, 30, tzinfo=UTC), "published_offset": 120, "text": "x"}
    dated = _article(1, datetime(2020, 6, 10, 0, 30, tzinfo=PARIS_SUMMER))
    assert "published_offset" not in new_values(dated, {**stored, "text": dated.text}, "fr")
    undated = _article(1, None)  # the page no longer gives a date: the stored one stays, with its offset
    assert "published_offset" not in new_values(undated, stored, "fr")
    assert new_values(dated, {**stored, "published_offset": None}, "fr")["published_offset"] == 120


def test_the_exported_date_is_what_isoformat_writes_for_any_offset(database: Any) -> None:
    """Written in SQL on both backends, as Python writes it: half hours, 45 minutes, west of UTC by less
    than an hour, the date line, microseconds or none."""
    offsets = [-720, -570, -210, -30, 0, 30, 60, 120, 330, 345, 525, 765, 840]
    archive = Archive(database)
    expected = {}
    for n, minutes in enumerate(offsets):
        when = datetime(2020, 12, 31, 23, 59, 59, (n * 137_001) % 1_000_000 if n % 3 else 0, tzinfo=UTC)
        local = when.astimezone(timezone(timedelta(minutes=minutes)))
        outcome = archive.add(_article(n, local), SourceRef("quotidien"), [])
        assert outcome.article_id is not None
        expected[outcome.article_id] = local.isoformat()
    assert {row["id"]: row["published_at"] for row in iter_articles(database, ArticleFilter())} == expected


def test_the_revision_downgrades_and_upgrades_again(database: Any) -> None:
    outcome = Archive(database).add(
        _article(0, datetime(2020, 6, 10, 0, 30, tzinfo=PARIS_SUMMER)), SourceRef("quotidien"), []
    )
    assert outcome.article_id is not None
    config = alembic_config(database.engine)
    view = "SELECT a.day, s.day FROM articles_v a JOIN story_articles_v s ON s.article_id = a.id"
    command.downgrade(config, "0009")
    with database.engine.connect() as connection:
        assert tuple(connection.execute(sa.text(view)).one()) == ("2020-06-09", "2020-06-09")  # UTC days, as before
        assert "published_offset" not in list(connection.execute(sa.text("SELECT * FROM articles_v")).keys())
        assert connection.execute(sa.text("SELECT count(*) FROM stories_v")).scalar() == 1
    command.upgrade(config, "head")
    with database.engine.connect() as connection:
        assert tuple(connection.execute(sa.text(view)).one()) == ("2020-06-09", "2020-06-09")  # offset unknown again
        assert connection.execute(sa.text("SELECT count(*) FROM stories_v")).scalar() == 1
