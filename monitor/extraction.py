"""Article extraction: ``(html, url) -> Article``. Pure: no I/O, no module-level mutable state.

The cascade, field by field (each stage in its own module):

- page data (``extract_meta``): ``<meta>``, ``itemprop`` and the JSON-LD article (also in ``@graph``);
- body (``extract_body``): trafilatura, precision first, then French/English boilerplate and paywall
  notices removed;
- title (``extract_title``): the headline the JSON-LD, Open Graph and ``<h1>`` agree on, cleaned of the
  site name; trafilatura's title last;
- date (``dates``): JSON-LD, then ``article:published_time`` and other date meta, ``itemprop``,
  ``<time datetime>``, a labelled date in the page ("Publié le 10 juin 2020 à 18h05", "Published June 10,
  2020"), then htmldate (through trafilatura), then the first date written in the text;
- authors (``extract_authors``): persons apart from organisation credits, else the organisation byline
  ("BBC News", provenance ``<source>:organisation``); the agency from the byline and the dateline/credit
  lines of the text (``dedup.agency_credit``);
- language: langdetect on a bounded slice of the body, the declared language breaking near ties.

``Article.provenance`` records where title, published_at, updated_at and authors came from. Any input
gives an ``Article`` or raises ``ExtractionError``; the work is bounded by ``MAX_HTML_CHARS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree as lxml_etree
from trafilatura.utils import load_html

from monitor.article import Article
from monitor.dates import labelled_dates, parse_iso, parse_text_date
from monitor.dedup import agencies_named, agency_credit
from monitor.extract_authors import header_byline, printed_agency, read_byline, split_authors, text_byline
from monitor.extract_body import extract_body, page_paywall_notice
from monitor.extract_meta import PageData, read_page_data, text_head
from monitor.extract_title import (
    choose_title,
    clean_title,
    compact,
    copyright_holder,
    heading_text,
    headline_candidates,
    normalise,
    site_name_forms,
)
from monitor.language import detect_language

__all__ = ["ExtractionError", "clean_title", "extract_article", "split_authors"]

MAX_HTML_CHARS = 3_000_000
MAX_STRAY_NULS = 16  # more NUL bytes than this in the first 4 KiB: a binary file, not a page (``_binary``)
HEADER_TEXT_CHARS = 3_000
_SCRIPTS = re.compile(r"<script(?![^>]*ld\+json)[^>]*>.*?</script\s*>", re.DOTALL | re.IGNORECASE)  # not JSON-LD
AFTER_HEADLINE_CHARS = 600
HEADER_REGIONS = ("//article//header", "//article", "//main", "//body")
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "article:published",
    "datepublished",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.created",
    "date",
)
MODIFIED_META = ("article:modified_time", "og:updated_time", "article:modified", "datemodified", "dcterms.modified")
INDEX_PATH = re.compile(
    r"/(?:tags?|topics?|themes?|category|categories|categorie|rubriques?|sujets?|authors?|auteurs?|"
    r"search|recherche|archives?|page/\d+)(?:/|$)",
    re.IGNORECASE,
)
ARTICLE_ID = re.compile(r"\d{6,}")  # an article's number closing its path, under an index-like segment
VIDEO_PATH = re.compile(r"/(?:videos?|watch|player)(?:/|$)", re.IGNORECASE)
# a live blog's path: a "/live/" segment, or a slug that says so ("/en-direct-…", "/live-updates-…"); not
# "/live-facial-recognition-…" nor "/direct-action-…"
LIVE_PATH = re.compile(
    r"/(?:live|direct|en-direct|live-news|live-updates|liveblog|live-blog)(?:/|$)|"
    r"/(?:en-direct|live-updates|live-news|liveblog|live-blog)-",
    re.IGNORECASE,
)
# a live blog's headline: "EN DIRECT - …", "DIRECT. …", "Live: …", "UK riots LIVE: …" (capitals after a topic)
LIVE_HEADLINE = re.compile(
    r"^(?:EN DIRECT|En direct|DIRECT|Direct|LIVE|Live|LIVE UPDATES|Live updates)\s*[-–—:.|]\s|\bLIVE\s*[:|–—-]\s"
)
SHORT_PAGE_WORDS = 120
# a main text this long is an article's, whatever an Open Graph type says ("video.other" on IGN's articles),
# and with an article's address (a number, a date) even among a list of linked headlines
LONG_TEXT_WORDS = 500
DATED_PATH = re.compile(r"/(?:19|20)\d{2}/\d{1,2}/")
MIN_TEASERS = 4
MIN_CARDS = 6
CARDS_TEXT_SHARE = 0.5  # of the page's <p> words in its story cards: a tag or topic page
LANGUAGE_SLICE_CHARS = 300
MAX_DATE_VALUE_CHARS = 120  # of a structured value read for a date written in words
TEASER_CHARS = 4_000  # longer texts are not paywall teasers: the page-wide search for a notice is skipped
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


class ExtractionError(ValueError):
    """The input is not an article page from which a body can be read."""


def extract_article(html: str | bytes, url: str) -> Article:
    """Extract an article from ``html`` (text, or bytes whose charset is sniffed) served at ``url``.

    Raises ``ExtractionError`` (and nothing else) when the input is empty, binary, or has no readable body.
    """
    markup = _as_text(html)
    try:
        return _extract(markup, url)
    except ExtractionError:
        raise
    except Exception as exc:  # lxml, trafilatura and htmldate on hostile markup: one clear error
        raise ExtractionError(f"extraction failed: {type(exc).__name__}: {exc}") from exc


def _extract(markup: str, url: str) -> Article:
    try:  # parsed once, as trafilatura parses (comments dropped); trafilatura works on its own copy
        tree = load_html(markup)
    except (ValueError, lxml_etree.ParserError) as exc:
        raise ExtractionError(f"not parseable as HTML: {exc}") from exc
    if tree is None or not isinstance(tree.tag, str):
        raise ExtractionError("not parseable as HTML")
    data = read_page_data(tree)
    body = extract_body(tree, url)
    if not body.text:
        raise ExtractionError("no article body found")
    structured = data.structured
    site_name = data.first("og:site_name") or structured.publisher
    article = Article(url=url, text=body.text, site_name=site_name)
    article.canonical_url = _canonical(tree, data, url)
    _set_title(article, tree, data, site_name)
    article.text = _without_headline(article.text, article.title, tree)
    regions = HeaderRegions(tree)
    _set_dates(article, tree, data, markup, regions)
    site_names = site_name_forms(site_name, url, article.canonical_url) | {
        compact(n) for n in (structured.publisher, copyright_holder(data.first("copyright"))) if n
    }
    byline = read_byline(tree, data, site_names)
    printed, line = text_byline(tree, article.text, site_names)
    if line is not None and (not byline.authors or set(printed) <= set(byline.authors)):
        if not byline.authors:
            byline.authors, byline.origin = printed, "text"
        if article.text.count("\n"):  # the byline line is not body text
            article.text = "\n".join(part for index, part in enumerate(article.text.split("\n")) if index != line)
    if not byline.authors and not byline.organisation:  # "Written by …" printed without byline markup
        texts = [*regions.texts(body=False), _after_headline(tree)]
        in_header = next(filter(None, (header_byline(text, site_names) for text in texts)), [])
        if in_header:
            byline.authors, byline.origin = in_header, "text"
    byline.use_organisation()  # no person named: "BBC News", "Associated Press" (provenance "…:organisation")
    article.authors = byline.authors
    article.credits = byline.credits
    if byline.origin:
        article.provenance["authors"] = byline.origin
    if not any(agencies_named(credit) for credit in byline.credits):
        credited = printed_agency(tree)  # "Théo Bernard avec AFP" printed, the JSON-LD naming the person alone
        if credited:
            byline.credits.append(credited)
    credited_text = f"{article.text}\n{body.credit}" if body.credit else article.text  # the credit line, at its end
    article.agency = agency_credit(credited_text, byline=" ; ".join(byline.credits + byline.authors) or None)
    article.declared_language = _declared_language(tree, data)
    article.language = detect_language(_language_sample(article.text), article.declared_language)
    article.description = data.first("og:description", "description", "twitter:description") or structured.description
    article.image_url = data.first("og:image", "twitter:image") or structured.image
    article.section = data.first("article:section") or structured.section
    article.tags = list(dict.fromkeys(data.all("article:tag") + structured.keywords))[:50]
    article.is_paywalled = (
        structured.free is False
        or body.paywall_notice
        or (len(article.text) < TEASER_CHARS and page_paywall_notice(tree))  # a teaser is short
        or (data.first("article:content_tier") or "").lower() in ("locked", "metered")
    )
    article.page_type = _page_type(
        data,
        article,
        url,
        lambda: int(tree.xpath("count(//h2[.//a] | //h3[.//a])")),
        lambda: _story_cards(tree),
    )
    article.provenance["body"] = "trafilatura"
    return article


def _as_text(html: str | bytes) -> str:
    if isinstance(html, str):
        markup = html
    elif isinstance(html, bytes | bytearray | memoryview):
        data = bytes(html)
        if not data.strip():
            raise ExtractionError("empty input")
        if _binary(data[:4096].decode("latin-1")):
            raise ExtractionError("binary input, not HTML")
        markup = _decode(data[: 4 * MAX_HTML_CHARS])
    else:
        raise ExtractionError(f"expected str or bytes, got {type(html).__name__}")
    if not markup.strip():
        raise ExtractionError("empty input")
    if _binary(markup[:4096]):  # a few stray NULs in a page are dropped below
        raise ExtractionError("binary input, not HTML")
    if "<" not in markup[:65_536]:
        raise ExtractionError("no article body found (not HTML: no markup)")
    return markup[:MAX_HTML_CHARS].replace("\x00", "")


_CONTROL = re.compile("[\x01-\x08\x0e-\x1a\x1c-\x1f]")  # C0 controls no text uses (tab, newlines, ESC aside)


def _binary(head: str) -> bool:
    """A binary file rather than a page: NUL bytes, many or beside other control characters (a page may
    carry a stray NUL, in its <title> say, and nothing else of the kind)."""
    nuls = head.count("\x00")
    return nuls > MAX_STRAY_NULS or (nuls > 0 and _CONTROL.search(head) is not None)


def _decode(data: bytes) -> str:
    """Decode by BOM, then the declared charset, then UTF-8, then Windows-1252."""
    from w3lib.encoding import html_to_unicode

    encoding, text = html_to_unicode(None, data, auto_detect_fun=_auto_detect)
    if encoding == "utf-8" and "\ufffd" in text and _mostly_single_byte(data):
        return data.decode("cp1252", "replace")  # declared UTF-8, written in Latin-1 / Windows-1252
    return text


def _mostly_single_byte(data: bytes) -> bool:
    """Many more bytes that are not UTF-8 than UTF-8 multibyte characters: a Latin-1 page makes one by chance
    now and then (``É«``), while a UTF-8 page with a few broken characters (teasers cut mid-character) keeps
    far more valid ones than broken ones."""
    valid = len(_UTF8_MULTIBYTE.findall(data))
    invalid = len(re.findall(rb"[\x80-\xff]", data)) - len(b"".join(_UTF8_MULTIBYTE.findall(data)))
    return invalid > 3 * valid or (valid <= 2 and invalid >= valid)


def _auto_detect(data: bytes) -> str | None:
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _canonical(tree: Any, data: PageData, url: str) -> str:
    """The page's ``rel=canonical`` (relative ones resolved), else its ``og:url``, else ``url``."""
    head = tree.find("head")
    hrefs = _canonical_links(head) if head is not None else []
    for href in (hrefs or _canonical_links(tree))[:3]:
        found = _page_address(href, url)
        if found:
            return found
    return _page_address(data.first("og:url") or "", url) or url


