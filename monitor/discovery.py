"""Pure parsers of discovery documents: feeds, sitemaps, section pages, homepages -> links.

No I/O and no Scrapy here: the spider feeds bytes in and gets ``Link`` values out.

- ``parse_feed``: RSS 0.9x/2.0, RDF (RSS 1.0) and Atom through feedparser, which falls back to a
  loose parser on malformed XML (what parses is kept) and never expands entities nor fetches external ones;
  JSON Feed 1.0/1.1 with the json module.
- ``parse_sitemap``: XML sitemaps, sitemap indexes and Google News sitemaps (``news:publication_date``,
  ``news:title``, ``news:language``) with lxml, entities never resolved, no network; also plain-text sitemaps.
- ``section_links``: links of a section page that look like articles on the source's own hosts.
- ``feed_candidates``: the feeds a homepage announces (``<link rel="alternate">``, links to feeds) and the
  usual feed paths, for ``monitor sources add``.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import partial
from typing import Any, Literal, TypeAlias
from urllib.parse import urljoin, urlsplit
from xml.sax import SAXException

import feedparser
from courlan.filters import is_navigation_page, is_not_crawlable, type_filter
from lxml import etree
from lxml import html as lxml_html

from monitor.dates import feedparser_misreads, on_written_clock, parse_feed_date, parse_iso, writes_zone
from monitor.urls import host_allowed

NON_ARTICLE = re.compile(
    r"/(?:tag|tags|auteur|auteurs|author|authors|journaliste|journalistes|signataire|topic|topics|theme|themes|"
    r"page|video|videos|av|gallery|galleries|galerie|galeries|diaporama|diaporamas|photos|photo|portfolio|"
    r"podcast|podcasts|live|direct|search|recherche|newsletter|newsletters|abonnement|subscribe|login|"
    r"connexion|compte|account|contact|about|a-propos|mentions-legales|legal|privacy|cgu|rss|feed|feeds|"
    r"plan-du-site|site-map|sitemap|terms|terms-and-conditions|terms-of-use|terms-of-service|privacy-policy|"
    r"politique-de-confidentialite|conditions-generales|cgv|cookies|faq|aide|help|section|sections|rubrique|"
    r"jobs|careers|recrutement|advertise|publicite|boutique|shop)"
    r"(?:/|$)|/page/\d+|[?&](?:page|p)=\d+|"
    r"\.(?:jpg|jpeg|png|gif|webp|svg|pdf|mp3|mp4|m4a|xml|rss|atom|json|css|js|zip)$",
    re.IGNORECASE,
)
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/xml",
    "text/xml",
)
COMMON_FEED_PATHS = (
    "/feed",
    "/feed/",
    "/rss",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
    "/rss/une.xml",
    "/arc/outboundfeeds/rss/",
)
COMMON_SITEMAP_PATHS = ("/sitemap_news.xml", "/news-sitemap.xml", "/sitemap-news.xml", "/sitemap.xml")
# an article under an id alone: "/news/articles/c4nn0rzn0k9o" (BBC), "/story/x7k2m9q1p" (letters and digits)
_ARTICLE_ID_PATH = re.compile(r"/(?:articles?|story|stories)/(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{8,}$", re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!DOCTYPE[^>\[]*\[.*?\]\s*>", re.DOTALL | re.IGNORECASE)
# an entry's HTML body, which discovery does not read: one CDATA section, or text without markup (escaped
# HTML); an element holding anything else (markup, several sections) is left to the parser
_ENTRY_BODY = re.compile(
    rb"<(content:encoded|description|summary|content)(?:\s[^<>]*)?>"
    rb"(?:\s*<!\[CDATA\[[^\]]*+(?:\](?!\]>)[^\]]*+)*+\]\]>\s*|[^<]*)</\1\s*>",  # never past a section's "]]>"
    re.DOTALL,
)

Kind = Literal["feed", "sitemap", "html", "unknown"]
# an HTML page: bytes or text as fetched, or an lxml element parsed by ``html_document`` (lxml is untyped)
Page: TypeAlias = Any
# two-letter domains that say nothing of where an outlet is: country codes mostly sold as generic ones, and
# the European Union's (politico.eu)
_NO_COUNTRY_TLDS = frozenset(
    {"io", "co", "tv", "me", "ly", "fm", "ai", "gg", "to", "ws", "cc", "nu", "sh", "am", "im", "la", "eu"}
)
_MEDIA_EXTENSION = re.compile(r"\{[^}]*/sitemap-(?:image|video)/")  # Google's image and video sitemap namespaces
_REGION = re.compile(r"^[A-Za-z]{2,3}[-_]([A-Za-z]{2})$")  # "fr-FR", "en_GB": a language and a country


@dataclass(frozen=True)
class Link:
    url: str
    title: str | None = None
    published: datetime | None = None
    language: str | None = None


class DiscoveryError(ValueError):
    """A feed or sitemap that cannot be read at all."""


_JSON_FEED = re.compile(rb'"version"\s*:\s*"https?://jsonfeed\.org/version/')
JSON_FEED_SNIFF = 1 << 20


def sniff(body: bytes) -> Kind:
    """What a discovery document is, from its first bytes (servers often send the wrong Content-Type)."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head or b"<channel" in head:
        return "feed"
    if head.startswith(b"{") and _JSON_FEED.search(body[:JSON_FEED_SNIFF]):
        return "feed"  # JSON Feed 1.0/1.1, its "version" wherever the keys' order put it
    if b"<html" in head or b"<!doctype html" in head or b"<head" in head or b"<body" in head:
        return "html"
    if head.startswith((b"http://", b"https://")):
        return "sitemap"  # a plain-text sitemap: one URL a line
    return "unknown"


