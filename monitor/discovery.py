"""Pure parsers of discovery documents: feeds, sitemaps, section pages -> candidate article links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree
from lxml import html as lxml_html

from monitor.dates import parse_iso

NON_ARTICLE = re.compile(
    r"/(?:tag|tags|auteur|auteurs|author|authors|topic|topics|theme|themes|page|video|videos|gallery|galleries|"
    r"diaporama|diaporamas|photos|podcast|podcasts|live|search|recherche|newsletter|newsletters|abonnement|"
    r"subscribe|login|connexion|compte|account|contact|about|a-propos|mentions-legales|legal|privacy|cgu|rss)"
    r"(?:/|$)|/page/\d+|[?&]page=\d+|\.(?:jpg|jpeg|png|gif|pdf|mp3|mp4|xml|rss|css|js)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Link:
    url: str
    title: str | None = None
    published: datetime | None = None
    language: str | None = None


class DiscoveryError(ValueError):
    """A feed or sitemap that cannot be read at all."""


def parse_feed(body: bytes, base_url: str) -> list[Link]:
    """Entries of an RSS 0.9x/2.0, RDF or Atom feed, tolerating the usual malformations."""
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    links: list[Link] = []
    for entry in parsed.entries:
        href = entry.get("link") or _alternate(entry)
        if not href:
            guid = entry.get("id") or ""
            href = guid if guid.startswith(("http://", "https://")) else None
        if not href:
            continue
        links.append(Link(urljoin(base_url, href.strip()), _clean(entry.get("title")), _entry_date(entry)))
    if not links and parsed.get("bozo"):
        raise DiscoveryError(f"malformed feed: {parsed.get('bozo_exception')}")
    return links


def _alternate(entry: Any) -> str | None:
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    return None


def _entry_date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                year, month, day, hour, minute, second = (int(v) for v in value[:6])
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def parse_sitemap(body: bytes) -> tuple[str, list[Link]]:
    """``("index", sitemaps)`` or ``("urlset", pages)``; Google News fields read when present."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"malformed sitemap: {exc}") from exc
    if root is None:
        raise DiscoveryError("empty or malformed sitemap")
    kind = etree.QName(root).localname.lower()
    links: list[Link] = []
    for node in root:
        if not isinstance(node.tag, str):
            continue
        fields = {etree.QName(child).localname.lower(): child for child in node.iter() if isinstance(child.tag, str)}
        loc = fields.get("loc")
        if loc is None or not (loc.text or "").strip():
            continue
        title = fields["title"].text if "title" in fields else None
        date_node = fields.get("publication_date") or fields.get("lastmod")
        language = fields["language"].text if "language" in fields else None
        published = parse_iso(date_node.text) if date_node is not None and date_node.text else None
        links.append(Link((loc.text or "").strip(), _clean(title), published, language))
    return ("index" if kind == "sitemapindex" else "urlset"), links


def looks_like_article(url: str, section_url: str | None = None) -> bool:
    """A link that is probably an article: not a tag/author/pagination/video/gallery page, not a section."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or NON_ARTICLE.search(
        parts.path + ("?" + parts.query if parts.query else "")
    ):
        return False
    path = parts.path.rstrip("/")
    if section_url is not None and path == urlsplit(section_url).path.rstrip("/"):
        return False
    last = path.rsplit("/", 1)[-1]
    words = [w for w in re.split(r"[-_]", re.sub(r"\.\w+$", "", last)) if w]
    has_id = bool(re.search(r"\d{4,}", path))
    return len(words) >= 3 or (has_id and path.count("/") >= 2)


def section_links(body: bytes | str, base_url: str, allowed_hosts: list[str]) -> list[Link]:
    """Links of a section page that look like articles on the source's own hosts."""
    try:
        tree = lxml_html.fromstring(body)
    except (ValueError, etree.ParserError):
        return []
    found: dict[str, Link] = {}
    for anchor in tree.iter("a"):
        href = anchor.get("href")
        if not href or href.startswith(("#", "mailto:", "javascript:")):
            continue
        url = urljoin(base_url, href.strip()).split("#", 1)[0]
        host = (urlsplit(url).hostname or "").lower()
        if allowed_hosts and not any(host == h or host.endswith("." + h) for h in allowed_hosts):
            continue
        if looks_like_article(url, base_url) and url not in found:
            found[url] = Link(url, _clean(anchor.text_content()))
    return list(found.values())