def _page_address(href: str, url: str) -> str | None:
    """``href`` as the page's own address, resolved against ``url``; None when it is not one: not http(s),
    unparsable, or the site's root or a folder above the page (a template that gives every article the
    homepage or its section as canonical would make all of them one article)."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        address = urljoin(url, href)
        parts, page = urlsplit(address), urlsplit(url)
        _ = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    path, page_path = parts.path or "/", page.path.rstrip("/")
    if not parts.query and page_path and path.endswith("/") and page_path.startswith(path):
        return None  # "/" or "/news/" for "/news/technology-1"; "/news/story/" for itself is kept
    return address


def _canonical_links(element: Any) -> list[str]:
    return [e.get("href") or "" for e in element.iter("link") if (e.get("rel") or "").strip().lower() == "canonical"]


def _language_sample(text: str) -> str:
    """A bounded slice of the body for langdetect, from the first full paragraph on."""
    lines = [line for line in text.split("\n") if len(line) > 80] or [text]
    return "\n".join(lines)[:LANGUAGE_SLICE_CHARS]


def _without_headline(text: str, title: str | None, tree: Any) -> str:
    """The body without a first line that repeats the headline (an ``<h1>`` inside the article container,
    as AP News and Le Parisien print it): the headline is the title, not a paragraph of the text."""
    first, newline, rest = text.partition("\n")
    if not newline or not rest.strip():
        return text
    line = normalise(first)
    if not line:
        return text
    if (title and line == normalise(title)) or any(line == normalise(heading_text(h)) for h in tree.iter("h1")):
        return rest.lstrip("\n")
    return text


def _set_title(article: Article, tree: Any, data: PageData, site: str | None) -> None:
    candidates = headline_candidates(tree, data, site, article.url, article.canonical_url)
    chosen = choose_title(candidates)
    if chosen:
        article.provenance["title"], article.title = chosen


class HeaderRegions:
    """The regions where a byline and dates may be printed, narrowest first: the article's header, the
    article, the main element, the page's start (each read up to ``HEADER_TEXT_CHARS``), each read once and
    only when asked for."""

    def __init__(self, tree: Any) -> None:
        self._unread = _region_texts(tree)
        self._read: list[tuple[str, str]] = []

    def texts(self, body: bool = True) -> Iterator[str]:
        """Their texts; without ``body``, not the page's start, whose menus read "Shop By Department"."""
        for path, text in self._regions():
            if body or path != "//body":
                yield text

    def first(self) -> str:
        """Visible text where bylines and dates are printed: the article's header, else the page's start."""
        return next(self.texts(), "")

    def _regions(self) -> Iterator[tuple[str, str]]:
        yield from self._read
        for region in self._unread:  # resumes where an earlier reading stopped
            self._read.append(region)
            yield region


