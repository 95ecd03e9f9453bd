"""Feed validators, health rows and adaptive polling in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.db.feeds import FeedStore, SourceInfo, ValidatorUpdate
from monitor.health import PollingBounds, Tally

BOUNDS = PollingBounds(timedelta(minutes=10), timedelta(hours=24))
INFOS = [SourceInfo("alpha", "Alpha", "en", every=timedelta(hours=1)), SourceInfo("broken", every=timedelta(hours=1))]


def test_validators_round_trip_and_update(database: Any) -> None:
    feeds = FeedStore(database)
    url = "https://a.example/rss.xml?" + "x" * 1500  # longer than an index entry should hold
    feeds.save_validators([ValidatorUpdate(url, "alpha", "feed", '"e1"', "Tue, 05 Mar 2024 10:00:00 GMT", "h1")], INFOS)
    assert feeds.validators_of(["alpha"])[url].etag == '"e1"'
    feeds.save_validators([ValidatorUpdate(url, "alpha", "feed", '"e2"', None, "h2")], INFOS)
    found = feeds.validators([url, "https://never.example/"])
    assert list(found) == [url] and found[url].etag == '"e2"' and found[url].content_hash == "h2"
    assert feeds.validators_of(["broken"]) == {}


def test_health_runs_and_polling(database: Any) -> None:
    feeds = FeedStore(database)
    start = datetime(2024, 3, 5, 10, tzinfo=UTC)
    runs = [
        [Tally("alpha", fetched=3, articles_fetched=5, new_articles=4), Tally("broken", failed=2, errors={"404": 2})],
        [Tally("alpha", not_modified=3), Tally("broken", failed=2, errors={"timeout": 1, "404": 1})],
        [Tally("alpha", fetched=1, articles_fetched=1)],
    ]
    intervals = []
    for number, tallies in enumerate(runs):
        when = start + timedelta(hours=number)
        assert feeds.record_runs(tallies, INFOS, when, BOUNDS, finished_at=when) == len(tallies)
        intervals.append(feeds.polling(["alpha"])["alpha"].interval)
    assert intervals == [timedelta(hours=1), timedelta(minutes=90), timedelta(minutes=45)]
    rows = {row["name"]: row for row in feeds.health()}
    assert rows["alpha"]["runs"] == 3 and rows["alpha"]["fetched"] == 1
    assert rows["alpha"]["last_success"] == start + timedelta(hours=2)
    assert rows["broken"]["runs"] == 2 and rows["broken"]["failing_runs"] == 2
    assert rows["broken"]["errors"] == {"404": 1, "timeout": 1} and rows["broken"]["last_success"] is None
    assert feeds.record_runs([Tally("alpha")], INFOS, start, BOUNDS) == 0, "a source not crawled is not a run"
