"""Rebuilding the grouping (``monitor regroup``) and replaying manual fixes (pure, no database).

1. ``group_stream``: the articles, in publication order, go through a fresh ``StoryIndex`` exactly as
   a crawl would put them; articles just before the period (``context``) are added to their current
   stories first, so that stories running across the start of the period are continued, not cut.
2. ``apply_fixes``: the manual merges and splits are replayed in the order they were made.
3. ``assign_ids``: each rebuilt group keeps the id of the old story holding most of its articles, so
   that ids stay stable when nothing changed; the others get a new story.

Group labels: a positive label is an existing story id (context); a negative one a new group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime

from monitor.story_features import FeatureExtractor
from monitor.story_index import StoryIndex

EXPIRE_EVERY = 200


@dataclass(frozen=True)
class RegroupItem:
    article_id: int
    title: str | None
    text: str
    language: str
    when: datetime
    story_id: int | None = None  # the current story
    context: bool = False  # before the period: kept where it is, only informs the grouping


@dataclass(frozen=True)
class Fix:
    kind: str  # "merge" or "split"
    article_ids: tuple[int, ...]  # merge: the story merged in; split: the articles taken out
    other_article_ids: tuple[int, ...]  # merge: the story kept; split: the articles left


def group_stream(items: Iterable[RegroupItem], extractor: FeatureExtractor, index: StoryIndex) -> dict[int, int]:
    """``{article_id: label}`` for every item, grouped online in the order given."""
    labels: dict[int, int] = {}
    for count, item in enumerate(items, start=1):
        features = extractor.extract(item.title, item.text, item.language)
        if item.context and item.story_id is not None:
            label = item.story_id
        else:
            assignment = index.assign(features, item.when)
            label = assignment.story_id if assignment.story_id is not None else -item.article_id
        index.add(label, features, item.when)
        labels[item.article_id] = label
        if count % EXPIRE_EVERY == 0:
            index.expire()
    return labels


def apply_fixes(labels: Mapping[int, int], fixes: Sequence[Fix]) -> dict[int, int]:
    """The labels after replaying ``fixes`` in order; fixes about articles not grouped here are skipped."""
    result = dict(labels)
    fresh = min([0, *result.values()]) - 1
    for fix in fixes:
        if fix.kind == "merge":
            kept = [result[a] for a in fix.other_article_ids if a in result]
            merged = [result[a] for a in fix.article_ids if a in result]
            involved = set(kept) | set(merged)
            if len(involved) < 2:
                continue
            existing = sorted(label for label in involved if label > 0)
            target = existing[0] if existing else Counter(kept or merged).most_common(1)[0][0]
            for article_id, label in result.items():
                if label in involved:
                    result[article_id] = target
        elif fix.kind == "split":
            moved = [a for a in fix.article_ids if a in result]
            if not moved:
                continue
            for article_id in moved:
                result[article_id] = fresh
            fresh -= 1
        else:
            raise ValueError(f"unknown fix kind {fix.kind!r}")
    return result


def assign_ids(
    labels: Mapping[int, int], current: Mapping[int, int | None], reserved: Set[int] = frozenset()
) -> dict[int, int | None]:
    """``{label: story_id}``: positive labels are kept; a new group takes the old story holding most of
    its articles (ties: the smallest id) unless another group took it or it is ``reserved`` (it keeps
    articles that are not regrouped); ``None`` opens a new story."""
    groups: dict[int, list[int]] = {}
    for article_id, label in labels.items():
        groups.setdefault(label, []).append(article_id)
    mapping: dict[int, int | None] = {label: label for label in groups if label > 0}
    taken = set(mapping.values()) | set(reserved)
    order = sorted((label for label in groups if label <= 0), key=lambda g: (-len(groups[g]), min(groups[g])))
    for label in order:
        votes = Counter(current[a] for a in groups[label] if current.get(a) is not None)
        ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
        story_id = next((sid for sid, _ in ranked if sid not in taken), None)
        mapping[label] = story_id
        if story_id is not None:
            taken.add(story_id)
    return mapping
