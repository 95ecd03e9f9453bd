"""A poll that finds nothing new is cheap: no extraction worker started (a first crawl starts them all
before Scrapy), no archive index rebuilt from the window, no datasketch (and scipy) imported."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scrapy.settings import Settings

from monitor.archive import Archive, SourceRef
from monitor.article import Article
from monitor.crawl import CrawlOptions, crawl_in_subprocess, expects_pages
from monitor.db import Database
from monitor.db.seen import OFF_TOPIC
from monitor.sources import Source, load_sources
from tests.test_daemon_site import FAST, growing_site

OVERRIDES = dict(item.split("=", 1) for item in FAST[1::2])  # the tests' "-s KEY=VALUE" as settings


def _crawl(db_url: str, sources: list[Source]) -> dict[str, object]:
    options = CrawlOptions(database_url=db_url, sources=sources, log_level="WARNING", overrides=dict(OVERRIDES))
    options.overrides["MONITOR_EXTRACT_WORKERS"] = 2
    report = crawl_in_subprocess(options, timeout=120)
    assert report.stats.get("finish_reason") == "finished", report.stats
    return report.stats


def test_workers_start_for_a_first_crawl_and_only_for_pages_on_a_poll(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with growing_site(tmp_path) as site:
        site.add(2)
        sources = load_sources(site.sources_file(tmp_path / "sources.toml"))
        first = _crawl(db_url, sources)
        assert first.get("monitor/stored") == site.on_topic_total()
        assert first.get("monitor/extraction_workers") == 2  # started before Scrapy, warmed during discovery

        unchanged = _crawl(db_url, sources)  # every feed answers 304: nothing to extract
        assert not unchanged.get("monitor/stored")
        assert unchanged.get("monitor/extraction_workers") == 0

        site.add(1)
        changed = _crawl(db_url, sources)  # the new page waits for a worker, started for it
        assert changed.get("monitor/stored") == 1
        assert changed.get("monitor/extraction_workers") == 1


def test_expects_pages_from_refresh_storage_and_stored_validators(tmp_path: Path) -> None:
    source = Source(name="x", title="X", feeds=("http://127.0.0.1:9/rss.xml",))

    def settings(**values: object) -> Settings:
        return Settings({"MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}", **values})

    assert expects_pages(settings(), [source])  # no database yet: a first crawl
    assert expects_pages(settings(MONITOR_REFRESH=True), [source])
    assert expects_pages(settings(MONITOR_STORAGE_DISABLED=True), [source])


def _wire_text(outlet: str) -> str:
    return " ".join(
        f"Police forces in {city} started live facial recognition trials this week, the agency says ({outlet})."
        for city in ("Leeds", "Cardiff", "Nice", "Lyon", "Essex", "London", "Bristol", "Lille", "Metz", "Oslo")
    )


def test_the_archive_loads_its_indexes_with_the_first_article_and_still_finds_copies(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'archive.db'}")
    now = datetime.now(UTC)
    first = Archive(database)
    original = Article(url="https://a.example/1", text=_wire_text("AFP"), title="Live facial recognition trials")
    original.published_at, original.language = now - timedelta(hours=2), "en"
    stored = first.add(original, SourceRef("a"), [])
    assert stored.copy_of is None

    later = Archive(database)  # another crawl
    later.remember_seen("https://b.example/off-topic", SourceRef("b"), OFF_TOPIC, "digest")
    assert not later._loaded  # a crawl that stores nothing never rebuilds the window
    copy = Article(url="https://b.example/2", text=_wire_text("AFP") + " Updated.", title="Facial recognition trials")
    copy.published_at, copy.language = now - timedelta(hours=1), "en"
    outcome = later.add(copy, SourceRef("b"), [])
    assert later._loaded
    assert outcome.copy_of == stored.article_id  # the window was loaded before the copy was looked for
    database.dispose()


def test_the_crawl_process_imports_no_datasketch_nor_numpy_before_a_signature_is_needed() -> None:
    code = (
        "import sys, monitor.archive, monitor.items, monitor.pipelines, monitor.crawl, spiders.news; "
        "print(sorted(m for m in ('datasketch', 'scipy', 'numpy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
