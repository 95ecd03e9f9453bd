"""Many parsed queries compiled into one matcher: one pass over an article's words serves them all.

Compilation gathers every term (word or phrase) of every query into one table, which a ``Scanner``
turns into one Aho-Corasick automaton, and picks for each query a few "trigger" terms, one of which
must occur for the query to match (the rarer side of an AND or NEAR: phrases and long words rather
than "the"). Matching an article then (1) scans its folded title and body once each for all the terms,
(2) keeps the queries one of whose triggers occurs, and only for those (3) evaluates the query,
compiled into tuples, on the terms found (word positions are worked out only for NEAR, and single
words that trigger nothing are looked for only then).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.query.ast import And, Field, Filter, Near, Node, Not, Or, Term, Word, needs_a_term
from monitor.query.scanner import Found, Scanner, Span
from monitor.query.text import spaced_words

FIELD_NAMES = ("title", "text")
Hits = dict[tuple[str, str], int]  # (field, term as written) -> occurrences
# compiled nodes are tuples whose first item says what they are
TERM, AND, OR, NOT, FIELD, FILTER, NEAR, TERMS = range(8)  # TERMS: consecutive terms of an OR


@dataclass(slots=True)
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
    found: dict[str, Found]
    language: str | None
    source: str | None


class CompiledQueries:
    """Parsed queries, compiled together; ``match`` says which of them an article satisfies."""

    def __init__(self, queries: Sequence[Node]) -> None:
        self.queries = list(queries)
        self._term_ids: dict[tuple[Word, ...], int] = {}
        self._raws: list[set[str]] = []
        self._compiled = [self._compile(query) for query in self.queries]
        triggers: dict[int, set[int]] = {}  # term id -> queries it may trigger
        for index, query in enumerate(self.queries):
            for term_id in _triggers(query, self)[0]:
                triggers.setdefault(term_id, set()).add(index)
        self._triggers = {term_id: frozenset(indexes) for term_id, indexes in triggers.items()}
        # single words that trigger no query ("the", "police" on the far side of a NEAR) are looked for
        # only when a query that needs them is evaluated
        untriggered = [term_id for term_id in range(len(self._term_ids)) if term_id not in self._triggers]
        self._scanner = Scanner(list(self._term_ids), deferred=untriggered)

    # -- compilation ------------------------------------------------------------------------------------

    def term_id(self, term: Term) -> int:
        """The id of ``term`` (terms with the same words share one), added on first sight."""
        term_id = self._term_ids.get(term.words)
        if term_id is None:
            term_id = self._term_ids[term.words] = len(self._term_ids)
            self._raws.append(set())
        self._raws[term_id].add(term.raw)
        return term_id

    def _compile(self, node: Node) -> tuple[Any, ...]:
        if isinstance(node, Term):
            return (TERM, self.term_id(node), node.raw)
        if isinstance(node, And):
            return (AND, tuple(self._compile(child) for child in node.children))
        if isinstance(node, Or):
            children: list[tuple[Any, ...]] = []
            for child in node.children:
                if not isinstance(child, Term):
                    children.append(self._compile(child))
                elif children and children[-1][0] == TERMS:
                    children[-1] = (TERMS, (*children[-1][1], (self.term_id(child), child.raw)))
                else:
                    children.append((TERMS, ((self.term_id(child), child.raw),)))
            return (OR, tuple(children))
        if isinstance(node, Not):
            return (NOT, self._compile(node.child))
        if isinstance(node, Field):
            return (FIELD, node.name, self._compile(node.child))
        if isinstance(node, Filter):
            return (FILTER, node.kind, node.value.split("-")[0] if node.kind == "lang" else node.value)
        # the side likelier to be missing is looked at first (the results are the same either way)
        right_first = _triggers(node.right, self)[1] < _triggers(node.left, self)[1]
        return (NEAR, self._compile(node.left), self._compile(node.right), node.distance, node.ordered, right_first)

    def raws(self, term_id: int) -> set[str]:
        """How the queries wrote the term ``term_id``."""
        return self._raws[term_id]

    # -- matching ---------------------------------------------------------------------------------------

    def match(
        self, title: str | None, text: str | None, *, language: str | None = None, source: str | None = None
    ) -> list[QueryResult]:
        """The queries that ``title`` and ``text`` satisfy, in the order they were compiled."""
        return self.match_spaced(spaced_words(title or ""), spaced_words(text or ""), language=language, source=source)

    def match_spaced(
        self, title: str, text: str, *, language: str | None = None, source: str | None = None
    ) -> list[QueryResult]:
        """``match`` on texts already folded by ``monitor.query.text.spaced_words``."""
        scan = self._scanner.scan
        found = {"title": scan(title), "text": scan(text)}
        triggers = self._triggers
        candidates: set[int] = set()
        for found_in in found.values():
            for term_id in found_in.terms():
                if term_id in triggers:
                    candidates |= triggers[term_id]
        if not candidates:
            return []
        document = _Document(found, _language(language), source.lower() if source else None)
        results: list[QueryResult] = []
        for index in sorted(candidates):
            hits = self._evaluate(self._compiled[index], document, FIELD_NAMES)
            if hits:
                results.append(QueryResult(index, [Hit(f, t, n) for (f, t), n in hits.items()]))
        return results

    def term_spans(self, tokens: list[str]) -> dict[int, list[Span]]:
        """Where each term occurs among ``tokens`` (folded words; only the terms that occur)."""
        found = self._scanner.scan(f" {' '.join(tokens)} " if tokens else " ", everything=True)
        return {term_id: found.spans(term_id) for term_id in found.terms()}

    # -- evaluation -------------------------------------------------------------------------------------

    def _evaluate(self, node: tuple[Any, ...], doc: _Document, fields: Sequence[str]) -> Hits | None:
        """The hits that make ``node`` true, or None when it is false (an empty dict is true)."""
        kind = node[0]
        if kind == TERMS:  # as an OR of TERM nodes would, in one loop
            deferred = self._scanner.deferred
            in_fields = [(f, doc.found[f]) for f in fields]
            terms_hits: Hits | None = None
            for term_id, raw in node[1]:
                for f, found_in in in_fields:
                    count = found_in.counts.get(term_id)
                    if count is None:
                        if term_id not in deferred:
                            continue
                        count = found_in.count(term_id)
                    if count:
                        if terms_hits is None:
                            terms_hits = {}
                        terms_hits[(f, raw)] = terms_hits.get((f, raw), 0) + count
            return terms_hits
        if kind == TERM:
            _, term_id, raw = node
            hits = {(f, raw): count for f in fields if (count := doc.found[f].count(term_id))}
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
            if not _occurs(node, doc.found[f]):  # no need to work out word positions
                continue
            for _, _, raws in self._near_spans(node, doc, f):
                for raw in raws:
                    near_hits[(f, raw)] = near_hits.get((f, raw), 0) + 1
        return near_hits or None

    def _near_spans(self, node: tuple[Any, ...], doc: _Document, field_name: str) -> list[NearSpan]:
        kind = node[0]
        if kind == TERM:
            return [(start, end, (node[2],)) for start, end in doc.found[field_name].spans(node[1])]
        if kind == TERMS:
            found = doc.found[field_name]
            return [(start, end, (raw,)) for term_id, raw in node[1] for start, end in found.spans(term_id)]
        if kind == OR:
            return [span for child in node[1] for span in self._near_spans(child, doc, field_name)]
        assert kind == NEAR, "the parser lets only terms, OR and NEAR into NEAR"
        _, left_node, right_node, distance, ordered, right_first = node
        if right_first:
            right = self._near_spans(right_node, doc, field_name)
            left = self._near_spans(left_node, doc, field_name) if right else []
        else:
            left = self._near_spans(left_node, doc, field_name)
            right = self._near_spans(right_node, doc, field_name) if left else []
        return [
            (min(a[0], b[0]), max(a[1], b[1]), a[2] + b[2]) for a, b in _close_pairs(left, right, distance, ordered)
        ]


NearSpan = tuple[int, int, tuple[str, ...]]


def _close_pairs(
    left: list[NearSpan], right: list[NearSpan], distance: int, ordered: bool
) -> list[tuple[NearSpan, NearSpan]]:
    """The (left, right) pairs at most ``distance`` words apart (``ordered``: left first), in the order of
    a loop over ``left`` then ``right``; long lists are joined through a sorted index, not pair by pair."""
    if len(left) * len(right) <= 64:
        return [(a, b) for a in left for b in right if _close(a, b, distance, ordered)]
    swap = len(right) < len(left)  # index the longer list, loop over the shorter one
    outer, inner = (right, left) if swap else (left, right)
    order = sorted(range(len(inner)), key=lambda i: inner[i][0])
    starts = [inner[i][0] for i in order]
    longest = max(end - start for start, end, _ in inner)
    pairs: list[tuple[int, int]] = []
    for o, (o_start, o_end, _) in enumerate(outer):
        # an inner span ending at most distance + 1 words before o_start starts at least this far before it
        low = bisect_left(starts, o_start - distance - 1 - longest)
        high = bisect_right(starts, o_end + distance + 1)
        for i in order[low:high]:
            a, b = (inner[i], outer[o]) if swap else (outer[o], inner[i])
            if _close(a, b, distance, ordered):
                pairs.append((i, o) if swap else (o, i))
    pairs.sort()
    return [(left[a], right[b]) for a, b in pairs]


def _close(a: NearSpan, b: NearSpan, distance: int, ordered: bool) -> bool:
    if ordered:
        return a[1] < b[0] and b[0] - a[1] - 1 <= distance
    return max(b[0] - a[1], a[0] - b[1]) - 1 <= distance


def _occurs(node: tuple[Any, ...], found: Found) -> bool:
    """Whether the terms a NEAR operand needs all occur (a NEAR also needs them close together)."""
    kind = node[0]
    if kind == TERM:
        return found.count(node[1]) > 0
    if kind == TERMS:
        return any(found.count(term_id) for term_id, _ in node[1])
    if kind == OR:
        return any(_occurs(child, found) for child in node[1])
    if node[5]:  # NEAR, its rarer side first
        return _occurs(node[2], found) and _occurs(node[1], found)
    return _occurs(node[1], found) and _occurs(node[2], found)


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
