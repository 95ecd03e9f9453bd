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


MAX_AGENCY_CHARS = 100  # the lengths of the archive's columns (``monitor.db.models.Article``)
MAX_SECTION_CHARS = 300
MAX_URL_CHARS = 2048
MAX_TAGS = 50
MAX_TAG_CHARS = 200


def metadata_values(article: Article) -> dict[str, Any]:
    """The archive's columns for what extraction read besides text, title, date and authors: clipped to
    the columns' lengths (PostgreSQL refuses longer values), an image URL too long to be one dropped."""
    image = article.image_url if article.image_url and len(article.image_url) <= MAX_URL_CHARS else None
    return {
        "agency": article.agency[:MAX_AGENCY_CHARS] if article.agency else None,
        "updated_at": article.updated_at,
        "description": article.description or None,
        "section": article.section[:MAX_SECTION_CHARS] if article.section else None,
        "tags": [tag[:MAX_TAG_CHARS] for tag in article.tags[:MAX_TAGS]] or None,  # NULL: no tags
        "image_url": image,
        "is_paywalled": bool(article.is_paywalled),
        "provenance": dict(article.provenance),
    }
