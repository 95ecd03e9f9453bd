"""Extraction in worker processes: the crawl hands fetched pages to a process pool and awaits the articles.

Extraction (trafilatura, lxml, htmldate, langdetect) is CPU-bound and holds the GIL, so in the crawl
process it would block Scrapy's reactor and use one core. ``ExtractionPool`` runs ``extract_page`` in
``workers`` processes (``MONITOR_EXTRACT_WORKERS``, one per CPU by default) and returns an awaitable
per page; with 0 workers it runs in the calling thread (tests, debugging, profilers).

The workers are started with ``spawn``: never forked from a process that runs Twisted's reactor and
threads, and children of the crawl process itself (a ``forkserver`` would outlive it: its children
keep it alive). Each one ignores SIGINT and SIGTERM (the crawl process decides when they stop:
``shutdown`` after the last item), dies with the crawl process (Linux ``PR_SET_PDEATHSIG``, so a crawl
killed with ``kill -9`` leaves no worker behind) and warms up its caches (langdetect profiles, date
parsers, the story lexicon) once. With ``PageJob.prepare`` a worker also computes the pure half of
archiving the article (``monitor.prepared``: hashes, MinHash, story features, the compressed page), so
that the crawl process's storage thread only looks up and writes. A worker that dies (a crash in a C library, the
OOM killer) breaks the pool: it is replaced, the page retried once, then given up as failed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import signal
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # imported where pages are extracted: a crawl process can start its pool before loading them
    from scrapy.settings import BaseSettings

    from monitor.article import Article
    from monitor.prepared import Prepared
    from monitor.story_features import FeatureExtractor

logger = logging.getLogger(__name__)
T = TypeVar("T")

WORKER_DIED = "extraction worker died on this page"
_WARM_UP_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Essai</title>
<meta property="article:published_time" content="2020-06-10T18:05:00+02:00"></head><body><article>
<h1>La reconnaissance faciale en débat</h1><p>Publié le 10 juin 2020 à 18h05</p>
<p>La police a testé la reconnaissance faciale dans plusieurs villes, et les associations de défense
des libertés publiques demandent un moratoire sur ces systèmes de surveillance biométrique.</p>
<p>Facial recognition was tested by the police in several cities, and civil liberties groups are
asking for a moratorium on these biometric surveillance systems until a law governs their use.</p>
</article></body></html>"""


@dataclass(frozen=True)
class PageJob:
    """A fetched page, as sent to a worker (picklable: plain values only)."""

    url: str
    body: bytes
    encoding: str | None = None
    feed_title: str | None = None
    feed_published: datetime | None = None
    prepare: bool = False  # also compute what archiving the article needs (``PageResult.prepared``)


@dataclass(frozen=True)
class PageResult:
    """The article of a page, or why there is none."""

    article: Article | None
    error: str | None = None
    cpu_seconds: float = 0.0  # spent on it by the process that extracted it
    prepared: Prepared | None = None  # with ``PageJob.prepare``: for ``Archive.add``


def decoded(body: bytes, encoding: str | None) -> str | bytes:
    """``body`` decoded with the charset the response declared; the bytes (sniffed later) otherwise.

    Valid UTF-8 with non-ASCII characters wins over another declared charset: Latin-1 read from UTF-8
    bytes never fails, it stores mojibake ("Ã©"), while Latin-1 text is almost never valid UTF-8.
    """
    if encoding:
        if not body.isascii() and not encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32")):
            try:
                return body.decode("utf-8")
            except UnicodeDecodeError:
                pass
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            pass
    return body


def extract_page(job: PageJob) -> PageResult:
    """Extract the article of ``job`` (pure); the feed's title and date fill what the page lacks."""
    from monitor.extraction import ExtractionError, extract_article
    from monitor.prepared import prepare

    started = time.process_time()
    try:
        article = extract_article(decoded(job.body, job.encoding), job.url)
    except ExtractionError as exc:
        return PageResult(None, str(exc), time.process_time() - started)
    if not article.title and job.feed_title:
        article.title = job.feed_title
        article.provenance["title"] = "feed"
    if job.feed_published is not None and (article.published_at is None or _same_day_only(article, job.feed_published)):
        article.published_at = job.feed_published
        article.provenance["published_at"] = "feed"
    prepared = prepare(article, _feature_extractor(), job.body) if job.prepare else None
    return PageResult(article, None, time.process_time() - started, prepared)


def _same_day_only(article: Article, listed: datetime) -> bool:
    """Whether the page gave only the day (htmldate reads it from the URL, a text date without a time) and
    the feed or sitemap that listed the page gives a time on that same day: the listing is then as exact."""
    published = article.published_at
    if published is None or article.provenance.get("published_at") not in ("htmldate", "text"):
        return False
    midnight = (published.hour, published.minute, published.second, published.microsecond) == (0, 0, 0, 0)
    return midnight and published.date() == listed.date()


@cache
def _feature_extractor() -> FeatureExtractor:
    """The story feature extractor of this process (the shipped lexicon, as ``Archive`` uses), built once."""
    from monitor.story_features import FeatureExtractor, load_lexicon

    return FeatureExtractor(load_lexicon())


