"""The article body: trafilatura, then French and English boilerplate removed (pure).

trafilatura runs first in precision mode (fewer "related stories", newsletter boxes and photo credits),
in its fast form: its own extractor alone, without the comparison with readability and jusText. That
comparison (the slowest part of trafilatura, and in precision mode it prunes the whole raw page once
more) only changes the result on pages where the fast run keeps almost nothing, so it runs when the fast
run kept few words or much less than the page's ``<p>`` elements hold. When precision mode then still keeps
much less than the default mode would (a page whose layout precision mode misreads), the default mode's
text is used; that third run is only tried on short results, under the same conditions.
Comments are never included.

Before trafilatura: what it deletes anyway (scripts, navigation, the page's own footer…) goes before its
page-wide XPath prunes; a body cut into chunks with ads between them (same-class containers of
paragraphs) is joined, since trafilatura would read the first chunk only; and when one ``<article>``
holds nearly all the page's paragraph text, the fast run reads that article alone (the same text: only
time is saved). After it: lines that are boilerplate in French or English ("Lire aussi", "Read more",
"Abonnez-vous", "Sign up to our newsletter", "Photo : AFP", "Share this article", cookie notices…) are
removed, and paywall notices ("Cet article est réservé aux abonnés", "Subscribe to continue reading")
are removed and reported.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

import trafilatura
from lxml import etree as lxml_etree
from lxml import html as lxml_html

PRECISION_KEEPS_AT_LEAST = 0.3  # of the default mode's words; below that precision mode lost the article
SHORT_TEXT_WORDS = 250  # the default mode is also consulted when precision mode returns fewer words
VERY_SHORT_WORDS = 60  # ... always below this; between the two, only when the page's <p> hold much more
MAX_BOILERPLATE_LINE = 220
MAIN_ARTICLE_SHARE = 0.97  # of the page's <p> words in its one <article>: trafilatura may read it alone
SPLIT_PART_PARAGRAPHS = 2  # a chunk of a split body holds this many paragraphs …
SPLIT_PARAGRAPH_WORDS = 8  # … of this many words or more
READMIT_MIN_WORDS = 6  # a linked paragraph precision mode dropped comes back with this many words or more …
READMIT_MAX_LINK_SHARE = 0.6  # … when its links hold at most this share of its text …
READMIT_SAME_SHAPE = 2  # … and at least this many kept paragraphs have its shape (classes of it and 3 ancestors)
# all in trafilatura's MANUALLY_CLEANED: what it deletes anyway, gone before its costly raw-page prunes
DROPPED_FIRST = (
    *("nav", "script", "style", "noscript", "svg", "iframe", "embed", "object", "menu"),
    *("audio", "canvas", "video", "map", "applet", "picture"),
)

_BOILERPLATE = re.compile(
    r"^\W*(?:"
    # French
    r"article rédigé par\b|lire aussi|lire également|[aà] lire\s*(?:aussi|également|[.:>])|voir aussi|"
    r"[aà] voir (?:aussi|également)\b|"
    r"sur le même sujet|lire la suite|crédit photo de la une\b|accédez à tous nos contenus\b|"
    r"[\w'’ ]{0,40}\ba besoin de (?:votre soutien|vos dons)\W*(?:$|faites|soutenez|donnez)|faites un don\b|"
    r"offre d['’]abonnement\b|je découvre\b|"
    r"notre dossier (?:sur|consacré)\b.{0,80}$|.{0,60}\babonnez[- ]vous\b.{0,40}(?:€|euros?\b)|"
    r"(?:additional )?reporting by\b.{0,160}\bediting by\b|"
    r"abonnez[- ]vous|s['’]abonner\b|je m['’]abonne\b|inscrivez[- ]vous|"
    r"recevez (?:gratuitement )?notre newsletter|newsletter|"
    r"partager (?:sur|cet article)|partagez|suivez[- ]nous|réagir|commentaires?\b|"
    r"(?:crédit )?photos? ?:|©|crédits? ?:|publicité\b|vous avez aimé cet article|"
    r"nos (?:lecteurs|abonnés)|retrouvez|découvrez (?:notre|nos)|découvrez l['’]offre\b.{0,30}$|"
    r"télécharge[rz] (?:notre|l['’]appli)|"
    # a blocked embed's placeholder, a consent reminder, Le Monde's reading tools
    r"ce contenu est bloqué|vous n['’]avez pas accepté (?:les|le dépôt)|vous avez choisi de ne pas accepter|"
    r"(?:pour )?ajouter (?:l['’]article )?à vos sélections|vous pouvez lire le monde sur un seul appareil|"
    r"cet article (?:vous a plu|est réservé)|il vous reste \d+ ?% de cet article|la suite est réservée|"
    r"article réservé aux abonnés|déjà abonné|imprimer (?:l['’]|cet )article|offrir (?:l['’]|cet )article|"
    r"réutiliser ce contenu|une erreur (?:s['’]est produite|est survenue)|"
    # English
    r"read more\b|read next|related ?:|related (?:stories|articles|coverage|content)|more on this|more ?:|"
    r"our standards: the thomson reuters trust principles|reuse this content\W*$|"
    r"see also|recommended\b|most read|trending\b|(?:also )?read:|"
    r"sign up|subscribe\b|(?:get|join) (?:our|the) newsletter|newsletter sign|already a subscriber|"
    r"continue reading(?: the main story)?\W*$|skip advertisement|this content is not available|"
    r"download (?:our|the) app|listen\W+\d{1,2}:\d{2}(?:\s*min)?\W*$|"
    r"share (?:this|on)|click here|follow (?:us|[\w.]+ on)|got a story|for more stories like this|"
    r"(?:photo|image|picture|video)(?: credit)?s? ?:|credit:|copyright|all rights reserved|"
    r"advertisement\b|sponsored\b|we use cookies|this site uses cookies|accept cookies|cookie|"
    r"updated at \d|published at \d|last updated \d|"
    r"this article (?:is|was) (?:for subscribers|originally published)|to continue reading|"
    r"support (?:our|independent) journalism|order reprints|print (?:this )?article\s*$|"
    r"this copy is for your personal, non-commercial use|an error has occurred|please try again later|"
    r"write to [^@\n]{1,60} at \S+@\S+\s*$|"
    r"—\s*[^—]{1,80}\(@\w+\)\s*\w+ \d{1,2}, \d{4}\s*$|pic\.twitter\.com|"  # embedded tweet credit lines
    r"(?:\d+ )?comments?\s*$|tell us what you think|have your say\b|don['’]?t miss\b|"
    r"also on [\w-]+(?:\.[\w-]+)+\b|get (?:the latest|our) .{0,80}\binbox\b|[\w'’ ]{0,40}\bnewsletter\s*$|"
    r"you must confirm your public display name|please log ?out and then log ?in again|swipe (?:left|right)\b|"
    # photo credits and captions
    r"\(?(?:photo|image|picture)s? by\b|\(?(?:ap|afp|reuters|epa|pa) photo\b|image (?:source|caption), |"
    r"photos? (?:afp|ap|reuters|epa|maxppp|sipa|abaca|getty images)\b|vous souhaitez recevoir\b|"
    # share, print and listen tools, reading times
    r"(?:partager|share|copy link|copier le lien)\W*$|(?:temps de )?lecture\s*:?\s*\d+\s*min|"
    r"\d+\s*min(?:utes?)?\s*(?:read|de lecture)\b|listen to this article|[ée]couter (?:cet |l['’])article|"
    r"getty images\W*$|"
    r"vous pouvez partager un article|la reproduction (?:totale ou partielle|interdite)|contenus? sponsoris|"
    r"tous droits réservés|suivez (?:toute )?l['’]actualit|most (?:popular|viewed|shared)\W*$|"
    r"get the best of .{0,60}\binbox\b|"
    # comment, report and offer tools; teasers of other stories and videos
    r"voir les commentaires|réagissez\b|signaler un abus|les plus lus\W*$|offre spéciale\b|"
    r"article réservé à nos abonnés\W*$|cet article est paru dans\b|"
    r"story continues below|continue reading below|click to share on\b|sign in to comment|watch:|"
    r"more from [\w '’&-]{1,30}$|"
    # affiliate-link disclaimers, newsletter pitches, syndication footers
    r"(?:quand|lorsque|si) vous achetez (?:un produit )?(?:via|par|grâce à) (?:nos|les|un de nos) liens|"
    r"cet article (?:contient|peut contenir) des liens (?:affiliés|d['’]affiliation|sponsorisés)|"
    r"when you (?:buy|purchase|shop) (?:something )?(?:through|via|using|from) (?:links|our links)|"
    r"if you (?:buy|purchase) something (?:from|through|via) |"
    r"(?:we|[\w .]{1,30}) may earn (?:a |an )?(?:small )?(?:affiliate )?commission\b|"
    r"this (?:article|post|story|page) (?:contains|may contain|includes) affiliate links|"
    r"recevez (?:chaque (?:jour|semaine|matin|soir)|tous les (?:jours|matins)|gratuitement|l['’]essentiel|nos |notre )|"
    r"article original publié sur\b|this (?:article|story) (?:originally|first) appeared (?:on|in)\b"
    r")",
    re.IGNORECASE,
)
# a photo credit alone on its line: "THOMAS SAMSON / AFP", "REUTERS/Dado Ruvic/Illustration" (not "AFP" alone,
# which credits the text)
_PHOTO_CREDIT = re.compile(
    r"^(?:[\w.'’ -]{1,40}\s*/\s*)+(?:AFP|AP|Reuters|REUTERS|EPA|Getty Images|MAXPPP|SIPA|Bloomberg|Abaca)"
    r"(?:\s*/\s*[\w.'’ -]{1,40})*\W*$|^(?:REUTERS|AFP|AP|EPA)\s*/\s*[\w.'’ -]+(?:/[\w.'’ -]+)*$"
)
# what screen readers are told of a link, printed inside the sentence: "Amazon.com Inc, opens new tab is…"
_LINK_HINT = re.compile(
    r", ?opens (?:in )?(?:a )?new (?:tab|window)\b| ?\((?:opens|open) (?:in )?(?:a )?new (?:tab|window)\)|"
    r" ?\((?:s['’]ouvre dans une )?nouvelle fenêtre\)| ?- ?nouvelle fenêtre\b",
    re.IGNORECASE,
)
_URL_LINE = re.compile(r"^\s*(?:[\w ]{1,20}:\s*)?(?:https?://|www\.)\S+\s*$")
# "VIDÉO - …", "EN IMAGES - …": a link to another page of the site, labelled by its medium (upper case only)
_MEDIUM_TEASER = re.compile(r"^(?:VIDÉO|VIDEO|INFOGRAPHIE|EN IMAGES|PHOTOS?|DIAPORAMA|PODCAST|CARTE)\s*[-–—:]\s+\S")
# "… [PICTURES]", "… [INSIGHT]|": the tag a tabloid puts after each link to another of its stories
_RELATED_TAG = re.compile(
    r"\[(?:INSIGHT|VIDEO|PICTURES|PICS|REVEAL|LATEST|POLL|ANALYSIS|WARNING|REPORT|EXPLAINED)\]\W*$"
)
_PAYWALL = re.compile(
    r"cet article est réservé aux abonnés|article réservé aux abonnés|il vous reste \d+ ?% de cet article|"
    r"la suite est réservée aux abonnés|pour lire la suite|réservé aux abonnés|contenu réservé|"
    r"subscribe to (?:continue|read)|subscribers only|for subscribers|this article is for subscribers|"
    r"to continue reading|already a subscriber|you have reached your (?:free )?article limit|"
    r"this (?:content|article|story) is (?:only )?available (?:only )?to (?:our )?subscribers|premium content|"
    r"unlock this article|"
    r"il vous reste \d+ ?% (?:à|a) (?:découvrir|lire)|vous souhaitez lire la suite|"
    r"(?:you['’]ve|you have) reached your (?:limit|monthly limit|free article)|subscribe now to keep reading|"
    r"to read the full (?:story|article), subscribe",
    re.IGNORECASE,
)

# what only a cut article prints, wherever the page puts it (a paywall box outside the body's container):
# not the "Réservé aux abonnés" badges of the links to other articles
_TRUNCATION_NOTICE = re.compile(
    r"la suite est réservée aux abonné|il vous reste \d+ ?% (?:de cet article|(?:à|a) (?:découvrir|lire))|"
    r"cet article est réservé aux abonné|vous souhaitez lire la suite|"
    r"subscribe (?:now )?to (?:continue|keep) reading|to continue reading,? (?:please )?(?:subscribe|log ?in|sign in)|"
    r"this (?:article|story) is (?:only available )?(?:exclusively )?for (?:paying )?subscribers",
    re.IGNORECASE,
)


# the text nodes that may hold such a notice, found in C before any regex runs
_NOTICE_CANDIDATES = lxml_etree.XPath(
    "//text()[contains(., 'abonn') or contains(., 'reste') or contains(., 'la suite') or contains(., 'ubscri')]"
)


def page_paywall_notice(tree: Any) -> bool:
    """Whether the page prints a notice that the article is cut for non-subscribers, anywhere in its visible
    text (call after ``extract_body``, which removes scripts and styles from the tree)."""
    return any(_TRUNCATION_NOTICE.search(" ".join(str(node).split())) for node in _NOTICE_CANDIDATES(tree))


@dataclass
class Body:
    """The text, whether a paywall notice was removed from it, and the credit line removed from it ("Le Monde
    avec AFP"), which still names the agency."""

    text: str
    paywall_notice: bool
    credit: str = ""


def extract_body(markup: str | Any, url: str) -> Body:
    """The body; ``text`` is empty when trafilatura finds none. trafilatura's metadata is not asked for:
    structured data and ``htmldate`` do better, and its metadata stage costs as much as the body."""
    if not isinstance(markup, str):
        _drop_first(markup)
        join_split_body(markup)
    focus = _main_article(markup) if not isinstance(markup, str) else None
    precise_text = _precise(focus if focus is not None else markup, url, fast=True)
    words = len(precise_text.split())
    if words < VERY_SHORT_WORDS or _lost_paragraphs(markup, words):
        precise_text = _precise(markup, url, fast=False)  # with readability and jusText to compare
        words = len(precise_text.split())
    text = precise_text
    if not isinstance(markup, str):
        text = readmit_linked_paragraphs(markup, text)
        words = len(text.split())
    if words < SHORT_TEXT_WORDS and (words < VERY_SHORT_WORDS or _lost_paragraphs(markup, words)):
        default = _text(trafilatura.bare_extraction(markup, url=url, include_comments=False))
        if words < PRECISION_KEEPS_AT_LEAST * len(default.split()):
            text = default
    cleaned, notice = remove_boilerplate(text)
    credit = "\n".join(line.strip() for line in text.split("\n") if _is_credit_line(line.strip()))
    return Body(text=cleaned, paywall_notice=notice, credit=credit)


def _main_article(tree: Any) -> Any | None:
    """A document holding only the page's ``<article>`` (or, without one, its ``<main>``) when it holds
    nearly all the words of the page's ``<p>`` (``MAIN_ARTICLE_SHARE``): trafilatura's page-wide prunes
    then scan it alone; else None."""
    articles = [a for a in tree.iter("article") if next(a.iterancestors("article"), None) is None]
    if len(articles) != 1:
        articles = [m for m in tree.iter("main") if next(m.iterancestors("main"), None) is None]
        if len(articles) != 1:
            return None
    total = sum(len(p.text_content().split()) for p in tree.iter("p"))
    inside = sum(len(p.text_content().split()) for p in articles[0].iter("p"))
    if total < VERY_SHORT_WORDS or inside < MAIN_ARTICLE_SHARE * total:
        return None
    document = lxml_html.Element("html")
    body = lxml_html.Element("body")
    document.append(body)
    kept = copy.deepcopy(articles[0])
    kept.tail = None
    body.append(kept)
    return document


def _drop_first(tree: Any) -> None:
    """Remove what trafilatura would delete anyway before its XPath prunes of the whole page (their cost
    grows with the page): ``DROPPED_FIRST``, and the page's own ``<footer>`` (links, legal notices), not
    one inside an ``<article>`` or ``<main>``, which may carry the byline the next stages read."""
    lxml_etree.strip_elements(tree, *DROPPED_FIRST, with_tail=False)
    page_footers = [f for f in tree.iter("footer") if next(f.iterancestors("article", "main"), None) is None]
    for footer in page_footers:
        if footer.getparent() is not None:
            footer.drop_tree()  # its tail text stays


def join_split_body(tree: Any) -> int:
    """Join an article body cut into chunks: containers of the same tag and ``class``, at the same depth,
    each holding at least ``SPLIT_PART_PARAGRAPHS`` paragraphs of ``SPLIT_PARAGRAPH_WORDS`` words or more (ads
    and embeds between them: Condé Nast's "body__container" chunks, for one). trafilatura reads the first
    container it finds and loses the rest; the later chunks' content is moved, in order, to the end of the
    first one. Returns how many chunks were joined."""
    groups: dict[tuple[str, str, int], dict[Any, int]] = {}
    for paragraph in tree.iter("p"):
        container = paragraph.getparent()
        if container is None or not isinstance(container.tag, str) or not (container.get("class") or "").strip():
            continue
        words = len(paragraph.text_content().split())
        if words < SPLIT_PARAGRAPH_WORDS:
            continue
        key = (container.tag, container.get("class"), sum(1 for _ in container.iterancestors()))
        group = groups.setdefault(key, {})
        group[container] = group.get(container, 0) + 1
    joined = 0
    for counts in groups.values():
        parts = [c for c, paragraphs in counts.items() if paragraphs >= SPLIT_PART_PARAGRAPHS]
        if len(parts) < 2:
            continue
        first = parts[0]
        for part in parts[1:]:
            for child in list(part):
                first.append(child)  # moved, with its tail
            joined += 1
    return joined


def readmit_linked_paragraphs(tree: Any, text: str) -> str:
    """``text`` with the body paragraphs precision mode dropped for holding a link, put back in place.

    trafilatura's precision mode deletes a wrapper ``<div>`` holding under 200 characters and any link;
    pages that wrap every paragraph in its own chain of ``<div>`` (BBC, Postmedia…) lose each paragraph
    with an inline link. A ``<p>`` of the page comes back when it lies between the first and the last
    paragraph that was kept, has the same shape as ``READMIT_SAME_SHAPE`` kept paragraphs (its class and
    the tags and classes of three ancestors), holds ``READMIT_MIN_WORDS`` words or more and its links at
    most ``READMIT_MAX_LINK_SHARE`` of its text (prose with a link, not a list of links)."""
    lines = text.split("\n")
    line_of: dict[str, int] = {}
    for index, line in enumerate(lines):
        line_of.setdefault(_line_key(line), index)
    paragraphs = [(p, " ".join(p.text_content().split())) for p in tree.iter("p")]
    kept: dict[int, int] = {}  # position among the page's paragraphs -> line of the text
    shapes: dict[tuple[str, ...], int] = {}
    for position, (paragraph, content) in enumerate(paragraphs):
        found = line_of.get(_line_key(content)) if content else None
        if found is not None:
            kept[position] = found
            shape = _shape(paragraph)
            shapes[shape] = shapes.get(shape, 0) + 1
    if len(kept) < READMIT_SAME_SHAPE:
        return text
    after: dict[int, list[str]] = {}
    flat = " ".join(text.split())
    previous: int | None = None
    for position in range(min(kept), max(kept)):
        if position in kept:
            previous = kept[position]
            continue
        paragraph, content = paragraphs[position]
        words = content.split()
        if previous is None or len(words) < READMIT_MIN_WORDS or _present(words, flat):
            continue
        links = paragraph.findall(".//a")
        linked = sum(len(" ".join(link.text_content().split())) for link in links)
        if not links or linked > READMIT_MAX_LINK_SHARE * len(content):
            continue
        if shapes.get(_shape(paragraph), 0) >= READMIT_SAME_SHAPE:
            after.setdefault(previous, []).append(content)
    if not after:
        return text
    return "\n".join(part for index, line in enumerate(lines) for part in (line, *after.get(index, [])))


def _present(words: list[str], flat: str) -> bool:
    """Whether a paragraph is in the text already, perhaps without some of its words (its links')."""
    edge = READMIT_MIN_WORDS
    return " ".join(words[:edge]) in flat or " ".join(words[-edge:]) in flat


def _line_key(line: str) -> str:
    return " ".join(line.split()).lower()


def _shape(element: Any) -> tuple[str, ...]:
    shape = [element.get("class") or ""]
    for ancestor in element.iterancestors():
        shape += [str(ancestor.tag), ancestor.get("class") or ""]
        if len(shape) > 6:
            break
    return tuple(shape)


def _precise(markup: str | Any, url: str, fast: bool) -> str:
    return _text(trafilatura.bare_extraction(markup, url=url, favor_precision=True, include_comments=False, fast=fast))


def _lost_paragraphs(markup: str | Any, words: int) -> bool:
    """Whether the page's ``<p>`` elements hold much more text than precision mode kept (``words``): a
    cheap test that spares the second trafilatura run on short articles precision mode read whole."""
    if isinstance(markup, str):
        return True
    in_paragraphs = sum(len(element.text_content().split()) for element in markup.iter("p"))
    return words < PRECISION_KEEPS_AT_LEAST * in_paragraphs


def _text(document: Any) -> str:
    return ((getattr(document, "text", None) or "") if document is not None else "").strip()


_MONTH_WORDS = (
    r"janv(?:ier)?|févr(?:ier)?|mars|avr(?:il)?|mai|juin|juil(?:let)?|août|sept(?:embre)?|oct(?:obre)?|"
    r"nov(?:embre)?|déc(?:embre)?|jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep|october|november|december"
)
# a line that is only the article's date labels: "Publié le 13/06/2020 07:20", "Publié le : Modifié le :",
# "Mis à jour le 11 juin 2020 à 09h12" ("Article rédigé par … Temps de lecture : 3 min" is _BOILERPLATE's)
_DATE_LABELS = r"publié|mis à jour|modifié|actualisé|updated|published|posted"
_DATELINE_START = re.compile(r"^\W*(?:" + _DATE_LABELS + r")\b", re.IGNORECASE)
_DATELINE_PARTS = re.compile(
    r"(?:" + _DATE_LABELS + r"|le|on|à|at|" + _MONTH_WORDS + r")\b|\d+|[/.:h|,\-–\s]", re.IGNORECASE
)


# the article's credit printed as its last line: "Le Monde avec AFP", "(Avec AFP)", "Staff and agencies"
_CREDIT_LINE = re.compile(
    r"^\(?\s*(?:[^\W\d_][\w'’.-]*(?:\s[\w'’.-]+){0,3}\s)?(?:avec|with|et|and)\s+(?:l['’])?"
    r"(?:AFP|AP|Reuters|agences?|agencies|Belga|ATS|dpa|ANSA|EFE)\s*\)?\s*\.?$",
    re.IGNORECASE,
)


def _is_credit_line(line: str) -> bool:
    return len(line) <= 60 and bool(_CREDIT_LINE.match(line))


def _is_dateline(line: str) -> bool:
    return bool(_DATELINE_START.match(line)) and not _DATELINE_PARTS.sub("", line).strip()


def remove_boilerplate(text: str) -> tuple[str, bool]:
    """The text without boilerplate lines, and whether a paywall notice was among them."""
    kept: list[str] = []
    notice = False
    for line in text.split("\n"):
        stripped = _LINK_HINT.sub("", line).strip()
        if not stripped:
            continue
        if len(stripped) <= MAX_BOILERPLATE_LINE:
            if _PAYWALL.search(stripped):
                notice = True
                continue
            if (
                _BOILERPLATE.search(stripped)
                or _URL_LINE.match(stripped)
                or _RELATED_TAG.search(stripped)
                or _MEDIUM_TEASER.match(stripped)
                or (len(stripped) <= 80 and (_PHOTO_CREDIT.match(stripped) or _is_dateline(stripped)))
                or _is_credit_line(stripped)
            ):
                continue
        kept.append(stripped)
    return "\n".join(kept), notice
