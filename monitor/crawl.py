"""Running crawls: one-shot in this process (CLI, cron), or in a child process (daemon).

Twisted's reactor cannot be restarted in one process, so anything long-lived calls
``crawl_in_subprocess`` and never ``CrawlerProcess.start()`` twice.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from monitor.sources import Source

SUMMARY_KEYS = (
    "monitor/stored",
    "monitor/duplicates",
    "monitor/copies",
    "monitor/stories_opened",
    "monitor/off_topic",
    "monitor/extraction_failed",
    "monitor/already_archived",
    "monitor/feed_errors",
    "monitor/sitemap_errors",
    "item_scraped_count",
    "item_dropped_count",
    "downloader/request_count",
    "downloader/response_count",
    "log_count/ERROR",
    "finish_reason",
)


@dataclass
class CrawlOptions:
    database_url: str | None = None
    sources: list[Source] = field(default_factory=list)
    all_topics: bool = False
    refresh: bool = False
    watchlists_file: str | None = None
    log_level: str = "INFO"
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class CrawlReport:
    stats: dict[str, Any]

    @property
    def stored(self) -> int:
        return int(self.stats.get("monitor/stored", 0))

    @property
    def errors(self) -> int:
        return int(self.stats.get("log_count/ERROR", 0))

    def summary(self) -> dict[str, Any]:
        return {k.removeprefix("monitor/"): self.stats[k] for k in SUMMARY_KEYS if k in self.stats}


def build_settings(options: CrawlOptions) -> Settings:
    settings = get_project_settings()
    if not settings.get("BOT_NAME") or settings.get("BOT_NAME") == "scrapybot":
        settings.setmodule("monitor.settings", priority="project")
    settings.set("MONITOR_DATABASE_URL", options.database_url, priority="cmdline")
    settings.set("MONITOR_ALL_TOPICS", options.all_topics, priority="cmdline")
    settings.set("MONITOR_REFRESH", options.refresh, priority="cmdline")
    settings.set("LOG_LEVEL", options.log_level, priority="cmdline")
    if options.watchlists_file:
        settings.set("MONITOR_WATCHLISTS_FILE", options.watchlists_file, priority="cmdline")
    for key, value in options.overrides.items():
        settings.set(key, value, priority="cmdline")
    return settings


def crawl(options: CrawlOptions) -> CrawlReport:
    """Crawl ``options.sources`` in this process; call at most once per process."""
    from spiders.news import NewsSpider

    process = CrawlerProcess(build_settings(options))
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, sources=options.sources)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    return CrawlReport(dict(stats))


def _child(options: CrawlOptions, queue: Any) -> None:
    report = crawl(options)
    queue.put({k: v for k, v in report.stats.items() if isinstance(v, int | float | str)})


def crawl_in_subprocess(options: CrawlOptions, timeout: float | None = None) -> CrawlReport:
    """Crawl in a child process: the caller survives anything the crawl does, and keeps a flat memory."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_child, args=(options, queue), name="monitor-crawl")
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join(10)
    stats: dict[str, Any] = queue.get(timeout=5) if not queue.empty() else {}
    if child.exitcode not in (0, None) and "finish_reason" not in stats:
        stats["finish_reason"] = f"child exited with status {child.exitcode}"
        stats["log_count/ERROR"] = stats.get("log_count/ERROR", 0) + 1
    return CrawlReport(stats)
