"""The open window of stories, with an inverted index from features to stories (pure, no database).

A new article is compared with the stories that share one of its strongest cross-lingual features (the
postings of an inverted index over the *open* stories only), never with the archive: the cost of an
article depends on how many stories are open, not on how many were ever written.

Two scores, each divided by its threshold so that 1.0 means "joins":

- the cosine of the article's cross-lingual vector (entities, numbers, lexicon concepts) with the
  story's centroid, whatever the languages;
- the cosine of its words with the centroid of the story's articles *in the same language*.

Headline anchor: when the new headline names actors or specific concepts, it must share one of them
with the headlines of the story, unless the words agree strongly. This keeps apart two events about the
same company in the same week (IBM's exit is not Amazon's moratorium, though both name Amazon).

Expiry follows article time: a story closes when its last article is a window older than the latest
article seen, less a window of grace. Articles do not always come in time order (a crawl's first visit
reads feeds of today and sitemaps of last week, an ingested file may mix years, a page may carry a wrong
date): a story that one of the last ``RECENT_TIMES`` articles could still have joined stays open, so that
articles of another time, arriving among today's, still find their stories (``recent_times`` lets the
archive keep the texts of copies the same way).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.story_features import Features

STRONG_WORD_SCORE = 1.6
NAME_PREFIXES = ("e:", "p:", "n:")  # actors, places and numbers: who, where, how much
NUMBER_PREFIX = "n:"
ACTOR_PREFIX = "e:"  # companies, bodies and people: who did it
RECENT_TIMES = 200  # the times of the last articles added: a story one of them could join is not expired


def any_between(times: list[datetime], low: datetime, high: datetime) -> bool:
    """Whether one of ``times`` (sorted) is within ``[low, high]``."""
    index = bisect_left(times, low)
    return index < len(times) and times[index] <= high


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum([v * v for v in vector.values()])) or 1.0


def _dot(vector: dict[str, float], other: dict[str, float]) -> float:
    """The dot product, summed in ``vector``'s order (absent keys add nothing: the same float every time)."""
    return sum([weight * other[key] for key, weight in vector.items() if key in other])


@dataclass
class _Story:
    story_id: int
    first_seen: datetime
    last_seen: datetime
    cross: dict[str, float] = field(default_factory=dict)
    words: dict[str, dict[str, float]] = field(default_factory=dict)  # per language
    title_counts: Counter[str] = field(default_factory=Counter)  # headline keys: how many headlines name each
    doc_counts: Counter[str] = field(default_factory=Counter)  # all keys: how many of its articles have each
    size: int = 0
    cross_norm: float = 1.0
    word_norms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    story_id: int | None  # None: open a new story
    similarity: float


