"""Proposes an outlet's section pages from its homepage, for ``monitor sources add`` (pure: bytes in).

``section_candidates(body, url)`` keeps the links of the homepage that stay on its host and whose path
is shaped like a section: one or two short segments, no article slug, date or numeric id, no query; and
not a tag, author, topic, pagination, video, gallery, live, search, login, account, subscription,
newsletter, about, contact, legal or feed page (the crawler's ``NON_ARTICLE`` and courlan's filters, plus
the service pages they do not name: cookies, terms, shop, jobs, help...). They are ranked by how close
they are to what this project's users follow (facial recognition in French and English media): words of
the last path segment and of the link text, French and English, accents ignored: technology, sciences,
AI, civil liberties, privacy, surveillance, security, police and justice first, then politics and society,
then France, Europe and the world; sport, culture, lifestyle and the like count against. Links of the
navigation (``<nav>``, the header, menus) go before links of the page body, footer links last. Only links
with some relevance are kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from courlan.filters import path_filter, type_filter
from lxml import etree
from lxml import html as lxml_html

from monitor.discovery import NON_ARTICLE
from monitor.urls import canonical_url, host_of

MAX_BYTES = 2_000_000  # the navigation is at the top: a huge homepage is read this far
MAX_ANCHORS = 5000
MAX_SEGMENTS = 2
MAX_SEGMENT_CHARS = 32
MAX_SEGMENT_WORDS = 4  # "sciences-et-techno" is a section, "la-cnil-met-en-demeure-..." an article
PAGE_EXTENSIONS = (".html", ".htm", ".shtml", ".php", ".asp", ".aspx")

Place = Literal["nav", "body", "footer"]
PLACE_BONUS: dict[str, int] = {"nav": 1, "body": 0, "footer": -1}


def _phrases(text: str) -> frozenset[str]:
    return frozenset(text.split(","))


# (weight, words or phrases), accents removed and lower-cased; a topic counts once per link
TOPICS: tuple[tuple[int, frozenset[str]], ...] = tuple(
    (weight, _phrases(words)) for weight, words in (
        (3, "tech,techno,technos,technologie,technologies,technology,numerique,digital,high tech,hightech,"
            "nouvelles technologies,innovation"),
        (3, "science,sciences"),
        (3, "ia,intelligence artificielle,artificial intelligence"),
        (3, "libertes,liberte,libertes publiques,civil liberties,civil rights,droits,rights,human rights,"
            "droits humains,droits de l homme"),
        (3, "vie privee,privacy,rgpd,gdpr"),
        (3, "surveillance,biometrie,biometrics,reconnaissance faciale,facial recognition"),
        (3, "securite,security,cybersecurite,cybersecurity,cyber,police,policing"),
        (3, "justice,law,crime,faits divers,tribunal,tribunaux,courts"),
        (2, "politique,politics,political,gouvernement,government,parlement,parliament,elections"),
        (2, "societe,society"),
        (1, "france,international,world,monde,europe,uk,uk news,us news,national,nation"),
    )
)  # fmt: skip
OFF_TOPICS: tuple[tuple[int, frozenset[str]], ...] = tuple(
    (weight, _phrases(words)) for weight, words in (
        (-2, "sport,sports,football,foot,rugby,tennis,cyclisme,formule 1,jo"),
        (-2, "culture,cinema,musique,music,livres,books,series,tv,television,programme tv,people,celebrity,"
            "celebrities,entertainment,arts"),
        (-2, "lifestyle,mode,fashion,beaute,beauty,cuisine,recettes,recipes,food,voyage,voyages,travel,"
            "maison,deco,jardin,loisirs,horoscope,astro,jeux,games,mots croises,crosswords,meteo,weather"),
        (-2, "immobilier,property,auto,automobile,cars,moto,shopping,bons plans,deals,argent,money,bourse"),
    )
)  # fmt: skip
# service pages the crawler's filters do not name (they never list articles): words or phrases of a path
# segment, and of a link text
SERVICE = _phrases(
    "cookie,cookies,terms,conditions,cgv,confidentialite,faq,aide,help,support,boutique,shop,store,jobs,careers,"
    "recrutement,publicite,advertise,advertising,mediateur,charte,credits,impressum,donate,dons,soutenir,contact,"
    "inscription,register,signup,signin,logout,deconnexion,qui sommes nous,plan du site,sitemap,mentions,services,"
    "archives,meilleurs,codes promo,promo,offres,offre,partenaires,partners,apps,app,application,applications,"
    "statement,notice,choices,settings,team,equipe,subscription,subscriptions,abonnements,edition,editions,"
    "epaper,kiosque,form"
)  # fmt: skip
SERVICE_TEXT = _phrases(
    "privacy policy,privacy notice,cookies,cookie,terms,terms of use,terms of service,conditions generales,"
    "politique de confidentialite,confidentialite,mentions legales,donnees personnelles,vos donnees,do not sell,"
    "sell my,subscribe,abonnement,s abonner,abonnez vous,newsletter,newsletters,log in,login,sign in,connexion,"
    "se connecter,mon compte,my account,contact,contact us,nous contacter,about,about us,a propos,"
    "qui sommes nous,advertise,publicite,jobs,careers,recrutement,help,aide,faq"
)  # fmt: skip
MAX_TEXT_WORDS = 6  # a longer link text is a headline: the link is an article
# class or id tokens: "main-nav", "nav__list", "site-header", "menu-principal"; "footer", "site-footer"
_NAV_MARK = re.compile(r"^(?:[a-z]{1,8}[-_])?(?:nav|navbar|navigation|menu|header|masthead|rubriques?)(?:$|[-_])")
_FOOTER_MARK = re.compile(r"^(?:[a-z]{1,5}[-_])?(?:footer|pied|colophon)(?:$|[-_])")
_NAV_TAGS = frozenset({"nav", "header", "menu"})
_NAV_ROLES = frozenset({"navigation", "menubar", "menu", "banner"})
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Section:
    url: str
    text: str  # the link text, for the user who edits the sources file
    score: int  # relevance to the project's topics, plus one for navigation links, minus one in footers
    place: Place


def _plain(text: str) -> str:
    """Lower case, accents removed, words separated by one space, padded: ``" vie privee "``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " " + " ".join(_WORD.findall(ascii_text)) + " "


