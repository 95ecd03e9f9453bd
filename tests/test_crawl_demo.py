"""End to end: a real crawl of the demo outlets served on 127.0.0.1, assertions on rows and stats."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.cli.demo import demo_overrides
from monitor.crawl import CrawlOptions, CrawlReport, crawl_in_subprocess
from monitor.db import Database
from monitor.db.models import Article, Copy, Source, StoryArticle
from monitor.urls import canonical_url

pytestmark = pytest.mark.slow


def _crawl(site: Any, db_url: str, **kwargs: Any) -> CrawlReport:
    options = CrawlOptions(
        database_url=db_url, sources=site.sources(), log_level="WARNING", overrides=demo_overrides(), **kwargs
    )
    return crawl_in_subprocess(options, timeout=120)


@pytest.fixture(scope="module")
def crawled(demo_site: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, CrawlReport]]:
    path = tmp_path_factory.mktemp("crawl") / "archive.db"
    db = Database(f"sqlite:///{path}")
    report = _crawl(demo_site, db.url)
    yield db, report
    db.dispose()


def _by_truth(db: Database, site: Any, truth: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Archived articles keyed like the truth: "outlet/path"."""
    rows: dict[str, dict[str, Any]] = {}
    with db.session() as session:
        query = (
            select(Article, Source.name, StoryArticle.story_id, Copy.original_id)
            .join(Source)
            .outerjoin(StoryArticle, StoryArticle.article_id == Article.id)
            .outerjoin(Copy, Copy.article_id == Article.id)
        )
        for article, source, story_id, copy_of in session.execute(query):
            base = site.base_url(source)
            key = f"{source}{article.canonical_url.removeprefix(base)}"
            rows[key] = {
                "id": article.id,
                "story": story_id,
                "copy_of": copy_of,
                "language": article.language,
                "title": article.title,
                "published_at": article.published_at,
            }
    return rows


def test_crawl_finishes_and_stores_exactly_the_on_topic_articles(crawled: Any, demo_site: Any, demo_truth: Any) -> None:
    db, report = crawled
    assert report.stats["finish_reason"] == "finished"
    assert report.errors == 0
    stored = _by_truth(db, demo_site, demo_truth)
    expected = {key for key, truth in demo_truth.items() if truth["on_topic"]}
    assert set(stored) == expected
    assert report.stats["monitor/off_topic"] == sum(not t["on_topic"] for t in demo_truth.values())
    for key, row in stored.items():
        assert row["language"] == demo_truth[key]["language"], key
        assert row["title"] == demo_truth[key]["title"], key


def test_tracking_parameters_do_not_make_a_second_article(crawled: Any) -> None:
    db, _ = crawled
    with db.session() as session:
        urls = list(session.scalars(select(Article.canonical_url)))
    assert all("utm_" not in url for url in urls)
    assert len(urls) == len(set(urls))


def test_robots_txt_is_obeyed_and_non_articles_are_not_fetched(crawled: Any, demo_site: Any) -> None:
    for outlet in demo_site.outlets:
        requested = demo_site.requests(outlet.name)
        assert "/robots.txt" in requested
        assert not any(path.startswith("/private/") for path in requested), outlet.name
        assert not any(path.startswith(("/tag/", "/auteur/", "/author/", "/video/")) for path in requested)
        assert not any("/page/2" in path for path in requested)


def test_amazon_story_groups_french_and_english_and_nothing_else(crawled: Any, demo_site: Any, demo_truth: Any) -> None:
    db, _ = crawled
    stored = _by_truth(db, demo_site, demo_truth)
    events: dict[str, set[int]] = {}
    for key, row in stored.items():
        events.setdefault(demo_truth[key]["event"], set()).add(row["story"])
    amazon = events["amazon-moratorium-2020"]
    assert len(amazon) == 1, "the Amazon moratorium coverage is split over several stories"
    amazon_story = next(iter(amazon))
    members = [key for key, row in stored.items() if row["story"] == amazon_story]
    assert {demo_truth[k]["language"] for k in members} == {"fr", "en"}
    assert {demo_truth[k]["event"] for k in members} == {"amazon-moratorium-2020"}
    for other in ("ibm-exit-2020", "microsoft-police-2020"):
        assert amazon_story not in events[other]


def test_each_event_is_one_story(crawled: Any, demo_site: Any, demo_truth: Any) -> None:
    db, _ = crawled
    stored = _by_truth(db, demo_site, demo_truth)
    story_events: dict[int, set[str]] = {}
    for key, row in stored.items():
        story_events.setdefault(row["story"], set()).add(demo_truth[key]["event"])
    mixed = {story: events for story, events in story_events.items() if len(events) > 1}
    assert not mixed, f"stories that mix events: {mixed}"


def test_wire_copy_is_stored_twice_the_later_marked_as_copy(crawled: Any, demo_site: Any, demo_truth: Any) -> None:
    db, _ = crawled
    stored = _by_truth(db, demo_site, demo_truth)
    copies = {key: t for key, t in demo_truth.items() if t["copy_of"]}
    assert copies
    for key, truth in copies.items():
        original = truth["copy_of"]
        assert key in stored and original in stored
        assert stored[key]["copy_of"] == stored[original]["id"], f"{key} should be a copy of {original}"
        assert stored[original]["copy_of"] is None


def test_second_crawl_fetches_no_archived_article(crawled: Any, demo_site: Any) -> None:
    """An unchanged site: no article request at all, and the feeds answer 304 to conditional requests."""
    db, _ = crawled
    before = db_count(db)
    seen = {outlet.name: len(demo_site.requests(outlet.name)) for outlet in demo_site.outlets}
    report = _crawl(demo_site, db.url)
    assert report.stats["finish_reason"] == "finished"
    assert report.stats.get("monitor/stored", 0) == 0
    assert report.stats.get("monitor/extracted", 0) == 0
    assert db_count(db) == before
    for outlet in demo_site.outlets:
        second = demo_site.requests(outlet.name)[seen[outlet.name] :]
        assert second, f"{outlet.name} was not polled again"
        articles = [path for path in second if path.startswith("/articles/")]
        assert articles == [], f"{outlet.name}: archived articles requested again: {articles}"
        assert report.per_source[outlet.name].get("not_modified", 0) >= 1, outlet.name
    assert report.stats.get("monitor/not_modified", 0) >= len(demo_site.outlets)


def db_count(db: Database) -> int:
    with db.session() as session:
        return len(list(session.scalars(select(Article.id))))


def test_all_topics_keeps_off_topic_articles(demo_site: Any, demo_truth: Any, tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'all.db'}")
    report = _crawl(demo_site, db.url, all_topics=True)
    assert report.stats["finish_reason"] == "finished"
    with db.session() as session:
        urls = {canonical_url(u) for u in session.scalars(select(Article.canonical_url))}
    assert len(urls) == len(demo_truth)
