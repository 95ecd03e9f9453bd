"""Authors: person names from bylines, apart from organisation and agency credits (pure).

Sources, first that gives a person wins: JSON-LD ``author`` (``Person`` apart from ``Organization``),
author ``<meta>`` tags (``author``, ``article:author``, ``dc.creator``, ``citation_author``,
``parsely-author``…), ``itemprop="author"``, byline elements (``rel="author"``, ``class="byline"``…),
and the first lines of the text. Each byline is cleaned: "By"/"Par" dropped, cut before dates and job titles,
split on "," / "and" / "et" / "&", a trailing place dropped ("Associated Press in Valencia");
"Dupont, Marie" in a one-person field becomes "Marie Dupont"; "Tom Davies Associated Press" gives the
person and the agency, "Kevin McCoy USA TODAY" (on usatoday.com) the person and the site; an agency named
anywhere in a byline ("Jean Dupont (avec AFP)") is credited; a line break in a byline element separates.
Names of the site, of desks ("Staff", "La rédaction", "Gear Team") and of agencies ("Le Monde avec AFP",
"Associated Press") are kept as credits, not persons.

When no source names a person, the byline is the organisation's: ``Byline.organisation`` holds the credits
of the first source that gives any ("BBC News", "Associated Press", "MND Staff"), as printed, an agency
named twice kept once in its long form, and ``use_organisation`` makes them the authors (provenance
``<source>:organisation``). Never an organisation byline: generic desk words alone ("Staff", "La
rédaction", "The Editors"), and joint credits ("Le Monde avec AFP", "Staff and agencies", an outlet and
an agency side by side), which only credit the agency.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from lxml import etree

from monitor.dedup import AGENCIES, agencies_named, agency_credit
from monitor.extract_meta import PageData, squash, text_head

PER_PERSON_META = ("dc.creator", "citation_author", "parsely-author", "sailthru.author", "article:author_name")
BYLINE_META = ("author", "article:author", "byl", "dcterms.creator", "cxenseparse:author")
BYLINE_XPATH = (  # one pass over the page (a union of seven paths walked it seven times)
    '//*[@rel="author" or contains(@class, "byline") or contains(@class, "author-name")'
    ' or contains(@class, "author__name") or contains(@class, "author_name") or contains(@class, "article-author")'
    ' or contains(@class, "__author")'
    ' or contains(@class, "signature") or contains(@class, "auteur")'
    ' or contains(@data-testid, "byline") or contains(@data-ui-testid, "byline")'
    ' or contains(@class, "authorName") or contains(@class, "AuthorName") or contains(@class, "Byline")'
    ' or contains(concat(" ", normalize-space(@class), " "), " author ")]'  # class="author", the plain one
)
AUTHOR_AREA_XPATH = (  # below the headline's container
    './/*[@rel="author" or contains(@class, "byline") or contains(@class, "author")'
    ' or contains(@class, "signature") or contains(@class, "auteur")]'
)
_AUTHOR_AREAS = etree.XPath(AUTHOR_AREA_XPATH)
_BYLINES = etree.XPath(BYLINE_XPATH)
_ITEMPROP_AUTHORS = etree.XPath('//*[@itemprop="author"][not(self::meta)]')
# a link to an author's page: "/author/jane-doe", "/auteurs/jean-dupont/", "/profiles/47", "/by/cade-metz",
# "/journalist/123131/Jon-King"
_AUTHOR_PATH = re.compile(
    r"/(authors?|auteurs?|journalists?|journalistes?|signataires?|profiles?|staff|contributors?|writers?|"
    r"columnists?|reporters?|redacteurs?|by|byline)/(?:\d+/)?([^/?#]+)/?(?:[?#].*)?$",  # "/journalist/123131/Jon-King"
    re.IGNORECASE,
)
_AUTHOR_LINKS = etree.XPath(
    './/a[@href and (contains(@href, "/author") or contains(@href, "/auteur") or contains(@href, "/journalist")'
    ' or contains(@href, "/signataire") or contains(@href, "/profile") or contains(@href, "/staff/")'
    ' or contains(@href, "/contributor")'
    ' or contains(@href, "/writer") or contains(@href, "/columnist") or contains(@href, "/reporter")'
    ' or contains(@href, "/redacteur") or contains(@href, "/by/") or contains(@href, "/byline/"))]'
)
MAX_BYLINE_ELEMENTS = 12
MAX_BYLINE_GAP = 15  # elements, in document order, between two pieces of one byline (avatars, job titles)
QUOTE_ATTRIBUTION_DEPTH = 2  # an "author" element this many levels inside the attribution of a quotation
MAX_BYLINE_CHARS = 200
MAX_AROUND_AUTHOR_LINK = 80  # characters beside the names in a byline of links (more: a sentence)
PARTICLES = frozenset(
    {"de", "du", "des", "la", "le", "van", "von", "der", "den", "da", "di", "del", "della", "dos", "das"}
    | {"bin", "binti", "al", "el", "ben", "ibn", "y", "e", "zu", "ter", "ten", "af", "av"}
)
_PREFIX = re.compile(
    r"^(?:(?:written|reported|reporting|words|text|story|posted|published|compiled|edited|photos?)\s+by|by|par|"
    r"de|from|texte|auteur|auteurs|author|authors|(?:propos )?recueillis? par|recueillie?s? par|"
    r"entretien réalisé par|interview by|analyse de|publié par|écrit par|rédigé par|article rédigé par|"
    r"interview|entretien|interviewer|intervieweur|intervieweuse)\s*[:\-–]?\s+",
    re.IGNORECASE,
)
_CUT = re.compile(
    r"\d|\bupdated\b|\bpublished\b|\bmis à jour\b|\bpublié\b|\bposted\b|\blast modified\b"
    r"|\s[|–—•·]\s|\s-\s|\(|\bis an?\b",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"\s*(?:,|;|/|\s&\s|\band\b|\bet\b|\bavec\b|\bwith\b|\bwith reporting by\b)\s*", re.IGNORECASE)
_ROLE = re.compile(  # job titles: dropped
    r"\b(?:correspondent|reporter|editor|editors|journalist|writer|contributor|columnist|photographer|producer|"
    r"journaliste|rédacteur|rédactrice|envoyée?|spéciale?|chroniqueur|chroniqueuse|chef|cheffe|senior|"
    r"contributors|guest|intern|stagiaire|analyst|critic|critique|photographe|illustrat\w*)\b",
    re.IGNORECASE,
)
# job titles printed after the name without a comma: "Steffan Rhys Deputy Content Hub Director"
_ROLE_AFTER = re.compile(
    _ROLE.pattern + r"|\b(?:director|directeur|directrice|deputy|chief|adjointe?|manager|presenter|anchor)\b",
    re.IGNORECASE,
)
MAX_AFTER_ROLE_WORDS = 4  # the rest of the job title ("Deputy Content Hub Director", "Chef du service Politique")
# words that open a job title: a name printed right before one is whole ("Mary Ann Smith Senior Reporter"),
# where another title word may stand between a two-word name and the role ("Thabo Mokone Parliamentary Editor")
_ROLE_OPENING = frozenset({"senior", "deputy", "chief", "chef", "cheffe"})
MAX_NAME_WORDS_BEFORE_ROLE = 3
_BY = re.compile(r"\b(?:by|par)\b", re.IGNORECASE)
# the last word of an outlet's name ("Los Angeles Times", "Washington Post"), never the first of a job title
PUBLICATION_WORDS = frozenset({"times", "post", "journal", "herald", "tribune", "gazette", "chronicle", "daily"})
# a social network's or contact link's label after the name: "Sarah Lazare Twitter", "Jane Doe Email"
_SOCIAL_LABEL = re.compile(
    r"(?:\s+(?:twitter|facebook|linkedin|instagram|bluesky|mastodon|threads|e-?mail|courriel|follow|suivre|rss))+$",
    re.IGNORECASE,
)
_DESK = re.compile(  # organisations and desks: kept as credits
    r"\b(?:staff|team|desk|newsroom|rédaction|redaction|bureau|service|agency|agence|news|"
    r"press|presse|media|médias|online|digital|équipe|magazine|times|post|daily|journal|herald|tribune|"
    r"gazette|radio|radios|tv|television|televisions|télévision|télévisions|channel|editorial|wire|wires|"
    r"group|groupe|network|networks|broadcasting|broadcast|editions|éditions|publishing|publications)\b",
    re.IGNORECASE,
)
_MONTHS = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|janvier|février|mars|avril|mai|juin|juillet|août|"
    r"septembre|octobre|novembre|décembre"
)
_WEEKDAYS = frozenset(
    (
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        *("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    )
)
_TRAILING_MONTH = re.compile(  # left before the cut digits: "By Associated PressApril 28, 2023", "STAFF NOVEMBER 13"
    rf"(?:(?<=[a-z])(?=[A-Z])(?:{_MONTHS})|\b(?i:{_MONTHS}|le|on))\.?\s*$"
)
_AGENCY = re.compile(r"^(?:[Tt]he\s+)?(?:" + "|".join(AGENCIES.values()) + r")$")
_AGENCY_NAMES = tuple((name, re.compile(rf"(?:[Tt]he\s+)?(?:{forms})")) for name, forms in AGENCIES.items())
# an agency's desk or job title ("AP Auto Writer", "AP National Political Writer", "AFP correspondent"): no person
_AGENCY_LED = re.compile(r"^(?:[Tt]he\s+)?(?:" + "|".join(AGENCIES.values()) + r")\s+\w")
_TRAILING_AGENCY = re.compile(r"^(\S+(?:\s+\S+)+?)\s+((?:[Tt]he\s+)?(?:" + "|".join(AGENCIES.values()) + r"))$")
_DOMAIN = re.compile(  # "Cleveland.com", "news.sky.com": a site credited beside a person
    r"^[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|info|news|fr|be|ch|ca|de|ie|in|nz|au|uk|us|io)$", re.IGNORECASE
)
_FOR_OUTLET = re.compile(r"\s+[Ff]or\s+(?=[A-Z]|the\s)")  # "Dolores Chang For Dailymail.com", "X for The Times"
_PLACE = re.compile(r"\s+(?:in|à)\s+[A-ZÀ-Þ][\w'’.-]*(?:\s+[A-ZÀ-Þ][\w'’.-]*){0,2}$")  # "… in Valencia"
_TITLE_ARTICLE = re.compile(r"^(?:The|Le|La)\s+(?=\S)|^L['’](?=[^\W\d_])")
# an outlet whose name holds a number, joined to an agency: "Europe 1 avec AFP", "20 Minutes avec AFP"
_NUMBERED_OUTLET = re.compile(
    r"(?:(?:par|by)\s+)?(?:[^\W\d_]+\s)?\d+(?:\s?[^\W\d_]+)?\s+(?:avec|et|and|with|&)\s", re.IGNORECASE
)
# the word that introduced the date a byline was cut at: "Par Pierre Martin Le 10 juin 2020", "Jane Doe on 10 June"
_BEFORE_DATE = re.compile(r"\s+(?:le|the|on|at|du|depuis)\s*$", re.IGNORECASE)
_BEAT_DESK = re.compile(r"(?:(?:le|la|du|the)\s)?(?:service|rubrique|pole|cellule|desk)\s(?:\w+\s?){1,2}")
_DATE_START = re.compile(  # where a byline's date begins: "10/06/2020", "2020", "publié le", "updated"
    r"\b\d{1,2}[/.]\d{1,2}\b|\b\d{4}\b|\bpubli|\bupdated\b|\bmis à jour\b|\bposted\b", re.IGNORECASE
)
_JOINT = re.compile(r"\s(?:&|\+|and|et|avec|with)\s", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")
# fmt: off
_GENERIC_WORDS = frozenset({  # bylines made only of these name no one: "Staff", "La rédaction", "The Editors"
    "staff", "staffs", "team", "teams", "desk", "newsroom", "redaction", "redac", "editors", "editor", "editorial",
    "board", "news", "web", "online", "digital", "service", "services", "bureau", "wire", "wires", "agency",
    "agencies", "agence", "agences", "report", "reports", "reporter", "reporters", "writer", "writers", "equipe",
    "journalist", "journalists", "journaliste", "journalistes", "redacteur", "redacteurs", "contributor",
    "contributors", "correspondent", "correspondents", "admin", "administrator", "author", "authors", "auteur",
    "auteurs", "anonymous", "anonyme", "guest", "sponsored", "content", "partner", "partners", "members",
    "the", "la", "le", "les", "l", "our", "notre", "nos", "de", "du", "des", "d", "a", "an", "and", "et", "by", "par",
})
# fmt: on
_NAME_WORDS = r"([^\W\d_][\w'’.-]*(?:\s[^\W\d_][\w'’.-]*)?)"
_LAST_FIRST = re.compile(rf"^{_NAME_WORDS},\s*{_NAME_WORDS}$")

_CAPITALISED = r"[A-ZÀ-Þ][\w'’.-]+"
_NOT_DATE = rf"(?!(?:{_MONTHS})\.?\s+\d)"  # a name word, not the date after it: "By Jane Doe June 10, 2020"
_HEADER_NAME = rf"{_CAPITALISED}(?:\s+(?:{_NOT_DATE}{_CAPITALISED}|de|du|van|von|der|da|di|le|la)){{1,3}}"
_HEADER_BYLINE = re.compile(
    r"(?<![Pp]hoto )(?<![Ii]mage )(?<![Vv]ideo )(?<![Ii]llustration )(?<![Cc]rédit )"
    r"\b(?:Written by|Reported by|Words by|Écrit par|Rédigé par|[Pp]ropos recueillis par|[Ee]ntretien réalisé par|"
    r"Interview by|By|BY|Par|PAR)\s+"
    rf"({_HEADER_NAME}(?:\s*(?:,|&|and|et)\s*{_HEADER_NAME})*)"
    r"(?=\s*(?:$|[|,•·–—-]|\d|Published|Updated|Publié|Mis à jour|Le |On |[A-Z][a-z]+\.? \d))"
)
MAX_TEXT_BYLINE_CHARS = 80
TEXT_BYLINE_LINES = 3
_SENTENCE_MARKS = re.compile(r"[.!?:;\"“”«»()…]")
# fmt: off
_NOT_NAME_WORDS = frozenset({  # capitalised words of bold intertitles, never of names
    "the", "an", "key", "what", "how", "why", "who", "when", "where", "update", "updated", "live", "breaking",
    "top", "new", "our", "your", "read", "more", "watch", "listen", "video", "photo", "summary", "background",
    "analysis", "opinion", "editorial", "comment", "exclusive", "latest", "related", "contents", "introduction",
    "conclusion", "facts", "points", "takeaways", "highlights", "quick", "notes", "ce", "ces", "quoi", "pourquoi",
    "qui", "quand", "où", "nos", "vos", "notre", "votre", "direct", "dernière", "dernières", "infos", "essentiel",
    "retenir",
})
# fmt: on


@dataclass
class Byline:
    """Persons (in byline order), organisation/desk credits as printed, and where the persons came from;
    ``organisation``: the organisation byline to use as authors when no person is named."""

    authors: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    origin: str | None = None
    organisation: list[str] = field(default_factory=list)
    organisation_origin: str | None = None

    def use_organisation(self) -> None:
        """No person named: the organisation byline becomes the authors, provenance ``<source>:organisation``."""
        if not self.authors and self.organisation:
            self.authors = list(self.organisation)
            self.origin = f"{self.organisation_origin}:organisation"


def read_byline(tree: Any, data: PageData, site_names: set[str]) -> Byline:
    """Person names and credits of the page; ``site_names``: compact forms of the site's own names."""
    found = Byline()
    structured = data.structured
    sources: list[tuple[str, Callable[[], list[str]], bool]] = [
        ("json-ld", lambda: structured.persons, True),
        ("meta", lambda: data.all(*PER_PERSON_META), True),
        ("meta", lambda: data.all(*BYLINE_META), False),
        ("itemprop", lambda: _itemprop_authors(tree), False),
        ("byline", lambda: _byline_texts(tree), False),
        ("author-link", lambda: author_links(tree), True),
    ]
    organisations = [name for name in (squash(o) for o in structured.organisations) if name]
    looking = True  # for the organisation byline: the first source with credits decides
    for origin, read, per_person in sources:
        persons: list[str] = []
        credits = list(organisations) if origin == "json-ld" else []
        joint = origin == "json-ld" and any(is_joint(name) for name in organisations)  # "Le Monde avec AFP"
        for value in read():
            pieces = classify(value, site_names, per_person=per_person)
            if _NUMBERED_OUTLET.match(squash(value)) and agencies_named(value):  # "Europe 1 avec AFP"
                pieces = [(piece, False) for piece, _ in pieces]  # an outlet's name cut at its digit: no person
            persons += [piece for piece, is_person in pieces if is_person]
            credits += [piece for piece, is_person in pieces if not is_person]
            named = {agency for piece, _ in pieces for agency in agencies_named(piece)}  # "Reuters Staff" names one
            credits += [agency for agency in agencies_named(value) if agency not in named]  # "Jean Dupont (avec AFP)"
            joint = joint or is_joint(value)
        for credit in credits:
            _add_credit(found, credit)
        if persons:
            found.authors = list(dict.fromkeys(persons))
            found.origin = origin
            break
        if looking and credits:
            found.organisation = [] if joint else organisation_byline(credits)
            found.organisation_origin = origin
            looking = not found.organisation and not joint
    return found


