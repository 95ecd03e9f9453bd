"""Online story grouping across outlets and across French and English (pure, no database).

Each new article joins an open story or opens one (``StoryIndex.assign`` then ``StoryIndex.add``);
the same input order gives the same grouping. The parts:

- ``monitor.story_features``: the features of an article (entities, numbers, bilingual lexicon
  concepts, words of its language), weighted by zone;
- ``monitor.story_index``: the open window of stories and its inverted index (candidate retrieval);
- ``monitor.story_regroup``: rebuilding the grouping and replaying manual fixes;
- this module: the public names, and what a story shows of itself (a headline per language).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.story_features import FeatureExtractor, Features, Lexicon, load_lexicon, proper_nouns
from monitor.story_index import Assignment, StoryIndex
from monitor.textnorm import words

__all__ = [
    "Assignment",
    "FeatureExtractor",
    "Features",
    "Lexicon",
    "Member",
    "StoryIndex",
    "load_lexicon",
    "proper_nouns",
    "representative_headlines",
]

_SHORT = 3


@dataclass(frozen=True)
class Member:
    """What a story's headline choice needs of one of its articles (in publication order)."""

    article_id: int
    language: str
    title: str | None
    is_copy: bool = False


def _terms(title: str) -> set[str]:
    return {w for w in words(title) if len(w) > _SHORT}


def representative_headlines(members: Sequence[Member]) -> dict[str, str]:
    """One headline per language: the one sharing most words with the other headlines of its language.

    Copies count as votes but are not chosen when an original exists; ties go to the earliest, so a
    story with one article per language shows the first report in each.
    """
    by_language: dict[str, list[Member]] = {}
    for member in members:
        if member.title and member.title.strip():
            by_language.setdefault(member.language, []).append(member)
    chosen: dict[str, str] = {}
    for language in sorted(by_language):
        group = by_language[language]
        terms = [_terms(m.title or "") for m in group]
        eligible = [i for i, m in enumerate(group) if not m.is_copy] or list(range(len(group)))
        best, best_score = eligible[0], -1.0
        for i in eligible:
            score = sum(len(terms[i] & terms[j]) / (len(terms[i] | terms[j]) or 1) for j in range(len(group)) if j != i)
            if score > best_score + 1e-9:
                best, best_score = i, score
        chosen[language] = " ".join((group[best].title or "").split())
    return chosen