def _without_entity_declarations(body: bytes) -> bytes:
    """Drops every internal DTD subset, wherever it is (after a decoy in a comment, far into the document):
    entity definitions are never expanded (billion laughs, XXE). A declaration left over (a subset cut short
    by a "]" in a value, one outside any subset) becomes text, which the parser cannot expand either.

    References to the entities declared become U+FFFD, and links holding one are dropped.
    """
    if b"<!ENTITY" not in body:
        return body
    names = set(re.findall(rb"<!ENTITY\s+%?\s*([\w.:-]+)", body))
    rest = _ENTITY_DECL.sub(b"", body).replace(b"<!ENTITY", b"&lt;!ENTITY")
    return re.sub(rb"&([\w.:-]+);", lambda m: b"&#xFFFD;" if m.group(1) in names else m.group(0), rest)


def _local(tag: str) -> str:
    """The local name of a tag, ``{ns}name`` or an undeclared ``prefix:name`` from a recovered document
    (``etree.QName`` raises ValueError on the latter)."""
    return tag.rpartition("}")[2].rpartition(":")[2]


def _usable(url: str) -> bool:
    """An http(s) URL with a host, a port that is a number, nothing unreadable (U+FFFD), no control character."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # "https://host:80O/" raises here
    except ValueError:  # "http://[not an address", a port that is not a number and the like
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and "\ufffd" not in url and url.isprintable()


def _join(base: str | None, href: str) -> str | None:
    """``href`` resolved against ``base``; None when either cannot be parsed as a URL."""
    try:
        return urljoin(base, href) if base else href
    except ValueError:
        return None


# feeds ------------------------------------------------------------------------------------------------
def parse_feed(body: bytes, base_url: str, zone: tzinfo | None = None) -> list[Link]:
    """Entries of an RSS 0.9x/2.0, RDF or Atom feed, relative links resolved against ``base_url``; a date
    written without an offset is read on ``zone``'s clock (the source's), UTC without one.

    Raises ``DiscoveryError`` when nothing can be read; an empty list is a well-formed empty feed.
    """
    if body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return _read_json_feed(body, base_url, zone or UTC)
    return _read_feed(_without_entry_bodies(_without_entity_declarations(body)), base_url, zone or UTC)


def _read_json_feed(body: bytes, base_url: str, zone: tzinfo) -> list[Link]:
    """The items of a JSON Feed (https://jsonfeed.org, 1.0 and 1.1): ``url`` (else ``external_url``, else an
    ``id`` that is a URL), ``title``, ``date_published`` (else ``date_modified``), the feed's ``language``."""
    try:
        feed = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: hostile nesting
        raise DiscoveryError(f"not a feed: JSON that does not parse ({type(exc).__name__})") from exc
    if not isinstance(feed, dict) or "jsonfeed.org" not in str(feed.get("version", "")):
        raise DiscoveryError("not a feed: JSON without a JSON Feed version")
    items = feed.get("items")
    if not isinstance(items, list):
        raise DiscoveryError("not a feed: a JSON Feed without items")
    language = _lang(feed.get("language"))
    links: list[Link] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        href = next((v for v in (item.get("url"), item.get("external_url")) if isinstance(v, str) and v), None)
        guid = item.get("id")
        if href is None and isinstance(guid, str) and guid.startswith(("http://", "https://")):
            href = guid  # an id that is the article's address
        url = _join(base_url, href.strip()) if href else None
        if not url or not _usable(url):
            continue
        dates = (item.get("date_published"), item.get("date_modified"))
        published = next((d for d in (parse_iso(v) for v in dates if isinstance(v, str)) if d), None)
        if published is not None and published.tzinfo is None:
            published = published.replace(tzinfo=zone)
        links.append(Link(url, _clean(item.get("title")), published, _lang(item.get("language")) or language))
    return links