def printed_agency(tree: Any) -> str | None:
    """An agency credited in the printed byline ("<span class="author_name">Théo Bernard</span> avec AFP",
    "Le Parisien avec AFP"): a credit form around the name, in a byline element or the line holding it."""
    heading = next(tree.iter("h1"), None)  # the byline is printed near the headline: look around it only
    if heading is None:
        return None
    scope = heading
    for _ in range(3):
        parent = scope.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        scope = parent
    for element in _AUTHOR_AREAS(scope)[:MAX_BYLINE_ELEMENTS]:
        if element.tag in ("body", "article", "main", "html", "script", "style"):
            continue
        for area in (element, element.getparent()):
            head, whole = _text_head(area) if area is not None else ("", False)
            text = squash(head) if whole else ""
            if text and len(text) <= MAX_BYLINE_CHARS and agencies_named(text):
                credited = agency_credit(text)
                if credited:
                    return credited
    return None


def _text_head(element: Any) -> tuple[str, bool]:
    """The element's text read up to a byline's reading length (the parent of a byline can be the whole
    article), and whether that is all of it."""
    return text_head(element, 4 * MAX_BYLINE_CHARS)


def organisation_byline(credits: list[str]) -> list[str]:
    """The credits of one source as an organisation byline: generic desk words alone left out, an agency
    named twice kept once in its longest printed form; none when an agency comes with another outlet."""
    kept: dict[str, str] = {}
    for credit in credits:
        if is_generic(credit):
            continue
        key = agency_of(credit) or credit.casefold()
        if len(credit) > len(kept.get(key, "")):
            kept[key] = credit
    agencies = {key for key in kept if key in AGENCIES}
    return [] if agencies and len(kept) > 1 else list(kept.values())