def _region_texts(tree: Any) -> Iterator[tuple[str, str]]:
    for path in HEADER_REGIONS:
        found = tree.xpath(path)
        text = " ".join(_text_start(e) for e in found[:3]) if found else ""
        if text:
            yield path, text[:HEADER_TEXT_CHARS]


def _after_headline(tree: Any) -> str:
    """The page's text from its ``<h1>`` on (``AFTER_HEADLINE_CHARS``): where a page without an article or
    main element prints its byline, past the menus ("Shop By Department") that come before."""
    heading = next(tree.iter("h1"), None)
    body = tree.find("body")
    if heading is None or body is None:
        return ""
    title = " ".join(" ".join(heading.itertext()).split())
    text = _text_start(body)
    start = text.find(title) if title else -1
    return text[start + len(title) : start + len(title) + AFTER_HEADLINE_CHARS] if start >= 0 else ""


def _text_start(element: Any) -> str:
    """The element's first ``HEADER_TEXT_CHARS`` of text, its text nodes apart, spaces collapsed."""
    return " ".join(text_head(element, HEADER_TEXT_CHARS)[0].split())[:HEADER_TEXT_CHARS]


def _labelled_dates(regions: HeaderRegions) -> tuple[datetime | None, datetime | None]:
    """Dates printed after their labels ("Publié le…", "Updated…") in the first region that prints any: the
    date line can follow the article's header (after its picture, Les Échos), not sit in it."""
    for text in regions.texts():
        published, updated = labelled_dates(text)
        if published or updated:
            return published, updated
    return None, None


