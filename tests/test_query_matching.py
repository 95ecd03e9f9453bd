"""Matching semantics of compiled queries: folding, elision, plurals, wildcards, NEAR, fields, filters."""

from __future__ import annotations

import pytest

from monitor.query import CompiledQueries, parse
from monitor.query.highlight import highlight, snippets, term_ranges
from monitor.query.text import words, words_with_offsets


def matches(query: str, text: str, title: str = "", **kwargs: str) -> bool:
    return bool(CompiledQueries([parse(query)]).match(title, text, **kwargs))


def test_words_fold_case_accents_ligatures_and_elision() -> None:
    assert words("L’Œil d'IDÉMIA qu'il Vidéo-surveillance") == ["oeil", "idemia", "il", "video", "surveillance"]


def test_offsets_point_at_the_original_characters() -> None:
    text = "À l’Élysée, vidéoprotection"
    assert [(w, text[a:b]) for w, a, b in words_with_offsets(text)] == [
        ("a", "À"),
        ("elysee", "Élysée"),
        ("videoprotection", "vidéoprotection"),
    ]


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ('"reconnaissance faciale"', "La RECONNAISSANCE FACIALE arrive", True),
        ('"reconnaissance faciale"', "les reconnaissances faciales", True),
        ('"reconnaissance faciale"', "la reconnaissance de l'état", False),
        ('"identification biometrique"', "l'identification biométrique", True),
        ('"camera augmentee"', "des caméras « augmentées »", True),
        ("cameras", "une caméra", True),
        ("technology", "new technologies", True),
        ("facial", "soins faciaux", True),
        ('"face a face"', "un face-à-face tendu", True),
        ("surveill*", "la surveillance de masse", True),
        ("surveill*", "ils surveillent", True),
        ("surveill*", "la vidéosurveillance", False),
        ('"video surveill*"', "video-surveillance", True),
        ("drone", "dronex drones", True),
        ("drone", "androne", False),
    ],
)
def test_terms(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


def test_boolean_operators() -> None:
    assert matches("drone AND police", "the police flew a drone")
    assert not matches("drone AND police", "a drone")
    assert matches("drone OR police", "a drone")
    assert not matches("drone NOT football", "a drone at the football match")
    assert not matches("drone -football", "a drone at the football match")
    assert matches("drone -football", "a drone at the rugby match")
    assert matches("(drone OR helicopter) police", "police helicopter")


def test_near_counts_the_words_between() -> None:
    query = "face NEAR/2 recognition"
    assert matches(query, "face recognition")
    assert matches(query, "recognition of a face")  # either order, two words between
    assert not matches(query, "face and then some recognition")  # three words between
    assert matches("face NEAR/0 recognition", "recognition face")
    assert not matches("face NEAR/0 recognition", "face x recognition")


def test_onear_keeps_the_order() -> None:
    assert matches("police ONEAR/3 camera", "police use the camera")
    assert not matches("police ONEAR/3 camera", "camera of the police")


def test_near_with_phrases_groups_and_chains() -> None:
    assert matches('("facial recognition" OR "face recognition") NEAR/3 ban*', "a ban on face recognition")
    assert not matches('("facial recognition" OR "face recognition") NEAR/3 ban*', "a ban on nothing")
    assert matches("police NEAR/2 drone NEAR/2 camera", "police drone camera")
    assert not matches("police NEAR/2 drone NEAR/2 camera", "police drone a b c d e camera")


def test_near_does_not_reach_across_title_and_text() -> None:
    assert not matches("face NEAR/5 recognition", "recognition", title="face")


def test_fields() -> None:
    assert matches("title:drone", "nothing", title="Drone")
    assert not matches("title:drone", "drone", title="nothing")
    assert matches('text:"facial recognition"', "facial recognition", title="x")
    assert not matches('text:"facial recognition"', "x", title="facial recognition")
    assert matches("title:(drone OR police) camera", "camera", title="police")


def test_filters_need_the_language_or_source() -> None:
    assert matches("drone lang:fr", "un drone", language="fr")
    assert matches("drone lang:fr", "un drone", language="fr-FR")
    assert not matches("drone lang:fr", "a drone", language="en")
    assert not matches("drone lang:fr", "a drone")  # unknown language: the filter does not pass
    assert matches("drone source:lemonde", "un drone", source="LeMonde")
    assert not matches("drone source:lemonde", "un drone", source="bbc")
    assert matches("drone (lang:fr OR source:bbc)", "a drone", language="en", source="bbc")


def test_many_queries_in_one_matcher_report_each_with_its_terms() -> None:
    compiled = CompiledQueries([parse("drone*"), parse('"facial recognition" OR clearview'), parse("football")])
    results = compiled.match("Clearview and drones", "Facial recognition by drone. Facial recognition again.")
    assert [r.index for r in results] == [0, 1]
    assert results[0].terms() == ["drone*"]
    assert sorted(results[1].terms()) == ['"facial recognition"', "clearview"]
    assert results[1].count("text") == 2 and results[1].count("title") == 1


def test_terms_under_not_are_not_reported_and_do_not_trigger() -> None:
    compiled = CompiledQueries([parse("drone -football")])
    assert compiled.match("", "football only") == []
    (result,) = compiled.match("", "drone show")
    assert result.terms() == ["drone"]


def test_highlight_marks_the_original_text() -> None:
    compiled = CompiledQueries([parse('"reconnaissance faciale" OR surveill*')])
    text = "Contre la Reconnaissance Faciale et la surveillance."
    ranges = term_ranges(text, compiled, ['"reconnaissance faciale"', "surveill*"])
    assert highlight(text, ranges, lambda s: f"[{s}]") == "Contre la [Reconnaissance Faciale] et la [surveillance]."
    long_text = "x " * 200 + "la surveillance" + " y" * 200
    (line,) = snippets(long_text, term_ranges(long_text, compiled, ["surveill*"]), lambda s: f"[{s}]", width=10)
    assert "[surveillance]" in line and line.startswith("…") and line.endswith("…") and len(line) < 60


def test_fast_words_and_offset_words_agree() -> None:
    import json
    from pathlib import Path

    texts = ["l'x (l'homme) qu'il", "aujourd'hui _l'x l''x jusqu'à l' 'l'a ll'a 2l'a", "Œuvre « guillemets » — tiret…"]
    texts += ["Москва: распознавание лиц", "naïve café ﬁnance", "it's don't O'Brien"]
    for path in (Path(__file__).parent / "fixtures" / "topics").glob("*.jsonl"):
        for line in path.read_text("utf-8").splitlines():
            record = json.loads(line)
            texts += [record["title"], record["text"]]
    for text in texts:
        assert words(text) == [w for w, _, _ in words_with_offsets(text)], text