def agency_of(name: str) -> str | None:
    """The agency a credit is ("The Associated Press" -> "AP"), or None."""
    return next((agency for agency, pattern in _AGENCY_NAMES if pattern.fullmatch(name)), None)


def is_generic(name: str) -> bool:
    """Only desk words: "Staff", "La rédaction", "The Editors", "Newsroom", "Staff Reports"; or a desk of the
    newsroom named by its beat: "Service Société", "Le service Économie", "Rubrique Monde"."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    words = _WORD.findall("".join(ch for ch in folded if not unicodedata.combining(ch)))
    if 2 <= len(words) <= 4 and _BEAT_DESK.fullmatch(" ".join(words)):
        return True
    return all(word in _GENERIC_WORDS for word in words)


def _add_credit(found: Byline, value: str) -> None:
    if value and value.casefold() not in {c.casefold() for c in found.credits}:
        found.credits.append(value)


def _byline_texts(tree: Any) -> list[str]:
    """The texts of the page's byline elements, those of its first byline block only (see ``_first_block``)."""
    elements = [
        e
        for e in _BYLINES(tree)
        if e.tag not in ("body", "article", "main", "html", "script", "style") and not _attributes_a_quote(e)
    ]
    texts = {id(e): squash(_text_head(e)[0][: 4 * MAX_BYLINE_CHARS]) for e in elements}  # "Jane Doe<br>Updated …"
    elements = [e for e in elements if 2 < len(texts[id(e)]) <= MAX_BYLINE_CHARS]
    naming = {id(e) for e in elements if _names_a_person(texts[id(e)])}
    block = _first_block(tree, elements, lambda e: id(e) in naming)
    # a wrapper whose own byline elements name the persons: their texts, not its glued one ("Lisa Kubota Ben …")
    return [texts[id(e)] for e in block if not any(id(d) in naming for d in e.iterdescendants())]


