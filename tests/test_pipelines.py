"""The extraction pool and the pipelines around it: worker processes, their failures, their end."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import types
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from monitor.archive import Archive, SourceRef
from monitor.article import Article
from monitor.db import Database
from monitor.db.models import Article as ArticleRow
from monitor.db.models import RawPage
from monitor.demo.server import site_root
from monitor.items import PageItem
from monitor.pipelines import ExtractionPipeline, StoragePipeline
from monitor.textnorm import content_hash
from monitor.workers import WORKER_DIED, ExtractionPool, PageJob, default_workers, extract_page, extract_workers

URL = "https://www.example.org/articles/amazon-rekognition-police-moratorium.html"
NO_TITLE = (
    "<html><body><div><p>"
    + "Police forces in several cities tested facial recognition cameras at football matches this season. " * 8
    + "</p></div></body></html>"
)


def _page() -> bytes:
    path = site_root() / "daily-courier" / "articles" / "amazon-rekognition-police-moratorium.html"
    return path.read_bytes().replace(b"{{BASE}}", b"https://www.example.org")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def _wait_dead(pids: list[int], seconds: float = 20.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


def test_extract_page_is_pure_and_fills_title_and_date_from_the_feed() -> None:
    published = datetime(2021, 3, 4, 5, 6, tzinfo=UTC)
    result = extract_page(
        PageJob(URL, NO_TITLE.encode(), "utf-8", feed_title="From the feed", feed_published=published)
    )
    assert result.error is None and result.article is not None
    assert result.article.title == "From the feed" and result.article.provenance["title"] == "feed"
    assert result.article.published_at == published and result.article.provenance["published_at"] == "feed"
    assert result.cpu_seconds > 0
    page = extract_page(PageJob(URL, _page(), "utf-8", feed_title="ignored"))
    assert page.article is not None and page.article.title != "ignored" and page.article.language == "en"


def test_extract_page_reports_failures_instead_of_raising() -> None:
    for body in (b"", b"\x00\x01\x02" * 100, b"<html><body></body></html>"):
        result = extract_page(PageJob(URL, body, "utf-8"))
        assert result.article is None and result.error
    bad_charset = extract_page(PageJob(URL, _page(), "no-such-charset"))  # falls back to sniffing the bytes
    assert bad_charset.article is not None


def test_worker_count_setting() -> None:
    assert extract_workers(get_crawler(settings_dict={}).settings) == default_workers() >= 1
    assert extract_workers(get_crawler(settings_dict={"MONITOR_EXTRACT_WORKERS": "0"}).settings) == 0
    assert extract_workers(get_crawler(settings_dict={"MONITOR_EXTRACT_WORKERS": 3}).settings) == 3
    with pytest.raises(ValueError, match="0 or more"):
        extract_workers(get_crawler(settings_dict={"MONITOR_EXTRACT_WORKERS": -1}).settings)
    with pytest.raises(ValueError):
        ExtractionPool(-1)


def test_pipeline_adopts_the_pool_the_crawl_started_before_scrapy_loaded() -> None:
    """``monitor.crawl.crawl`` starts the workers first and passes them as a spider argument: one pool."""
    started = ExtractionPool(0)
    crawler = get_crawler(settings_dict={"MONITOR_EXTRACT_WORKERS": 0})
    crawler.spider = Spider("news", extraction_pool=started)
    pipeline = ExtractionPipeline.from_crawler(crawler)
    assert pipeline.pool is not started
    pipeline.open_spider()
    assert pipeline.pool is started
    pipeline.close_spider()
    other = get_crawler(settings_dict={"MONITOR_EXTRACT_WORKERS": 0})
    other.spider = Spider("news", extraction_pool=ExtractionPool(3))  # another size: not this crawl's
    mismatched = ExtractionPipeline.from_crawler(other)
    own = mismatched.pool
    mismatched.open_spider()
    assert mismatched.pool is own
    mismatched.close_spider()


def test_in_process_pool_gives_what_extract_page_gives() -> None:
    pool = ExtractionPool(0)
    result = asyncio.run(pool.extract(PageJob(URL, _page(), "utf-8")))
    assert result.article is not None and pool.pids() == []
    assert result.article.text == extract_page(PageJob(URL, _page(), "utf-8")).article.text  # type: ignore[union-attr]


def _warm_up_report() -> tuple[bool, bool]:
    """Run in a fresh worker: what the warm-up left loaded (jusText's stop lists; dateparser, which htmldate
    without its extensive search never needs)."""
    import sys

    from trafilatura import external

    return external.JT_STOPLIST is not None, "dateparser" in sys.modules


@pytest.mark.slow
def test_a_worker_loads_the_lazy_parsers_before_its_first_page() -> None:
    """Each worker used to pay its first hard pages' loading of jusText's stop lists: the warm-up loads them
    while discovery runs, and loads nothing that extraction does not use (dateparser: 0.44 s of CPU)."""
    pool = ExtractionPool(1)
    pool.start()
    try:
        executor = pool._executor
        assert executor is not None
        assert executor.submit(_warm_up_report).result(timeout=60) == (True, False)
    finally:
        pool.shutdown()


@pytest.mark.slow
def test_pool_extracts_in_other_processes_concurrently_and_stops_them() -> None:
    pool = ExtractionPool(2)

    async def run() -> list[Any]:
        jobs = [PageJob(f"{URL}?n={i}", _page(), "utf-8") for i in range(6)]
        jobs.append(PageJob(URL, b"\x00" * 10, None))
        return list(await asyncio.gather(*(pool.extract(job) for job in jobs)))

    try:
        results = asyncio.run(run())
        pids = pool.pids()
    finally:
        pool.shutdown()
    assert len(pids) == 2 and os.getpid() not in pids
    assert [r.article is not None for r in results] == [True] * 6 + [False]
    assert results[0].article.text == extract_page(PageJob(URL, _page(), "utf-8")).article.text  # type: ignore[union-attr]
    assert _wait_dead(pids) == []
    with pytest.raises(RuntimeError, match="shut down"):
        asyncio.run(pool.extract(PageJob(URL, _page(), "utf-8")))


@pytest.mark.slow
def test_a_dead_worker_is_replaced_and_signals_are_left_to_the_crawl() -> None:
    pool = ExtractionPool(1)
    job = PageJob(URL, _page(), "utf-8")
    try:
        assert asyncio.run(pool.extract(job)).article is not None
        (worker,) = pool.pids()
        os.kill(worker, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole process group: ignored
        os.kill(worker, signal.SIGTERM)
        assert asyncio.run(pool.extract(job)).article is not None
        assert pool.restarts == 0 and pool.pids() == [worker]
        os.kill(worker, signal.SIGKILL)  # a crash, the OOM killer
        assert _wait_dead([worker]) == []
        assert asyncio.run(pool.extract(job)).article is not None
        assert pool.restarts == 1 and worker not in pool.pids()
    finally:
        pool.shutdown()
    assert WORKER_DIED  # the message a page gets when workers die on it twice


CHILD = textwrap.dedent(
    """
    import asyncio, sys, time
    from monitor.workers import ExtractionPool

    if __name__ == "__main__":
        pool = ExtractionPool(2)
        pool.start()
        while len(pool.pids()) < 2:
            time.sleep(0.05)
        print(" ".join(map(str, pool.pids())), flush=True)
        time.sleep(120)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_no_worker_outlives_the_crawl_process(tmp_path: Path, signum: int) -> None:
    script = tmp_path / "crawl_process.py"
    script.write_text(CHILD, "utf-8")
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        pids = [int(p) for p in child.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(p) for p in pids)
        child.send_signal(signum)
        child.wait(30)
        assert _wait_dead(pids) == [], "orphan extraction workers"
    finally:
        if child.poll() is None:
            child.kill()


