"""The Article record that flows from extraction (or ingestion) to the archive."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Article:
    """An article as extracted from a page or read from an ingested record.

    ``provenance`` says where title, date and authors came from (``json-ld``, ``meta``, ``h1``,
    ``trafilatura``, ``htmldate``, ``feed``, ``record``).
    ``authors`` are person names, or the organisation byline when it names no person ("BBC News", provenance
    ``<source>:organisation``); ``credits`` the organisation and desk credits of the byline as printed
    ("Le Monde", "BBC News", "Guardian staff"); ``agency`` the wire agency credited ("AFP", "AP", "Reuters").
    ``page_type`` is ``article``, or ``liveblog``, ``video``, ``index`` for pages that are not articles.
    """

    url: str
    text: str
    title: str | None = None
    canonical_url: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    authors: list[str] = field(default_factory=list)
    agency: str | None = None
    language: str | None = None
    declared_language: str | None = None
    site_name: str | None = None
    description: str | None = None
    image_url: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    is_paywalled: bool = False
    credits: list[str] = field(default_factory=list)
    page_type: str = "article"
    provenance: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("published_at", "updated_at"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        return data