def _attributes_a_quote(element: Any) -> bool:
    """Whether an "author" element names who said a quotation or made a picture, not who wrote the article:
    one inside a ``<blockquote>``, ``<q>`` or ``<figure>``, or right after a ``<blockquote>`` (Euronews'
    ``<blockquote>…</blockquote><cite class="widget__author"><div class="widget__authorText">``), or inside
    such an element, ``QUOTE_ATTRIBUTION_DEPTH`` levels down at most."""
    if next(element.iterancestors("blockquote", "q", "figure"), None) is not None:
        return True
    for node in (element, *islice(element.iterancestors(), QUOTE_ATTRIBUTION_DEPTH)):
        previous = node.getprevious()
        while previous is not None and not isinstance(previous.tag, str):  # a comment between them
            previous = previous.getprevious()
        if previous is not None and previous.tag == "blockquote":
            return True
    return False


def _itemprop_authors(tree: Any) -> list[str]:
    """``itemprop="author"`` values of the page's first byline block: related stories' cards carry theirs."""
    elements = [e for e in _ITEMPROP_AUTHORS(tree) if (e.get("content") or e.text_content()).strip()]
    values = {id(e): squash(e.get("content") or e.text_content()[:500]) for e in elements}
    return [values[id(e)] for e in _first_block(tree, elements, lambda e: _names_a_person(values[id(e)]))]


