"""Distributed crawling: several crawler processes share one request queue and one seen-URL filter in Redis.

scrapy-redis does the sharing: its ``Scheduler`` keeps the pending requests in a Redis sorted set and its
``RFPDupeFilter`` the fingerprints of the requests already scheduled, under keys named by a per-deployment
prefix (``MONITOR_REDIS_PREFIX``)::

    PREFIX:requests     pending requests (scrapy-redis PriorityQueue; feeds before articles)
    PREFIX:dupefilter   fingerprints of the article URLs already scheduled, by any process, ever
    PREFIX:sources      the definition of each source (JSON), published by whoever enqueues its start URLs
    PREFIX:worker:*     one short-lived key per running worker (for ``monitor worker --status``)

Roles: a coordinator (``monitor daemon --coordinator``, or :func:`enqueue_sources`) pushes the start URLs
(feeds, sitemaps, section pages) of the due sources; workers (``monitor worker``: the news spider with no
start URLs of its own) pop requests, push the article requests they discover, and store into the one
archive. ``monitor crawl --distributed`` enqueues its sources itself and works until the queue is empty.

Only article URLs are remembered by the seen-URL filter: feeds and section pages are fetched again at every
cycle. The queue holds pickled requests (scrapy-redis' default, as Scrapy's own disk queues): the Redis
server must be reachable only by the crawler's processes.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request, Spider, signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, NotConfigured

from monitor.sources import Source

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.crawler import Crawler

ENV_REDIS_URL = "MONITOR_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_PREFIX = "monitor"
CRAWL_IDLE_CLOSE = 10.0  # ``monitor crawl --distributed`` returns after the queue stayed empty this long
WORKER_KEY_TTL = 30  # seconds; refreshed while the worker runs
QUEUE_CLASS = "scrapy_redis.queue.PriorityQueue"


class DistributedError(RuntimeError):
    """Redis cannot be used: not installed, unreachable, or a bad key prefix."""


@dataclass(frozen=True)
class RedisKeys:
    prefix: str

    @property
    def requests(self) -> str:
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:
        return f"{self.prefix}:dupefilter"

    @property
    def sources(self) -> str:
        return f"{self.prefix}:sources"

    def worker(self, name: str) -> str:
        return f"{self.prefix}:worker:{name}"

    @property
    def workers_pattern(self) -> str:
        return f"{self.prefix}:worker:*"


@dataclass(frozen=True)
class DistributedConfig:
    """Where the shared queue lives and how a worker behaves; one prefix per deployment."""

    redis_url: str = DEFAULT_REDIS_URL
    prefix: str = DEFAULT_PREFIX
    idle_close: float = 0.0  # seconds on an empty queue before a worker exits; 0: never
    poll_interval: float = 0.5

    def __post_init__(self) -> None:
        if not self.prefix or any(c.isspace() or c in "%*?[]" for c in self.prefix):
            raise DistributedError(f"bad Redis key prefix {self.prefix!r}: no spaces, %, *, ?, [ or ]")
        if not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise DistributedError(f"not a Redis URL: {self.redis_url!r} (expected redis://host:6379/0)")
        if self.idle_close < 0 or self.poll_interval <= 0:
            raise DistributedError("idle_close must be >= 0 and poll_interval > 0")

    @property
    def keys(self) -> RedisKeys:
        return RedisKeys(self.prefix)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], **defaults: Any) -> Self:
        """From ``MONITOR_REDIS_URL`` / ``MONITOR_REDIS_PREFIX`` / ``MONITOR_WORKER_*`` (Scrapy settings or a dict),
        then ``$MONITOR_REDIS_URL``, then the defaults."""

        def pick(name: str, fallback: Any) -> Any:
            value = settings.get(name)
            return fallback if value in (None, "") else value

        return cls(
            redis_url=resolve_redis_url(pick("MONITOR_REDIS_URL", None)),
            prefix=str(pick("MONITOR_REDIS_PREFIX", defaults.get("prefix", DEFAULT_PREFIX))),
            idle_close=float(pick("MONITOR_WORKER_IDLE_CLOSE", defaults.get("idle_close", 0.0))),
            poll_interval=float(pick("MONITOR_WORKER_POLL_INTERVAL", defaults.get("poll_interval", 0.5))),
        )


def resolve_redis_url(url: str | None = None) -> str:
    """``--redis`` first, then ``$MONITOR_REDIS_URL``, then ``redis://127.0.0.1:6379/0``."""
    return url or os.environ.get(ENV_REDIS_URL) or DEFAULT_REDIS_URL


def distributed_settings(config: DistributedConfig) -> dict[str, Any]:
    """The Scrapy settings that make a crawl share its queue and seen-URL filter through Redis."""
    keys = config.keys
    return {
        "MONITOR_DISTRIBUTED": True,
        "MONITOR_REDIS_URL": config.redis_url,
        "MONITOR_REDIS_PREFIX": config.prefix,
        "MONITOR_WORKER_IDLE_CLOSE": config.idle_close,
        "MONITOR_WORKER_POLL_INTERVAL": config.poll_interval,
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": QUEUE_CLASS,
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "DUPEFILTER_CLASS": "monitor.distributed.SeenArticleFilter",
        "SCHEDULER_PERSIST": True,  # one process closing must not empty the queue of the others
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,  # never block the reactor on Redis
        "REDIS_URL": config.redis_url,
    }


