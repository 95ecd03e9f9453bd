"""Re-extraction: run ``extract_article`` again over the archived raw HTML, without fetching anything.

After an improvement of the extractor, ``reextract`` reads each archived page (``raw_pages``), extracts it
again and writes back what changed among title, text, published_at, authors, language and content_hash,
and the metadata stored beside them (agency, updated_at, description, section, tags, image_url,
is_paywalled, provenance: rows archived before these columns existed get them filled).
Nothing is lost: a value the new extraction does not find (a title or date that came from the feed, say)
is kept; a page that no longer extracts, or whose raw HTML is unreadable, keeps its row as it was and is
reported; a new text that hashes like another article of the same source (the ``(source_id,
content_hash)`` unique constraint) is reported as a collision and that row is left unchanged. Topics,
wire copies and stories are not recomputed (``monitor regroup`` rebuilds the stories).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor.article import Article
from monitor.db.reextract_queries import (
    BATCH_SIZE,
    ArchivedPage,
    FieldUpdate,
    apply_updates,
    count_archived_pages,
    iter_archived_pages,
)
from monitor.db.session import Database
from monitor.db.store import metadata_values
from monitor.extraction import ExtractionError, extract_article
from monitor.textnorm import content_hash

UNDETERMINED = "und"
MAX_LISTED_PROBLEMS = 20


@dataclass
class ReextractReport:
    """Counts of one run; ``problems``: the first failures and collisions, one line each."""

    total: int = 0
    examined: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    collisions: int = 0
    not_articles: int = 0
    fields: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def note(self, line: str) -> None:
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(line)

    def summary(self, dry_run: bool = False) -> str:
        verb = "would change" if dry_run else "changed"
        by_field = ", ".join(f"{name} {count}" for name, count in sorted(self.fields.items())) or "none"
        return (
            f"re-extracted {self.examined} page(s): {self.changed} {verb} ({by_field}), {self.unchanged} "
            f"unchanged, {self.failed} failed, {self.collisions} content-hash collision(s) left unchanged, "
            f"{self.not_articles} no longer read as articles (kept)"
        )


Progress = Callable[[ReextractReport], None]


def _decoded(page: ArchivedPage) -> str | bytes:
    """The HTML decoded as the crawl decodes it (monitor.workers.decoded), else the bytes to sniff."""
    from monitor.workers import decoded

    assert page.html is not None
    return decoded(page.html, page.encoding)


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def new_values(article: Article, current: dict[str, Any], source_language: str | None) -> dict[str, Any]:
    """The fields of the stored row that the new extraction changes (pure).

    Title and date are only replaced by a value, never erased (the feed may have given them); authors
    are replaced, an empty list included (a desk name taken for a person is a mistake to undo), and so is
    the metadata beside them (``metadata_values``); ``provenance`` is updated field by field.
    """
    language = article.language
    if not language or language == UNDETERMINED:
        language = article.declared_language or source_language or UNDETERMINED
    wanted: dict[str, Any] = {
        "text": article.text,
        "content_hash": content_hash(article.text),
        "authors": list(article.authors),
        "language": language,
    }
    if article.title:
        wanted["title"] = article.title
    if article.published_at is not None:
        wanted["published_at"] = article.published_at
    wanted.update(metadata_values(article))
    provenance = {**(current.get("provenance") or {}), **article.provenance}  # a kept title keeps its origin
    if not article.authors:
        provenance.pop("authors", None)
    wanted["provenance"] = provenance
    changes: dict[str, Any] = {}
    for name, value in wanted.items():
        old = current.get(name)
        if name in ("published_at", "updated_at"):
            if _as_utc(value) != _as_utc(old):
                changes[name] = value
        elif name in ("authors", "tags"):
            if list(value or []) != list(old or []):
                changes[name] = value
        elif name == "provenance":
            if value != (old or {}):
                changes[name] = value
        elif name == "is_paywalled":
            if value != bool(old):
                changes[name] = value
        elif value != old:
            changes[name] = value
    return changes


def reextract(
    database: Database,
    since: datetime | None = None,
    source: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ReextractReport:
    """Re-extract the archived pages (fetched since ``since``, of source ``source``) and store what changed."""
    report = ReextractReport(total=count_archived_pages(database, since, source))
    pending: list[FieldUpdate] = []
    for page in iter_archived_pages(database, since, source, batch_size):
        report.examined += 1
        change = _reextract_page(page, report)
        if change is not None:
            pending.append(change)
        if len(pending) >= batch_size:
            _write(database, pending, report, dry_run)
        if progress is not None and report.examined % batch_size == 0:
            progress(report)
    _write(database, pending, report, dry_run)
    if progress is not None:
        progress(report)
    return report


def _reextract_page(page: ArchivedPage, report: ReextractReport) -> FieldUpdate | None:
    if page.html is None:
        report.failed += 1
        report.note(f"article {page.article_id} ({page.url}): {page.error}")
        return None
    try:
        article = extract_article(_decoded(page), page.url)
    except ExtractionError as exc:
        report.failed += 1
        report.note(f"article {page.article_id} ({page.url}): {exc}; row kept as it was")
        return None
    if article.page_type != "article":
        report.not_articles += 1
        report.note(f"article {page.article_id} ({page.url}): now read as a {article.page_type} page; kept")
    values = new_values(article, page.current, page.source_language)
    if not values:
        report.unchanged += 1
        return None
    return FieldUpdate(page.article_id, page.source_id, values)


def _write(database: Database, pending: list[FieldUpdate], report: ReextractReport, dry_run: bool) -> None:
    by_id = {change.article_id: change for change in pending}
    results = [] if dry_run else apply_updates(database, pending)
    written = set(by_id) if dry_run else {r.article_id for r in results if r.written}
    for result in results:
        if not result.written:
            report.collisions += 1
            report.note(
                f"article {result.article_id}: its new text is the same as article {result.collision_with} "
                "of the same source (content hash); row left unchanged"
            )
    for article_id in written:
        report.changed += 1
        report.fields.update(by_id[article_id].values.keys() - {"content_hash"})
    pending.clear()
