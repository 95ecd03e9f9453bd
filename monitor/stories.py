"""Online story grouping: each new article joins an open story or opens one (pure, no database).

Articles are compared on two kinds of features:

- *cross-lingual* features, which mean the same in French and English: named entities and acronyms
  (Amazon, Rekognition, IBM, CNIL), numbers, and the concepts of a bilingual lexicon of the domain
  (reconnaissance faciale = facial recognition, moratoire = moratorium, un an = one year…);
- *words* of one language, compared only with the story's articles in that language.

Features are weighted by zone (title, lead, rest), by a prior (entities count more than generic
concepts) and by inverse document frequency over what the index has seen. A story is open while its
last article is within ``window`` of the new one. Candidate stories come from an inverted index over
features of the open stories, never from a scan of the archive.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from monitor.textnorm import fold, strip_elision

STOPWORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "cet",
        "cette",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "elles",
        "en",
        "et",
        "eux",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "est",
        "sont",
        "ete",
        "etre",
        "avoir",
        "ont",
        "a",
        "fait",
        "plus",
        "moins",
        "tres",
        "aussi",
        "selon",
        "comme",
        "si",
        "tout",
        "tous",
        "toute",
        "toutes",
        "cela",
        "ca",
        "dont",
        "alors",
        "ainsi",
        "apres",
        "avant",
        "depuis",
        "entre",
        "sans",
        "sous",
        "vers",
        "chez",
        "lors",
        "encore",
        "deja",
        "bien",
        "peu",
        "deux",
        "trois",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
        "lundi",
        "hier",
        "janvier",
        "fevrier",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "aout",
        "septembre",
        "octobre",
        "novembre",
        "decembre",
        "annee",
        "the",
        "of",
        "and",
        "to",
        "in",
        "for",
        "on",
        "with",
        "at",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "an",
        "or",
        "not",
        "but",
        "if",
        "they",
        "their",
        "them",
        "he",
        "she",
        "his",
        "her",
        "we",
        "our",
        "you",
        "your",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "also",
        "more",
        "most",
        "than",
        "then",
        "there",
        "here",
        "about",
        "after",
        "before",
        "over",
        "into",
        "out",
        "up",
        "down",
        "new",
        "said",
        "says",
        "say",
        "one",
        "two",
        "three",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "year",
    ]
)
CAPITALISED = re.compile(r"(?<![\w'’])([A-ZÀ-ÖØ-Þ][\w’'\-]*[\w]|[A-Z]{2,})")
NUMBER = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)(?![\w])")
WORD = re.compile(r"[a-z0-9][a-z0-9\-]{2,}")
ENTITY_PRIOR = 1.5
NUMBER_PRIOR = 0.6
YEAR_PRIOR = 0.2
LEAD_CHARS = 700
ANCHOR_MIN_WEIGHT = 1.0
STRONG_WORD_SCORE = 1.6
SENTENCE_START = re.compile(r"(?:^|[.!?:;«»\"“”()\n]\s*|\s[-–—]\s)$")


def proper_nouns(text: str) -> set[str]:
    """Folded capitalised words that are names, not sentence openers.

    A word counts when it is capitalised somewhere other than at the start of a sentence and never
    written in lower case (so "Amazon", "IBM", "Rekognition", but not "Critics" or "Police").
    """
    lowercase = set(re.findall(r"(?<![\w'’])[a-zà-ÿ][\w\-]+", text))
    names: set[str] = set()
    for match in CAPITALISED.finditer(text):
        token = match.group(0)
        if token.lower() in lowercase:
            continue
        folded = fold(strip_elision(token))
        if folded in STOPWORDS or len(folded) < 2:
            continue
        if token.isupper() or not SENTENCE_START.search(text[max(0, match.start() - 3) : match.start()]):
            names.add(folded)
    return names


@dataclass(frozen=True)
class Lexicon:
    """Folded phrase -> (concept, weight), matched longest first."""

    phrases: dict[str, tuple[str, float]]

    @property
    def pattern(self) -> re.Pattern[str]:
        ordered = sorted(self.phrases, key=len, reverse=True)
        return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in ordered) + r")(?!\w)")


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
    return Lexicon(phrases)


@dataclass
class Features:
    """Raw weighted counts of one article, before inverse document frequency."""

    language: str
    cross: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    words: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    priors: dict[str, float] = field(default_factory=dict)
    title_keys: set[str] = field(default_factory=set)  # entities and specific concepts of the headline


class FeatureExtractor:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._pattern = lexicon.pattern

    def extract(self, title: str | None, text: str, language: str) -> Features:
        features = Features(language=language)
        names = proper_nouns(f"{title or ''}\n{text}")
        zones = [(title or "", 3.0), (text[:LEAD_CHARS], 2.0), (text[LEAD_CHARS:], 1.0)]
        for index, (zone, boost) in enumerate(zones):
            if zone:
                self._zone(zone, boost, features, names, is_title=index == 0)
        return features

    def _zone(self, zone: str, boost: float, features: Features, names: set[str], is_title: bool) -> None:
        for token in CAPITALISED.findall(zone):
            folded = fold(strip_elision(token))
            if folded not in names or folded in self.lexicon.phrases:
                continue  # a capitalised lexicon word ("Police", "Congress") is a concept, below
            key = f"e:{folded}"
            features.cross[key] += boost
            features.priors[key] = ENTITY_PRIOR
            if is_title:
                features.title_keys.add(key)
        normal = strip_elision(fold(zone))
        for match in self._pattern.finditer(normal):
            concept, weight = self.lexicon.phrases[match.group(0)]
            key = f"c:{concept}"
            features.cross[key] += boost
            features.priors[key] = weight
            if is_title and weight >= ANCHOR_MIN_WEIGHT:
                features.title_keys.add(key)
        for number in NUMBER.findall(zone):
            value = number.replace(",", ".")
            key = f"n:{value}"
            features.cross[key] += boost
            is_year = value.isdigit() and 1900 <= int(value) <= 2100
            features.priors[key] = YEAR_PRIOR if is_year else NUMBER_PRIOR
        for word in WORD.findall(normal):
            if word not in STOPWORDS and not word.isdigit():
                features.words[f"{features.language}:{word}"] += boost


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(v * v for v in vector.values())) or 1.0


def _cosine(vector: dict[str, float], centroid: dict[str, float]) -> float:
    if not vector or not centroid:
        return 0.0
    dot = sum(weight * centroid.get(key, 0.0) for key, weight in vector.items())
    return dot / (_norm(vector) * _norm(centroid))


@dataclass
class _Story:
    story_id: int
    first_seen: datetime
    last_seen: datetime
    cross: dict[str, float] = field(default_factory=dict)
    words: dict[str, dict[str, float]] = field(default_factory=dict)  # per language
    title_keys: set[str] = field(default_factory=set)
    size: int = 0


@dataclass(frozen=True)
class Assignment:
    story_id: int | None  # None: open a new story
    similarity: float


class StoryIndex:
    """The open window of stories, with an inverted index from features to stories."""

    def __init__(
        self,
        window: timedelta = timedelta(days=3),
        cross_threshold: float = 0.34,
        word_threshold: float = 0.30,
        candidate_features: int = 12,
    ) -> None:
        self.window = window
        self.cross_threshold = cross_threshold
        self.word_threshold = word_threshold
        self.candidate_features = candidate_features
        self._stories: dict[int, _Story] = {}
        self._postings: dict[str, set[int]] = {}
        self._df: Counter[str] = Counter()
        self._docs = 0

    def __len__(self) -> int:
        return len(self._stories)

    def _idf(self, key: str) -> float:
        return math.log(1.0 + (self._docs + 10.0) / (self._df[key] + 1.0))

    def _weigh(self, counts: dict[str, float], priors: dict[str, float]) -> dict[str, float]:
        vector = {k: (1.0 + math.log(c)) * self._idf(k) * priors.get(k, 1.0) for k, c in counts.items() if c > 0}
        norm = _norm(vector)
        return {k: v / norm for k, v in vector.items()}

    def assign(self, features: Features, when: datetime) -> Assignment:
        """The open story this article belongs to, or ``Assignment(None, best)`` to open one."""
        cross = self._weigh(features.cross, features.priors)
        words = self._weigh(features.words, {})
        top = sorted(cross, key=lambda k: (-cross[k], k))[: self.candidate_features]
        candidates: set[int] = set()
        for key in top:
            candidates |= self._postings.get(key, set())
        best: tuple[float, int] | None = None
        for story_id in sorted(candidates):
            story = self._stories.get(story_id)
            if story is None or not self._is_open(story, when):
                continue
            cross_score = _cosine(cross, story.cross) / self.cross_threshold
            word_centroid = story.words.get(features.language, {})
            word_score = _cosine(words, word_centroid) / self.word_threshold if word_centroid else 0.0
            score = max(cross_score, word_score)
            anchored = not features.title_keys or bool(features.title_keys & story.title_keys)
            if not anchored and word_score < STRONG_WORD_SCORE:
                continue  # the headlines name different actors: another event, however close the text
            if best is None or score > best[0] + 1e-9:
                best = (score, story_id)
        if best is not None and best[0] >= 1.0:
            return Assignment(best[1], round(best[0], 4))
        return Assignment(None, round(best[0], 4) if best else 0.0)

    def _is_open(self, story: _Story, when: datetime) -> bool:
        return story.first_seen - self.window <= when <= story.last_seen + self.window

    def add(self, story_id: int, features: Features, when: datetime) -> None:
        """Record that an article with ``features`` joined ``story_id`` (opened if new)."""
        self._docs += 1
        for key in features.cross:
            self._df[key] += 1
        for key in features.words:
            self._df[key] += 1
        cross = self._weigh(features.cross, features.priors)
        words = self._weigh(features.words, {})
        story = self._stories.get(story_id)
        if story is None:
            story = self._stories[story_id] = _Story(story_id, when, when)
        story.first_seen = min(story.first_seen, when)
        story.last_seen = max(story.last_seen, when)
        story.size += 1
        story.title_keys |= features.title_keys
        for key, value in cross.items():
            story.cross[key] = story.cross.get(key, 0.0) + value
            self._postings.setdefault(key, set()).add(story_id)
        language_words = story.words.setdefault(features.language, {})
        for key, value in words.items():
            language_words[key] = language_words.get(key, 0.0) + value

    def expire(self, before: datetime) -> int:
        """Forget stories whose last article is older than ``before - window``; returns how many."""
        closed = [sid for sid, s in self._stories.items() if s.last_seen + self.window < before]
        for story_id in closed:
            story = self._stories.pop(story_id)
            for key in story.cross:
                postings = self._postings.get(key)
                if postings is not None:
                    postings.discard(story_id)
                    if not postings:
                        del self._postings[key]
        return len(closed)
