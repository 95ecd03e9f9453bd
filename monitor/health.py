"""Source health as pure values: error kinds, per-source tallies read from crawl stats, adaptive polling.

The crawl counts everything in Scrapy's stats under ``monitor/source/<name>/<key>`` (and
``monitor/source/<name>/error/<kind>``); ``tally`` reads one source's counts back, and the health
extension stores them. Nothing here imports Scrapy or talks to the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

STAT_PREFIX = "monitor/source/"
DISCOVERY_KINDS = frozenset({"feed", "sitemap", "section"})
ROBOTS = "robots"  # the error kind of a request robots.txt disallows
COUNTERS = (
    *("fetched", "not_modified", "failed", "new_articles", "skipped_articles", "articles_fetched", "not_due"),
    "articles_failed",
)


def stat_key(source: str, key: str) -> str:
    return f"{STAT_PREFIX}{source}/{key}"


def error_key(source: str, kind: str) -> str:
    return f"{STAT_PREFIX}{source}/error/{kind}"


def error_kind(status: int | None = None, exception: BaseException | None = None) -> str:
    """A short name for what went wrong: ``403``, ``404``, ``5xx``, ``timeout``, ``dns``, ``robots``…"""
    if status is not None:
        return str(status) if status < 500 else "5xx"
    if exception is None:
        return "unknown"
    name = type(exception).__name__.lower()
    text = str(exception).lower()
    if "robots.txt" in text:
        return ROBOTS
    if "timeout" in name or "timedout" in name or "timed out" in text:
        return "timeout"
    if "dns" in name or "dns" in text:
        return "dns"
    if "refused" in name or "refused" in text or "connectionlost" in name + text or "connectiondone" in name + text:
        return "connection"  # Scrapy 2.19 wraps ConnectionLost in DownloadFailedError
    if "tls" in name or "ssl" in name or "certificate" in text:
        return "tls"
    if "maxsize" in text or "max size" in text or ("cancelled" in text and "size" in text):
        return "too_large"
    return name.removesuffix("error") or "error"


@dataclass
class Tally:
    """One source's counts in one crawl."""

    source: str
    fetched: int = 0
    not_modified: int = 0
    failed: int = 0
    new_articles: int = 0
    skipped_articles: int = 0
    articles_fetched: int = 0
    not_due: int = 0
    articles_failed: int = 0  # article downloads that failed (403, 5xx, timeout…), not skipped or dropped
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def attempted(self) -> bool:
        """Whether the source was crawled at all (a source not due is not a run)."""
        return self.fetched + self.not_modified + self.failed > 0

    @property
    def ok(self) -> bool:
        """At least one feed, sitemap or section page answered (200 or 304), and the articles asked for did not
        all fail: a site that lists its articles but refuses them (403 to crawlers, timeouts) is failing."""
        if self.articles_failed and not self.articles_fetched:
            return False
        return self.fetched + self.not_modified > 0

    @property
    def changed(self) -> bool:
        """The source offered articles we had not seen."""
        return self.articles_fetched > 0 or self.new_articles > 0


def tally(stats: Mapping[str, Any], source: str) -> Tally:
    """The counts of ``source`` in a crawl's stats."""
    return tallies(stats, [source])[0]


def tallies(stats: Mapping[str, Any], sources: Iterable[str]) -> list[Tally]:
    """The counts of each of ``sources`` in a crawl's stats, read in one pass over them (not one per source)."""
    names = list(sources)
    results = {source: Tally(source) for source in names}
    for key, value in stats.items():
        if not key.startswith(STAT_PREFIX) or not isinstance(value, int):
            continue
        # "<source>/<name>" or "<source>/error/<kind>"; a source name may hold "/": try each split
        rest = key[len(STAT_PREFIX) :]
        cut = rest.find("/")
        while cut != -1:
            result = results.get(rest[:cut])
            if result is not None:
                _count(result, rest[cut + 1 :], value)
            cut = rest.find("/", cut + 1)
    return [results[source] for source in names]


def _count(result: Tally, name: str, value: int) -> None:
    if name.startswith("error/"):
        result.errors[name[len("error/") :]] = value
    elif name in COUNTERS:
        setattr(result, name, value)


@dataclass(frozen=True)
class PollingBounds:
    minimum: timedelta
    maximum: timedelta

    def clamp(self, value: timedelta) -> timedelta:
        return max(self.minimum, min(self.maximum, value))


def next_interval(current: timedelta, changed: bool, bounds: PollingBounds) -> timedelta:
    """Halve the interval when the source changed, grow it by half when it did not, within bounds."""
    return bounds.clamp(current / 2 if changed else current * 1.5)
