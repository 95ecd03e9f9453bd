"""Many parsed queries compiled into one matcher: one pass over an article's words serves them all.

Compilation gathers every word of every query into one vocabulary (each exact word with its plural and
singular forms, each wildcard prefix in one regular expression) and every term (word or phrase) into
one table, and picks for each query a few "trigger" terms, one of which must occur for the query to
match (the rarer side of an AND or NEAR: phrases and long words rather than "the"). Matching an
article then (1) intersects its distinct words with the vocabulary, (2) keeps the queries one of whose
triggers may occur, and only if there are any (3) records the positions of the words that hit, (4) finds
the terms at those positions and (5) evaluates those queries, compiled into tuples.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.query.ast import And, Field, Filter, Near, Node, Not, Or, Term, Word, needs_a_term
from monitor.query.text import surface_forms, words

FIELD_NAMES = ("title", "text")
Span = tuple[int, int]  # first and last word index of a term occurrence
Hits = dict[tuple[str, str], int]  # (field, term as written) -> occurrences
# compiled nodes are tuples whose first item says what they are
TERM, AND, OR, NOT, FIELD, FILTER, NEAR = range(7)


@dataclass(frozen=True)
class Hit:
    field: str
    term: str
    count: int


@dataclass
class QueryResult:
    """One query that matched: its index in the compiled sequence and the terms that made it match."""

    index: int
    hits: list[Hit] = field(default_factory=list)

    def terms(self) -> list[str]:
        return list(dict.fromkeys(hit.term for hit in self.hits))

    def count(self, field_name: str) -> int:
        return sum(hit.count for hit in self.hits if hit.field == field_name)


@dataclass
class _Document:
    spans: dict[str, dict[int, list[Span]]]
    language: str | None
    source: str | None


class CompiledQueries:
    """Parsed queries, compiled together; ``match`` says which of them an article satisfies."""

    def __init__(self, queries: Sequence[Node]) -> None:
        self.queries = list(queries)
        self._word_ids: dict[Word, int] = {}
        self._surface: dict[str, list[int]] = defaultdict(list)
        self._prefixes: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self._term_ids: dict[tuple[int, ...], int] = {}
        self._terms: list[tuple[int, ...]] = []
        self._raws: list[set[str]] = []
        self._terms_by_first: dict[int, list[int]] = defaultdict(list)
        self._compiled = [self._compile(query) for query in self.queries]
        triggers: dict[int, set[int]] = defaultdict(set)  # term id -> queries it may trigger
        for index, query in enumerate(self.queries):
            for term_id in _triggers(query, self)[0]:
                triggers[term_id].add(index)
        # by the term's first word: (the term's other words, the queries it may trigger)
        self._triggers_by_word: dict[int, list[tuple[tuple[int, ...], set[int]]]] = defaultdict(list)
        for term_id, indexes in triggers.items():
            self._triggers_by_word[self._terms[term_id][0]].append((self._terms[term_id][1:], indexes))
        self._vocabulary = frozenset(self._surface)
        # wildcard prefixes by their first three letters (the parser asks for at least three)
        self._prefix_heads: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for table in self._prefixes.values():
            for prefix, ids in table.items():
                self._prefix_heads[prefix[:3]].extend((prefix, word_id) for word_id in ids)

    # -- compilation ------------------------------------------------------------------------------------

    def _add_word(self, word: Word) -> int:
        if word in self._word_ids:
            return self._word_ids[word]
        word_id = len(self._word_ids)
        self._word_ids[word] = word_id
        if word.prefix:
            self._prefixes[len(word.text)][word.text].append(word_id)
        else:
            for form in surface_forms(word.text):
                self._surface[form].append(word_id)
        return word_id

    def term_id(self, term: Term) -> int:
        """The id of ``term`` (terms with the same words share one), added on first sight."""
        key = tuple(self._add_word(word) for word in term.words)
        term_id = self._term_ids.get(key)
        if term_id is None:
            term_id = len(self._terms)
            self._term_ids[key] = term_id
            self._terms.append(key)
            self._raws.append(set())
            self._terms_by_first[key[0]].append(term_id)
        self._raws[term_id].add(term.raw)
        return term_id

    def _compile(self, node: Node) -> tuple[Any, ...]:
        if isinstance(node, Term):
            return (TERM, self.term_id(node), node.raw)
        if isinstance(node, And):
            return (AND, tuple(self._compile(child) for child in node.children))
        if isinstance(node, Or):
            return (OR, tuple(self._compile(child) for child in node.children))
        if isinstance(node, Not):
            return (NOT, self._compile(node.child))
        if isinstance(node, Field):
            return (FIELD, node.name, self._compile(node.child))
        if isinstance(node, Filter):
            return (FILTER, node.kind, node.value.split("-")[0] if node.kind == "lang" else node.value)
        return (NEAR, self._compile(node.left), self._compile(node.right), node.distance, node.ordered)

    def raws(self, term_id: int) -> set[str]:
        """How the queries wrote the term ``term_id``."""
        return self._raws[term_id]

    # -- matching ---------------------------------------------------------------------------------------

    def match(
        self, title: str | None, text: str | None, *, language: str | None = None, source: str | None = None
    ) -> list[QueryResult]:
        """The queries that ``title`` and ``text`` satisfy, in the order they were compiled."""
        return self.match_words(words(title or ""), words(text or ""), language=language, source=source)

    def match_words(
        self,
        title_words: list[str],
        text_words: list[str],
        *,
        language: str | None = None,
        source: str | None = None,
    ) -> list[QueryResult]:
        """``match`` on words already folded by ``monitor.query.text.words``."""
        title_hits = self._hit_words(set(title_words))
        text_hits = self._hit_words(set(text_words))
        present = {word_id for ids in set(title_hits.values()).union(text_hits.values()) for word_id in ids}
        candidates: set[int] = set()
        for word_id in present:
            for rest, queries in self._triggers_by_word.get(word_id, ()):
                if all(w in present for w in rest):
                    candidates |= queries
        if not candidates:
            return []
        spans = {"title": self._spans(title_words, title_hits), "text": self._spans(text_words, text_hits)}
        document = _Document(spans, _language(language), source.lower() if source else None)
        results: list[QueryResult] = []
        for index in sorted(candidates):
            hits = self._evaluate(self._compiled[index], document, FIELD_NAMES)
            if hits:
                results.append(QueryResult(index, [Hit(f, t, n) for (f, t), n in hits.items()]))
        return results

    def _hit_words(self, distinct: set[str]) -> dict[str, tuple[int, ...]]:
        """The distinct words that are (forms of) query words, with the ids of those query words."""
        surface = self._surface
        hit_words = {token: tuple(surface[token]) for token in distinct & self._vocabulary}
        heads = self._prefix_heads
        if heads:
            for token in [t for t in distinct if t[:3] in heads]:
                ids = tuple(word_id for prefix, word_id in heads[token[:3]] if token.startswith(prefix))
                if ids:
                    hit_words[token] = hit_words.get(token, ()) + ids
        return hit_words

    def term_spans(self, tokens: list[str]) -> dict[int, list[Span]]:
        """Where each term occurs among ``tokens`` (only the terms that occur)."""
        return self._spans(tokens, self._hit_words(set(tokens)))

    def _spans(self, tokens: list[str], hit_words: dict[str, tuple[int, ...]]) -> dict[int, list[Span]]:
        if not hit_words:
            return {}
        positions: dict[int, list[int]] = defaultdict(list)
        for index, token in enumerate(tokens):
            if token in hit_words:
                for word_id in hit_words[token]:
                    positions[word_id].append(index)
        position_sets: dict[int, set[int]] = {}
        found: dict[int, list[Span]] = {}
        for first, starts in positions.items():
            for term_id in self._terms_by_first.get(first, ()):
                term = self._terms[term_id]
                if len(term) == 1:
                    found[term_id] = [(p, p) for p in starts]
                    continue
                if not all(w in positions for w in term[1:]):
                    continue
                for word_id in term[1:]:
                    if word_id not in position_sets:
                        position_sets[word_id] = set(positions[word_id])
                spans = [
                    (p, p + len(term) - 1)
                    for p in starts
                    if all(p + k in position_sets[w] for k, w in enumerate(term[1:], start=1))
                ]
                if spans:
                    found[term_id] = spans
        return found

    # -- evaluation -------------------------------------------------------------------------------------

    def _evaluate(self, node: tuple[Any, ...], doc: _Document, fields: Sequence[str]) -> Hits | None:
        """The hits that make ``node`` true, or None when it is false (an empty dict is true)."""
        kind = node[0]
        if kind == TERM:
            _, term_id, raw = node
            hits = {(f, raw): len(doc.spans[f][term_id]) for f in fields if term_id in doc.spans[f]}
            return hits or None
        if kind == AND:
            total: Hits = {}
            for child in node[1]:
                found = self._evaluate(child, doc, fields)
                if found is None:
                    return None
                _merge(total, found)
            return total
        if kind == OR:
            result: Hits | None = None
            for child in node[1]:
                found = self._evaluate(child, doc, fields)
                if found is not None:
                    result = _merge(result if result is not None else {}, found)
            return result
        if kind == NOT:
            return None if self._evaluate(node[1], doc, fields) is not None else {}
        if kind == FIELD:
            return self._evaluate(node[2], doc, (node[1],)) if node[1] in fields else None
        if kind == FILTER:
            actual = doc.language if node[1] == "lang" else doc.source
            return {} if actual == node[2] else None
        near_hits: Hits = {}
        for f in fields:
            for _, _, raws in self._near_spans(node, doc, f):
                for raw in raws:
                    near_hits[(f, raw)] = near_hits.get((f, raw), 0) + 1
        return near_hits or None

    def _near_spans(
        self, node: tuple[Any, ...], doc: _Document, field_name: str
    ) -> list[tuple[int, int, tuple[str, ...]]]:
        kind = node[0]
        if kind == TERM:
            return [(start, end, (node[2],)) for start, end in doc.spans[field_name].get(node[1], ())]
        if kind == OR:
            return [span for child in node[1] for span in self._near_spans(child, doc, field_name)]
        assert kind == NEAR, "the parser lets only terms, OR and NEAR into NEAR"
        _, left_node, right_node, distance, ordered = node
        left = self._near_spans(left_node, doc, field_name)
        right = self._near_spans(right_node, doc, field_name) if left else []
        joined: list[tuple[int, int, tuple[str, ...]]] = []
        for a_start, a_end, a_raws in left:
            for b_start, b_end, b_raws in right:
                if ordered:
                    close = a_end < b_start and b_start - a_end - 1 <= distance
                else:
                    close = max(b_start - a_end, a_start - b_end) - 1 <= distance
                if close:
                    joined.append((min(a_start, b_start), max(a_end, b_end), a_raws + b_raws))
        return joined


def _triggers(node: Node, compiled: CompiledQueries) -> tuple[set[int], float]:
    """Terms one of which must occur for ``node`` to match, and how common they are likely to be.

    Only called on nodes that need a term (the parser checks that each query does).
    """
    if isinstance(node, Term):
        return {compiled.term_id(node)}, _cost(node)
    if isinstance(node, Or):
        parts = [_triggers(child, compiled) for child in node.children]
        return set().union(*(p[0] for p in parts)), sum(p[1] for p in parts)
    if isinstance(node, And):
        options = [_triggers(child, compiled) for child in node.children if needs_a_term(child)]
        return min(options, key=lambda option: option[1])
    if isinstance(node, Near):
        return min(_triggers(node.left, compiled), _triggers(node.right, compiled), key=lambda option: option[1])
    assert isinstance(node, Field)
    return _triggers(node.child, compiled)


def _cost(term: Term) -> float:
    """A guess at how often a term occurs: phrases are rare, short words and wildcards common."""
    if len(term.words) > 1:
        return 1.0
    word = term.words[0]
    if word.prefix:
        return 5.0
    return 50.0 if len(word.text) <= 3 else 10.0 if len(word.text) <= 5 else 3.0


def _merge(total: Hits, more: Hits) -> Hits:
    for key, count in more.items():
        total[key] = total.get(key, 0) + count
    return total


def _language(language: str | None) -> str | None:
    return language.lower().replace("_", "-").split("-")[0] if language else None