def _item(body: bytes, url: str = URL) -> PageItem:
    return PageItem(url, "daily-courier", body, "utf-8", "text/html; charset=utf-8")


def test_extraction_pipeline_counts_and_drops_failures() -> None:
    crawler = get_crawler(settings_dict={"MONITOR_EXTRACT_WORKERS": 0})
    crawler.stats.open_spider()
    pipeline = ExtractionPipeline.from_crawler(crawler)
    pipeline.open_spider()
    try:
        item = asyncio.run(pipeline.process_item(_item(_page())))
        assert item.article is not None and item.article.language == "en"
        with pytest.raises(DropItem, match="extraction failed"):
            asyncio.run(pipeline.process_item(_item(b"<html></html>")))
        assert asyncio.run(pipeline.process_item({"not": "a page"})) == {"not": "a page"}
    finally:
        pipeline.close_spider()
    stats = crawler.stats.get_stats()
    assert stats["monitor/extracted"] == 1 and stats["monitor/extraction_failed"] == 1
    assert stats["monitor/extraction_cpu_seconds"] > 0 and "monitor/crawl_process_cpu_seconds" in stats


LIVE_BLOG = (
    '<html><head><script type="application/ld+json">{"@context": "https://schema.org", "@type": "LiveBlogPosting",'
    ' "headline": "Live: police cameras at the match"}</script><title>Live</title></head><body><article>'
    "<h1>Live: police cameras at the match</h1>"
    + "".join(
        f"<p>{n}:00 The police scanned the crowd at gate {n} with live facial recognition cameras.</p>"
        for n in range(12)
    )
    + "</article></body></html>"
).encode()