def distributed_overrides(overrides: Mapping[str, Any], idle_close: float = CRAWL_IDLE_CLOSE) -> dict[str, Any]:
    """``overrides`` (``-s NAME=VALUE`` of a command) plus the settings of a distributed crawl, read from them
    (``MONITOR_REDIS_URL``, ``MONITOR_REDIS_PREFIX``, ...) or the environment; Redis is checked first."""
    config = DistributedConfig.from_settings(overrides, idle_close=idle_close)
    redis_client(config).close()
    return {**overrides, **distributed_settings(config)}


def redis_client(config: DistributedConfig) -> Redis:
    """A connected client; a :class:`DistributedError` with one clear line when Redis cannot be used."""
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise DistributedError("distributed crawling needs: pip install 'facewatch-monitor[distributed]'") from exc
    client = redis.Redis.from_url(config.redis_url, socket_connect_timeout=5, socket_timeout=30)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise DistributedError(f"cannot reach Redis at {config.redis_url}: {exc}") from exc
    return client


# sources as data in Redis --------------------------------------------------------------------------------
def source_to_json(source: Source) -> str:
    return json.dumps(asdict(source), ensure_ascii=False, sort_keys=True)


def source_from_json(text: str | bytes) -> Source:
    data = json.loads(text)
    for key in ("feeds", "sitemaps", "sections", "domains"):
        data[key] = tuple(data.get(key) or ())
    return Source(**data)


def publish_sources(client: Redis, config: DistributedConfig, sources: Iterable[Source]) -> None:
    """Make the definitions of ``sources`` known to every worker."""
    mapping: dict[Any, Any] = {source.name: source_to_json(source) for source in sources}
    if mapping:
        client.hset(config.keys.sources, mapping=mapping)


def learn_source(spider: Spider, source: Source) -> None:
    """Add (or update) a source on a running news spider: its definition and its allowed hosts."""
    by_name: dict[str, Source] = spider.sources_by_name  # type: ignore[attr-defined]
    by_name[source.name] = source
    spider.sources = list(by_name.values())  # type: ignore[attr-defined]
    spider.allowed_domains = sorted({d for s in by_name.values() for d in s.allowed_domains})  # type: ignore[attr-defined]


# the coordinator's side -------------------------------------------------------------------------------------
def start_requests_of(sources: list[Source]) -> tuple[Spider, list[Request]]:
    """The start requests (feeds, sitemaps, sections) of ``sources``, as the news spider makes them."""
    from spiders.news import NewsSpider

    spider = NewsSpider(sources=sources)
    return spider, list(spider.start_requests())


def enqueue_sources(config: DistributedConfig, sources: list[Source]) -> int:
    """Publish the sources and push their start URLs into the shared queue; returns how many were added.

    A start request still waiting in the queue is not added twice (the queue is a set of serialised
    requests), so a coordinator that runs while the workers are down does not pile up copies.
    """
    from scrapy_redis.queue import PriorityQueue

    client = redis_client(config)
    try:
        publish_sources(client, config, sources)
        spider, requests = start_requests_of(sources)
        queue = PriorityQueue(server=client, spider=spider, key=config.keys.requests)
        before = len(queue)
        for request in requests:
            queue.push(request)
        return len(queue) - before
    finally:
        client.close()


def queue_status(config: DistributedConfig) -> dict[str, Any]:
    """What the shared state holds: pending requests, article URLs seen, sources known, workers running."""
    client = redis_client(config)
    keys = config.keys
    try:
        workers = [json.loads(client.get(key) or b"{}") for key in client.scan_iter(match=keys.workers_pattern)]
        return {
            "redis": config.redis_url,
            "prefix": config.prefix,
            "pending_requests": client.zcard(keys.requests),
            "seen_articles": client.scard(keys.dupefilter),
            "sources": sorted(_text(name) for name in client.hkeys(keys.sources)),
            "workers": sorted(workers, key=lambda w: (w.get("host", ""), w.get("pid", 0))),
        }
    finally:
        client.close()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def reset(config: DistributedConfig) -> int:
    """Delete every key of the deployment (queue, seen URLs, sources, worker marks); returns how many."""
    client = redis_client(config)
    try:
        keys = [config.keys.requests, config.keys.dupefilter, config.keys.sources]
        keys += list(client.scan_iter(match=config.keys.workers_pattern))
        return int(client.delete(*keys)) if keys else 0
    finally:
        client.close()


