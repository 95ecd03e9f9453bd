"""Near-duplicate texts and agency credits (pure).

- ``CopyIndex``: wire copies found with MinHash LSH (``monitor.lsh``) over word 5-shingles. It holds the
  signatures of the open window only (``expire``), so that finding the candidates of a new text costs the
  same whatever the size of the archive.
- ``agency_credit``: the news agency a text credits ("PARIS (AFP) -", "Le Monde avec AFP", "(AP) —",
  "(Reuters)", "© AFP"), looked for where credits are written: the dateline, the last lines and the
  byline; "selon l'AFP" or "told Reuters" in the body is a quote, not a credit.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.textnorm import words

if TYPE_CHECKING:  # numpy is imported where a signature is made or indexed: a crawl that stores nothing (a poll
    # of unchanged feeds) does not need it
    from monitor.lsh import BandIndex
    from monitor.signatures import Values

SHINGLE = 5
HEAD_CHARS = 300
TAIL_CHARS = 300

# name -> how the agency is written (case-sensitive: "AP" is not "ap")
AGENCIES = {
    "AFP": r"AFP|Agence France[- ]Presse",
    "AP": r"AP|Associated Press",
    "Reuters": r"Reuters|REUTERS|Thomson Reuters",
    "ANSA": r"ANSA",
    "dpa": r"dpa|DPA",
    "PA Media": r"PA Media",
    "Belga": r"Belga|BELGA",
    "EFE": r"EFE",
    "Bloomberg": r"Bloomberg News",
    "La Presse Canadienne": r"La Presse [Cc]anadienne|The Canadian Press|Canadian Press",
    "ATS": r"ATS|Keystone-ATS",
}
# credit forms around an agency name ({a}); the dateline "(AFP)" counts anywhere
_ANYWHERE = [r"\(\s*(?:{a})\s*\)"]
_HEAD_OR_TAIL = [
    # a credit names the agency bare ("avec AFP", "Par AFP"); "contactée par l'AFP", "selon l'AFP" cite it
    r"(?i:\bsource\s*:)\s*(?:l['’])?(?:{a})\b",
    r"(?<!interview )(?<!interviewed )(?<!told )(?<!contacted )(?<!reached )"
    r"(?i:\bavec|\bwith|\bpar|\bby|\bfrom|©|\(c\))\s*(?:(?i:the)\s+(?=Associated Press))?(?:{a})\b",
    # "Associated Press writer Matt O'Brien contributed to this report"
    r"(?:{a})\s+(?i:writers?|reporters?|correspondents?)\b[^\n]{{0,80}}(?i:contributed)",
    r"(?:{a})\s+(?i:contributed to this (?:report|story|article))",  # "The Associated Press contributed to…"
    r"(?:^|\n)\W{{0,3}}(?:{a})\s*[-—–:|]",  # "AFP — …" opening a line
    r"[-—–|/]\s*(?:{a})\W{{0,3}}(?:$|\n)",  # "… — AFP" closing a line
    r"(?:^|\n)\s*(?:{a})\s*(?:$|\n)",  # "AFP" alone on a line
]


def _compile(forms: list[str]) -> dict[str, re.Pattern[str]]:
    return {
        name: re.compile("|".join(f"(?:{form.format(a=names)})" for form in forms)) for name, names in AGENCIES.items()
    }


def _either(patterns: dict[str, re.Pattern[str]]) -> re.Pattern[str]:
    """One pattern matching where any of ``patterns`` does: its leftmost match is theirs."""
    return re.compile("|".join(f"(?:{pattern.pattern})" for pattern in patterns.values()))


_ANYWHERE_PATTERNS = _compile(_ANYWHERE)
_EDGE_PATTERNS = _compile(_HEAD_OR_TAIL)
_ANYWHERE_EITHER = _either(_ANYWHERE_PATTERNS)
_EDGE_EITHER = _either(_EDGE_PATTERNS)
_NAMES = re.compile("|".join(f"(?:{names})" for names in AGENCIES.values()))  # in every form: a cheap first test
_BYLINE = {name: re.compile(rf"(?<![\w-])(?:{names})(?![\w-])") for name, names in AGENCIES.items()}
_REUTERS_TAIL = re.compile(r"\((?:Reporting|Additional reporting|Writing) by [^)]*(?:Editing by|editing by)")


_ANY_AGENCY = re.compile("|".join(pattern.pattern for pattern in _BYLINE.values()))


def agencies_named(text: str) -> list[str]:
    """The agencies ``text`` names as a whole word ("AFP" in "Jean Dupont (avec AFP)"), in ``AGENCIES`` order."""
    if _ANY_AGENCY.search(text) is None:  # one pass for the usual answer: none
        return []
    return [name for name, pattern in _BYLINE.items() if pattern.search(text)]


def agency_credit(text: str, byline: str | None = None) -> str | None:
    """The news agency credited by a text (and its byline: authors, site name), or None.

    >>> agency_credit("PARIS (AFP) - La CNIL a infligé une amende…")
    'AFP'
    >>> agency_credit("…selon l'AFP, qui cite un porte-parole.")
    """
    found: list[tuple[int, str]] = []
    head, tail = text[:HEAD_CHARS], text[-TAIL_CHARS:]
    tail_offset = max(len(text) - TAIL_CHARS, 0)
    # the first credit of any agency, one pass per region; the agencies whose form starts there
    for either, patterns, region, offset in (
        (_ANYWHERE_EITHER, _ANYWHERE_PATTERNS, text, 0),
        (_EDGE_EITHER, _EDGE_PATTERNS, head, 0),
        (_EDGE_EITHER, _EDGE_PATTERNS, tail, tail_offset),
    ):
        first = either.search(region) if _NAMES.search(region) else None
        if first is not None:
            start = first.start()
            found += [(offset + start, name) for name, pattern in patterns.items() if pattern.match(region, start)]
    if not found and _REUTERS_TAIL.search(tail):
        found.append((len(text), "Reuters"))
    if not found and byline:
        for name, pattern in _BYLINE.items():
            match = pattern.search(byline)
            if match:
                found.append((match.start(), name))
    return min(found)[1] if found else None


@dataclass(frozen=True)
class CopyMatch:
    original_id: int
    similarity: float


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    return shingles_of_words(words(text), size)


def shingles_of_words(tokens: list[str], size: int = SHINGLE) -> set[str]:
    """The word ``size``-shingles of a text whose ``words`` are ``tokens``."""
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def signature(text: str) -> Values:
    return signature_of_words(words(text))


def signature_of_words(tokens: list[str]) -> Values:
    """The MinHash signature of the shingles of a text whose ``words`` are ``tokens`` (to normalise a text once)."""
    from monitor.signatures import minhash_values  # numpy: not for a crawl that stores nothing

    return minhash_values(shingle_bytes(tokens))


def shingle_bytes(tokens: list[str]) -> list[bytes]:
    """The shingles of a text whose ``words`` are ``tokens``, as hashed for its signature."""
    return [s.encode("utf-8") for s in shingles_of_words(tokens)]


class CopyIndex:
    """MinHash LSH over the open window: ``find`` the text a new one repeats, then ``add`` it.

    Texts shorter than ``min_words`` are never copies (a headline and a snippet say too little).
    """

    def __init__(self, threshold: float = 0.6, min_words: int = 60) -> None:
        self.threshold = threshold
        self.min_words = min_words
        self._lsh: BandIndex | None = None  # made with the first signature
        self._signatures: dict[int, Values] = {}
        self._times: list[tuple[datetime, int]] = []  # a heap: the oldest first, for expiry

    def __len__(self) -> int:
        return len(self._signatures)

    def warm_up(self) -> None:
        """Make the LSH index now (importing numpy) rather than with the first signature."""
        self._index()

    def _index(self) -> BandIndex:
        if self._lsh is None:
            from monitor.lsh import BandIndex
            from monitor.signatures import NUM_PERM

            self._lsh = BandIndex(threshold=self.threshold, num_perm=NUM_PERM)
        return self._lsh

    def find(self, text: str, exclude: set[int] | None = None) -> CopyMatch | None:
        """The most similar indexed text over the threshold; ties go to the smallest id."""
        found = self.matches(text, exclude)
        return found[0] if found else None

    def matches(self, text: str, exclude: set[int] | None = None) -> list[CopyMatch]:
        """Every indexed text over the threshold, the most similar first (ties: the smallest id)."""
        if not self._signatures:
            return []
        tokens = words(text)
        return self.matches_signature(signature_of_words(tokens), len(tokens), exclude)

    def matches_signature(self, values: Values, word_count: int, exclude: set[int] | None = None) -> list[CopyMatch]:
        """``matches`` of the text of ``word_count`` words whose signature is ``values``."""
        if not self._signatures or word_count < self.min_words:
            return []
        from monitor.lsh import jaccard

        found = []
        for key in self._index().query(values):
            if exclude and key in exclude:
                continue
            similarity = round(jaccard(values, self._signatures[key]), 4)
            if similarity >= self.threshold:
                found.append(CopyMatch(int(key), similarity))
        return sorted(found, key=lambda m: (-m.similarity, m.original_id))

    def add(self, article_id: int, text: str, when: datetime | None = None) -> None:
        if article_id in self._signatures:
            return
        tokens = words(text)
        if len(tokens) >= self.min_words:
            self.add_signature(article_id, signature_of_words(tokens), len(tokens), when)

    def add_signature(self, article_id: int, values: Values, word_count: int, when: datetime | None = None) -> None:
        """``add`` the text of ``word_count`` words whose signature is ``values``."""
        if article_id in self._signatures or word_count < self.min_words:
            return
        self._index().insert(article_id, values)
        self._signatures[article_id] = values
        if when is not None:
            heapq.heappush(self._times, (when, article_id))

    def expire(self, before: datetime, keep: Callable[[datetime], bool] | None = None) -> int:
        """Forget the texts published before ``before``, but those whose time ``keep`` says to keep; returns
        how many were forgotten."""
        removed = 0
        kept: list[tuple[datetime, int]] = []
        while self._times and self._times[0][0] < before:
            when, article_id = heapq.heappop(self._times)
            if keep is not None and keep(when):
                kept.append((when, article_id))
            elif self._signatures.pop(article_id, None) is not None:
                self._index().remove(article_id)
                removed += 1
        for item in kept:
            heapq.heappush(self._times, item)
        return removed