def _without_entry_bodies(body: bytes) -> bytes:
    """The feed without its entries' HTML bodies (``content:encoded``, ``description``, Atom ``content`` and
    ``summary``), which feedparser would decode and scan, for nothing: discovery reads links, titles, dates
    and languages. A feed carrying its articles whole parses two to three times faster."""
    return _ENTRY_BODY.sub(b"", body) if b"CDATA" in body or b"&lt;" in body else body


def _read_feed(body: bytes, base_url: str, zone: tzinfo = UTC) -> list[Link]:
    try:
        parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    except ValueError as exc:  # feedparser on a hostile XML declaration (a non-ASCII encoding name)
        recovered = _recover_feed(body, base_url)
        if not recovered:
            raise DiscoveryError(f"not a feed: {exc}") from exc
        return recovered
    # RSS: a relative item link is read against the channel's site link, as readers do; Atom: against the
    # feed's own address (RFC 4287: xml:base, which feedparser applies, else the document's URI)
    atom = str(parsed.get("version") or "").startswith("atom")
    base = parsed.feed.get("link") if isinstance(parsed.feed.get("link"), str) and not atom else None
    links: list[Link] = []
    for entry in parsed.entries:
        href = _entry_href(entry)
        if not href:
            continue
        url = _join(_join(base_url, base or ""), href.strip())
        if url and _usable(url):
            links.append(Link(url, _title(entry.get("title")), _entry_date(entry, zone), _lang(entry.get("language"))))
    if parsed.get("bozo") and (not links or isinstance(parsed.get("bozo_exception"), SAXException)):
        # malformed XML: feedparser's loose parser can lose well-formed items after a broken one, which
        # lxml's recovering parser keeps. Its items add to feedparser's, not their other readings of one
        # address (lxml reads "?a=1&b=2", a bare ampersand, as "?a=1=2"): one per address without its query
        known = {_without_query(link.url) for link in links}
        links += [link for link in _recover_feed(body, base_url) if _without_query(link.url) not in known]
    if not links and parsed.get("bozo") and not parsed.get("version"):
        raise DiscoveryError(f"not a feed: {parsed.get('bozo_exception')}")
    return links


def _without_query(url: str) -> str:
    return urlsplit(url)._replace(query="", fragment="").geturl()


def _recover_feed(body: bytes, base_url: str) -> list[Link]:
    """The items of a feed too broken for feedparser, read by lxml's recovering parser."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, load_dtd=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    links: list[Link] = []
    for node in root.iter():
        if not isinstance(node.tag, str) or _local(node.tag) not in ("item", "entry"):
            continue
        href = title = None
        for child in node:
            if not isinstance(child.tag, str):
                continue
            name = _local(child.tag)
            if name == "origLink" and (child.text or "").strip():  # FeedBurner's: the article itself
                href = child.text.strip()
            elif name == "link":
                href = href or child.get("href") or (child.text or "").strip() or None
            elif name == "title":
                title = child.text
        url = _join(base_url, href.strip()) if href else None
        if url and _usable(url):
            links.append(Link(url, _title(title)))
    return links


def _entry_href(entry: Any) -> str | None:
    original = entry.get("feedburner_origlink")  # FeedBurner's <feedburner:origLink>: the article itself
    if isinstance(original, str) and original.strip().startswith(("http://", "https://")):
        return original
    href = entry.get("link")
    if isinstance(href, str) and href.strip():
        return href
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    guid = entry.get("id") or ""
    return guid if isinstance(guid, str) and guid.startswith(("http://", "https://")) else None


def _entry_date(entry: Any, zone: tzinfo) -> datetime | None:
    # the stored values only: feedparser's own lookup answers a missing "updated_parsed" with
    # "published_parsed" and a DeprecationWarning (a fallback it says it will remove)
    stored = partial(dict.get, entry) if isinstance(entry, dict) else entry.get
    for key in ("published", "updated", "created"):
        written, value = stored(key), stored(f"{key}_parsed")
        if written and zone is not UTC and not writes_zone(written):  # feedparser reads it as UTC
            wall = _wall_time(value) or parse_feed_date(written)  # the time as written, on the source's clock
            if wall is None:
                continue  # neither feedparser nor our parser reads it
            return wall if wall.tzinfo else wall.replace(tzinfo=zone)
        if written and (not value or feedparser_misreads(written)):
            ours = parse_feed_date(written)  # French names, CEST: what feedparser reads wrong or not at all
            if ours is not None:
                return ours if ours.tzinfo else ours.replace(tzinfo=UTC)
        read = _wall_time(value)
        if read is not None:
            return on_written_clock(read.replace(tzinfo=UTC), written)
    return None


def _wall_time(value: Any) -> datetime | None:
    """feedparser's reading of a date (a time tuple, in UTC) as a naive date-time, or None."""
    try:
        year, month, day, hour, minute, second = (int(v) for v in value[:6])
        return datetime(year, month, day, hour, minute, second)
    except (TypeError, ValueError):
        return None


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


