"""Structured data of a parsed page: ``<meta>`` tags, ``itemprop`` and JSON-LD (pure).

``read_page_data(tree)`` returns a ``PageData``: meta values by lower-cased key (all values kept, in page
order) and the page's JSON-LD article object (``NewsArticle``, ``Article``, ``BlogPosting``…, also inside
``@graph`` and lists), flattened to the fields extraction uses. Bounded: at most ``MAX_JSON_LD_CHARS`` of
each script and ``MAX_META`` tags are read.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

ARTICLE_TYPES = frozenset(
    {
        "newsarticle",
        "article",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "askpublicnewsarticle",
        "satiricalarticle",
        "blogposting",
        "techarticle",
        "scholarlyarticle",
        "report",
        "liveblogposting",
    }
)
# a live blog's JSON-LD holds every update (840 kB on the Mirror's): as large as a page may be (the extraction
# reads 3 MB of a page); a script cut short would not parse, and the page would lose its structured data
MAX_JSON_LD_CHARS = 3_000_000
MAX_JSON_LD_SCRIPTS = 20
MAX_META = 2_000
MAX_ITEMPROP = 400
_SPACES = re.compile(r"\s+")


def text_head(element: Any, limit: int) -> tuple[str, bool]:
    """The element's text nodes joined by spaces ("street Par Jean", not "streetPar Jean"), read only until
    they pass ``limit`` characters (the element can be the whole page), and whether that is all its text."""
    pieces: list[str] = []
    size = 0
    for piece in element.itertext():
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            return " ".join(pieces), False
    return " ".join(pieces), True


def squash(value: str) -> str:
    """HTML entities decoded (pages double-escape them in JSON-LD and meta), spaces collapsed."""
    return _SPACES.sub(" ", html.unescape(value)).strip()


@dataclass
class Structured:
    """The JSON-LD article object, flattened."""

    types: frozenset[str] = frozenset()
    headline: str | None = None
    published: str | None = None
    modified: str | None = None
    persons: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    publisher: str | None = None
    language: str | None = None
    section: str | None = None
    keywords: list[str] = field(default_factory=list)
    free: bool | None = None
    description: str | None = None
    image: str | None = None
    url: str | None = None


@dataclass
class PageData:
    """Meta values (all of them, by key) and the JSON-LD article; ``other_types``: non-article JSON-LD types."""

    meta: dict[str, list[str]] = field(default_factory=dict)
    structured: Structured = field(default_factory=Structured)
    other_types: frozenset[str] = frozenset()

    def first(self, *keys: str) -> str | None:
        for key in keys:
            values = self.meta.get(key)
            if values:
                return values[0]
        return None

    def all(self, *keys: str) -> list[str]:
        return [value for key in keys for value in self.meta.get(key, [])]


def read_page_data(tree: Any) -> PageData:
    data = PageData()
    for index, element in enumerate(tree.iter("meta")):
        if index >= MAX_META:
            break
        key = element.get("property") or element.get("name") or element.get("itemprop")
        value = element.get("content")
        if key and value and value.strip():
            data.meta.setdefault(key.strip().lower(), []).append(squash(value))
    for index, element in enumerate(tree.xpath("//*[@itemprop][not(self::meta)]")):
        if index >= MAX_ITEMPROP:
            break
        key = "itemprop:" + (element.get("itemprop") or "").strip().lower()
        value = element.get("datetime") or element.get("content") or element.text_content()[:500]
        if value and value.strip():
            data.meta.setdefault(key, []).append(squash(value))
    objects = list(_json_ld_objects(tree))
    for item in objects:
        if _types(item) & ARTICLE_TYPES:
            data.structured = _flatten(item, objects)
            break
    data.other_types = frozenset(t for item in objects for t in _types(item)) - ARTICLE_TYPES
    return data


def _types(item: dict[str, Any]) -> frozenset[str]:
    value = item.get("@type")
    values = value if isinstance(value, list) else [value]
    return frozenset(str(v).lower() for v in values if isinstance(v, str))


def _json_ld_objects(tree: Any) -> Iterator[dict[str, Any]]:
    scripts = tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]')
    for script in scripts[:MAX_JSON_LD_SCRIPTS]:
        source = (script.text or "").strip()[:MAX_JSON_LD_CHARS]
        try:
            data = json.loads(source, strict=False)
        except RecursionError:  # hostile nesting: this script is skipped, the page is still read
            continue
        except ValueError:
            try:  # a trailing ";" or HTML comment wrapper
                data = json.loads(source.strip("<!->; \n\t"), strict=False)
            except (ValueError, RecursionError):
                continue
        stack: list[Any] = [data]
        seen = 0
        while stack and seen < 500:
            seen += 1
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                if isinstance(item.get("mainEntity"), dict | list):
                    stack.append(item["mainEntity"])
                yield item


def _flatten(item: dict[str, Any], objects: list[dict[str, Any]]) -> Structured:
    by_id = {str(o["@id"]): o for o in objects if isinstance(o.get("@id"), str)}
    persons, organisations = _credit_names(item.get("author") or item.get("creator"), by_id)
    publisher = _resolve(item.get("publisher"), by_id)
    keywords = item.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [k for k in re.split(r"\s*[,;]\s*", keywords) if k]
    free = item.get("isAccessibleForFree")
    if isinstance(free, str):
        free = {"true": True, "false": False}.get(free.strip().lower())
    image = item.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url")
    return Structured(
        types=_types(item),
        headline=text_of(item.get("headline") or item.get("name")),
        published=text_of(item.get("datePublished") or item.get("dateCreated")),
        modified=text_of(item.get("dateModified")),
        persons=persons,
        organisations=organisations,
        publisher=text_of(publisher.get("name")) if isinstance(publisher, dict) else text_of(publisher),
        language=text_of(item.get("inLanguage")),
        section=text_of(item.get("articleSection")),
        keywords=[squash(k) for k in keywords if isinstance(k, str) and k.strip()][:50],
        free=free if isinstance(free, bool) else None,
        description=text_of(item.get("description")),
        image=text_of(image),
        url=text_of(item.get("url")),
    )


def _resolve(value: Any, by_id: dict[str, dict[str, Any]]) -> Any:
    """An ``{"@id": …}`` reference replaced by the object it names, when the page has it."""
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and str(value.get("@id")) in by_id:
        return by_id[str(value["@id"])]
    return value


def _credit_names(value: Any, by_id: dict[str, dict[str, Any]]) -> tuple[list[str], list[str]]:
    """JSON-LD ``author``: names of persons, and names of organisations, apart."""
    persons: list[str] = []
    organisations: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        item = _resolve(item, by_id)
        if isinstance(item, dict):
            name = text_of(item.get("name"))
            kind = " ".join(_types(item))
            if name:
                (organisations if "organization" in kind else persons).append(name)
        elif isinstance(item, str) and item.strip():
            persons.append(squash(item))
    return persons, organisations


def text_of(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return squash(value) or None if isinstance(value, str) else None
