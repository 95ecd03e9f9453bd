"""Story features: the lexicon phrases found in one Aho-Corasick pass are what the lexicon's regex finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.story_features import CAPITALISED, NUMBER, FeatureExtractor, PhraseFinder, load_lexicon
from monitor.textnorm import fold, strip_elision

PHRASES = ["ab", "abc", "b c", "c", "c-d", "é"]


def _regex_finds(phrases: list[str], text: str) -> list[str]:
    ordered = sorted(phrases, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in ordered) + r")(?!\w)")
    return [m.group(0) for m in pattern.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="abcdé _-1'.", max_size=24))
def test_phrase_finder_finds_what_the_regex_finds(text: str) -> None:
    assert PhraseFinder(PHRASES).find(text) == _regex_finds(PHRASES, text)


def test_phrase_finder_whole_words_leftmost_longest() -> None:
    finder = PhraseFinder(["reconnaissance faciale", "reconnaissance", "faciale", "police"])
    assert finder.find("la reconnaissance faciale de la police") == ["reconnaissance faciale", "police"]
    assert finder.find("policemen reconnaissances") == []  # inside longer words: not the phrase
    assert PhraseFinder([]).find("anything") == []


def test_the_shipped_lexicon_through_the_finder_and_the_regex() -> None:
    lexicon = load_lexicon()
    text = strip_elision(
        fold(
            "Amazon annonce un moratoire d'un an sur l'utilisation de Rekognition par la police : la "
            "reconnaissance faciale est suspendue. Amazon announced a one-year moratorium on police use of "
            "its facial recognition software."
        )
    )
    expected = _regex_finds(list(lexicon.phrases), text)
    assert expected and PhraseFinder(lexicon.phrases).find(text) == expected
    features = FeatureExtractor(lexicon).extract("Amazon suspend Rekognition", text, "fr")
    assert any(key.startswith("c:") for key in features.cross)


# the patterns as first written (a lookbehind at every position): the fast ones must find the same matches
_CAPITALISED_REFERENCE = re.compile(
    r"(?:(?<![\w'’])|(?<=\b[cdjlmnst]['’])|(?<=\bqu['’]))([A-ZÀ-ÖØ-Þ][\w’'\-]*[\w]|[A-Z]{2,})"
)
_NUMBER_REFERENCE = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)(?![\w])")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZéÉqu'’lcd.,- 09AB\nIBMÀÞß_")), max_size=80))
def test_the_name_and_number_patterns_match_what_their_slow_forms_match(text: str) -> None:
    assert CAPITALISED.findall(text) == _CAPITALISED_REFERENCE.findall(text)
    assert NUMBER.findall(text) == _NUMBER_REFERENCE.findall(text)