_TAG = re.compile(r"<[^<>]{1,200}>")


def _title(value: Any) -> str | None:
    """A feed entry's title as text: an Atom ``type="html"`` title, or an RSS one escaped twice ("Caméras
    &amp;amp; libertés"), is HTML, whose entities and tags are not the headline's."""
    if not isinstance(value, str):
        return None
    if "&" in value or "<" in value:
        value = _TAG.sub(" ", html.unescape(value))
    return _clean(value)


def _lang(value: Any) -> str | None:
    text = _clean(value)
    return text.lower().split("-")[0][:8] if text else None


# sitemaps ---------------------------------------------------------------------------------------------
def parse_sitemap(
    body: bytes, base_url: str | None = None, zone: tzinfo | None = None
) -> tuple[Literal["index", "urlset"], list[Link]]:
    """``("index", sitemaps)`` or ``("urlset", pages)``; Google News fields read when present; a date written
    without an offset is read on ``zone``'s clock (the source's), UTC without one.

    Malformed XML is recovered as far as it parses; entities are never resolved and nothing is fetched.
    """
    stripped = _without_entity_declarations(body.lstrip(b"\xef\xbb\xbf \t\r\n"))
    if not stripped.strip():  # a 200 with nothing in it: a sitemap without entries, not a broken one
        return "urlset", []
    if stripped.startswith((b"http://", b"https://")):
        return "urlset", _text_sitemap(stripped)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True, load_dtd=False)
    try:
        root = etree.fromstring(stripped, parser=parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise DiscoveryError(f"malformed sitemap: {exc}") from exc
    if root is None or not isinstance(root.tag, str):
        raise DiscoveryError("empty or malformed sitemap")
    kind = _local(root.tag).lower()
    if kind not in ("sitemapindex", "urlset"):
        raise DiscoveryError(f"not a sitemap: root element <{kind}>")
    entries = [node for node in root if isinstance(node.tag, str)]
    cut = entries[-1] if entries and _cut_in_a_loc(stripped) else None  # a truncated document's last address
    links: list[Link] = []
    for node in entries:
        if node is cut:
            continue
        fields = _entry_fields(node)
        loc = fields.get("loc")
        if not loc:
            continue
        url = _join(base_url, loc)
        if not url or not _usable(url):
            continue
        date = fields.get("publication_date") or fields.get("lastmod")
        links.append(
            Link(
                url,
                _clean(fields.get("title")),
                _aware(parse_iso(date) if date else None, zone or UTC),
                _lang(fields.get("language")),
            )
        )
    return ("index" if kind == "sitemapindex" else "urlset"), links


_LOC_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?loc\s*>")


def _cut_in_a_loc(body: bytes) -> bool:
    """Whether the document ends inside a ``<loc>``: cut short, its last address is only part of one."""
    tags = _LOC_TAG.findall(body[-65536:])
    return bool(tags) and tags[-1] == b""


def _entry_fields(node: Any) -> dict[str, str]:
    """The texts of a sitemap entry by local name, the first of each in document order (``loc``, ``lastmod``,
    Google News' ``publication_date``, ``title``, ``language``), leaving out what an image's or a video's
    extension says of itself: its own ``loc``, ``title`` and ``publication_date`` are not the article's."""
    fields: dict[str, str] = {}
    for part in node:  # <loc>, <lastmod>, <news:news>, <image:image>…
        if not isinstance(part.tag, str) or _MEDIA_EXTENSION.match(part.tag):
            continue
        for child in part.iter():
            if isinstance(child.tag, str) and child.text and child.text.strip():
                fields.setdefault(_local(child.tag).lower(), child.text.strip())
    return fields


def _aware(value: datetime | None, zone: tzinfo) -> datetime | None:
    """A date without an offset read on ``zone``'s clock, so that it compares with the horizon."""
    return value.replace(tzinfo=zone) if value is not None and value.tzinfo is None else value


def _text_sitemap(body: bytes) -> list[Link]:
    lines = (line.strip() for line in body.decode("utf-8", "replace").splitlines())
    return [Link(line) for line in lines if " " not in line and _usable(line)]


def fresh(links: list[Link], since: datetime | None) -> list[Link]:
    """Links published at or after ``since``; links without a date are kept (nothing says they are old)."""
    if since is None:
        return links
    return [link for link in links if link.published is None or link.published >= since]


def newest_first(links: list[Link]) -> list[Link]:
    """Newest first; undated links after dated ones, in document order."""
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(links, key=lambda link: link.published or oldest, reverse=True)


# section pages ----------------------------------------------------------------------------------------
def looks_like_article(url: str, section_url: str | None = None) -> bool:
    """A link that is probably an article: not a tag, author, pagination, video or gallery page, not a section."""
    parts = urlsplit(url)
    path_query = parts.path + ("?" + parts.query if parts.query else "")
    if parts.scheme not in ("http", "https") or NON_ARTICLE.search(path_query):
        return False
    if is_navigation_page(path_query) or is_not_crawlable(path_query) or not type_filter(path_query, strict=True):
        return False
    path = parts.path.rstrip("/")
    if section_url is not None and path == urlsplit(section_url).path.rstrip("/"):
        return False
    last = path.rsplit("/", 1)[-1]
    words = [w for w in re.split(r"[-_]", re.sub(r"\.\w+$", "", last)) if w]
    has_id = bool(re.search(r"\d{4,}", path))
    return len(words) >= 3 or (has_id and path.count("/") >= 2) or bool(_ARTICLE_ID_PATH.search(path))


def section_links(body: Page, base_url: str, allowed_hosts: list[str] | tuple[str, ...]) -> list[Link]:
    """Links of a section page that look like articles on the source's own hosts, in page order."""
    tree = html_document(body)
    if tree is None:
        return []
    base = _base_href(tree, base_url)
    found: dict[str, Link] = {}
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")) or _in_page_chrome(anchor):
            continue
        url = (_join(base, href) or "").split("#", 1)[0]
        if not _usable(url) or (allowed_hosts and not host_allowed(url, allowed_hosts)):
            continue
        if url not in found and looks_like_article(url, base_url):
            found[url] = Link(url, _clean(anchor.text_content()))
    return list(found.values())


def _in_page_chrome(anchor: Any) -> bool:
    """A link of the page's menus, header or footer ("Plan du site", "Pays de la Loire", "Terms and
    conditions"), not of its list of stories: inside ``<nav>`` or ``<footer>``, or a ``<header>`` that is not
    a story card's (in an ``<article>``, or the link is a headline: ``<div class="post"><header><h2><a>``, as
    WordPress themes print their cards)."""
    in_header = headline = False
    for ancestor in anchor.iterancestors():
        tag = ancestor.tag
        if tag in ("nav", "footer"):
            return True
        if tag == "article":
            return False
        if tag in ("h2", "h3", "h4", "h5", "h6") and not in_header:
            headline = True
        if tag == "header" and not headline:
            in_header = True
    return in_header


def html_document(body: Page) -> Any:
    """The parsed page (None when it does not parse); a page parsed already is returned as it is, so that
    the homepage's readers (title, locale, feeds, links) share one parse."""
    if isinstance(body, lxml_html.HtmlElement):
        return body
    if not body or not body.strip():
        return None
    try:
        return lxml_html.fromstring(body)
    except (ValueError, etree.ParserError):
        return None


def _base_href(tree: Any, url: str) -> str:
    for base in tree.iter("base"):
        if base.get("href"):
            return _join(url, base.get("href").strip()) or url
    return url


# homepages --------------------------------------------------------------------------------------------
def feed_candidates(body: Page, base_url: str) -> list[str]:
    """Feeds a homepage announces (``<link rel="alternate">`` first, then links to feeds), then usual paths."""
    announced: list[str] = []
    tree = html_document(body)
    if tree is not None:
        base = _base_href(tree, base_url)
        for link in tree.iter("link"):
            rel = (link.get("rel") or "").lower().split()
            kind = (link.get("type") or "").lower().split(";")[0].strip()
            if "alternate" in rel and kind in FEED_TYPES and link.get("href"):
                announced.append(urljoin(base, link.get("href").strip()))
        for anchor in tree.iter("a"):
            href = (anchor.get("href") or "").strip()
            if href and re.search(r"(?:/feeds?/?|/rss/?|\.rss|\.atom|rss\.xml|feed\.xml|atom\.xml)$", href, re.I):
                announced.append(urljoin(base, href))
    guessed = [root + path for root in _roots(base_url) for path in COMMON_FEED_PATHS]
    return list(dict.fromkeys(announced + guessed))


def sitemap_candidates(robots_txt: str, base_url: str, home_url: str | None = None) -> list[str]:
    """``Sitemap:`` lines of a robots.txt, news sitemaps first, then the usual sitemap paths (under the
    homepage's own path first, when ``home_url`` has one: an outlet served under ``/outlet/``)."""
    listed = [
        urljoin(base_url, line.split(":", 1)[1].strip())
        for line in robots_txt.splitlines()
        if line.lower().startswith("sitemap:") and line.split(":", 1)[1].strip()
    ]
    ordered = sorted(listed, key=lambda url: 0 if "news" in url.lower() else 1)
    roots = _roots(home_url or base_url)
    local = [root + path for root in roots[:-1] for path in COMMON_SITEMAP_PATHS]
    return list(dict.fromkeys(local + ordered + [roots[-1] + path for path in COMMON_SITEMAP_PATHS]))


def under_home(url: str, home_url: str) -> bool:
    """Whether ``url`` lies under the homepage's path on its host (any URL of the host when the homepage is
    the host's root)."""
    home, other = urlsplit(home_url), urlsplit(url)
    if (other.hostname or "").lower() != (home.hostname or "").lower():
        return False
    folder = home.path.rsplit("/", 1)[0] + "/"
    return other.path.startswith(folder)


def _roots(url: str) -> list[str]:
    """Where usual feed and sitemap paths are tried: under the page's folder when it is not the host's root
    (``https://h/outlet/`` → ``https://h/outlet``), then at the origin."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    folder = parts.path.rsplit("/", 1)[0].rstrip("/")
    return [origin + folder, origin] if folder else [origin]


def html_language(body: Page) -> str | None:
    """The ``<html lang>`` of a page, as a two-letter code."""
    tree = html_document(body)
    if tree is None:
        return None
    root = tree.getroottree().getroot()
    return _lang(root.get("lang") or root.get("xml:lang"))


def html_country(body: Page) -> str | None:
    """The country of the page's locale: the region of ``<html lang="fr-FR">``, else of ``og:locale``
    ("en_GB"), as an upper-case two-letter code; None when neither names one ("fr", "zh-Hant")."""
    tree = html_document(body)
    if tree is None:
        return None
    root = tree.getroottree().getroot()
    locales = [root.get("lang"), root.get("xml:lang")]
    locales += [m.get("content") for m in tree.iter("meta") if m.get("property") == "og:locale"]
    for locale in locales:
        found = _REGION.match((locale or "").strip())
        if found:
            return found.group(1).upper()
    return None


def host_country(url: str) -> str | None:
    """The country of the address's country-code top-level domain ("lemonde.fr": FR, "bbc.co.uk": GB), for a
    homepage whose locale names none (``<html lang="fr">``); None for generic domains, addresses, .eu and the
    country codes sold as generic ones (.io, .co, .tv, .me…)."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    label = host.rsplit(".", 1)[-1] if "." in host else ""
    if len(label) != 2 or not label.isalpha() or label in _NO_COUNTRY_TLDS:
        return None
    return "GB" if label == "uk" else label.upper()


def html_title(body: Page) -> str | None:
    tree = html_document(body)
    if tree is None:
        return None
    found = tree.find(".//title")
    return _clean(found.text_content()) if found is not None else None
