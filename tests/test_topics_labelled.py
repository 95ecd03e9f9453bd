"""The default watchlist on our labelled set (precision, recall) and on a stream of off-topic news."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from monitor.topics import DEFAULT_WATCHLIST, Matcher, load_watchlists

TOPICS = Path(__file__).parent / "fixtures" / "topics"
PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.95
STREAM_FALSE_POSITIVE_CEILING = 1 / 1000


def _labelled() -> list[dict[str, Any]]:
    rows = []
    for name, relevant in (("relevant.jsonl", True), ("hard_negatives.jsonl", False)):
        for line in (TOPICS / name).read_text("utf-8").splitlines():
            rows.append({**json.loads(line), "relevant": relevant})
    return rows


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher([w for w in load_watchlists() if w.name == DEFAULT_WATCHLIST])


def test_labelled_set_is_big_enough_and_half_hard_negatives() -> None:
    rows = _labelled()
    assert len(rows) >= 150
    negatives = sum(not r["relevant"] for r in rows)
    assert negatives >= len(rows) / 2 - 1
    assert {r["lang"] for r in rows} == {"fr", "en"}
    for lang in ("fr", "en"):
        assert sum(r["lang"] == lang for r in rows) >= 60


def test_precision_and_recall_of_the_default_watchlist(matcher: Matcher) -> None:
    tp = fp = fn = tn = 0
    errors = []
    for row in _labelled():
        kept = bool(matcher.match(row["title"], row["text"], language=row["lang"]))
        tp += kept and row["relevant"]
        fp += kept and not row["relevant"]
        fn += not kept and row["relevant"]
        tn += not kept and not row["relevant"]
        if kept != row["relevant"]:
            errors.append(f"{'false positive' if kept else 'false negative'}: {row['title']}")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(f"\ndefault watchlist on {tp + fp + fn + tn} labelled texts: precision {precision:.3f}, recall {recall:.3f}")
    print(f"  tp {tp}, fp {fp}, fn {fn}, tn {tn}", *errors, sep="\n  ")
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR


def off_topic_stream(count: int = 400, seed: int = 5) -> list[tuple[str, str, str]]:
    """``count`` (language, title, text) articles built from our hand-written off-topic news sentences."""
    rng = random.Random(seed)
    pools = {lang: (TOPICS / f"offtopic_{lang}.txt").read_text("utf-8").splitlines() for lang in ("fr", "en")}
    stream = []
    for index in range(count):
        lang = "fr" if index % 2 else "en"
        sentences = rng.sample(pools[lang], rng.randint(4, 9))
        stream.append((lang, sentences[0].rstrip("."), " ".join(sentences[1:])))
    return stream


def test_the_default_watchlist_lets_through_almost_no_off_topic_news(matcher: Matcher) -> None:
    sentences = sum(len((TOPICS / f"offtopic_{lang}.txt").read_text("utf-8").splitlines()) for lang in ("fr", "en"))
    assert sentences >= 190
    stream = off_topic_stream()
    kept = [title for lang, title, text in stream if matcher.match(title, text, language=lang)]
    rate = len(kept) / len(stream)
    print(f"\noff-topic stream: {len(kept)} of {len(stream)} kept ({rate:.4f}), from {sentences} sentences")
    assert rate < STREAM_FALSE_POSITIVE_CEILING, kept
    # and each sentence alone, with the same vocabulary as the stream
    for lang in ("fr", "en"):
        for line in (TOPICS / f"offtopic_{lang}.txt").read_text("utf-8").splitlines():
            assert not matcher.match(line, line, language=lang), line


def test_the_stream_would_catch_an_on_topic_sentence(matcher: Matcher) -> None:
    lang, title, text = off_topic_stream(1)[0]
    assert not matcher.match(title, text, language=lang)
    assert matcher.match(title, text + " Police will trial live facial recognition cameras.", language=lang)
