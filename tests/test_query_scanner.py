"""The fast matcher against the rules it must keep: folded words as the ``_WORDS`` regex defines them,
and query results as a plain word-by-word evaluation of the AST gives them (term positions, NEAR
distances, fields, filters, hit counts and their order), on generated texts and queries."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.query import CompiledQueries, QueryError, parse
from monitor.query.ast import And, Field, Filter, Near, Node, Not, Or, Term
from monitor.query.compiler import _close_pairs
from monitor.query.highlight import term_ranges
from monitor.query.scanner import MAX_PATTERNS_PER_TERM, Scanner
from monitor.query.text import _WORDS, fold, spaced_words, surface_forms, words

# -- folded words ---------------------------------------------------------------------------------------

TRICKY = (
    "abcdefghijklmnopqrstuvwxyz0123456789 '’-_.,«»\u00a0\u202f"
    "ÉéèêàçÀÇœŒæßøØłŁđĳŉŀ×÷°€£©®\u0301\u0903²①ǅΣς中花業\x85\u200b\u2028🙂"
)
TRICKY_PIECES = [*TRICKY, "l'", "L’", "qu'", "jusqu'", "d’", " l'", "aujourd'hui"]


def reference_words(text: str) -> list[str]:
    return [word for word in _WORDS.findall(fold(text)) if word]


@given(st.lists(st.sampled_from(TRICKY_PIECES), max_size=40).map("".join))
@settings(max_examples=600, deadline=None)
def test_spaced_words_follow_the_word_rule(text: str) -> None:
    expected = reference_words(text)
    assert words(text) == expected
    assert spaced_words(text) == (f" {' '.join(expected)} " if expected else " ")


def test_spaced_words_of_every_latin_letter_and_many_other_letters() -> None:
    latin = " ".join(chr(code) * 2 + "x" for code in range(0xC0, 0x250))
    assert words(latin) == reference_words(latin)
    many = " ".join(f"l'{chr(0x4E00 + i)}a" for i in range(40))  # more letters than byte placeholders
    assert words(many) == reference_words(many) and len(words(many)) == 40
    assert spaced_words("") == " " and spaced_words(" ,;- ") == " "


# -- a plain evaluator of the query language, the definition the matcher must agree with --------------

Hits = dict[tuple[str, str], int]


def _spans(term: Term, tokens: list[str]) -> list[tuple[int, int]]:
    """Every place where the term's words follow one another, each word in one of its forms."""
    tests = [
        (lambda token, w=word.text: token.startswith(w)) if word.prefix else surface_forms(word.text).__contains__
        for word in term.words
    ]
    size = len(tests)
    return [
        (p, p + size - 1)
        for p in range(len(tokens) - size + 1)
        if all(test(tokens[p + k]) for k, test in enumerate(tests))
    ]


