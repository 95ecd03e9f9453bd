"""Scrapy settings of the project: Scrapy's own, polite by default, and ours, prefixed ``MONITOR_``."""

from __future__ import annotations

BOT_NAME = "monitor"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Politeness -------------------------------------------------------------------------------------------
MONITOR_CONTACT = "https://github.com/facewatch/monitor"
USER_AGENT = f"facewatch-monitor/0.1 (+{MONITOR_CONTACT}; media research crawler)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {
    "monitor.pipelines.ExtractionPipeline": 100,
    "monitor.pipelines.LanguagePipeline": 200,
    "monitor.pipelines.TopicPipeline": 300,
    "monitor.pipelines.StoragePipeline": 400,
}
DOWNLOADER_MIDDLEWARES = {
    "monitor.middlewares.ArchivedUrlMiddleware": 50,
}

# Ours -------------------------------------------------------------------------------------------------
MONITOR_DATABASE_URL = None  # None: --db, then $MONITOR_DATABASE_URL, then sqlite:///monitor.db
MONITOR_SOURCES_FILE = None  # None: the shipped list of outlets
MONITOR_SOURCE_NAMES: list[str] = []  # empty: every source of the file
MONITOR_WATCHLISTS_FILE = None  # None: the shipped watchlists
MONITOR_ALL_TOPICS = False  # keep every article, not only those a watchlist matches
MONITOR_REFRESH = False  # fetch again articles already in the archive
MONITOR_STORY_WINDOW_HOURS = 72
MONITOR_MAX_ARTICLES_PER_SOURCE = 0  # 0: no limit