class StoryIndex:
    """Online grouping: ``assign`` an article to an open story (or none), then ``add`` it there."""

    def __init__(
        self,
        window: timedelta = timedelta(days=3),
        cross_threshold: float = 0.32,
        word_threshold: float = 0.30,
        candidate_features: int = 12,
        max_span: timedelta = timedelta(days=14),
    ) -> None:
        self.window = window
        self.max_span = max_span  # no story runs longer: a new phase of a long saga is a new story
        self.cross_threshold = cross_threshold
        self.word_threshold = word_threshold
        self.candidate_features = candidate_features
        self._stories: dict[int, _Story] = {}
        self._postings: dict[str, set[int]] = {}
        self._df: Counter[str] = Counter()
        self._docs = 0
        self.latest: datetime | None = None  # the latest article time seen: the clock of expiry
        self._recent: deque[datetime] = deque(maxlen=RECENT_TIMES)  # the times of the last articles added

    def __len__(self) -> int:
        return len(self._stories)

    def __contains__(self, story_id: object) -> bool:
        return story_id in self._stories

    def _idf(self, key: str) -> float:
        return math.log(1.0 + (self._docs + 10.0) / (self._df[key] + 1.0))

    def _weigh(self, counts: dict[str, float], priors: dict[str, float]) -> dict[str, float]:
        """(1 + log tf) x idf (x prior), L2-normalised; ``_idf`` inlined (four calls per article, hundreds of keys)."""
        log, df, docs = math.log, self._df, self._docs + 10.0
        if priors:
            vector = {
                k: (1.0 + log(c)) * log(1.0 + docs / (df.get(k, 0) + 1.0)) * priors.get(k, 1.0)
                for k, c in counts.items()
                if c > 0
            }
        else:  # a prior of 1.0 changes no bit of the product
            vector = {k: (1.0 + log(c)) * log(1.0 + docs / (df.get(k, 0) + 1.0)) for k, c in counts.items() if c > 0}
        norm = _norm(vector)
        return {k: v / norm for k, v in vector.items()}

    def candidates(self, cross: dict[str, float]) -> list[int]:
        """Open stories sharing one of the strongest features of ``cross``, in id order."""
        top = sorted(cross, key=lambda k: (-cross[k], k))[: self.candidate_features]
        found: set[int] = set()
        for key in top:
            found |= self._postings.get(key, set())
        return sorted(found)

    def assign(self, features: Features, when: datetime) -> Assignment:
        """The open story this article belongs to, or ``Assignment(None, best)`` to open one."""
        cross = self._weigh(features.cross, features.priors)
        words = self._weigh(features.words, {})
        best: tuple[float, int] | None = None
        for story_id in self.candidates(cross):
            story = self._stories[story_id]
            if not self._is_open(story, when):
                continue
            cross_score = _dot(cross, story.cross) / story.cross_norm / self.cross_threshold
            word_score = 0.0
            centroid = story.words.get(features.language)
            if centroid and words:
                dot = _dot(words, centroid)
                word_score = dot / story.word_norms[features.language] / self.word_threshold
            if not self._anchored(features, story, word_score):
                continue  # the headlines name different actors: another event, however close the text
            score = max(cross_score, word_score)
            if best is None or score > best[0] + 1e-9:
                best = (score, story_id)
        if best is not None and best[0] >= 1.0:
            return Assignment(best[1], round(best[0], 4))
        return Assignment(None, round(best[0], 4) if best else 0.0)

    @staticmethod
    def _anchored(features: Features, story: _Story, word_score: float) -> bool:
        """May an article with this headline join this story at all?

        - When the headline names someone or somewhere the story never mentions, and the article mentions
          none of the names the story's headlines agree on (named by half of them, and by two unless alone),
          it is another event: the same template of news about another company or city. The same
          holds for the specific concepts of headlines (a lawsuit is not a moratorium of the same company).
        - When the headline names an actor (a company, a body, a person) and shares no name with the
          story's agreed names while those include an actor, the news is someone else's, unless the words
          agree strongly: Microsoft's refusal to sell to the police is not IBM's exit two days before, though
          both headlines call for a federal law and each text names the other company.
        - Otherwise the headline must share a name or a specific concept with the story's core (named by
          a fifth of its headlines or more), or the
          words must agree strongly and the story must mention what the headline names.

        So a story cannot drift from headline to headline into a chain of different events.
        """
        keys = features.title_keys
        if not keys:
            return True
        names = {k for k in keys if k.startswith(NAME_PREFIXES)}
        core = {k for k, count in story.title_counts.items() if count * 5 >= story.size}
        agreed = {k for k, n in story.title_counts.items() if n * 2 >= story.size and (n >= 2 or story.size == 1)}
        core_names = {k for k in agreed if k.startswith(NAME_PREFIXES)}
        core_actions = agreed - core_names
        newcomers = {k for k in keys if k not in story.cross}
        if newcomers:
            if any(k not in features.cross for k in core_names if not k.startswith(NUMBER_PREFIX)):
                return False  # something new in the headline, and the article ignores whom or where the story is
            if any(k.startswith(NUMBER_PREFIX) for k in newcomers) and any(
                k not in features.cross for k in core_names if k.startswith(NUMBER_PREFIX)
            ):
                return False  # another amount in the headline ("fines Ikea 85 million", not 17 million)
            missing_actions = {k for k in core_actions if k not in features.cross}
            if missing_actions and (missing_actions == core_actions or newcomers - names):
                return False  # a new kind of news, or something new while the article ignores what happened
        actors = {k for k in names if k.startswith(ACTOR_PREFIX)}
        if (
            actors
            and word_score < STRONG_WORD_SCORE
            and not names & core_names
            and any(k.startswith(ACTOR_PREFIX) for k in core_names)
        ):
            return False  # the headline's actor is another one: Microsoft's refusal is not IBM's exit
        if keys & core:
            return True
        return word_score >= STRONG_WORD_SCORE and any(k in story.cross for k in (names or keys))

    def _is_open(self, story: _Story, when: datetime) -> bool:
        if when > story.first_seen + self.max_span or when < story.last_seen - self.max_span:
            return False
        return story.first_seen - self.window <= when <= story.last_seen + self.window

    def add(self, story_id: int, features: Features, when: datetime) -> None:
        """Record that an article with ``features`` joined ``story_id`` (opened if new)."""
        self._docs += 1  # document frequencies count the articles of the open stories only (see ``forget``)
        self._df.update(features.cross.keys())
        self._df.update(features.words.keys())
        cross = self._weigh(features.cross, features.priors)
        words = self._weigh(features.words, {})
        story = self._stories.get(story_id)
        if story is None:
            story = self._stories[story_id] = _Story(story_id, when, when)
        story.first_seen = min(story.first_seen, when)
        story.last_seen = max(story.last_seen, when)
        story.size += 1
        story.title_counts.update(features.title_keys)
        story.doc_counts.update(features.cross.keys())
        story.doc_counts.update(features.words.keys())
        for key, value in cross.items():
            story.cross[key] = story.cross.get(key, 0.0) + value
            self._postings.setdefault(key, set()).add(story_id)
        story.cross_norm = _norm(story.cross)
        if words:
            centroid = story.words.setdefault(features.language, {})
            for key, value in words.items():
                centroid[key] = centroid.get(key, 0.0) + value
            story.word_norms[features.language] = _norm(centroid)
        self.latest = when if self.latest is None else max(self.latest, when)
        self._recent.append(when)

    def recent_times(self) -> list[datetime]:
        """The times of the last ``RECENT_TIMES`` articles added, sorted."""
        return sorted(self._recent)

    def expire(self, before: datetime | None = None) -> int:
        """Forget the stories closed at ``before`` (default: one more window after the latest article).

        A story is closed when its last article is more than ``window`` older than ``before``; the
        default keeps a second window of grace for articles that a crawl finds late. A story that one of
        the last ``RECENT_TIMES`` articles added could have joined (by time) stays open.
        """
        if before is None:
            if self.latest is None:
                return 0
            before = self.latest - self.window
        recent = sorted(self._recent)
        closed = [
            sid
            for sid, s in self._stories.items()
            if s.last_seen + self.window < before and not self._open_to_any(s, recent)
        ]
        for story_id in closed:
            self.forget(story_id)
        return len(closed)

    def _open_to_any(self, story: _Story, times: list[datetime]) -> bool:
        """Whether an article at one of ``times`` (sorted) falls within the open range of ``story``."""
        return any_between(times, story.first_seen - self.window, story.last_seen + self.window)

    def forget(self, story_id: int) -> None:
        """Drop one story from the index (closed, or merged into another by hand)."""
        story = self._stories.pop(story_id, None)
        if story is None:
            return
        self._docs -= story.size
        for key, count in story.doc_counts.items():
            left = self._df[key] - count
            if left > 0:
                self._df[key] = left
            else:
                del self._df[key]
        for key in story.cross:
            postings = self._postings.get(key)
            if postings is not None:
                postings.discard(story_id)
                if not postings:
                    del self._postings[key]