# Scrapy components (listed in monitor/settings.py; off unless MONITOR_DISTRIBUTED) -------------------------
class SeenArticleFilter:
    """scrapy-redis' shared RFPDupeFilter, applied to article requests only.

    Feeds, sitemaps and section pages must be fetched again at every cycle, so they are never remembered;
    an article URL scheduled once, by any process, is not scheduled again.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    @classmethod
    def from_spider(cls, spider: Spider) -> Self:
        from scrapy_redis.dupefilter import RFPDupeFilter

        dupefilter = cls(RFPDupeFilter.from_spider(spider))
        spider.seen_filter = dupefilter  # type: ignore[attr-defined]  # the spider forgets what failed for a while
        return dupefilter

    def request_seen(self, request: Request) -> bool:
        if request.meta.get("kind") != "article":
            return False
        return bool(self.inner.request_seen(request))

    def forget(self, request: Request) -> None:
        """An article whose download failed for a while is scheduled again when a later cycle finds it."""
        self.inner.server.srem(self.inner.key, self.inner.request_fingerprint(request))

    def log(self, request: Request, spider: Spider) -> None:
        self.inner.log(request, spider)

    def open(self) -> None:
        return None

    def close(self, reason: str = "") -> None:
        return None  # the seen URLs outlive every process: never cleared on close

    def clear(self) -> None:
        self.inner.clear()


class SourceSyncMiddleware:
    """Downloader middleware: before a request from the shared queue is checked and downloaded, its source
    is made known to this process (from ``PREFIX:sources``), so that allowed hosts and source metadata agree
    with the process that enqueued it. Requests of a source nobody published are dropped."""

    def __init__(self, crawler: Crawler, config: DistributedConfig) -> None:
        self.crawler = crawler
        self.config = config
        self.client: Redis | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("MONITOR_DISTRIBUTED"):
            raise NotConfigured  # not a distributed crawl: switched off without a warning
        return cls(crawler, DistributedConfig.from_settings(crawler.settings))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        name = request.meta.get("source")
        spider = spider or self.crawler.spider
        if not name or spider is None:
            return None
        known: dict[str, Source] = getattr(spider, "sources_by_name", {})
        if name in known and request.meta.get("kind") == "article":
            return None  # start requests (below) refresh the definition: the coordinator may have changed it
        if self.client is None:
            self.client = redis_client(self.config)
        raw = self.client.hget(self.config.keys.sources, name)
        if raw is not None:
            learn_source(spider, source_from_json(raw))
            return None
        if name in known:
            return None
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("monitor/unknown_source")
        raise IgnoreRequest(f"source {name!r} is not published in {self.config.keys.sources}: {request.url}")


class WorkerExtension:
    """Keeps a distributed crawl alive while the shared queue may still get work, and marks it as running.

    - publishes the sources of this process's spider (those whose start URLs it enqueues itself);
    - an idle process does not close: it looks at the shared queue every ``MONITOR_WORKER_POLL_INTERVAL``
      seconds, and exits only after ``MONITOR_WORKER_IDLE_CLOSE`` seconds without work (0: never);
    - ``PREFIX:worker:HOST:PID`` exists while it runs (``monitor worker --status``).
    """

    def __init__(self, crawler: Crawler, config: DistributedConfig) -> None:
        self.crawler = crawler
        self.config = config
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.started = time.time()
        self.idle_since: float | None = None
        self.client: Redis | None = None
        self.loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("MONITOR_DISTRIBUTED"):
            raise NotConfigured  # not a distributed crawl: switched off without a warning
        extension = cls(crawler, DistributedConfig.from_settings(crawler.settings))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.busy, signal=signals.request_reached_downloader)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        from twisted.internet.task import LoopingCall

        self.client = redis_client(self.config)
        publish_sources(self.client, self.config, getattr(spider, "sources", []))
        self._mark()
        self.loop = LoopingCall(self._tick)
        self.loop.start(self.config.poll_interval, now=False)

    def busy(self, request: Request, spider: Spider | None = None) -> None:
        self.idle_since = None

    def spider_idle(self, spider: Spider) -> None:
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if self.config.idle_close and now - self.idle_since >= self.config.idle_close:
            return  # let the engine close the spider
        raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.client is not None:
            self.client.delete(self.config.keys.worker(self.name))
            self.client.close()

    def _tick(self) -> None:
        self._mark()
        self._wake_engine()

    def _mark(self) -> None:
        if self.client is None:
            return
        value = json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "started": int(self.started)})
        ttl = max(WORKER_KEY_TTL, int(self.config.poll_interval * 10))
        try:
            self.client.set(self.config.keys.worker(self.name), value, ex=ttl)
        except Exception:  # Redis blips must not stop a crawl; the scheduler will report real outages
            return

    def _wake_engine(self) -> None:
        """Ask the engine to look at the scheduler now, not at its next 5-second heartbeat.

        Scrapy has no public call for it: ``engine._slot.nextcall`` is what ``engine.crawl()`` uses.
        Without it (another Scrapy), the heartbeat still polls the queue, only more slowly.
        """
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None) if engine is not None else None
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None and hasattr(nextcall, "schedule"):
            nextcall.schedule()
