"""Many parsed queries compiled into one matcher: one pass over an article's words serves them all.

Compilation gathers every word of every query into one vocabulary (each exact word with its plural and
singular forms, each wildcard prefix in one regular expression) and every term (word or phrase) into
one table. Matching an article then (1) intersects its distinct words with the vocabulary, (2) records
the positions of the few words that hit, (3) finds the terms at those positions, and (4) evaluates only
the queries one of whose positive terms occurred: the parser guarantees that no other query can match.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from monitor.query.ast import And, Field, Filter, Near, Node, Not, Or, Term, Word, terms
from monitor.query.text import surface_forms, words

FIELD_NAMES = ("title", "text")
Span = tuple[int, int]  # first and last word index of a term occurrence
Hits = dict[tuple[str, str], int]  # (field, term as written) -> occurrences


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
        self._queries_by_term: dict[int, set[int]] = defaultdict(set)
        for index, query in enumerate(self.queries):
            for term, positive in terms(query):
                term_id = self._add_term(term)
                if positive:
                    self._queries_by_term[term_id].add(index)
        self._vocabulary = frozenset(self._surface)
        self._prefix_lengths = sorted(self._prefixes, reverse=True)
        alternatives = sorted({p for table in self._prefixes.values() for p in table}, key=lambda p: (-len(p), p))
        self._prefix_regex = (
            re.compile(r"(?<!\S)(?:" + "|".join(map(re.escape, alternatives)) + r")\S*") if alternatives else None
        )

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

    def _add_term(self, term: Term) -> int:
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
        spans = {"title": self.term_spans(title_words), "text": self.term_spans(text_words)}
        candidates: set[int] = set()
        for by_term in spans.values():
            for term_id in by_term:
                candidates.update(self._queries_by_term.get(term_id, ()))
        if not candidates:
            return []
        document = _Document(spans, _language(language), source.lower() if source else None)
        results: list[QueryResult] = []
        for index in sorted(candidates):
            hits = self._evaluate(self.queries[index], document, FIELD_NAMES)
            if hits:
                results.append(QueryResult(index, [Hit(f, t, n) for (f, t), n in hits.items()]))
        return results

    def term_spans(self, tokens: list[str]) -> dict[int, list[Span]]:
        """Where each term occurs among ``tokens`` (only the terms that occur)."""
        distinct = set(tokens)
        hit_words: dict[str, list[int]] = {token: self._surface[token] for token in distinct & self._vocabulary}
        if self._prefix_regex is not None:
            for match in self._prefix_regex.finditer(" ".join(distinct)):
                token = match.group()
                ids = [i for length in self._prefix_lengths for i in self._prefixes[length].get(token[:length], ())]
                hit_words[token] = hit_words.get(token, []) + ids
        if not hit_words:
            return {}
        positions: dict[int, list[int]] = defaultdict(list)
        for index, token in enumerate(tokens):
            ids = hit_words.get(token)
            if ids:
                for word_id in ids:
                    positions[word_id].append(index)
        position_sets: dict[int, set[int]] = {}
        found: dict[int, list[Span]] = {}
        for first, starts in positions.items():
            for term_id in self._terms_by_first.get(first, ()):
                term = self._terms[term_id]
                if len(term) == 1:
                    found[term_id] = [(p, p) for p in starts]
                    continue
                for word_id in term[1:]:
                    if word_id not in position_sets:
                        position_sets[word_id] = set(positions.get(word_id, ()))
                spans = [
                    (p, p + len(term) - 1)
                    for p in starts
                    if all(p + k in position_sets[w] for k, w in enumerate(term[1:], start=1))
                ]
                if spans:
                    found[term_id] = spans
        return found

    def term_id(self, term: Term) -> int:
        return self._term_ids[tuple(self._word_ids[word] for word in term.words)]

    def raws(self, term_id: int) -> set[str]:
        return self._raws[term_id]

    # -- evaluation -------------------------------------------------------------------------------------

    def _evaluate(self, node: Node, doc: _Document, fields: Iterable[str]) -> Hits | None:
        """The hits that make ``node`` true, or None when it is false (an empty dict is true)."""
        if isinstance(node, Term):
            term_id = self.term_id(node)
            hits = {(f, node.raw): len(doc.spans[f][term_id]) for f in fields if term_id in doc.spans[f]}
            return hits or None
        if isinstance(node, And):
            total: Hits = {}
            for child in node.children:
                found = self._evaluate(child, doc, fields)
                if found is None:
                    return None
                _merge(total, found)
            return total
        if isinstance(node, Or):
            result: Hits | None = None
            for child in node.children:
                found = self._evaluate(child, doc, fields)
                if found is not None:
                    result = _merge(result if result is not None else {}, found)
            return result
        if isinstance(node, Not):
            return None if self._evaluate(node.child, doc, fields) is not None else {}
        if isinstance(node, Field):
            return self._evaluate(node.child, doc, [node.name]) if node.name in fields else None
        if isinstance(node, Filter):
            wanted = node.value.split("-")[0] if node.kind == "lang" else node.value
            actual = doc.language if node.kind == "lang" else doc.source
            return {} if actual == wanted else None
        near_hits: Hits = {}
        for f in fields:
            for _, _, raws in self._near_spans(node, doc, f):
                for raw in raws:
                    near_hits[(f, raw)] = near_hits.get((f, raw), 0) + 1
        return near_hits or None

    def _near_spans(self, node: Node, doc: _Document, field_name: str) -> list[tuple[int, int, tuple[str, ...]]]:
        if isinstance(node, Term):
            spans = doc.spans[field_name].get(self.term_id(node), ())
            return [(start, end, (node.raw,)) for start, end in spans]
        if isinstance(node, Or):
            return [span for child in node.children for span in self._near_spans(child, doc, field_name)]
        assert isinstance(node, Near), "the parser lets only terms, OR and NEAR into NEAR"
        left = self._near_spans(node.left, doc, field_name)
        right = self._near_spans(node.right, doc, field_name) if left else []
        joined: list[tuple[int, int, tuple[str, ...]]] = []
        for a_start, a_end, a_raws in left:
            for b_start, b_end, b_raws in right:
                if node.ordered:
                    close = a_end < b_start and b_start - a_end - 1 <= node.distance
                else:
                    close = max(b_start - a_end, a_start - b_end) - 1 <= node.distance
                if close:
                    joined.append((min(a_start, b_start), max(a_end, b_end), a_raws + b_raws))
        return joined


def _merge(total: Hits, more: Hits) -> Hits:
    for key, count in more.items():
        total[key] = total.get(key, 0) + count
    return total


def _language(language: str | None) -> str | None:
    return language.lower().replace("_", "-").split("-")[0] if language else None
