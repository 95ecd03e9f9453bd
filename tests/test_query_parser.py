"""The query language's parser: every operator, precedence, and every error with its position."""

from __future__ import annotations

import pytest

from monitor.query import QueryError, parse
from monitor.query.ast import And, Field, Filter, Near, Not, Or, Term, Word
from monitor.query.lexer import one_line


def _term(node: object) -> str:
    assert isinstance(node, Term)
    return " ".join(w.text + ("*" if w.prefix else "") for w in node.words)


def test_a_word_is_folded_and_elision_removed() -> None:
    node = parse("L'Identification")
    assert isinstance(node, Term) and node.words == (Word("identification"),)


def test_phrase_is_one_term_of_consecutive_words() -> None:
    node = parse('"Reconnaissance  Faciale"')
    assert _term(node) == "reconnaissance faciale"
    assert isinstance(node, Term) and node.raw == '"Reconnaissance  Faciale"'


def test_a_hyphenated_word_is_a_phrase() -> None:
    assert _term(parse("face-à-face")) == "face a face"


def test_wildcard_only_at_the_end_of_a_word() -> None:
    assert _term(parse("surveill*")) == "surveill*"
    assert _term(parse('"reconnaissance facia*"')) == "reconnaissance facia*"


def test_explicit_and_implicit_and() -> None:
    for query in ("drone AND police", "drone police"):
        node = parse(query)
        assert isinstance(node, And) and [_term(c) for c in node.children] == ["drone", "police"]


def test_or_binds_looser_than_and() -> None:
    node = parse("a1 b1 OR c1")
    assert isinstance(node, Or)
    assert isinstance(node.children[0], And) and _term(node.children[1]) == "c1"


def test_parentheses_group() -> None:
    node = parse("a1 (b1 OR c1)")
    assert isinstance(node, And) and isinstance(node.children[1], Or)


def test_not_and_minus_negate() -> None:
    for query in ("drone NOT football", "drone -football", "drone AND NOT football"):
        node = parse(query)
        assert isinstance(node, And)
        assert isinstance(node.children[1], Not) and _term(node.children[1].child) == "football"


def test_a_hyphen_inside_a_word_is_not_a_negation() -> None:
    assert _term(parse("anti-drone")) == "anti drone"


def test_near_and_onear_with_distance() -> None:
    node = parse("face NEAR/3 recognition")
    assert isinstance(node, Near) and node.distance == 3 and not node.ordered
    node = parse("face ONEAR/0 recognition")
    assert isinstance(node, Near) and node.distance == 0 and node.ordered


def test_near_binds_tighter_than_and_or_and_takes_or_groups() -> None:
    node = parse("x1 OR (face OR visage) NEAR/2 reco*")
    assert isinstance(node, Or) and isinstance(node.children[1], Near)
    assert isinstance(node.children[1].left, Or)


def test_chained_near() -> None:
    node = parse("a1 NEAR/2 b1 NEAR/2 c1")
    assert isinstance(node, Near) and isinstance(node.left, Near)


def test_fields_and_filters() -> None:
    node = parse('title:"facial recognition" text:(police OR gendarmerie) lang:FR source:Le-Monde')
    assert isinstance(node, And)
    title, text, lang, source = node.children
    assert isinstance(title, Field) and title.name == "title"
    assert isinstance(text, Field) and text.name == "text" and isinstance(text.child, Or)
    assert lang == Filter("lang", "fr", lang.position)
    assert source == Filter("source", "le-monde", source.position)


def test_comments_run_to_the_end_of_the_line() -> None:
    node = parse("drone  # the word\n OR police # and another\n")
    assert isinstance(node, Or) and len(node.children) == 2
    assert one_line("drone  # the word\n OR police") == "drone OR police"


def test_operators_are_upper_case_only() -> None:
    node = parse("or and not")
    assert isinstance(node, And) and [_term(c) for c in node.children] == ["or", "and", "not"]


@pytest.mark.parametrize(
    ("query", "position", "fragment"),
    [
        ("", 0, "empty query"),
        ("   ", 0, "empty query"),
        ('"facial recognition', 0, "unclosed quote"),
        ('drone ""', 6, "empty phrase"),
        ("(drone OR police", 16, "missing ')'"),
        ("drone)", 5, "unbalanced ')'"),
        ("()", 0, "empty parentheses"),
        ("drone AND", 6, "'AND' needs something after it"),
        ("drone OR", 6, "'OR' needs something after it"),
        ("OR drone", 0, "expected a word"),
        ("drone NOT", 6, "'NOT' needs something after it"),
        ("drone - police", 6, "'-' must be followed"),
        ("face NEAR recognition", 5, "NEAR needs a distance"),
        ("face ONEAR recognition", 5, "ONEAR needs a distance"),
        ("face NEAR/3", 5, "needs something after it"),
        ("(a1 AND b1) NEAR/3 c1", 1, "NEAR/3 joins words"),
        ("a1 NEAR/3 NOT b1", 10, "NEAR/3 joins words"),
        ("title:x1 NEAR/3 c1", 0, "NEAR/3 joins words"),
        ("sur*veillance", 0, "may only end a word"),
        ("su*", 0, "at least three letters"),
        ("*", 0, "at least three letters"),
        ("foo:bar", 0, "unknown field 'foo:'"),
        ("title:", 0, "needs a word, a phrase or a group"),
        ("title: AND x", 0, "needs a word, a phrase or a group"),
        ("lang:(fr)", 0, "lang: needs a value"),
        ("title:(text:x)", 0, "cannot be nested"),
        ("NOT football", 0, "would match articles without any of its words"),
        ("-football", 0, "would match articles without any of its words"),
        ("lang:fr", 0, "would match articles without any of its words"),
        ("drone OR NOT football", 0, "would match articles without any of its words"),
        ("drone !!!", 6, "no letters or digits"),
    ],
)
def test_errors_say_what_and_where(query: str, position: int, fragment: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert fragment in caught.value.message
    assert caught.value.position == position
    assert f"at character {position + 1}" in str(caught.value)
    caret_line = caught.value.pointer().splitlines()[-1]
    assert caret_line == " " * min(position, len(query)) + "^"


def test_too_long_and_too_deep_are_errors_not_crashes() -> None:
    with pytest.raises(QueryError, match="too long"):
        parse("drone " * 5000)
    with pytest.raises(QueryError, match="nested too deeply"):
        parse("(" * 200 + "drone" + ")" * 200)
