"""Measuring the grouping against labelled sets: BCubed and pairwise scores, copy precision (pure).

A labelled set is JSON Lines, one article a line: ``id, event, source, lang, date, title, text`` and
``copy_of`` (the id of the earlier text it repeats, or null). ``run_pipeline`` puts the articles through
the same copy index and story index as the archive, in publication order, without a database.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from monitor.dates import as_aware
from monitor.dedup import CopyIndex
from monitor.story_features import FeatureExtractor, load_lexicon
from monitor.story_index import StoryIndex


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def __str__(self) -> str:
        return f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f}"


@dataclass(frozen=True)
class Labelled:
    id: str
    event: str
    source: str
    language: str
    when: datetime
    title: str | None
    text: str
    copy_of: str | None = None


def load_labelled(path: Path) -> list[Labelled]:
    records = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            records.append(
                Labelled(
                    id=str(data["id"]),
                    event=str(data["event"]),
                    source=str(data["source"]),
                    language=str(data["lang"]),
                    when=as_aware(datetime.fromisoformat(data["date"])),
                    title=data.get("title"),
                    text=str(data["text"]),
                    copy_of=data.get("copy_of"),
                )
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: {exc}") from exc
    return records


def bcubed(predicted: Mapping[Hashable, Hashable], truth: Mapping[Hashable, Hashable]) -> Scores:
    """BCubed precision and recall of a clustering (Amigó et al. 2009), over the items of ``truth``."""
    items = list(truth)
    clusters: dict[Hashable, set[Hashable]] = {}
    classes: dict[Hashable, set[Hashable]] = {}
    for item in items:
        clusters.setdefault(predicted[item], set()).add(item)
        classes.setdefault(truth[item], set()).add(item)
    precision = recall = 0.0
    for item in items:
        cluster, klass = clusters[predicted[item]], classes[truth[item]]
        both = len(cluster & klass)
        precision += both / len(cluster)
        recall += both / len(klass)
    return Scores(precision / len(items), recall / len(items)) if items else Scores(1.0, 1.0)


def pairwise(predicted: Mapping[Hashable, Hashable], truth: Mapping[Hashable, Hashable]) -> Scores:
    """Precision and recall of the pairs put together."""
    items = sorted(truth, key=str)
    together = right = expected = 0
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            same_pred, same_true = predicted[a] == predicted[b], truth[a] == truth[b]
            together += same_pred
            expected += same_true
            right += same_pred and same_true
    return Scores(right / together if together else 1.0, right / expected if expected else 1.0)


def link_scores(predicted: Mapping[str, str], truth: Mapping[str, str]) -> Scores:
    """Precision and recall of (copy, original) links."""
    right = sum(1 for copy, original in predicted.items() if truth.get(copy) == original)
    return Scores(right / len(predicted) if predicted else 1.0, right / len(truth) if truth else 1.0)


@dataclass(frozen=True)
class PipelineResult:
    stories: dict[str, int]  # article id -> story label
    copies: dict[str, str]  # copy id -> original id


def run_pipeline(
    records: Iterable[Labelled], window: timedelta = timedelta(days=3), expire_every: int = 0
) -> PipelineResult:
    """Group ``records`` in the order given, as the archive would (copies, then stories); with
    ``expire_every``, the closed stories are forgotten every that many records, as the archive does."""
    extractor = FeatureExtractor(load_lexicon())
    index = StoryIndex(window=window)
    copy_index = CopyIndex()
    numbers: dict[str, int] = {}
    names: dict[int, str] = {}
    stories: dict[str, int] = {}
    copies: dict[str, str] = {}
    for number, record in enumerate(records, start=1):
        numbers[record.id], names[number] = number, record.id
        match = copy_index.find(record.text)
        if match is not None:
            copies[record.id] = names[match.original_id]
        features = extractor.extract(record.title, record.text, record.language)
        assignment = index.assign(features, record.when)
        story = assignment.story_id if assignment.story_id is not None else number
        index.add(story, features, record.when)
        copy_index.add(number, record.text, record.when)
        stories[record.id] = story
        if expire_every and number % expire_every == 0:
            index.expire()
    roots = {copy: _root(copy, copies) for copy in copies}
    return PipelineResult(stories, roots)


def _root(item: str, links: Mapping[str, str]) -> str:
    seen = {item}
    while item in links and links[item] not in seen:
        item = links[item]
        seen.add(item)
    return item
