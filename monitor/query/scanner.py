"""Every term of every query found in one pass over a text's folded words (Aho-Corasick, in C).

The text is read as ``monitor.query.text.spaced_words`` gives it: " w0 w1 w2 ", each word between
single spaces. A term becomes a few patterns on that string: a word " form " for each of its surface
forms (plural, singular), a wildcard " prefix", a phrase " form form " for each combination of its
words' forms (" reconnaissances faciales "). One automaton holds the patterns of all the terms, so a
pass over the text finds, for every term, each place where it occurs, whatever the number of queries.

Two kinds of phrase cannot be spelt as patterns: a wildcard before the last word ("video* surveillance")
and a phrase whose forms would make too many patterns. Such a phrase is checked word by word: its words
are scanned for as single words and the phrase occurs where they follow one another.

Single words that decide nothing alone ("the" beside "face recognition", "police" on the far side of a
NEAR) can be left out of the automaton ("deferred"): they would be found in every article, and are only
looked for, with ``str.find``, when a query that needs them is evaluated.

Where a term occurs is kept as character offsets; word positions (needed by NEAR and by the word-by-word
phrases only) are worked out on demand, by counting the spaces before each offset.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence

import ahocorasick

from monitor.query.ast import Word
from monitor.query.text import surface_forms

Span = tuple[int, int]  # first and last word index of a term occurrence
MAX_PATTERNS_PER_TERM = 256


class Scanner:
    """The terms ``terms[i]`` (each a sequence of words), compiled into one automaton; term ids are indexes.

    ``deferred``: ids of single-word terms to look for only when asked (``Found.count``, ``Found.spans``).
    """

    def __init__(self, terms: Sequence[Sequence[Word]], deferred: Collection[int] = ()) -> None:
        self.term_count = len(terms)
        deferred = frozenset(deferred)
        # deferred term id -> (" " + what all its forms start with, its forms; None for a wildcard)
        self._deferred: dict[int, tuple[str, frozenset[str] | None]] = {}
        # units are what the automaton finds: the terms spelt as patterns, then the single words of
        # the phrases checked word by word (ids from term_count on)
        self._unit_length = [len(term) for term in terms]  # words in each unit
        self._pieced: dict[int, tuple[int, ...]] = {}  # phrase checked word by word -> the units of its words
        by_pattern: dict[str, list[int]] = {}
        extra: dict[Word, int] = {}
        for term_id, term in enumerate(terms):
            if term_id in deferred and len(term) == 1:
                word = term[0]
                forms = None if word.prefix else frozenset(surface_forms(word.text))
                self._deferred[term_id] = (" " + (word.text if forms is None else _common_start(forms)), forms)
                continue
            patterns = _patterns(term)
            if patterns is None:
                self._pieced[term_id] = tuple(self._word_unit(word, extra, by_pattern, len(terms)) for word in term)
                continue
            for pattern in patterns:
                by_pattern.setdefault(pattern, []).append(term_id)
        self.deferred = frozenset(self._deferred)
        # pattern value: (units it stands for, pattern length)
        self._automaton: ahocorasick.Automaton | None = None
        if by_pattern:
            automaton = ahocorasick.Automaton()
            for pattern, units in by_pattern.items():
                automaton.add_word(pattern, (tuple(units), len(pattern)))
            automaton.make_automaton()
            self._automaton = automaton

    def _word_unit(self, word: Word, extra: dict[Word, int], by_pattern: dict[str, list[int]], offset: int) -> int:
        unit = extra.get(word)
        if unit is None:
            unit = extra[word] = offset + len(extra)
            self._unit_length.append(1)
            for pattern in _patterns((word,)) or ():
                by_pattern.setdefault(pattern, []).append(unit)
        return unit

    def scan(self, spaced: str, *, everything: bool = False) -> Found:
        """Where the terms occur in ``spaced`` (a text as ``spaced_words`` gives it); the deferred terms
        too with ``everything``."""
        starts: dict[int, list[int]] = {}
        if self._automaton is not None:
            for end, (units, length) in self._automaton.iter(spaced):
                start = end - length + 1
                for unit in units:
                    found = starts.get(unit)
                    if found is None:
                        starts[unit] = [start]
                    else:
                        found.append(start)
        if everything:
            for term_id in self._deferred:
                offsets = self.find(term_id, spaced)
                if offsets:
                    starts[term_id] = offsets
        return Found(self, spaced, starts)

    def find(self, term_id: int, spaced: str) -> list[int]:
        """The offsets of deferred term ``term_id`` in ``spaced``, in text order: one ``str.find`` loop
        over the start that its forms share, each word found there checked against the forms."""
        head, forms = self._deferred[term_id]
        find = spaced.find
        offsets: list[int] = []
        start = find(head)
        while start >= 0:
            if forms is None or spaced[start + 1 : find(" ", start + 1)] in forms:
                offsets.append(start)
            start = find(head, start + len(head))  # the next word starts after this one's last space
        return offsets


class Found:
    """The terms a scan found in one text: how often each occurs and, on demand, at which words."""

    def __init__(self, scanner: Scanner, spaced: str, starts: dict[int, list[int]]) -> None:
        self._scanner = scanner
        self._spaced = spaced
        self._starts = starts  # unit -> character offsets of the space before each occurrence
        self._spans: dict[int, list[Span]] = {}
        # occurrences of the terms found (deferred ones once looked for): ``count`` is the full answer
        self.counts: dict[int, int] = {unit: len(offsets) for unit, offsets in starts.items()}
        pieced = scanner._pieced
        if pieced:
            for term_id, units in pieced.items():
                if all(unit in starts for unit in units):
                    spans = self.spans(term_id)
                    if spans:
                        self.counts[term_id] = len(spans)

    def count(self, term_id: int) -> int:
        """How many times term ``term_id`` occurs (0 when it does not)."""
        count = self.counts.get(term_id)
        if count is None:
            if term_id not in self._scanner.deferred:
                return 0
            offsets = self._starts[term_id] = self._scanner.find(term_id, self._spaced)
            count = self.counts[term_id] = len(offsets)
        return count

    def terms(self) -> list[int]:
        """The ids of the terms found to occur (deferred ones only if looked for)."""
        return [unit for unit, count in self.counts.items() if count and unit < self._scanner.term_count]

    def spans(self, term_id: int) -> list[Span]:
        """The first and last word index of each occurrence of term ``term_id``, in text order (cached)."""
        spans = self._spans.get(term_id)
        if spans is None:
            pieced = self._scanner._pieced.get(term_id)
            spans = self._pieced_spans(pieced) if pieced is not None else self._unit_spans(term_id)
            self._spans[term_id] = spans
        return spans

    def _unit_spans(self, unit: int) -> list[Span]:
        if not self.count(unit):
            return []
        offsets = self._starts.get(unit)
        if not offsets:
            return []
        offsets.sort()
        last = self._scanner._unit_length[unit] - 1
        count = self._spaced.count
        spans: list[Span] = []
        index, previous = 0, 0
        for offset in offsets:  # the word after the k-th space is word k: count the spaces in between
            index += count(" ", previous, offset)
            previous = offset
            spans.append((index, index + last))
        return spans

    def _pieced_spans(self, units: tuple[int, ...]) -> list[Span]:
        if not all(unit in self._starts for unit in units):
            return []
        first = [start for start, _ in self.spans(units[0])]
        following = [{start for start, _ in self.spans(unit)} for unit in units[1:]]
        return [
            (p, p + len(units) - 1)
            for p in first
            if all(p + k in positions for k, positions in enumerate(following, start=1))
        ]


def _common_start(forms: frozenset[str]) -> str:
    first, last = min(forms), max(forms)  # the others sort between them, so share what these two share
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    return first[:length]


def _patterns(term: Sequence[Word]) -> list[str] | None:
    """The patterns that spell ``term`` on spaced words, or None when it must be checked word by word."""
    if any(word.prefix for word in term[:-1]):
        return None
    choices = [[word.text] if word.prefix else sorted(surface_forms(word.text)) for word in term]
    total = 1
    for forms in choices:
        total *= len(forms)
    if total > MAX_PATTERNS_PER_TERM:
        return None
    tail = "" if term[-1].prefix else " "
    return [f" {' '.join(combination)}{tail}" for combination in itertools.product(*choices)]