def _names_a_person(text: str) -> bool:
    return any(is_person for _, is_person in classify(text, set()))


def _first_block(tree: Any, elements: list[Any], names_a_person: Callable[[Any], bool]) -> list[Any]:
    """The elements of the article's own byline: the one naming a person that sits closest to the headline
    (the deepest common container with the ``<h1>``, then the fewest elements away; the first one on a page
    without ``<h1>``), with its neighbours in the block that holds it (three levels up, never the whole
    article) that follow one another at most ``MAX_BYLINE_GAP`` elements apart (the other authors of one
    byline). When none names a person, the first ones (an organisation byline: "BBC News"). A related
    story's card or a "most read" list lies in another block, or further away."""
    naming = [e for e in elements if names_a_person(e)]
    if not naming:
        return elements[:MAX_BYLINE_ELEMENTS]
    order = {element: index for index, element in enumerate(tree.iter())}
    heading = next(tree.iter("h1"), None)
    first = naming[0]
    if heading is not None and len(naming) > 1:
        depth = {a: d for d, a in enumerate(reversed([heading, *heading.iterancestors()]))}

        def closeness(element: Any) -> tuple[int, int]:
            shared = next((depth[a] for a in element.iterancestors() if a in depth), 0)
            return shared, -abs(order[element] - order[heading])

        first = max(naming, key=closeness)
    block = first
    for _ in range(3):
        parent = block.getparent()
        if parent is None or parent.tag in ("body", "article", "main", "html"):
            break
        block = parent
    inside = [e for e in elements if e is block or any(a is block for a in e.iterancestors())]
    start = end = inside.index(first)
    while start > 0 and order[inside[start]] - order[inside[start - 1]] <= MAX_BYLINE_GAP:
        start -= 1
    while end + 1 < len(inside) and order[inside[end + 1]] - order[inside[end]] <= MAX_BYLINE_GAP:
        end += 1
    return inside[start : end + 1][:MAX_BYLINE_ELEMENTS]