def relevance(segment: str, text: str) -> int:
    """How close a section (a path segment, its link text) is to the topics of this project's users."""
    plain = _plain(segment) + _plain(text)
    score = 0
    for weight, words in (*TOPICS, *OFF_TOPICS):
        if any(f" {word} " in plain for word in words):
            score += weight
    return score


def section_path(url: str, home_url: str) -> str | None:
    """The path of ``url`` when it is a section page of the homepage's host, else None."""
    try:
        parts, home = urlsplit(url), urlsplit(home_url)
        same_port = parts.port == home.port
    except ValueError:  # "http://[x", a port out of range
        return None
    if parts.scheme not in ("http", "https") or parts.query or not parts.hostname:
        return None
    if host_of(url) != host_of(home_url) or not same_port:
        return None
    path = parts.path or "/"
    if path.rstrip("/") == home.path.rstrip("/") or not path.isprintable():
        return None
    segments = [segment for segment in path.split("/") if segment]
    if not 1 <= len(segments) <= MAX_SEGMENTS or not all(_section_segment(s) for s in segments):
        return None
    if NON_ARTICLE.search(path) or not path_filter(path, "") or not type_filter(path, strict=True, with_nav=True):
        return None
    return path


def _section_segment(segment: str) -> bool:
    lowered = segment.lower()
    for extension in PAGE_EXTENSIONS:
        lowered = lowered.removesuffix(extension)
    if len(lowered) > MAX_SEGMENT_CHARS or "." in lowered or "%" in lowered or lowered.isdigit():
        return False
    if re.search(r"\d{4,}", lowered):  # a date or a numeric id
        return False
    if "privacy" in lowered or "cookie" in lowered:  # privacypolicy, privacy-statement, cookie-settings
        return False
    plain = _plain(lowered)
    words = plain.split()
    if not 0 < len(words) <= MAX_SEGMENT_WORDS or any(NON_ARTICLE.search("/" + word) for word in words):
        return False  # each word through the crawler's filter too: article_tag, gaming-galleries, live-news
    return not any(f" {phrase} " in plain for phrase in SERVICE)