def default_workers() -> int:
    """One worker per CPU this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def extract_workers(settings: BaseSettings) -> int:
    """``MONITOR_EXTRACT_WORKERS``: unset or empty is one per CPU; a negative number is an error."""
    value = settings.get("MONITOR_EXTRACT_WORKERS")
    if value is None or value == "":
        return default_workers()
    workers = settings.getint("MONITOR_EXTRACT_WORKERS")
    if workers < 0:
        raise ValueError(f"MONITOR_EXTRACT_WORKERS must be 0 or more, not {value!r}")
    return workers


def _init_worker(warm_lazy_parsers: bool = True) -> None:
    """Once per worker process: leave signals to the crawl process, die with it, warm the caches (with
    ``warm_lazy_parsers``, also what the libraries load only for hard pages)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    from monitor.extraction import ExtractionError, extract_article

    _die_with_parent()
    _feature_extractor()
    with contextlib.suppress(ExtractionError):
        extract_article(_WARM_UP_PAGE, "https://example.org/2020/06/10/warm-up.html")
    if warm_lazy_parsers:
        _warm_up_lazy_parsers()


def _warm_up_lazy_parsers() -> None:
    """Load what a library loads at its first hard page, not at import: jusText's stop lists (the fallback
    of a page trafilatura's fast run gets little from); without this each worker paid it inside its first
    pages. Best effort: these are the library's internals, and a change there only costs time. (htmldate
    runs without its extensive search, so dateparser, which it would load for it, is never needed.)"""
    with contextlib.suppress(Exception):
        from lxml import html
        from trafilatura import external

        external.try_justext(html.fromstring(_WARM_UP_PAGE.encode("utf-8")), None, None)


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when the crawl process that started it exits, however it exits."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl: this process was handed to init
        os._exit(1)


async def wait_for(future: concurrent.futures.Future[T]) -> T:
    """The result of ``future``, awaited on the running asyncio loop (Scrapy's default reactor runs one);
    without one (another Twisted reactor, a plain call) it is waited for."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return future.result()
    return await asyncio.wrap_future(future)


class ExtractionPool:
    """``extract_page`` in ``workers`` processes (0: in the calling thread), awaited from asyncio.

    Use from one thread (the reactor's); ``shutdown`` waits for the pages in flight and stops the workers.
    Without a running asyncio loop (a crawl on another Twisted reactor) a page is still extracted in a
    worker, but waited for.
    """

    def __init__(self, workers: int) -> None:
        if workers < 0:
            raise ValueError(f"workers must be 0 or more, not {workers}")
        self.workers = workers
        self.restarts = 0
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        self._closed = False

    @property
    def in_process(self) -> bool:
        return self.workers == 0

    @property
    def started(self) -> bool:
        """Whether worker processes were started (``start``, or a first page) and not shut down."""
        return self._executor is not None

    def start(self) -> None:
        """Start every worker now, to warm up while discovery runs (else a worker starts when a page
        waits for one: a poll that finds nothing new pays for no worker). Workers started now also load
        what the libraries load only for hard pages (``_warm_up_lazy_parsers``, ~0.45 s of CPU each): a
        crawl that expects pages will likely meet one. Workers started for a page already waiting (a poll
        that found a few new articles) load it only if a page needs it."""
        if self._create(warm_lazy_parsers=True):
            assert self._executor is not None
            # a pool starts its processes as pages come: submit one no-op per worker
            for _ in range(self.workers):
                self._executor.submit(os.getpid)

    def _create(self, warm_lazy_parsers: bool = False) -> bool:
        """Create the executor if there is none; whether it was created now."""
        if self.in_process or self._executor is not None or self._closed:
            return False
        self._executor = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(warm_lazy_parsers,),
        )
        return True

    async def extract(self, job: PageJob) -> PageResult:
        """The article of ``job``; a page on which a worker died twice is a failure, not an exception."""
        if self.in_process:
            return extract_page(job)
        for _attempt in range(2):
            if self._closed:
                raise RuntimeError("extraction pool is shut down")
            self._create()
            executor = self._executor
            assert executor is not None
            try:
                return await wait_for(executor.submit(extract_page, job))
            except BrokenProcessPool:
                self._replace(executor)
        return PageResult(None, WORKER_DIED)

    def _replace(self, broken: concurrent.futures.ProcessPoolExecutor) -> None:
        if self._executor is broken:  # the first page to see the breakage replaces the pool
            logger.warning("an extraction worker died; starting new workers")
            self.restarts += 1
            self._executor = None
            broken.shutdown(wait=False, cancel_futures=True)

    def pids(self) -> list[int]:
        """The worker processes alive now (for tests and monitoring)."""
        if self._executor is None:
            return []
        processes = getattr(self._executor, "_processes", None) or {}
        return [pid for pid, process in processes.items() if process.is_alive()]

    def shutdown(self) -> None:
        """Wait for the pages in flight, then stop the workers; idempotent."""
        self._closed = True
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