def author_links(tree: Any) -> list[str]:
    """The names of a byline printed as links to the authors' pages ("<a href="/author/angus-thompson">Angus
    Thompson</a>"): the first such link after the headline whose text is a name its address spells (or whose
    address is a number: "/profiles/47"), and the links of the same kind in the same byline block (three
    levels up). A link in an ``<aside>`` (related stories) does not count."""
    block = _first_block(tree, _AUTHOR_LINKS(tree), lambda link: _author_link_name(link) is not None)
    names = [_author_link_name(link) for link in block]
    return list(dict.fromkeys(name for name in names if name))


def _author_link_name(link: Any) -> str | None:
    """The person a link to an author's page names: its text (or title) is a name that its address spells
    ("/author/angus-thompson"), or its address is an author's number ("/profiles/47"); the link is printed
    apart (a byline, not a name linked in a paragraph) and not in an ``<aside>``."""
    if next(link.iterancestors("aside"), None) is not None or link.get("rel") == "license":
        return None
    parent = link.getparent()
    if parent is None:
        return None
    around, whole = _text_head(parent)  # the byline's other words: "By", ",", a date, a job title
    linked = sum(len(squash(a.text_content())) for a in _AUTHOR_LINKS(parent))
    if not whole or len(squash(around)) - linked > MAX_AROUND_AUTHOR_LINK:
        return None
    name = squash(link.text_content())
    if not name or len(name) > 60:
        name = squash(link.get("title") or "")
    found = _AUTHOR_PATH.search(link.get("href") or "")
    if not name or found is None or not looks_like_person(name):
        return None
    kind, slug = found.group(1).lower(), found.group(2)
    words = _WORD.findall(_compact_words(name))
    if slug.isdigit():
        return _title_case(name) if kind.startswith(("author", "auteur", "journalist", "profile")) else None
    if not set(words) & set(_WORD.findall(_compact_words(slug))):
        return None  # "/author/jane-doe" linked as "Read more", "/by/3.0" (a licence): not this name
    return _title_case(name)


def _compact_words(value: str) -> str:
    folded = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def split_authors(value: str) -> list[str]:
    """Person names of a byline: drops "By"/"Par", splits "A, B and C" / "A et B", leaves out agencies."""
    return [piece for piece, is_person in classify(value, set()) if is_person]


