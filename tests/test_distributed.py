"""Distributed crawling through Redis (scrapy-redis): settings, the shared filter, and two real workers.

The tests that need Redis read MONITOR_TEST_REDIS_URL (and PostgreSQL MONITOR_TEST_POSTGRES_URL) and skip
cleanly without them; each uses its own key prefix and deletes it afterwards.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import DontCloseSpider

from monitor.cli.demo import demo_overrides
from monitor.crawl import CrawlOptions, CrawlReport, crawl_in_subprocess
from monitor.distributed import (
    DistributedConfig,
    DistributedError,
    SeenArticleFilter,
    WorkerExtension,
    distributed_settings,
    enqueue_sources,
    learn_source,
    queue_status,
    redis_client,
    reset,
    source_from_json,
    source_to_json,
)
from monitor.sources import Source
from tests.conftest import POSTGRES_ENV, REDIS_ENV, _postgres_database

needs_redis = pytest.mark.skipif(not os.environ.get(REDIS_ENV), reason=f"{REDIS_ENV} unset")
needs_postgres = pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} unset")

SOURCE = Source(
    name="courier",
    title="The Courier",
    language="en",
    homepage="https://courier.example/",
    feeds=("https://courier.example/rss.xml",),
    sections=("https://courier.example/tech/",),
    domains=("cdn.courier.example",),
)


# without Redis ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", ["", "two words", "a%b", "keys*"])
def test_bad_prefix_is_refused(prefix: str) -> None:
    with pytest.raises(DistributedError, match="prefix"):
        DistributedConfig(prefix=prefix)


def test_bad_redis_url_is_refused() -> None:
    with pytest.raises(DistributedError, match="not a Redis URL"):
        DistributedConfig(redis_url="postgresql://localhost/x")


def test_settings_share_queue_and_filter_under_the_prefix() -> None:
    settings = distributed_settings(DistributedConfig(redis_url="redis://10.0.0.5:6379/2", prefix="newsroom"))
    assert settings["SCHEDULER"] == "scrapy_redis.scheduler.Scheduler"
    assert settings["SCHEDULER_QUEUE_KEY"] == "newsroom:requests"
    assert settings["SCHEDULER_DUPEFILTER_KEY"] == "newsroom:dupefilter"
    assert settings["DUPEFILTER_CLASS"] == "monitor.distributed.SeenArticleFilter"
    assert settings["SCHEDULER_PERSIST"] is True
    assert settings["REDIS_URL"] == "redis://10.0.0.5:6379/2"
    assert DistributedConfig.from_settings(settings) == DistributedConfig("redis://10.0.0.5:6379/2", "newsroom")


def test_config_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_REDIS_URL", "redis://redis.internal:6380/1")
    config = DistributedConfig.from_settings({"MONITOR_REDIS_PREFIX": None}, idle_close=7)
    assert config.redis_url == "redis://redis.internal:6380/1"
    assert config.prefix == "monitor"
    assert config.idle_close == 7


def test_source_definition_round_trips_through_json() -> None:
    assert source_from_json(source_to_json(SOURCE)) == SOURCE
    assert source_from_json(source_to_json(SOURCE).encode()) == SOURCE


def test_learning_a_source_extends_the_allowed_hosts() -> None:
    from spiders.news import NewsSpider

    spider = NewsSpider(sources=[])
    assert spider.allowed_domains == []
    learn_source(spider, SOURCE)
    assert spider.sources_by_name["courier"] == SOURCE
    assert spider.allowed_domains == ["cdn.courier.example", "courier.example"]


class _RecordingFilter:
    def __init__(self) -> None:
        self.seen: set[str] = set()

    def request_seen(self, request: Request) -> bool:
        if request.url in self.seen:
            return True
        self.seen.add(request.url)
        return False


def test_only_article_urls_are_remembered() -> None:
    inner = _RecordingFilter()
    dupefilter = SeenArticleFilter(inner)
    feed = Request("https://courier.example/rss.xml", meta={"kind": "feed"})
    article = Request("https://courier.example/a/1.html", meta={"kind": "article"})
    assert [dupefilter.request_seen(feed) for _ in range(3)] == [False, False, False]
    assert [dupefilter.request_seen(article) for _ in range(3)] == [False, True, True]
    assert inner.seen == {article.url}


def test_idle_worker_stays_until_its_idle_time_is_over() -> None:
    extension = WorkerExtension(crawler=None, config=DistributedConfig(idle_close=0.2))  # type: ignore[arg-type]
    spider = Spider(name="news")
    with pytest.raises(DontCloseSpider):
        extension.spider_idle(spider)
    time.sleep(0.25)
    extension.spider_idle(spider)  # no exception: the engine may close the spider
    extension.busy(Request("https://courier.example/"))
    with pytest.raises(DontCloseSpider):
        extension.spider_idle(spider)
    forever = WorkerExtension(crawler=None, config=DistributedConfig(idle_close=0))  # type: ignore[arg-type]
    forever.idle_since = time.monotonic() - 3600
    with pytest.raises(DontCloseSpider):
        forever.spider_idle(spider)


def test_unreachable_redis_is_one_clear_error() -> None:
    config = DistributedConfig(redis_url="redis://127.0.0.1:1/0")
    with pytest.raises(DistributedError, match=re.escape("cannot reach Redis at redis://127.0.0.1:1/0")):
        redis_client(config)


# with Redis ---------------------------------------------------------------------------------------------
@pytest.fixture
def redis_config() -> Iterator[DistributedConfig]:
    config = DistributedConfig(redis_url=os.environ.get(REDIS_ENV, ""), prefix=f"monitor-test-{uuid.uuid4().hex[:10]}")
    yield config
    reset(config)
    client = redis_client(config)
    try:
        assert not list(client.scan_iter(match=f"{config.prefix}:*")), "keys of the test left in Redis"
    finally:
        client.close()


@needs_redis
def test_enqueue_publishes_sources_and_does_not_pile_up(redis_config: DistributedConfig) -> None:
    added = enqueue_sources(redis_config, [SOURCE])
    assert added == 2  # the feed and the section page
    assert enqueue_sources(redis_config, [SOURCE]) == 0  # still pending: not queued twice
    status = queue_status(redis_config)
    assert status["pending_requests"] == 2
    assert status["sources"] == ["courier"]
    assert status["seen_articles"] == 0
    client = redis_client(redis_config)
    try:
        assert source_from_json(client.hget(redis_config.keys.sources, "courier") or b"") == SOURCE
    finally:
        client.close()


@needs_redis
def test_reset_deletes_every_key_of_the_prefix_and_only_those(redis_config: DistributedConfig) -> None:
    other = DistributedConfig(redis_url=redis_config.redis_url, prefix=redis_config.prefix + "-other")
    enqueue_sources(redis_config, [SOURCE])
    enqueue_sources(other, [SOURCE])
    try:
        assert reset(redis_config) == 2  # requests and sources
        assert queue_status(redis_config)["pending_requests"] == 0
        assert queue_status(other)["pending_requests"] == 2
    finally:
        reset(other)


# two workers, one Redis, one PostgreSQL ---------------------------------------------------------------------
@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"{POSTGRES_ENV} unset")
    yield from _postgres_database()


def _worker(db_url: str, config: DistributedConfig) -> CrawlReport:
    overrides = {**demo_overrides(), "CONCURRENT_REQUESTS": 4, **distributed_settings(config)}
    options = CrawlOptions(database_url=db_url, sources=[], log_level="WARNING", overrides=overrides)
    return crawl_in_subprocess(options, timeout=120)


def _wait_for_workers(config: DistributedConfig, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(queue_status(config)["workers"]) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"{count} workers did not start within {timeout}s")


def _article_requests(site: Any) -> Counter[str]:
    counts: Counter[str] = Counter()
    for outlet in site.outlets:
        for path in site.requests(outlet.name):
            path = path.split("?", 1)[0]
            if path.startswith("/articles/"):
                counts[f"{outlet.name}{path}"] += 1
    return counts


@needs_redis
@needs_postgres
@pytest.mark.slow
def test_two_workers_fetch_every_article_once_and_store_it_once(
    redis_config: DistributedConfig, postgres_url: str, demo_truth: dict[str, dict[str, Any]]
) -> None:
    from sqlalchemy import func, select

    from monitor.db import Database
    from monitor.db.models import Article
    from monitor.demo.server import serve_site

    config = DistributedConfig(redis_url=redis_config.redis_url, prefix=redis_config.prefix, idle_close=3)
    database = Database(postgres_url)
    with serve_site() as site, ThreadPoolExecutor(2) as pool:
        workers = [pool.submit(_worker, database.url, config) for _ in range(2)]
        _wait_for_workers(config, 2)
        assert enqueue_sources(config, site.sources()) > 0
        reports = [worker.result(timeout=150) for worker in workers]
        fetched = _article_requests(site)

    for report in reports:
        assert report.stats.get("finish_reason") == "finished", report.stats
        assert report.errors == 0
        assert report.stats.get("scheduler/dequeued/redis", 0) > 0, "one worker got no work from the shared queue"
    assert set(fetched) == set(demo_truth), "articles missed or unexpected"
    assert {key: n for key, n in fetched.items() if n != 1} == {}, "articles fetched more than once"

    on_topic = sum(truth["on_topic"] for truth in demo_truth.values())
    with database.session() as session:
        urls = list(session.scalars(select(Article.canonical_url)))
        assert session.scalar(select(func.count(func.distinct(Article.content_hash)))) == len(urls)
    database.dispose()
    assert len(urls) == len(set(urls)) == on_topic
    assert sum(report.stored for report in reports) == on_topic
    status = queue_status(config)
    assert status["pending_requests"] == 0
    assert status["seen_articles"] >= len(demo_truth)  # and the links that turned out not to be articles
    assert status["workers"] == []


# the commands ---------------------------------------------------------------------------------------------
@needs_redis
def test_worker_status_and_reset_commands(redis_config: DistributedConfig) -> None:
    from click.testing import CliRunner

    from monitor.cli import main

    enqueue_sources(redis_config, [SOURCE])
    args = ["--redis", redis_config.redis_url, "--prefix", redis_config.prefix]
    status = CliRunner().invoke(main, ["worker", *args, "--status"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["pending_requests"] == 2
    cleared = CliRunner().invoke(main, ["worker", *args, "--reset"])
    assert cleared.exit_code == 0 and json.loads(cleared.stdout)["deleted_keys"] == 2
    assert queue_status(redis_config)["pending_requests"] == 0


def test_worker_and_crawl_refuse_an_unreachable_redis(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from monitor.cli import main

    db = f"sqlite:///{tmp_path / 'a.db'}"
    down = CliRunner().invoke(main, ["worker", "--db", db, "--redis", "redis://127.0.0.1:1/0"])
    assert down.exit_code == 1 and "cannot reach Redis" in down.output and "Traceback" not in down.output
    crawl = CliRunner().invoke(
        main,
        ["crawl", "--db", db, "--source", "lemonde", "--distributed", "-s", "MONITOR_REDIS_URL=redis://127.0.0.1:1/0"],
    )
    assert crawl.exit_code == 1 and "cannot reach Redis" in crawl.output
    bad = CliRunner().invoke(main, ["worker", "--db", db, "--prefix", "two words", "--status"])
    assert bad.exit_code == 1 and "prefix" in bad.output


@needs_redis
@pytest.mark.slow
def test_crawl_distributed_twice_fetches_feeds_again_and_articles_once(
    redis_config: DistributedConfig, tmp_path: Any, demo_truth: dict[str, dict[str, Any]]
) -> None:
    """`monitor crawl --distributed` through the command line, twice: the seen URLs outlive the process."""
    import subprocess
    import sys

    from monitor.demo.server import serve_site

    db = f"sqlite:///{tmp_path / 'archive.db'}"
    settings = [f"{k}={v}" for k, v in {**demo_overrides(), "MONITOR_WORKER_IDLE_CLOSE": 1}.items()]
    with serve_site() as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(site.sources_toml(), "utf-8")
        command = [sys.executable, "-m", "monitor.cli", "crawl", "--db", db, "--sources", str(sources), "--distributed"]
        command += [arg for pair in settings for arg in ("-s", pair)]
        command += [
            "-s",
            f"MONITOR_REDIS_URL={redis_config.redis_url}",
            "-s",
            f"MONITOR_REDIS_PREFIX={redis_config.prefix}",
        ]
        command += ["--log-level", "WARNING", "--lock-dir", str(tmp_path / "locks")]
        runs = []
        for _ in range(2):
            done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
            assert done.returncode == 0, done.stderr[-2000:]
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            feeds = [p for o in site.outlets for p in site.requests(o.name) if p.endswith("rss.xml")]
        fetched = _article_requests(site)
    assert len(feeds) == 2 * len(site.outlets)  # every feed, at each run
    assert set(fetched) == set(demo_truth) and set(fetched.values()) == {1}  # every article, once in all
    assert runs[0]["stored"] == sum(t["on_topic"] for t in demo_truth.values())
    assert runs[1].get("stored", 0) == 0
    assert queue_status(redis_config)["seen_articles"] >= len(demo_truth)


@needs_redis
def test_a_worker_learns_sources_from_redis_and_drops_unpublished_ones(redis_config: DistributedConfig) -> None:
    from scrapy.exceptions import IgnoreRequest
    from scrapy.utils.test import get_crawler

    from monitor.distributed import SourceSyncMiddleware, publish_sources
    from spiders.news import NewsSpider

    crawler = get_crawler(NewsSpider, distributed_settings(redis_config))
    spider = NewsSpider(sources=[])
    middleware = SourceSyncMiddleware.from_crawler(crawler)
    client = redis_client(redis_config)
    try:
        publish_sources(client, redis_config, [SOURCE])
        feed = Request("https://courier.example/rss.xml", meta={"source": "courier", "kind": "feed"})
        assert middleware.process_request(feed, spider) is None
        assert spider.sources_by_name["courier"] == SOURCE and "courier.example" in spider.allowed_domains
        moved = Source(name="courier", title="The Courier", feeds=("https://news.courier.example/feed",))
        publish_sources(client, redis_config, [moved])  # the coordinator changed the definition
        assert middleware.process_request(feed, spider) is None
        assert spider.allowed_domains == ["news.courier.example"]
        stranger = Request("https://elsewhere.example/a.html", meta={"source": "nobody", "kind": "article"})
        with pytest.raises(IgnoreRequest, match="not published"):
            middleware.process_request(stranger, spider)
        assert crawler.stats is not None and crawler.stats.get_value("monitor/unknown_source") == 1
    finally:
        client.close()


def test_components_are_off_unless_distributed() -> None:
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    from monitor.distributed import SourceSyncMiddleware

    crawler = get_crawler(Spider, {"MONITOR_DISTRIBUTED": False})
    for component in (SourceSyncMiddleware, WorkerExtension):
        with pytest.raises(NotConfigured):
            component.from_crawler(crawler)


@needs_redis
def test_an_article_that_failed_for_a_while_is_forgotten_by_the_shared_filter(redis_config: DistributedConfig) -> None:
    """The shared filter remembers every article URL scheduled, ever: one whose download failed for a while
    (a timeout, a 5xx) is forgotten, so that a later cycle schedules it again; a 404 stays remembered."""
    from scrapy.http import Response
    from scrapy.spidermiddlewares.httperror import HttpError
    from scrapy.utils.test import get_crawler
    from twisted.internet.error import TimeoutError as TwistedTimeout
    from twisted.python.failure import Failure

    from spiders.news import NewsSpider

    crawler = get_crawler(NewsSpider, settings_dict=distributed_settings(redis_config))
    crawler.stats.open_spider()
    spider = NewsSpider.from_crawler(crawler, sources=[SOURCE])
    seen = SeenArticleFilter.from_spider(spider)
    feed = "https://courier.example/rss.xml"
    busy = Request(
        "https://courier.example/a/busy.html", meta={"kind": "article", "source": "courier", "documents": [feed]}
    )
    gone = Request(
        "https://courier.example/a/gone.html", meta={"kind": "article", "source": "courier", "documents": [feed]}
    )
    assert not seen.request_seen(busy) and not seen.request_seen(gone)
    timeout = Failure(TwistedTimeout("took too long"))
    timeout.request = busy  # type: ignore[attr-defined]
    spider.on_error(timeout)
    not_found = Failure(HttpError(Response(gone.url, status=404, request=gone)))
    not_found.request = gone  # type: ignore[attr-defined]
    spider.on_error(not_found)
    assert not seen.request_seen(busy), "forgotten: a later cycle schedules it again"
    assert seen.request_seen(gone), "a 404 is not tried again"
    assert spider.unfinished_documents == {feed}
