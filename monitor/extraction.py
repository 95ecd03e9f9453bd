"""Article extraction: ``(html, url) -> Article``. Pure: no I/O, no module-level mutable state.

The cascade, field by field:

- structured data first: JSON-LD ``NewsArticle``/``Article`` (also inside ``@graph``), then Open
  Graph / ``article:*`` meta and ``itemprop``;
- then trafilatura's own metadata and, for the date, htmldate;
- the body always comes from trafilatura (comments and tables left out), the title is cleaned of the
  site name ("… - Le Monde", "| CBC News").

Each of title, date and authors records in ``Article.provenance`` where its value came from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import trafilatura
from lxml import html as lxml_html

from monitor.article import Article
from monitor.dates import parse_iso, parse_text_date
from monitor.urls import host_of

ARTICLE_TYPES = {
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "blogposting",
    "techarticle",
    "reviewnewsarticle",
    "liveblogposting",
}
TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " : ")
AGENCIES = ("AFP", "Reuters", "AP", "Associated Press", "ANSA", "dpa", "EFE", "Belga", "PA Media", "Bloomberg")
_AUTHOR_NOISE = re.compile(
    r"^(?:by|par|de|from|and|et|with|avec)\s+|\s*\(.*?\)\s*$|^\s*(?:la rédaction|la redaction|"
    r"staff|the editors|rédaction|redaction|newsroom)\s*$",
    re.IGNORECASE,
)
_AGENCY_ONLY = re.compile(r"^(?:" + "|".join(re.escape(a) for a in AGENCIES) + r")$", re.IGNORECASE)


class ExtractionError(ValueError):
    """The input is not an article page from which a body can be read."""


def extract_article(html: str | bytes, url: str) -> Article:
    """Extract an article from ``html`` (text, or bytes whose charset is sniffed) served at ``url``.

    Raises ``ExtractionError`` when the input is empty, binary, or has no readable body.
    """
    markup = _as_text(html)
    try:
        tree = lxml_html.fromstring(markup)
    except (ValueError, lxml_html.etree.ParserError) as exc:
        raise ExtractionError(f"not parseable as HTML: {exc}") from exc
    structured = _structured_data(tree)
    meta = _meta(tree)
    document = trafilatura.bare_extraction(
        markup,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        deduplicate=False,
    )
    text = (getattr(document, "text", None) or "").strip() if document is not None else ""
    if not text:
        raise ExtractionError("no article body found")
    site_name = meta.get("og:site_name") or structured.get("publisher") or getattr(document, "sitename", None)
    article = Article(url=url, text=text, site_name=site_name)
    article.canonical_url = _canonical(tree, meta, url)
    _set_title(article, tree, structured, meta, document, site_name)
    _set_dates(article, structured, meta, document, markup)
    _set_authors(article, structured, meta, document)
    article.declared_language = _declared_language(tree, meta, structured)
    article.description = meta.get("og:description") or meta.get("description") or None
    article.image_url = meta.get("og:image") or None
    article.section = meta.get("article:section") or structured.get("section") or None
    article.tags = list(dict.fromkeys(meta.get_all("article:tag") + structured.get("keywords", [])))
    article.is_paywalled = structured.get("free") is False
    return article


def _as_text(html: str | bytes) -> str:
    if isinstance(html, str):
        markup = html
    else:
        if not html.strip():
            raise ExtractionError("empty input")
        if b"\x00" in html[:4096]:
            raise ExtractionError("binary input, not HTML")
        markup = _decode(html)
    if not markup.strip():
        raise ExtractionError("empty input")
    if "\x00" in markup[:4096]:
        raise ExtractionError("binary input, not HTML")
    return markup


def _decode(data: bytes) -> str:
    """Decode by BOM, then the declared charset, then UTF-8, then Windows-1252."""
    from w3lib.encoding import html_to_unicode

    _encoding, text = html_to_unicode(None, data, auto_detect_fun=_auto_detect)
    return text


def _auto_detect(data: bytes) -> str | None:
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


class _Meta(dict[str, str]):
    """``<meta>`` values by lower-cased property/name/itemprop; the first value wins."""

    def __init__(self) -> None:
        super().__init__()
        self.multi: dict[str, list[str]] = {}

    def add(self, key: str, value: str) -> None:
        self.setdefault(key, value)
        self.multi.setdefault(key, []).append(value)

    def get_all(self, key: str) -> list[str]:
        return self.multi.get(key, [])


def _meta(tree: Any) -> _Meta:
    found = _Meta()
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        value = element.get("content")
        if key and value and value.strip():
            found.add(key.strip().lower(), value.strip())
    for element in tree.xpath("//*[@itemprop][not(self::meta)]"):
        key = "itemprop:" + element.get("itemprop").strip().lower()
        value = element.get("datetime") or element.get("content") or element.text_content()
        if value and value.strip():
            found.add(key, " ".join(value.split()))
    return found


def _json_ld_objects(tree: Any) -> Iterator[dict[str, Any]]:
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content() or "", strict=False)
        except ValueError:
            continue
        stack: list[Any] = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                yield item


def _structured_data(tree: Any) -> dict[str, Any]:
    """The first JSON-LD article object, flattened to the fields we use."""
    for item in _json_ld_objects(tree):
        types = item.get("@type")
        names = {str(t).lower() for t in (types if isinstance(types, list) else [types])}
        if not names & ARTICLE_TYPES:
            continue
        authors = item.get("author") or item.get("creator") or []
        publisher = item.get("publisher")
        keywords = item.get("keywords") or []
        if isinstance(keywords, str):
            keywords = [k.strip() for k in keywords.split(",") if k.strip()]
        return {
            "headline": _str(item.get("headline") or item.get("name")),
            "published": _str(item.get("datePublished") or item.get("dateCreated")),
            "modified": _str(item.get("dateModified")),
            "authors": _person_names(authors),
            "publisher": _str(publisher.get("name")) if isinstance(publisher, dict) else _str(publisher),
            "language": _str(item.get("inLanguage")),
            "section": _str(item.get("articleSection")),
            "keywords": [str(k) for k in keywords if isinstance(k, str)],
            "free": item.get("isAccessibleForFree"),
        }
    return {}


def _str(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip() if isinstance(value, str | int | float) and str(value).strip() else None


def _person_names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, dict):
            if str(item.get("@type", "Person")).lower() not in ("person", ""):
                continue
            name = item.get("name")
        else:
            name = item
        if isinstance(name, str):
            names.extend(split_authors(name))
    return names


def split_authors(value: str) -> list[str]:
    """Person names from a byline: drops "By"/"Par", splits "A, B and C" / "A et B"."""
    names: list[str] = []
    for part in re.split(r"\s*(?:,|;|\band\b|\bet\b|&|\|)\s*", value.strip()):
        name = _AUTHOR_NOISE.sub("", part).strip(" .·-–—")
        name = _AUTHOR_NOISE.sub("", name).strip()
        if not name or _AGENCY_ONLY.match(name) or any(ch.isdigit() for ch in name):
            continue
        if len(name.split()) > 5 or "@" in name or "/" in name:
            continue
        names.append(name)
    return list(dict.fromkeys(names))


def _canonical(tree: Any, meta: _Meta, url: str) -> str:
    for href in tree.xpath('//link[@rel="canonical"]/@href'):
        if href.strip().startswith(("http://", "https://")):
            return str(href.strip())
    og_url = meta.get("og:url")
    if og_url and og_url.startswith(("http://", "https://")):
        return og_url
    return url


def clean_title(title: str, site_name: str | None, url: str) -> str:
    """Strip a site name suffix or prefix: "Headline - Le Monde" -> "Headline"."""
    title = " ".join(title.split())
    candidates = {c.lower() for c in (site_name, host_of(url), host_of(url).split(".")[0]) if c}
    for separator in TITLE_SEPARATORS:
        if separator not in title:
            continue
        head, _, tail = title.rpartition(separator)
        if tail.lower() in candidates or (len(tail) < 40 and len(head) > 2 * len(tail) and separator != " : "):
            return head.strip()
        first, _, rest = title.partition(separator)
        if first.lower() in candidates:
            return rest.strip()
    return title


def _set_title(
    article: Article, tree: Any, structured: dict[str, Any], meta: _Meta, document: Any, site: str | None
) -> None:
    h1s = [" ".join(h.text_content().split()) for h in tree.iter("h1")]
    h1s = [h for h in h1s if len(h) > 10]
    options = [
        ("json-ld", structured.get("headline")),
        ("h1", h1s[0] if len(h1s) == 1 else None),
        ("meta", meta.get("og:title") or meta.get("twitter:title")),
        ("trafilatura", getattr(document, "title", None)),
    ]
    for origin, value in options:
        if value:
            article.title = clean_title(value, site, article.url)
            article.provenance["title"] = origin
            return


def _set_dates(article: Article, structured: dict[str, Any], meta: _Meta, document: Any, markup: str) -> None:
    options: list[tuple[str, datetime | None]] = [
        ("json-ld", parse_iso(structured.get("published"))),
        ("meta", parse_iso(meta.get("article:published_time") or meta.get("og:article:published_time"))),
        ("itemprop", parse_iso(meta.get("itemprop:datepublished"))),
        ("trafilatura", parse_iso(getattr(document, "date", None))),
    ]
    for origin, value in options:
        if value:
            article.published_at = value
            article.provenance["published_at"] = origin
            break
    else:
        found = parse_text_date(article.text[:400])
        if found:
            article.published_at = found
            article.provenance["published_at"] = "text"
    article.updated_at = parse_iso(structured.get("modified")) or parse_iso(meta.get("article:modified_time"))


def _set_authors(article: Article, structured: dict[str, Any], meta: _Meta, document: Any) -> None:
    options = [
        ("json-ld", structured.get("authors") or []),
        ("meta", split_authors(meta.get("author", "")) if meta.get("author") else []),
        ("itemprop", split_authors(meta.get("itemprop:author", "")) if meta.get("itemprop:author") else []),
        ("trafilatura", split_authors(getattr(document, "author", None) or "")),
    ]
    for origin, names in options:
        if names:
            article.authors = names
            article.provenance["authors"] = origin
            break
    credit = " ".join(filter(None, [meta.get("author"), getattr(document, "author", None), article.text[-200:]]))
    for agency in AGENCIES:
        if re.search(rf"(?<![\w-]){re.escape(agency)}(?![\w-])", credit):
            article.agency = agency
            break


def _declared_language(tree: Any, meta: _Meta, structured: dict[str, Any]) -> str | None:
    value = tree.get("lang") or meta.get("og:locale") or structured.get("language") or meta.get("language")
    if not value:
        return None
    return str(value).replace("_", "-").split("-")[0].lower()[:3] or None