def classify(value: str, site_names: set[str], per_person: bool = False) -> list[tuple[str, bool]]:
    """The pieces of one byline, each marked person (True) or credit (False); noise dropped."""
    pieces: list[tuple[str, bool]] = []
    names: list[str] = []
    for name in _names(_cleaned(value, per_person)):
        names += _split_site_suffix(name, site_names)
    for name in names:
        credit = _AGENCY.match(name) or _AGENCY_LED.match(name) or _DOMAIN.match(name)
        if credit or _compact(name) in site_names or _site_led(name, site_names):
            pieces.append((name, False))
        elif (person := _before_role(name)) and not _DESK.search(person) and not _AGENCY.match(person):
            pieces.append((_title_case(person), True))  # "Jane Doe Staff Writer", not "Associated Press Writer"
        elif _DESK.search(name):
            if len(name.split()) <= 5 and not name[:1].islower():
                pieces.append((name, False))
        elif _ROLE.search(name) or len(name.split()) > 5 or is_generic(name):
            continue
        elif _TITLE_ARTICLE.match(name):  # "Le Figaro", "The Atlantic", "L'Express": a title, not a person
            if looks_like_person(_TITLE_ARTICLE.sub("", name), single_ok=True):
                pieces.append((name, False))
        elif looks_like_person(name, single_ok=per_person):
            pieces.append((_title_case(name), True))
    return pieces


def _before_role(name: str) -> str | None:
    """The person's name before the job title that follows it, if it is one: its first two words with their
    particles ("Thabo Mokone Parliamentary Editor", "Anne van der Berg Editor"), or three before a word that
    opens a job title ("Mary Ann Smith Senior Reporter")."""
    role = _ROLE_AFTER.search(name)
    if role is None or role.start() == 0 or len(name[role.end() :].split()) > MAX_AFTER_ROLE_WORDS:
        return None  # more after it: several people with their titles, glued ("A News Reporter B News Reporter")
    words = name[: role.start()].strip(" ,").split()
    opening = role.group(0).casefold() in _ROLE_OPENING
    limit = MAX_NAME_WORDS_BEFORE_ROLE if opening and len(words) <= MAX_NAME_WORDS_BEFORE_ROLE else 2
    kept: list[str] = []
    for word in words:
        if len(kept) >= limit and kept[-1].lower() not in PARTICLES and word.lower() not in PARTICLES:
            break
        kept.append(word)
    person = " ".join(kept)
    if len(kept) < 2 or _BY.search(person) or not looks_like_person(person):
        return None  # "Travel By Sophie Foster Travel News Reporter": a section label glued before the byline
    if len(words) > len(kept) and words[len(kept)].lower() in PUBLICATION_WORDS:
        return None  # "Los Angeles Times Staff Writer": an outlet's name, not a person's
    return person


def _site_led(name: str, site_names: set[str]) -> bool:
    """ "CNN Business", "BBC Sport" on the site of CNN, of the BBC: a desk of the site, not a person."""
    first, _, rest = name.partition(" ")
    return bool(rest) and len(first) > 1 and _compact(first) in site_names


def _split_site_suffix(name: str, site_names: set[str]) -> list[str]:
    """ "Kevin McCoy USA TODAY" on usatoday.com -> "Kevin McCoy", "USA TODAY": the site's name glued to a person."""
    words = name.split()
    for size in (3, 2, 1):
        if len(words) >= size + 2 and _compact(" ".join(words[-size:])) in site_names:
            return [" ".join(words[:-size]), " ".join(words[-size:])]
    return [name]


def is_joint(value: str) -> bool:
    """A byline joining credits: "Le Monde avec AFP", "Staff and agencies", "Le Figaro et AFP"."""
    text = _cleaned(value, per_person=False)
    if _JOINT.search(text):
        return True
    whole = squash(value)  # an outlet's name with a digit, which _cleaned takes for a date: "FRANCE 24 avec AFP"
    if not whole or "://" in whole or whole.startswith(("http", "www.", "@")):
        return False
    before_date = _DATE_START.split(_PREFIX.sub("", whole), maxsplit=1)[0]
    return bool(_JOINT.search(before_date))


def _cleaned(value: str, per_person: bool) -> str:
    """The byline without "By"/"Par" and what follows its names (dates, "Updated…"); "" for a link."""
    text = squash(value)
    if not text or text.startswith(("http", "www.", "@")) or "://" in text or len(text) > 4 * MAX_BYLINE_CHARS:
        return ""
    text = _PREFIX.sub("", text)
    inverted = _LAST_FIRST.match(text) if per_person else None
    if inverted and " " not in inverted.group(1) + inverted.group(2):
        text = f"{inverted.group(2)} {inverted.group(1)}"
    cut = _CUT.search(text)
    text = _BEFORE_DATE.sub("", _TRAILING_MONTH.sub("", text[: cut.start()])) if cut else text
    words = text.split()
    if len(words) >= 3 and words[-1].strip(",.").casefold() in _WEEKDAYS:  # "Jeff Foust Monday, 18 November"
        return " ".join(words[:-1])
    return text


