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
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"  # the spider's errback logs the fault once, with its kind (monitor/faults.py)
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control: an HTTP server per crawl that runs code sent with a token it writes under
# ~/.local/state/scrapy; not for a daemon polling every few minutes (and its aiohttp start costs each poll)
REMOTE_CONTROL_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
LOG_FORMATTER = "monitor.runlog.QuietLogFormatter"  # a dropped item: one line, not the whole page
# Per-response costs of the crawl process (docs/discovery.md, "Throughput"):
CONCURRENT_ITEMS = 1  # Scrapy starts this many tasks per response; the spider yields at most one item per response
WARN_ON_GENERATOR_RETURN_VALUE = False  # a development check that re-reads the callbacks' source (ast) while crawling
STATS_CLASS = "monitor.extensions.CrawlStatsCollector"  # Scrapy's, without a Python wrapper on every access

ITEM_PIPELINES = {
    "monitor.pipelines.ExtractionPipeline": 100,
    "monitor.pipelines.ClockPipeline": 150,
    "monitor.pipelines.LanguagePipeline": 200,
    "monitor.pipelines.TopicPipeline": 300,
    "monitor.pipelines.StoragePipeline": 400,
}
SPIDER_MIDDLEWARES = {
    # only counted request_depth_max here: no DEPTH_LIMIT (sitemap nesting has MONITOR_SITEMAP_MAX_DEPTH)
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
}
DOWNLOADER_MIDDLEWARES = {
    "monitor.distributed.SourceSyncMiddleware": 25,  # off unless MONITOR_DISTRIBUTED; before SourceDomains
    "monitor.middlewares.ArchivedUrlMiddleware": 50,
    # discovery and politeness (monitor/middlewares.py, monitor/politeness.py, docs/discovery.md)
    "monitor.politeness.SourceDomainsMiddleware": 30,
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,  # SourceDomainsMiddleware: per source, counted
    "monitor.middlewares.SourceStatsMiddleware": 45,
    "monitor.middlewares.ConditionalRequestMiddleware": 60,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "monitor.robots.CachedRobotsTxtMiddleware": 100,  # Scrapy's place: robots.txt kept between crawls
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "monitor.politeness.ContactUserAgentMiddleware": 500,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "monitor.politeness.RetryAfterMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "monitor.middlewares.HeadMetaRefreshMiddleware": 580,  # the same, without decoding every page in full
}
EXTENSIONS = {
    "monitor.distributed.WorkerExtension": 500,  # off unless MONITOR_DISTRIBUTED
    "monitor.politeness.CrawlDelayExtension": 10,  # after AutoThrottle (0): Crawl-delay is a floor
    "monitor.extensions.SourceHealthExtension": 600,
}

# Ours -------------------------------------------------------------------------------------------------
MONITOR_DATABASE_URL = None  # None: --db, then $MONITOR_DATABASE_URL, then sqlite:///monitor.db
MONITOR_SOURCES_FILE = None  # None: the shipped list of outlets
MONITOR_SOURCE_NAMES: list[str] = []  # empty: every source of the file
MONITOR_WATCHLISTS_FILE = None  # None: the shipped watchlists
MONITOR_ALL_TOPICS = False  # keep every article, not only those a watchlist matches
MONITOR_PAGE_TYPES = ["article"]  # page types stored; add liveblog, video or index to keep those pages too
MONITOR_REFRESH = False  # fetch again articles already in the archive
MONITOR_STORY_WINDOW_HOURS = 72
MONITOR_EXTRACT_WORKERS = None  # extraction processes; None: one per CPU; 0: in the crawl process (debugging)
# The daemon and cron runs (monitor/scheduler.py, docs/deploy.md)
MONITOR_LOCK_DIR = None  # None: <database file>.locks next to a SQLite database, else under the temp dir
MONITOR_DAEMON_MAX_CRAWLS = 1  # crawls at a time; 1 keeps stories whole (a crawl sees stories opened before it)
MONITOR_SCHEDULE_JITTER = 60  # seconds a scheduled run may be delayed at random (at most a tenth of its cadence)
MONITOR_MISFIRE_GRACE_TIME = None  # seconds a late run may still start; None: it always runs, once
MONITOR_CRAWL_TIMEOUT = 6 * 3600  # seconds before a crawl gets SIGTERM (then SIGKILL 30 s later)
MONITOR_MAX_ARTICLES_PER_SOURCE = 1000  # newest article links requested per source per crawl; 0: no limit
MONITOR_SITEMAP_MAX_DOCUMENTS = 200  # sitemaps followed from a source's indexes per crawl, newest first; 0: no limit
# Discovery, incremental crawls, politeness (docs/discovery.md) -----------------------------------------
MONITOR_CONDITIONAL_REQUESTS = True  # If-None-Match / If-Modified-Since for feeds, sitemaps, section pages
MONITOR_SITEMAP_HORIZON_DAYS = 7  # sitemap entries (and child sitemaps) older than this are skipped; 0: none
MONITOR_SITEMAP_MAX_DEPTH = 3  # sitemap indexes nested deeper are not followed
MONITOR_POLL_MIN_SECONDS = 600  # adaptive polling bounds: a source changing often is polled every 10 min
MONITOR_POLL_MAX_SECONDS = 86400  # ... one that rarely changes, once a day
MONITOR_POLL_DUE_ONLY = False  # True: skip sources whose adaptive interval has not elapsed (the daemon)
MONITOR_FAILING_RUNS = 3  # a source failing this many runs in a row is flagged by `monitor sources list`
MONITOR_RETRY_AFTER_MAX = 120  # seconds: a longer Retry-After is not waited for (no retry)
MONITOR_RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry without Retry-After, doubled each time
MONITOR_RETRY_BACKOFF_MAX = 30.0
MONITOR_CRAWL_DELAY_MAX = 60.0  # seconds: a larger robots.txt Crawl-delay is capped
MONITOR_ROBOTS_CACHE = True  # keep each host's robots.txt in the archive between crawls (monitor/robots.py)
MONITOR_ROBOTS_MAX_AGE = 3600.0  # seconds a kept robots.txt is used without asking; then revalidated (304)

# Distributed crawling (monitor/distributed.py, docs/distributed.md) ------------------------------------
MONITOR_DISTRIBUTED = False  # True: share the request queue and seen-URL filter in Redis (scrapy-redis)
MONITOR_REDIS_URL = None  # None: $MONITOR_REDIS_URL, then redis://127.0.0.1:6379/0
MONITOR_REDIS_PREFIX = "monitor"  # one prefix per deployment: the Redis keys are PREFIX:requests, ...
MONITOR_WORKER_IDLE_CLOSE = 0  # seconds a worker waits on an empty queue before it exits; 0: never
MONITOR_WORKER_POLL_INTERVAL = 0.5  # seconds between two looks at the shared queue when idle