def _set_dates(article: Article, tree: Any, data: PageData, markup: str, regions: HeaderRegions) -> None:
    structured = data.structured
    time_elements = _article_times(tree)
    text_published, text_updated = _labelled_dates(regions)
    header = regions.first()
    options: list[tuple[str, Any]] = [
        ("json-ld", lambda: _first_date([structured.published])),
        ("meta", lambda: _first_date(data.all(*PUBLISHED_META))),
        ("itemprop", lambda: _first_date(data.all("itemprop:datepublished", "itemprop:datecreated"))),
        ("time", lambda: _first_date(time_elements)),
        ("text", lambda: text_published),
        ("htmldate", lambda: parse_iso(_htmldate(markup, article.url))),
        ("text", lambda: parse_text_date(header) or parse_text_date(article.text[:400])),
    ]
    for origin, read in options:
        value = read()
        if value:
            article.published_at = value
            article.provenance["published_at"] = origin
            break
    chosen = article.published_at
    if chosen is not None and chosen.utcoffset() == timedelta(0):  # "…Z": the same instant with the page's offset
        for value in (structured.published, *data.all(*PUBLISHED_META), *time_elements):
            local = parse_iso(value) if isinstance(value, str) else None
            if local is not None and local.utcoffset() not in (None, timedelta(0)) and local == chosen:
                article.published_at = local  # the publisher's day and clock (stored in UTC with its offset)
                break
    if article.provenance.get("published_at") == "htmldate" and article.published_at is not None:
        printed = parse_text_date(header)  # htmldate gives the day; "Le 03/03/2025 à 17:29" gives the time too
        if printed is not None and printed.date() == article.published_at.date() and printed.time() != time():
            article.published_at, article.provenance["published_at"] = printed, "text"
    updates: list[tuple[str, datetime | None]] = [
        ("json-ld", _first_date([structured.modified])),
        ("meta", _first_date(data.all(*MODIFIED_META))),
        ("itemprop", _first_date(data.all("itemprop:datemodified"))),
        ("text", text_updated),
    ]
    for origin, value in updates:
        if value:
            article.updated_at = value
            article.provenance["updated_at"] = origin
            break