def test_live_blogs_videos_and_index_pages_are_dropped_unless_their_type_is_kept() -> None:
    for settings, kept in (({}, False), ({"MONITOR_PAGE_TYPES": "article,liveblog"}, True)):
        crawler = get_crawler(settings_dict={"MONITOR_EXTRACT_WORKERS": 0, **settings})
        crawler.stats.open_spider()
        pipeline = ExtractionPipeline.from_crawler(crawler)
        pipeline.open_spider()
        try:
            assert asyncio.run(pipeline.process_item(_item(_page()))).article is not None
            if kept:
                item = asyncio.run(pipeline.process_item(_item(LIVE_BLOG, URL + "?live")))
                assert item.article.page_type == "liveblog"
            else:
                with pytest.raises(DropItem, match=r"not an article \(liveblog\)"):
                    asyncio.run(pipeline.process_item(_item(LIVE_BLOG, URL + "?live")))
        finally:
            pipeline.close_spider()
        stats = crawler.stats.get_stats()
        assert stats["monitor/extracted"] == 2
        assert stats.get("monitor/not_articles", 0) == (0 if kept else 1)
        assert stats.get("monitor/source/daily-courier/not_articles", 0) == (0 if kept else 1)


def test_extraction_prepares_the_archive_work_unless_storage_is_disabled() -> None:
    pool = ExtractionPool(0)
    plain = asyncio.run(pool.extract(PageJob(URL, _page(), "utf-8")))
    assert plain.prepared is None
    for settings, expected in (({}, True), ({"MONITOR_STORAGE_DISABLED": True}, False)):
        crawler = get_crawler(settings_dict={"MONITOR_EXTRACT_WORKERS": 0, **settings})
        crawler.stats.open_spider()
        pipeline = ExtractionPipeline.from_crawler(crawler)
        pipeline.open_spider()
        try:
            item = asyncio.run(pipeline.process_item(_item(_page())))
        finally:
            pipeline.close_spider()
        assert (item.prepared is not None) is expected
        if item.prepared is not None:
            assert item.prepared.fits(item.article) and item.prepared.content_hash == content_hash(item.article.text)
            assert item.prepared.raw_zlib is not None and zlib.decompress(item.prepared.raw_zlib) == _page()


@pytest.mark.slow
def test_a_worker_prepares_what_the_crawl_process_would() -> None:
    pool = ExtractionPool(1)
    job = PageJob(URL, _page(), "utf-8", prepare=True)
    try:
        remote = asyncio.run(pool.extract(job))
    finally:
        pool.shutdown()
    local = extract_page(job)
    assert remote.prepared is not None and local.prepared is not None
    values = remote.prepared.signature_values
    assert remote.prepared == dataclasses.replace(local.prepared, signature_values=values)
    assert list(values) == list(local.prepared.signature_values)


def test_storage_stores_what_the_worker_prepared(db_url: str) -> None:
    crawler = get_crawler(settings_dict={"MONITOR_DATABASE_URL": db_url, "MONITOR_EXTRACT_WORKERS": 0})
    crawler.stats.open_spider()
    extraction, storage = ExtractionPipeline.from_crawler(crawler), StoragePipeline.from_crawler(crawler)
    extraction.open_spider()
    storage.open_spider()
    try:
        item = asyncio.run(extraction.process_item(_item(_page())))
        prepared = item.prepared
        assert prepared is not None and prepared.fits(item.article)
        item.prepared = dataclasses.replace(prepared, content_hash="c" * 64)  # shows that it was used
        stored = asyncio.run(storage.process_item(item))
    finally:
        extraction.close_spider()
        storage.close_spider()
    database = Database(db_url)
    try:
        with database.session() as session:
            row = session.get(ArticleRow, stored.article_id)
            raw = session.scalar(select(RawPage.html_zlib).where(RawPage.article_id == stored.article_id))
            assert row is not None and row.content_hash == "c" * 64
            assert raw == prepared.raw_zlib
    finally:
        database.dispose()


def test_storage_runs_on_one_thread_of_its_own(db_url: str) -> None:
    crawler = get_crawler(settings_dict={"MONITOR_DATABASE_URL": db_url})
    crawler.stats.open_spider()
    pipeline = StoragePipeline.from_crawler(crawler)
    pipeline.open_spider()
    threads: set[str] = set()
    assert pipeline.archive is not None
    add = pipeline.archive.add

    def spy(*args: Any, **kwargs: Any) -> Any:
        threads.add(threading.current_thread().name)
        return add(*args, **kwargs)

    pipeline.archive.add = spy  # type: ignore[method-assign]
    try:
        for n in range(3):
            item = _item(b"<html>...</html>", f"{URL}?n={n}")
            item.article = Article(url=item.url, text=f"Article number {n}. " * 40, title=f"Title {n}", language="en")
            stored = asyncio.run(pipeline.process_item(item))
            assert stored.article_id is not None and stored.story_id is not None
        again = _item(b"<html>...</html>", f"{URL}?n=0")
        again.article = Article(url=again.url, text="Article number 0. " * 40, title="Title 0", language="en")
        with pytest.raises(DropItem, match="already archived"):
            asyncio.run(pipeline.process_item(again))
    finally:
        pipeline.close_spider()
    assert len(threads) == 1 and threading.current_thread().name not in threads
    stats = crawler.stats.get_stats()
    assert stats["monitor/stored"] == 3 and stats["monitor/duplicates"] == 1
    database = Database(db_url)
    try:
        with database.session() as session:
            assert len(list(session.scalars(select(ArticleRow.id)))) == 3
    finally:
        database.dispose()