def _names(text: str) -> list[str]:
    """The cleaned pieces of a byline: split, "By" and a trailing place dropped, "<person> <agency>" in two."""
    names: list[str] = []
    parts = [piece for part in _SPLIT.split(text) for piece in _FOR_OUTLET.split(part)]  # "X For Dailymail.com"
    for part in parts:
        name = _PREFIX.sub("", part.strip(" .,:;·•-–—'\"«»")).strip(" .,:;·•-–—")
        name = _SOCIAL_LABEL.sub("", _PLACE.sub("", name))
        if not name or "@" in name:
            continue
        words = name.split()
        half = len(words) // 2
        if half and len(words) % 2 == 0 and words[:half] == words[half:]:
            name = " ".join(words[:half])  # "Xiaoying You Xiaoying You": a name printed twice in one element
        glued = _TRAILING_AGENCY.match(name)
        names += [glued.group(1), glued.group(2)] if glued else [name]
    return names


def looks_like_person(name: str, single_ok: bool = False) -> bool:
    tokens = name.split()
    if not tokens or len(tokens) > 5 or (len(tokens) == 1 and not single_ok):
        return False
    if len(tokens) == 1 and tokens[0].isupper() and len(tokens[0]) <= 5:
        return False  # "TPN", "AFP": initials of an outlet
    for token in tokens:
        letters = [ch for ch in token if ch.isalpha()]
        if not letters:
            return False
        if token.lower() in PARTICLES or token.lower().startswith(("d'", "d’")):
            continue
        if letters[0].islower():
            return False
    return True


def _title_case(name: str) -> str:
    """ "STEVE PEOPLES" -> "Steve Peoples", and a surname printed in capitals after the first name, as French
    bylines do: "Jean DUPONT" -> "Jean Dupont", "Pierre LE HIR" -> "Pierre Le Hir" (one first name, hyphenated
    if composed); other names are kept as written ("AJ Smith", "Sarah McDonald", "Jane Doe CNN")."""
    if name.isupper():
        return name.title() if len(name) > 3 else name
    words = name.split()
    first_capitals = len(words)
    while first_capitals > 1 and words[first_capitals - 1].isupper():
        first_capitals -= 1
    surname = words[first_capitals:]
    if first_capitals != 1 or not surname or not any(sum(ch.isalpha() for ch in word) >= 3 for word in surname):
        return name  # "Jane Doe CNN": a credit glued after a full name, not a surname
    return " ".join(words[:first_capitals] + [word.title() for word in surname])


def _compact(value: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKD", value.casefold()))


def header_byline(header: str, site_names: set[str]) -> list[str]:
    """Persons of a byline printed in the article's header without any byline markup: "Written by Eliaser
    Ndeyanale", "Par Jean Dupont et Marie Martin |", never "Photo by …"."""
    found = _HEADER_BYLINE.search(header)
    if found is None:
        return []
    names = found.group(1)
    if header[found.end(1) :].lstrip()[:1].isdigit():  # "Par Pierre Martin Le 10 juin 2020": "Le" is the date's
        names = _BEFORE_DATE.sub("", names)
    return [name for name, is_person in classify(names, site_names) if is_person]


def text_byline(tree: Any, text: str, site_names: set[str]) -> tuple[list[str], int | None]:
    """A byline printed as one of the first lines of the body: "By Jane Smith", or names alone in bold
    ("<p><strong>Jane Smith/John Doe</strong></p>"). Returns the persons and the line's index (None: none).

    A line of names alone is only read as a byline when the page prints it in bold, every piece is a
    person name of two to four words and the line has no sentence punctuation.
    """
    lines = text.split("\n")[:TEXT_BYLINE_LINES]
    bold: set[str] | None = None
    for index, line in enumerate(lines):
        line = squash(line)
        if not line or len(line) > MAX_TEXT_BYLINE_CHARS:
            continue
        prefixed = bool(re.match(r"(?:by|par)\s+\S", line, re.IGNORECASE))
        if not prefixed:
            if _SENTENCE_MARKS.search(line):
                continue
            if bold is None:
                bold = {squash(e.text_content()) for e in tree.iter("strong", "b")}
            if line not in bold:
                continue
        pieces = classify(line, site_names)
        persons = [name for name, is_person in pieces if is_person]
        words = [word.casefold() for name in persons for word in name.split()]
        if (
            persons
            and len(persons) == len(pieces)
            and all(2 <= len(name.split()) <= 4 for name in persons)
            and not _NOT_NAME_WORDS.intersection(words)
        ):
            return persons, index
    return [], None