def _near_spans(node: Node, tokens: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
    if isinstance(node, Term):
        return [(a, b, (node.raw,)) for a, b in _spans(node, tokens)]
    if isinstance(node, Or):
        return [span for child in node.children for span in _near_spans(child, tokens)]
    assert isinstance(node, Near)
    joined = []
    for a in _near_spans(node.left, tokens):
        for b in _near_spans(node.right, tokens):
            if node.ordered:
                close = a[1] < b[0] and b[0] - a[1] - 1 <= node.distance
            else:
                close = max(b[0] - a[1], a[0] - b[1]) - 1 <= node.distance
            if close:
                joined.append((min(a[0], b[0]), max(a[1], b[1]), a[2] + b[2]))
    return joined


def _merge(total: Hits, more: Hits) -> Hits:
    for key, count in more.items():
        total[key] = total.get(key, 0) + count
    return total


def evaluate(node: Node, doc: dict[str, list[str]], lang: str | None, fields: tuple[str, ...]) -> Hits | None:
    if isinstance(node, Term):
        hits = {(f, node.raw): count for f in fields if (count := len(_spans(node, doc[f])))}
        return hits or None
    if isinstance(node, And):
        total: Hits = {}
        for child in node.children:
            found = evaluate(child, doc, lang, fields)
            if found is None:
                return None
            _merge(total, found)
        return total
    if isinstance(node, Or):
        result = None
        for child in node.children:
            found = evaluate(child, doc, lang, fields)
            if found is not None:
                result = _merge(result if result is not None else {}, found)
        return result
    if isinstance(node, Not):
        return None if evaluate(node.child, doc, lang, fields) is not None else {}
    if isinstance(node, Field):
        return evaluate(node.child, doc, lang, (node.name,)) if node.name in fields else None
    if isinstance(node, Filter):
        return {} if node.kind == "lang" and lang == node.value.split("-")[0] else None
    hits: Hits = {}
    for f in fields:
        for _, _, raws in _near_spans(node, doc[f]):
            for raw in raws:
                hits[(f, raw)] = hits.get((f, raw), 0) + 1
    return hits or None


def reference_match(queries: list[Node], title: str, text: str, lang: str | None) -> list[tuple[int, list]]:
    doc = {"title": words(title), "text": words(text)}
    lang = lang.lower().replace("_", "-").split("-")[0] if lang else None  # "fr-FR" is French
    results = []
    for index, query in enumerate(queries):
        hits = evaluate(query, doc, lang, ("title", "text"))
        if hits:
            results.append((index, [(f, t, n) for (f, t), n in hits.items()]))
    return results


def fast_match(queries: list[Node], title: str, text: str, lang: str | None) -> list[tuple[int, list]]:
    found = CompiledQueries(queries).match(title, text, language=lang)
    return [(r.index, [(hit.field, hit.term, hit.count) for hit in r.hits]) for r in found]


# -- generated queries and texts from a small vocabulary, so that most terms occur ----------------------

VOCABULARY = [
    "drone", "drones", "police", "the", "face", "faciale", "faciaux", "recognition", "vidéo",
    "surveillance", "technologies", "ban", "bank", "état", "x", "a",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", ", ", "-", "  ", ". ", " l'", " d’"]


def random_text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(VOCABULARY) + rng.choice(SEPARATORS) for _ in range(rng.randint(0, size)))


def random_term(rng: random.Random) -> str:
    parts = [rng.choice(VOCABULARY) for _ in range(rng.choice([1, 1, 2, 3]))]
    parts = [p[:3] + "*" if len(p) >= 4 and rng.random() < 0.25 else p for p in parts]
    return parts[0] if len(parts) == 1 else '"' + " ".join(parts) + '"'


def random_near(rng: random.Random, depth: int) -> str:
    def operand() -> str:
        if depth and rng.random() < 0.3:
            return random_near(rng, depth - 1)
        if depth and rng.random() < 0.3:
            return "(" + " OR ".join(random_term(rng) for _ in range(rng.randint(2, 3))) + ")"
        return random_term(rng)

    return f"({operand()} {rng.choice(['NEAR', 'ONEAR'])}/{rng.randint(0, 4)} {operand()})"


def random_query(rng: random.Random, depth: int = 3) -> str:
    kind = rng.randrange(8 if depth else 2)
    if kind == 0:
        return random_term(rng)
    if kind == 1:
        return random_near(rng, 2)
    children = [random_query(rng, depth - 1) for _ in range(rng.randint(2, 3))]
    if kind in (2, 3):
        return "(" + f" {'OR' if kind == 2 else 'AND'} ".join(children) + ")"
    if kind == 4:
        return f"({children[0]} -{children[1]})"
    if kind == 5:
        return f"{rng.choice(['title', 'text'])}:({children[0]})"
    return f"({children[0]} lang:{rng.choice(['fr', 'en'])})"


def _parsed(sources: list[str]) -> list[Node]:
    parsed = []
    for source in sources:
        try:
            parsed.append(parse(source))
        except QueryError:
            continue  # e.g. a field inside a field: the parser refuses it, nothing to match
    return parsed


@pytest.mark.parametrize("seed", range(4))
def test_the_matcher_agrees_with_the_plain_evaluation(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        sources = [random_query(rng) for _ in range(rng.randint(1, 6))]
        nodes = _parsed(sources)
        title, text, lang = random_text(rng, 8), random_text(rng, 40), rng.choice(["fr", "en", "fr-FR", None])
        expected = reference_match(nodes, title, text, lang)
        assert fast_match(nodes, title, text, lang) == expected, (sources, title, text, lang)


def test_agreement_on_longer_texts_and_many_queries() -> None:
    rng = random.Random(5)
    for _ in range(8):
        sources = []
        for _ in range(20):
            term, other = random_term(rng), rng.choice(VOCABULARY)
            distance = rng.randint(0, 6)
            sources.append(rng.choice([term, f"{term} NEAR/{distance} {other}", f"{term} ONEAR/2 ({other} OR the)"]))
        text = random_text(rng, 400)
        nodes = _parsed(sources)
        assert fast_match(nodes, "", text, None) == reference_match(nodes, "", text, None), sources


# -- the scanner's special cases -------------------------------------------------------------------------


def test_a_wildcard_inside_a_phrase_and_a_phrase_of_too_many_forms_are_checked_word_by_word() -> None:
    long_phrase = '"drone police technology surveillance"'
    compiled = CompiledQueries([parse('"vid* surveillance"'), parse(long_phrase), parse("surveillance")])
    assert len(compiled._scanner._pieced) == 2  # neither can be spelt as automaton patterns
    term = parse(long_phrase)
    assert isinstance(term, Term)
    forms = 1
    for word in term.words:
        forms *= len(surface_forms(word.text))
    assert forms > MAX_PATTERNS_PER_TERM
    text = "Les vidéos surveillance; drones, polices technologies surveillance et vidéosurveillance"
    assert [r.index for r in compiled.match("", text)] == [0, 1, 2]
    assert [r.index for r in compiled.match("", "video, la surveillance")] == [2]
    assert [r.index for r in compiled.match("", "drones polices technologies")] == []


def test_words_that_trigger_nothing_are_found_when_needed_even_repeated_or_as_prefixes() -> None:
    compiled = CompiledQueries([parse('the ONEAR/0 "face recognition"'), parse("bank NEAR/1 ban")])
    assert compiled._scanner.deferred  # "the" and one side of the second NEAR are not in the automaton
    (result,) = compiled.match("", "the the face recognition")
    hits = [(hit.field, hit.term, hit.count) for hit in result.hits]
    assert hits == [("text", "the", 1), ("text", '"face recognition"', 1)]
    assert [r.index for r in compiled.match("", "banks bans")] == [1]
    assert compiled.match("", "bank banana") == [] and compiled.match("", "bankrupt ban") == []


def test_highlighting_finds_words_that_trigger_nothing() -> None:
    compiled = CompiledQueries([parse('the ONEAR/0 "face recognition"')])
    text = "They use the face recognition tool."
    ranges = term_ranges(text, compiled, {"the", '"face recognition"'})
    assert [text[a:b] for a, b in ranges] == ["the", "face recognition"]


@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 2)), max_size=30),
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 2)), max_size=30),
    st.integers(0, 6),
    st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_close_pairs_as_a_loop_over_every_pair(
    left: list[tuple[int, int]], right: list[tuple[int, int]], distance: int, ordered: bool
) -> None:
    a = [(start, start + extra, (f"l{i}",)) for i, (start, extra) in enumerate(left)]
    b = [(start, start + extra, (f"r{i}",)) for i, (start, extra) in enumerate(right)]

    def close(x: tuple[int, int, tuple[str, ...]], y: tuple[int, int, tuple[str, ...]]) -> bool:
        if ordered:
            return x[1] < y[0] and y[0] - x[1] - 1 <= distance
        return max(y[0] - x[1], x[0] - y[1]) - 1 <= distance

    assert _close_pairs(a, b, distance, ordered) == [(x, y) for x in a for y in b if close(x, y)]


@pytest.mark.parametrize("text", ["", "   ", "x"])
def test_a_scanner_without_terms_finds_nothing(text: str) -> None:
    found = Scanner([]).scan(spaced_words(text))
    assert found.terms() == [] and found.count(0) == 0
