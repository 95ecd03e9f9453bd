"""Ingestion of article records from JSON Lines: the same language, topic, dedup and story steps as a crawl.

One article per line: ``id``, ``url``, ``title``, ``text``, ``date``, ``lang``, ``source`` (all but
``text`` optional). A bad line is reported with the file name and line number, and every good line
is still ingested.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.archive import Archive, SourceRef
from monitor.article import Article
from monitor.dates import parse_iso, parse_text_date
from monitor.dedup import agency_credit
from monitor.extract_title import clean_title
from monitor.processing import Processor

DEFAULT_SOURCE = "ingest"


@dataclass
class LineError:
    line: int
    message: str


@dataclass
class IngestReport:
    path: str
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    off_topic: int = 0
    errors: list[LineError] = field(default_factory=list)

    @property
    def nothing_read(self) -> bool:
        return self.read == 0


@dataclass(frozen=True)
class Record:
    line: int
    article: Article
    source: str
    external_id: str | None


def read_records(path: Path, default_source: str = DEFAULT_SOURCE) -> Iterator[Record | LineError]:
    """Records of a JSON Lines file; a ``LineError`` for each line that cannot be used."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield LineError(number, f"not UTF-8 (byte {exc.start}: {raw[exc.start : exc.start + 1]!r})")
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                yield LineError(number, f"malformed JSON: {exc.msg} at column {exc.colno}")
                continue
            except (ValueError, RecursionError) as exc:  # a number of 5,000 digits, arrays nested 100,000 deep
                yield LineError(
                    number,
                    f"malformed JSON: {str(exc).split(';')[0] if isinstance(exc, ValueError) else 'nested too deep'}",
                )
                continue
            yield _record(number, data, default_source)


def _record(number: int, data: Any, default_source: str) -> Record | LineError:
    if not isinstance(data, dict):
        return LineError(number, "expected a JSON object")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        return LineError(number, "missing 'text'")
    for key in ("id", "url", "title", "date", "lang", "source"):
        value = data.get(key)
        if value is not None and not isinstance(value, str | int | float):
            return LineError(number, f"'{key}' must be a string")
    external_id = str(data["id"]) if data.get("id") is not None else None
    source = str(data.get("source") or default_source)
    url = str(data.get("url") or "")
    if not url:
        key = external_id or hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
        url = f"urn:monitor:{source}:{key}"
    date_value = str(data["date"]) if data.get("date") is not None else None
    published = parse_iso(date_value) or (parse_text_date(date_value) if date_value else None)
    title = str(data["title"]).strip() if data.get("title") else None
    if title:  # "Headline - Le Point": the outlet's name is not part of the headline (stories compare headlines)
        title = clean_title(title, source, url if not url.startswith("urn:") else "") or title
    article = Article(
        url=url,
        text=text.strip(),
        title=title,
        published_at=published,
        language=str(data["lang"]).lower()[:8] if data.get("lang") else None,
        agency=agency_credit(text),
        provenance={"title": "record", "published_at": "record"},
    )
    return Record(number, article, source, external_id)


def ingest_file(
    path: Path,
    archive: Archive,
    processor: Processor,
    default_source: str = DEFAULT_SOURCE,
    on_error: Callable[[LineError], None] | None = None,
) -> IngestReport:
    report = IngestReport(str(path))
    for item in read_records(path, default_source):
        if isinstance(item, LineError):
            report.errors.append(item)
            if on_error:
                on_error(item)
            continue
        report.read += 1
        Processor.set_language_of(item.article)
        decision = processor.decide(item.article, source=item.source)
        if not decision.keep:
            report.off_topic += 1
            continue
        outcome = archive.add(item.article, SourceRef(item.source), decision.topics, external_id=item.external_id)
        if outcome.status == "duplicate":
            report.duplicates += 1
        else:
            report.stored += 1
    return report
