"""Features of an article for story grouping (pure, no database).

- *cross-lingual* features mean the same in French and English: named entities and acronyms
  (``e:amazon``, ``e:rekognition``), numbers (``n:20``) and the concepts of a bilingual lexicon of the
  domain (``c:moratorium`` for "moratoire" and "moratorium");
- *words* of one language (``fr:moratoire``), compared only with articles in that language.

Counts are weighted by zone: title 3, lead 2, rest 1, so that a record holding only a headline and a
snippet still has features.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import ahocorasick

from monitor.textnorm import fold, strip_elision

_STOPWORDS_TEXT = """
a au aux avec ce ces cet cette dans de des du elle elles en et eux il ils je la le les leur leurs
lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta
te tes toi ton tu un une vos votre vous est sont ete etre avoir ont fait plus moins tres aussi selon
comme si tout tous toute toutes cela ca dont alors ainsi apres avant depuis entre sans sous vers
chez lors encore deja bien peu deux trois mardi mercredi jeudi vendredi samedi dimanche lundi hier
janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre annee the of
and to in for with at by from as is are was were be been has have had it its this that these those
an or not but if they their them he she his her we our you your which who whom what when where will
would can could should may might also more most than then there here about after before over into
out up down new said says say one two three monday tuesday wednesday thursday friday saturday sunday
january february march april june july august september october november december year
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
# Both start with a lookahead for the first character, which the match needs anyway: the lookbehinds are then
# tried at a capital (a digit) only, not at every position of the text (4 times faster over the corpus)
CAPITALISED = re.compile(
    r"(?=[A-ZÀ-ÖØ-Þ])(?:(?<![\w'’])|(?<=\b[cdjlmnst]['’])|(?<=\bqu['’]))([A-ZÀ-ÖØ-Þ][\w’'\-]*[\w]|[A-Z]{2,})"
)
NUMBER = re.compile(r"(?=\d)(?<![\w.,])(\d+(?:[.,]\d+)?)(?![\w])")
THOUSANDS = re.compile(r"\d{1,3}[.,]\d{3}")
WORD = re.compile(r"[a-z0-9][a-z0-9\-]{2,}")
ENTITY_PRIOR = 1.5
NUMBER_PRIOR = 0.6
YEAR_PRIOR = 0.2
LEAD_CHARS = 700
ANCHOR_MIN_WEIGHT = 1.0
SENTENCE_START = re.compile(r"(?:^|[.!?:;«»\"“”()\n]\s*|\s[-–—]\s)$")


def proper_nouns(text: str) -> set[str]:
    """Folded capitalised words that are names, not sentence openers.

    A word counts when it is never written in lower case and is either capitalised somewhere other than
    at the start of a sentence, or opens two sentences or more (snippets often name the company first:
    "Amazon suspend…", "Amazon a annoncé…"). So "Amazon", "IBM", "Rekognition", but not "Critics".
    """
    lowercase = set(re.findall(r"(?<![\w'’])[a-zà-ÿ][\w\-]+", text))
    names: set[str] = set()
    openers: Counter[str] = Counter()
    for match in CAPITALISED.finditer(text):
        token = match.group(0)
        if token.lower() in lowercase:
            continue
        folded = _possessive(fold(strip_elision(token)))
        if folded in STOPWORDS or len(folded) < 2:
            continue
        if token.isupper() or not SENTENCE_START.search(text[max(0, match.start() - 3) : match.start()]):
            names.add(folded)
        elif len(folded) >= 3:
            openers[folded] += 1
    names.update(word for word, count in openers.items() if count >= 2)
    return names


def _possessive(name: str) -> str:
    return name[:-2] if name.endswith("'s") else name


def is_title_case(title: str) -> bool:
    """An English headline In Title Case, whose capitals say nothing about names."""
    long_words = [w for w in re.findall(r"[^\W\d_]+", title) if len(w) > 3]
    return len(long_words) >= 3 and sum(w[0].isupper() for w in long_words) >= 0.7 * len(long_words)


@dataclass(frozen=True)
class Lexicon:
    """Folded phrase -> (concept, weight), matched longest first; folded place name -> its one name
    in both languages ("londres" -> "london")."""

    phrases: dict[str, tuple[str, float]]
    places: dict[str, str] = field(default_factory=dict)
    place_weight: float = 0.8