def _article_times(tree: Any) -> list[str]:
    """The ``<time datetime>`` values of the article, not of a news ticker or a related story's card: those
    in the ``<article>`` that holds the headline when there is one, else those outside menus, asides and
    footers; the first five."""
    heading = next(iter(tree.xpath("//h1[1]")), None)
    holder = next(iter(heading.xpath("ancestor::article[1]")), None) if heading is not None else None
    if holder is not None:  # none there: the article prints its date otherwise (a ticker's time is not it)
        return [str(v) for v in holder.xpath(".//time[@datetime][not(ancestor::aside)]/@datetime")[:5]]
    return [
        str(v)
        for v in tree.xpath("//time[@datetime][not(ancestor::nav or ancestor::aside or ancestor::footer)]/@datetime")[
            :5
        ]
    ]


def _htmldate(markup: str, url: str) -> str | None:
    """htmldate's publication date (URL, markup and date elements): the last resort before the text.

    Without its extensive search: that reads loose text with dateparser in each of its 205 locales (seconds
    of CPU to load them at the first such page in a process) and guessed wrong more often than our own
    French and English text dates, read next (docs/extraction.md, tenth session)."""
    from htmldate import find_date

    markup = _SCRIPTS.sub("", markup)  # an app's state ("createdAt": the template's date), not the article's
    found = find_date(markup, url=url, original_date=True, extensive_search=False)
    return str(found) if found else None


def _first_date(values: Sequence[str | None]) -> datetime | None:
    """The first of ``values`` that reads as a date: in a machine form (ISO 8601, RFC 822, Unix time), else in
    words ("June 10, 2020 6:05 PM", "10 juin 2020 à 18h05": some JSON-LD and itemprop values are written so)."""
    for value in values:
        parsed = parse_iso(value) or (parse_text_date(value[:MAX_DATE_VALUE_CHARS]) if isinstance(value, str) else None)
        if parsed:
            return parsed
    return None