def _service_text(text: str) -> bool:
    """A link text that names a service page ("Privacy policy", "Mentions légales", "S'abonner"), or a
    headline (the link is an article)."""
    plain = _plain(text)
    return len(plain.split()) > MAX_TEXT_WORDS or any(f" {phrase} " in plain for phrase in SERVICE_TEXT)


def _place(anchor: Any) -> Place:
    """Where a link is: in a footer (anywhere under one), else in the navigation, else in the body."""
    place: Place = "body"
    for node in anchor.iterancestors():
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("html", "body"):  # their classes describe the whole page ("has-header")
            break
        marks = f"{node.get('class') or ''} {node.get('id') or ''}".lower().split()
        role = (node.get("role") or "").lower()
        if tag == "footer" or role == "contentinfo" or any(_FOOTER_MARK.match(mark) for mark in marks):
            return "footer"
        if tag in _NAV_TAGS or role in _NAV_ROLES or any(_NAV_MARK.match(mark) for mark in marks):
            place = "nav"
    return place


def _link_text(anchor: Any) -> str:
    text = " ".join(anchor.text_content().split())
    if not text:
        text = " ".join((anchor.get("aria-label") or anchor.get("title") or "").split())
    return text[:60]


def _tree(body: bytes | str) -> Any:
    if not body or not body.strip():
        return None
    try:
        return lxml_html.fromstring(body[:MAX_BYTES])
    except (ValueError, etree.LxmlError):
        return None


def _base(tree: Any, url: str) -> str:
    for base in tree.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            try:
                return urljoin(url, href)
            except ValueError:
                return url
    return url


def section_candidates(body: bytes | str, home_url: str) -> list[Section]:
    """Section pages the homepage links to, most relevant first; only those with some relevance.

    A section is scored on its own (last) path segment and its link text: ``/tech/gaming`` is not
    relevant because ``/tech/`` is, ``/technology/security`` is.
    """
    tree = _tree(body)
    if tree is None:
        return []
    base = _base(tree, home_url)
    scheme = urlsplit(home_url).scheme
    found: dict[str, tuple[str, int, str, Place, int]] = {}  # path key -> url, relevance, text, place, order
    for order, anchor in enumerate(tree.iter("a")):
        if order >= MAX_ANCHORS:
            break
        href = (anchor.get("href") or "").strip()
        if not href or "#" in href or href.startswith(("mailto:", "javascript:", "tel:", "data:")):
            continue  # "/ville#ville-crime" says "Crime" of a part of another page
        try:
            url = canonical_url(urljoin(base, href))
        except ValueError:
            continue
        path = section_path(url, home_url)
        text = _link_text(anchor)
        if path is None or _service_text(text):
            continue
        url = scheme + url[url.index(":") :]  # http links of an https site: one section, the site's scheme
        score, place = relevance(path.strip("/").rsplit("/", 1)[-1], text), _place(anchor)
        key = path.rstrip("/")  # "/politics" and "/politics/": one section, the first form
        known = found.get(key)
        if known is not None:  # linked again: the best score and place, the first text
            place = place if PLACE_BONUS[place] > PLACE_BONUS[known[3]] else known[3]
            found[key] = (known[0], max(known[1], score), known[2] or text, place, known[4])
        else:
            found[key] = (url, score, text, place, order)
    ranked = sorted(
        (
            (score + PLACE_BONUS[place], urlsplit(url).path.strip("/").count("/"), order, url, text, place)
            for url, score, text, place, order in found.values()
            if score > 0 and score + PLACE_BONUS[place] > 0
        ),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    return [Section(url, text, score, place) for score, _, _, url, text, place in ranked]
