"""The article's headline (pure).

Candidates: the JSON-LD ``headline``, ``og:title`` (else ``twitter:title``), the page's ``<h1>`` and,
last, the ``<title>``; each is cleaned of the site name ("… - Le Monde", "CBC News | …") by comparing its
parts with ``og:site_name``, the publisher and the host. The value most candidates agree on wins (after
normalising case, punctuation and spaces); ties go to structured data, then Open Graph, then ``<h1>``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from monitor.extract_meta import PageData, squash
from monitor.urls import host_of

SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " * ", " / ", " » ", " « ", " : ")
# an author credited after the headline: "Headline | Site | by Jane Doe", "Titre - Le Site - par Jean Dupont"
_CREDIT_PART = re.compile(r"^(?:[Bb]y|[Pp]ar)\s+[A-ZÀ-Þ][\w'’.-]*(?:\s+[A-ZÀ-Þ][\w'’.-]*){1,3}$")  # 2-4 names
# a site name written with a word before or after the host's name: "BBC News" (bbc.com), "The Register"
SITE_PREFIXES = ("the", "le", "la", "les", "l")
MAX_SITE_WORDS = 4  # a part that only starts like the host's name: "Le Monde.fr", "Franceinfo - France 3"
SITE_SUFFIXES = ("news", "online", "info", "infos", "actu", "actualites", "tv", "radio", "digital", "today", "mag")
# a section printed between the headline and the site name: "Headline - Actualités - francetvinfo"
SECTION_WORDS = frozenset(
    (
        *("actualite", "actualites", "actu", "actus", "info", "infos", "news", "latest", "breakingnews"),
        *("politique", "politics", "societe", "society", "economie", "economy", "business", "monde", "world"),
        *("international", "france", "europe", "uk", "us", "tech", "technology", "technologie", "hightech"),
        *("sciences", "science", "sante", "health", "culture", "sport", "sports", "opinion", "opinions"),
    )
)
MIN_HOST_SUFFIX_CHARS = 8  # a site name may end with its host's name: "MIT Technology Review"
MIN_H1_CHARS = 10
# what a copyright notice says around its holder's name: "Copyright (c) Condé Nast 2024. All rights reserved."
_COPYRIGHT_WORDS = re.compile(
    r"copyright|\(c\)|©|\b(?:19|20)\d{2}\b(?:\s*[-–]\s*(?:19|20)\d{2}\b)?|all rights reserved|tous droits réservés",
    re.IGNORECASE,
)
# what may stand around a headline inside a longer title: a kicker ("Laos: …"), a section ("… - National")
_PART_SEPARATOR = re.compile(r"(\s+[|\-–—·•»/]\s+|:\s+)")
MIN_HELD_WORDS = 5  # a headline another title holds between separators has this many words or more …
MAX_AROUND_SHARE = 0.4  # … and what stands around it is at most this share of the longer title
MAX_TITLE_CHARS = 400


def normalise(value: str) -> str:
    kept = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in value.casefold())
    return " ".join(kept.split())


def compact(value: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKD", value.casefold()))


def site_name_forms(site_name: str | None, url: str, canonical: str | None = None) -> set[str]:
    """The forms a site's name takes in a title: ``og:site_name`` and the host's names, of the URL the page
    was fetched at and of its canonical URL (a page served by a cache, a mirror or a proxy)."""
    names: set[str] = set()
    for address in dict.fromkeys(filter(None, (url, canonical))):
        host = host_of(address).removeprefix("www.")
        if not host or host.replace(".", "").isdigit() or ":" in host:  # an IP address names no site
            continue
        labels = host.split(".")
        names |= {compact(host), compact(labels[0])}
        if len(labels) > 2:
            names.add(compact(labels[-2]))
    if site_name:
        names.add(compact(site_name))
    names.discard("")
    return names


def copyright_holder(notice: str | None) -> str | None:
    """Who a ``<meta name="copyright">`` notice names ("Copyright (c) Condé Nast 2024" gives "Condé Nast"):
    the publisher, a name of the site that is no author (Condé Nast's titles give it as ``<meta name="author">``).
    None when the notice is no short name."""
    if not notice:
        return None
    holder = _COPYRIGHT_WORDS.sub(" ", notice)
    holder = " ".join(holder.strip(" .,;:-–—|").split())
    return holder if holder and len(holder.split()) <= 5 and not holder.isdigit() else None


def _is_site(part: str, names: set[str]) -> bool:
    folded = compact(part)
    if not folded:
        return True
    for prefix in ("", *SITE_PREFIXES):
        if not folded.startswith(prefix):
            continue
        rest = folded[len(prefix) :]
        if rest in names or any(rest.endswith(s) and rest[: -len(s)] in names for s in SITE_SUFFIXES):
            return True
    words = part.split()
    if len(folded) < 3 or len(words) > MAX_SITE_WORDS:  # "The Guardian view on …" is a headline
        return False
    if len(words) >= 3 and compact("".join(word[0] for word in words)) in names:
        return True  # the host is its initials: "Electronic Frontier Foundation" on eff.org
    return any(
        (len(n) >= 4 and (folded.startswith(n) or n.startswith(folded)))
        or (len(n) >= MIN_HOST_SUFFIX_CHARS and folded.endswith(n))  # "MIT Technology Review"
        for n in names
    )


def clean_title(title: str, site_name: str | None, url: str, canonical: str | None = None) -> str:
    """Strip a site name suffix or prefix: "Headline - Le Monde" -> "Headline".

    A part is a site name when it matches ``og:site_name`` or the host ("lemonde" in "Le Monde.fr"), also
    with a word such as "The" before or "News" after it ("BBC News" on bbc.com); before a site name, a
    section name goes too ("… - Actualités - francetvinfo"), and after " | " any short part ("… | Politics
    | News | Express.co.uk" keeps the headline).
    """
    title = squash(title)[:MAX_TITLE_CHARS]
    names = site_name_forms(site_name, url, canonical)
    for separator in SEPARATORS:
        if separator not in title:
            continue
        parts = title.split(separator)
        while len(parts) > 1 and _CREDIT_PART.match(parts[-1].strip()):
            parts.pop()
        while len(parts) > 1 and _is_site(parts[-1], names):
            parts.pop()
            # sections between the headline and the site name: "Headline | Royal | News | Express"
            while len(parts) > 1 and (
                compact(parts[-1]) in SECTION_WORDS or (separator == " | " and len(parts[-1].split()) <= 2)
            ):
                parts.pop()
        while len(parts) > 1 and _is_site(parts[0], names):
            parts.pop(0)
        cleaned = separator.join(parts).strip()
        if cleaned != title and len(cleaned) >= 3:
            return cleaned
    return title


def heading_text(element: Any) -> str:
    """The text of a heading, with a space where a line break or a separate element glues two words
    ("<span>Exclusif</span>La CNIL…", "sanctionne<br>Clearview"), none inside a word ("Clear<b>view</b>")."""
    pieces: list[str] = []

    def add(piece: str | None, boundary: str) -> None:
        if not piece:
            return
        glued = boundary and pieces and pieces[-1][-1:].isalnum() and piece[:1].isalnum()
        if glued and (boundary == "br" or (pieces[-1][-1].islower() and piece[0].isupper())):
            pieces.append(" ")
        pieces.append(piece)

    def walk(node: Any, boundary: str) -> None:
        add(node.text, boundary)
        for child in node:
            kind = "br" if child.tag == "br" else "element"
            if isinstance(child.tag, str):
                walk(child, kind)
            add(child.tail, kind)

    walk(element, "")
    return squash("".join(pieces))


def headline_candidates(
    tree: Any, data: PageData, site_name: str | None, url: str, canonical: str | None = None
) -> list[tuple[str, str]]:
    """``(origin, cleaned title)`` in order of preference."""
    h1s = [heading_text(h) for h in tree.iter("h1")]
    h1s = list(dict.fromkeys(h for h in h1s if MIN_H1_CHARS <= len(h) <= MAX_TITLE_CHARS))
    raw = [
        ("json-ld", data.structured.headline),
        ("meta", data.first("og:title", "twitter:title")),
        ("h1", _best_h1(h1s, data)),
        ("title", squash(tree.findtext(".//title") or "")),
        ("itemprop", data.first("itemprop:headline")),
    ]
    return [(origin, clean_title(value, site_name, url, canonical)) for origin, value in raw if value]


def _best_h1(h1s: list[str], data: PageData) -> str | None:
    """The only ``<h1>``, or among several the one that shares most words with the metadata titles."""
    if len(h1s) <= 1:
        return h1s[0] if h1s else None
    reference = set(
        normalise(" ".join(filter(None, [data.structured.headline, data.first("og:title", "twitter:title")]))).split()
    )
    if not reference:
        return None
    scored = [(len(set(normalise(h).split()) & reference), -index) for index, h in enumerate(h1s)]
    best = max(scored)
    return h1s[-best[1]] if best[0] else None


def choose_title(candidates: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The value the JSON-LD headline, the Open Graph title and the ``<h1>`` most agree on.

    A voter that holds another's headline whole between separators, with a kicker or a section the cleaning
    did not know ("Infant Abandonment Cases In India: <h1> | Bhopal News", "<h1> - National"), votes for it.
    """
    voters = [(origin, value) for origin, value in candidates if origin in ("json-ld", "meta", "h1")]
    votes: dict[str, int] = {}
    for _origin, value in voters:
        votes[normalise(value)] = votes.get(normalise(value), 0) + 1
    distinct = {normalise(value): value for _origin, value in reversed(voters)}  # each value counted once
    for value in distinct.values():
        for other in distinct.keys() - {normalise(value)}:
            if _holds(value, other):
                votes[other] += 1  # a tie breaker: "K: X" given by two voters still beats "X" given by one
    best: tuple[str, str] | None = None
    best_votes = 0
    for origin, value in voters or candidates:
        count = votes.get(normalise(value), 1)
        if count > best_votes:
            best, best_votes = (origin, value), count
    return best


def _holds(title: str, headline: str) -> bool:
    """Whether ``title`` is ``headline`` (normalised) with short parts before or after it, at separators."""
    size = len(normalise(title))
    if len(headline.split()) < MIN_HELD_WORDS or size - len(headline) > MAX_AROUND_SHARE * size:
        return False
    pieces = _PART_SEPARATOR.split(title)  # parts at even indexes, separators at odd ones
    parts = pieces[::2]
    for start in range(len(parts)):
        for end in range(start + 1, len(parts) + 1):
            if (start, end) != (0, len(parts)) and normalise("".join(pieces[2 * start : 2 * end - 1])) == headline:
                return True
    return False