def _declared_language(tree: Any, data: PageData) -> str | None:
    value = (
        tree.get("lang")
        or data.first("og:locale", "content-language", "language", "dc.language")
        or data.structured.language
    )
    if not value:
        return None
    code = str(value).replace("_", "-").split("-")[0].strip().lower()[:3]
    return code if code.isalpha() else None


def _story_cards(tree: Any) -> int:
    """How many ``<article>`` story cards (a linked headline each, no card inside) the page holds, when they
    hold most of its paragraph text between them (a tag or topic page); 0 when the text lies outside them (an
    article followed by its related stories' cards, as pages without Open Graph data print them) or one of
    them holds most of it (the article itself)."""
    cards = tree.xpath("//article[.//h2//a or .//h3//a or .//h4//a][not(.//article)]")
    if len(cards) < MIN_CARDS:
        return len(cards)
    total = sum(len(p.text_content().split()) for p in tree.iter("p"))
    per_card = [sum(len(p.text_content().split()) for p in card.iter("p")) for card in cards]
    if total and max(per_card) >= CARDS_TEXT_SHARE * total:
        return 0  # one "card" holds most of the text: the article itself, with a linked heading inside
    return len(cards) if total == 0 or sum(per_card) >= CARDS_TEXT_SHARE * total else 0


def _page_type(data: PageData, article: Article, url: str, teasers: Callable[[], int], cards: Callable[[], int]) -> str:
    """``article``, or ``liveblog``, ``video`` or ``index`` (tag, section and home pages): not articles.

    A live blog is JSON-LD ``LiveBlogPosting``, or a long text at a live path (``LIVE_PATH``) or under a live
    headline (``LIVE_HEADLINE``) without article structured data. A video is an Open Graph ``video`` page,
    unless its JSON-LD is an article with a long text, or a ``VideoObject`` or video path with a short text
    and no article data. An index has no
    article structured data and either an index-like path (``/tag/…``, ``/``), or is an Open Graph
    ``website`` with a short text or a list of linked headlines (``teasers``), or, with no Open Graph type
    either, holds ``MIN_CARDS`` ``<article>`` cards with a linked headline each (a tag or topic page at a
    path like any other: "/reconnaissance-faciale/")."""
    types = data.structured.types | data.other_types
    og_type = (data.first("og:type") or "").lower()
    path = urlsplit(url).path
    words = len(article.text.split())
    live_signs = LIVE_PATH.search(path) or LIVE_HEADLINE.search(article.title or "")
    if "liveblogposting" in types or (
        live_signs and words > SHORT_PAGE_WORDS and not data.structured.types  # JSON-LD says article
    ):
        return "liveblog"
    article_data = bool(data.structured.types)  # JSON-LD NewsArticle, Article, BlogPosting…
    long_text = words >= LONG_TEXT_WORDS
    if (og_type.startswith("video") and (words < SHORT_PAGE_WORDS or not (article_data or long_text))) or (
        ("videoobject" in types or VIDEO_PATH.search(path)) and not article_data and words < SHORT_PAGE_WORDS
    ):
        return "video"
    last = path.rstrip("/").rsplit("/", 1)[-1]
    article_address = bool(ARTICLE_ID.search(last) or DATED_PATH.search(path))
    teaser = article.is_paywalled and bool(article.authors) and article.published_at is not None  # a paywalled article
    short_website = og_type == "website" and (
        (words < SHORT_PAGE_WORDS and not teaser) or (teasers() >= MIN_TEASERS and not (long_text and article_address))
    )
    cards_page = not og_type and cards() >= MIN_CARDS
    index_path = bool(INDEX_PATH.search(path)) and not ARTICLE_ID.search(last)  # "/archives/…/2003825372"
    looks_like_index = path in ("", "/") or index_path or short_website or cards_page
    if not data.structured.types and og_type != "article" and looks_like_index:
        return "index"
    return "article"
