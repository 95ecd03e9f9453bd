"""The structured run log: one line per run per source, as ``key=value`` text or JSON (pure).

Text:  ``run source=lemonde status=finished origin=daemon duration=12.3s stored=4 pages=31 dropped=27``
JSON:  ``{"event": "crawl_run", "source": "lemonde", "status": "finished", ..., "counts": {...}}``
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from scrapy.logformatter import LogFormatter

LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class RunRecord:
    source: str
    status: str
    origin: str
    started: datetime | None = None
    finished: datetime | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    pid: int | None = None

    @property
    def duration(self) -> float | None:
        if self.started is None or self.finished is None:
            return None
        return round((self.finished - self.started).total_seconds(), 3)

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": "crawl_run",
            "source": self.source,
            "status": self.status,
            "origin": self.origin,
            "started": self.started.isoformat() if self.started else None,
            "finished": self.finished.isoformat() if self.finished else None,
            "duration_s": self.duration,
            "counts": dict(self.counts),
            "error": self.error,
            "pid": self.pid,
        }


def _text_value(value: Any) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (not text or any(c in text for c in ' "=\n\t')) else text


def format_run(record: RunRecord, fmt: str = "text") -> str:
    """One line, without its newline."""
    if fmt == "json":
        return json.dumps(record.as_dict(), ensure_ascii=False, default=str, sort_keys=False)
    if fmt != "text":
        raise ValueError(f"unknown log format {fmt!r}; use one of {', '.join(LOG_FORMATS)}")
    parts = [f"source={_text_value(record.source)}", f"status={record.status}", f"origin={record.origin}"]
    if record.duration is not None:
        parts.append(f"duration={record.duration:.1f}s")
    parts += [f"{key}={_text_value(value)}" for key, value in record.counts.items()]
    if record.error:
        parts.append(f"error={_text_value(record.error)}")
    return "run " + " ".join(parts)


def emit(record: RunRecord, fmt: str = "text", stream: TextIO | None = None) -> None:
    """Write the line of ``record`` to ``stream`` (standard error by default), flushed at once."""
    out = stream or sys.stderr
    out.write(format_run(record, fmt) + "\n")
    out.flush()


class QuietLogFormatter(LogFormatter):
    """Scrapy's log formatter, but a dropped item (off topic, already archived) is one INFO line naming
    the reason, not a WARNING holding the whole page: a daemon's log stays readable. A ``DropItem`` with
    its own ``log_level`` keeps it (an extraction failure, already logged as a fault: ``DEBUG``).

    Above ``LOG_LEVEL`` DEBUG, the DEBUG lines of every response and item ("Crawled (200) …", "Scraped
    from …") are not built at all: Scrapy would make a log record of each for its handler to drop.
    """

    def __init__(self, level: int = logging.DEBUG) -> None:
        self.level = level

    @classmethod
    def from_crawler(cls, crawler: Any) -> QuietLogFormatter:
        value = crawler.settings.get("LOG_LEVEL") or "DEBUG"
        level = value if isinstance(value, int) else logging.getLevelName(str(value).upper())
        return cls(level if isinstance(level, int) else logging.DEBUG)

    def crawled(self, request: Any, response: Any, spider: Any) -> Any:
        return super().crawled(request, response, spider) if self.level <= logging.DEBUG else None

    def scraped(self, item: Any, response: Any, spider: Any) -> Any:
        return super().scraped(item, response, spider) if self.level <= logging.DEBUG else None

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> Any:
        level = getattr(exception, "log_level", None) or logging.INFO
        if isinstance(level, str):
            level = logging.getLevelName(level.upper())
        return {"level": level, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}