class _StartedPool(ExtractionPool):
    """A pool that says its workers were started (the crawl expects pages), without starting any."""

    @property
    def started(self) -> bool:
        return True


@pytest.mark.parametrize("expects_pages", [True, False])
def test_storage_loads_the_indexes_during_discovery_when_pages_are_expected(db_url: str, expects_pages: bool) -> None:
    database = Database(db_url)
    try:  # an article in the open window, to be loaded into the copy index
        stored = Archive(database).add(
            Article(url=f"{URL}?old", text="An older article about the moratorium. " * 20, title="Old", language="en"),
            SourceRef("demo"),
            [],
        )
    finally:
        database.dispose()
    crawler = get_crawler(settings_dict={"MONITOR_DATABASE_URL": db_url, "MONITOR_EXTRACT_WORKERS": 1})
    crawler.stats.open_spider()
    crawler.spider = Spider("news")
    crawler.spider.extraction_pool = _StartedPool(1) if expects_pages else ExtractionPool(1)  # type: ignore[attr-defined]
    pipeline = StoragePipeline.from_crawler(crawler)
    pipeline.open_spider()
    try:
        assert pipeline.archive is not None and pipeline._thread is not None
        pipeline._thread.submit(lambda: None).result()  # what was submitted before has run
        copies = pipeline.archive.copies
        assert (len(copies), copies._lsh is not None) == ((1, True) if expects_pages else (0, False))
        assert stored.article_id is not None
    finally:
        pipeline.close_spider()


@pytest.mark.slow
def test_a_worker_started_for_a_waiting_page_leaves_the_lazy_parsers_to_the_pages_that_need_them() -> None:
    """A poll that found a few new articles starts a worker for them: it does not pay ~0.45 s for what only
    hard pages need (htmldate's dateparser, jusText's stop lists)."""
    pool = ExtractionPool(1)
    try:
        assert pool._create()  # as ``extract`` does for the first page of a pool that was not started
        executor = pool._executor
        assert executor is not None
        assert executor.submit(_warm_up_report).result(timeout=60) == (0, False)
        result = asyncio.run(pool.extract(PageJob(url=URL, body=_page())))
        assert result.article is not None and pool.started
    finally:
        pool.shutdown()


def test_an_article_the_database_refused_is_tried_again_by_the_next_crawl(db_url: str) -> None:
    """``Archive.add`` fails (the database is locked past its timeout, or went away): the page is dropped as a
    fault of its source, and the documents that led to it keep no validator, so that the next crawl finds it
    again; the crawl goes on with the next article."""
    from sqlalchemy.exc import OperationalError

    crawler = get_crawler(settings_dict={"MONITOR_DATABASE_URL": db_url})
    crawler.stats.open_spider()
    crawler.spider = types.SimpleNamespace(unfinished_documents=set())  # type: ignore[assignment]
    pipeline = StoragePipeline.from_crawler(crawler)
    pipeline.open_spider()
    assert pipeline.archive is not None
    add = pipeline.archive.add
    calls = {"n": 0}

    def locked_once(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("INSERT INTO articles", {}, Exception("database is locked"))
        return add(*args, **kwargs)

    pipeline.archive.add = locked_once  # type: ignore[method-assign]
    try:
        first = _item(b"<html>...</html>", f"{URL}?n=1")
        first.documents = ("https://courier.example/rss.xml",)
        first.article = Article(url=first.url, text="Article number 1. " * 40, title="Title 1", language="en")
        with pytest.raises(DropItem, match="storage failed"):
            asyncio.run(pipeline.process_item(first))
        second = _item(b"<html>...</html>", f"{URL}?n=2")
        second.article = Article(url=second.url, text="Article number 2. " * 40, title="Title 2", language="en")
        assert asyncio.run(pipeline.process_item(second)).article_id is not None
    finally:
        pipeline.close_spider()
    assert crawler.spider.unfinished_documents == {"https://courier.example/rss.xml"}
    stats = crawler.stats.get_stats()
    assert stats["monitor/storage_failed"] == 1 and stats["monitor/stored"] == 1
    assert stats["monitor/source/daily-courier/error/storage_failed"] == 1
