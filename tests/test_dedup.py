"""Wire copies (MinHash LSH) and agency credits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.dedup import CopyIndex, agency_credit
from monitor.story_eval import load_labelled

LABELLED = Path(__file__).parent / "fixtures" / "stories" / "labelled.jsonl"
BOILERPLATE = (
    " Abonnez-vous à notre lettre d'information quotidienne pour recevoir chaque matin l'essentiel de "
    "l'actualité. Suivez-nous sur les réseaux sociaux. Tous droits réservés, reproduction interdite sans "
    "autorisation écrite de l'éditeur. Retrouvez tous nos articles sur la technologie et le numérique."
) * 2


@pytest.mark.parametrize(
    ("text", "byline", "expected"),
    [
        ("PARIS (AFP) - La CNIL a infligé jeudi une amende de 20 millions d'euros.", None, "AFP"),
        ("Le Quotidien avec AFP\nLa CNIL a infligé jeudi une amende.", None, "AFP"),
        ("Texte. " * 80 + "\n(avec AFP)", None, "AFP"),
        ("Texte. " * 80 + "\n© AFP - tous droits réservés", None, "AFP"),
        ("CHICAGO (AP) — Clearview AI agreed to a settlement.", None, "AP"),
        ("LONDON (Reuters) - Britain's data watchdog fined the company.", None, "Reuters"),
        ("Amazon said. " * 40 + "(Reporting by Jeffrey Dastin; Editing by Kenneth Li)", None, "Reuters"),
        ("Le texte de l'article, sans aucune mention d'agence.", "Agence France-Presse", "AFP"),
        ("Text. " * 80 + "\nThis story was originally published by The Associated Press.", None, "AP"),
        ("Text. " * 80 + "\nAssociated Press writer Matt O'Brien contributed to this report.", None, "AP"),
        ("Text. " * 80 + "\nThe Associated Press contributed to this report.", None, "AP"),
        ("The book by the Reuters journalist was a hit. " * 6, None, None),
        ("Contactée par l'AFP, l'entreprise a démenti toute utilisation de la reconnaissance faciale.", None, None),
        ("He said in an interview with AFP that the cameras would stay. " * 3, None, None),
        # quotes and look-alikes are not credits
        ("La CNIL a infligé une amende, selon l'AFP, qui cite un porte-parole. " * 6, None, None),
        ("The company told Reuters on Monday that it would appeal. " * 6, None, None),
        ("Critics say the APPLE app is not an AP style guide. " * 6, None, None),
        ("Une enquête de Jean Dupont.", "Jean Dupont", None),
    ],
)
def test_agency_credit(text: str, byline: str | None, expected: str | None) -> None:
    assert agency_credit(text, byline) == expected


def _labelled() -> dict[str, str]:
    return {r.id: r.text for r in load_labelled(LABELLED)}


def test_republished_wire_is_found_and_the_same_boilerplate_is_not_a_copy() -> None:
    texts = _labelled()
    index = CopyIndex()
    index.add(1, texts["cv-fr-wire"])
    index.add(2, texts["amz-fr-1"] + BOILERPLATE)
    for copy in ("cv-fr-c1", "cv-fr-c2", "cv-fr-c3", "cv-fr-c4"):
        match = index.find(texts[copy])
        assert match is not None and match.original_id == 1, copy
    assert index.find(texts["ibm-fr-1"] + BOILERPLATE) is None  # other news under the same boilerplate
    assert index.find(texts["cv-en-1"]) is None  # the same event written by someone else


def test_short_texts_are_never_copies() -> None:
    index = CopyIndex(min_words=60)
    index.add(1, "Amazon suspend Rekognition pour un an.")
    assert len(index) == 0
    assert index.find("Amazon suspend Rekognition pour un an.") is None


def test_copy_index_forgets_texts_out_of_the_window() -> None:
    texts = _labelled()
    start = datetime(2022, 10, 20, tzinfo=UTC)
    index = CopyIndex()
    index.add(1, texts["cv-fr-wire"], start)
    index.add(2, texts["amz-fr-1"] + BOILERPLATE, start + timedelta(days=10))
    assert index.expire(start + timedelta(days=7)) == 1
    assert len(index) == 1
    assert index.find(texts["cv-fr-c1"]) is None
    assert index.matches(texts["amz-fr-1"] + BOILERPLATE)[0].original_id == 2


def test_copy_index_keeps_the_texts_its_keep_rule_names_and_forgets_them_later() -> None:
    """``keep`` spares a text out of the window (the archive keeps those near one of its recent articles'
    times: a copy of an article read late), the heap stays whole, and a later expiry without the rule forgets it."""
    texts = _labelled()
    start = datetime(2022, 10, 20, tzinfo=UTC)
    index = CopyIndex()
    index.add(1, texts["cv-fr-wire"], start)
    index.add(2, texts["amz-fr-1"] + BOILERPLATE, start + timedelta(days=1))
    index.add(3, texts["ibm-fr-1"], start + timedelta(days=20))
    near_the_first = lambda when: when < start + timedelta(hours=1)  # noqa: E731
    assert index.expire(start + timedelta(days=7), keep=near_the_first) == 1
    assert len(index) == 2
    match = index.find(texts["cv-fr-c1"])
    assert match is not None and match.original_id == 1
    assert index.find(texts["amz-fr-1"] + BOILERPLATE) is None
    assert index.expire(start + timedelta(days=7), keep=near_the_first) == 0  # kept again, nothing lost
    assert index.expire(start + timedelta(days=7)) == 1 and len(index) == 1
    assert index.find(texts["cv-fr-c1"]) is None