class PhraseFinder:
    r"""Whole-word occurrences of phrases in a text: what one regex of the phrases, longest first, between
    ``(?<!\w)`` and ``(?!\w)``, finds (leftmost, then longest, never overlapping), with one Aho-Corasick
    pass in C instead of trying hundreds of phrases at each position (a third of an article's features)."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._automaton: ahocorasick.Automaton | None = None
        kept = [p for p in phrases if p]
        if kept:
            automaton = ahocorasick.Automaton()
            for phrase in kept:
                automaton.add_word(phrase, len(phrase))
            automaton.make_automaton()
            self._automaton = automaton

    def find(self, text: str) -> list[str]:
        if self._automaton is None:
            return []
        spans: list[tuple[int, int]] = []  # (start, -length): leftmost first, then longest
        last = len(text) - 1
        for end, length in self._automaton.iter(text):
            start = end - length + 1
            if (start > 0 and _is_word(text[start - 1])) or (end < last and _is_word(text[end + 1])):
                continue
            spans.append((start, -length))
        spans.sort()
        found: list[str] = []
        position = 0
        for start, negative in spans:
            if start >= position:
                position = start - negative
                found.append(text[start:position])
        return found


def _is_word(char: str) -> bool:
    """``\\w`` of ``re`` on a ``str``: alphanumeric or ``_``."""
    return char.isalnum() or char == "_"


def load_lexicon(path: Path | None = None) -> Lexicon:
    if path is None:
        raw = resources.files("monitor.data").joinpath("lexicon.toml").read_text("utf-8")
    else:
        raw = Path(path).read_text("utf-8")
    data = tomllib.loads(raw)
    phrases: dict[str, tuple[str, float]] = {}
    for concept, entry in data.get("concept", {}).items():
        weight = float(entry.get("weight", 1.0))
        for phrase in [*entry.get("fr", []), *entry.get("en", [])]:
            phrases[strip_elision(fold(phrase))] = (concept, weight)
    places = data.get("places", {})
    names: dict[str, str] = {}
    for entry in places.get("names", []):
        aliases = [fold(alias.strip()) for alias in entry.split("|")]
        names.update((alias, aliases[-1]) for alias in aliases)
    return Lexicon(phrases, names, float(places.get("weight", 0.8)))


@dataclass
class Features:
    """Raw weighted counts of one article, before inverse document frequency."""

    language: str
    cross: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    words: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    priors: dict[str, float] = field(default_factory=dict)
    title_keys: set[str] = field(default_factory=set)  # names, specific concepts and numbers of the headline


class FeatureExtractor:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._phrases = PhraseFinder(lexicon.phrases)

    def extract(self, title: str | None, text: str, language: str) -> Features:
        features = Features(language=language)
        heading = title or ""
        names = proper_nouns(text if is_title_case(heading) else f"{heading}\n{text}")
        zones = [(title or "", 3.0), (text[:LEAD_CHARS], 2.0), (text[LEAD_CHARS:], 1.0)]
        for index, (zone, boost) in enumerate(zones):
            if zone:
                self._zone(zone, boost, features, names, is_title=index == 0)
        return features

    def _zone(self, zone: str, boost: float, features: Features, names: set[str], is_title: bool) -> None:
        normal = strip_elision(fold(zone))
        in_phrases: set[str] = set()  # words of the lexicon phrases found here: "Met" of "Met Police" is no actor
        for phrase in self._phrases.find(normal):
            concept, weight = self.lexicon.phrases[phrase]
            in_phrases.update(phrase.split())
            key = f"c:{concept}"
            features.cross[key] += boost
            features.priors[key] = weight
            if is_title and weight >= ANCHOR_MIN_WEIGHT:
                features.title_keys.add(key)
        for token in CAPITALISED.findall(zone):
            folded = _possessive(fold(strip_elision(token)))
            if folded not in names or folded in in_phrases or folded in self.lexicon.phrases:
                continue  # a capitalised lexicon word ("Police", "Congress") is a concept, above
            place = self.lexicon.places.get(folded)
            is_place = place is not None
            key = f"p:{place}" if is_place else f"e:{folded}"
            features.cross[key] += boost
            features.priors[key] = self.lexicon.place_weight if is_place else ENTITY_PRIOR
            if is_title:
                features.title_keys.add(key)
        for number in NUMBER.findall(zone):
            value = number_value(number)
            key = f"n:{value}"
            features.cross[key] += boost
            is_year = value.isdigit() and 1900 <= int(value) <= 2100
            features.priors[key] = YEAR_PRIOR if is_year else NUMBER_PRIOR
            if is_title and not is_year:
                features.title_keys.add(key)  # "fines Ikea 85 million" is not "fines Ikea 17 million"
        for word in WORD.findall(normal):
            if word not in STOPWORDS and not word.isdigit():
                features.words[f"{features.language}:{word}"] += boost


def number_value(number: str) -> str:
    """One spelling per value: "18,000" and "18.000" are 18000 (three digits after the separator), "2,5" is 2.5."""
    if THOUSANDS.fullmatch(number):
        return number[:-4] + number[-3:]
    return number.replace(",", ".")
