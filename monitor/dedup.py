"""Near-duplicate texts: syndicated wire copies found with MinHash LSH over word shingles (pure).

The index holds MinHash signatures of the open window only, so that finding the candidates of a new
text costs the same whatever the size of the archive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

from monitor.textnorm import words

SHINGLE = 5
NUM_PERM = 128
AGENCIES = {
    "AFP": r"\bAFP\b|Agence France[- ]Presse",
    "Reuters": r"\bReuters\b",
    "AP": r"\(AP\)|\bAP\b(?= —| -|\))|Associated Press",
    "ANSA": r"\bANSA\b",
    "dpa": r"\bdpa\b",
    "PA Media": r"\bPA Media\b",
    "Belga": r"\bBelga\b",
    "EFE": r"\bEFE\b",
}


@dataclass(frozen=True)
class CopyMatch:
    original_id: int
    similarity: float


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    tokens = words(text)
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def signature(text: str) -> MinHash:
    minhash = MinHash(num_perm=NUM_PERM, seed=1)
    minhash.update_batch([s.encode("utf-8") for s in shingles(text)])
    return minhash


def agency_credit(text: str) -> str | None:
    """The news agency credited in a text ("(AFP)", "Le Monde avec AFP", "(AP) —"), if any."""
    for name, pattern in AGENCIES.items():
        if re.search(pattern, text):
            return name
    return None


class CopyIndex:
    """MinHash LSH over the open window: ``find`` the earliest text a new one repeats, then ``add`` it."""

    def __init__(self, threshold: float = 0.6, min_words: int = 60) -> None:
        self.threshold = threshold
        self.min_words = min_words
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._signatures: dict[int, MinHash] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def find(self, text: str, exclude: set[int] | None = None) -> CopyMatch | None:
        """The best match over the threshold; ties go to the earliest (smallest id)."""
        if len(words(text)) < self.min_words or not self._signatures:
            return None
        minhash = signature(text)
        best: CopyMatch | None = None
        for key in sorted(self._lsh.query(minhash)):
            if exclude and key in exclude:
                continue
            similarity = minhash.jaccard(self._signatures[key])
            if similarity >= self.threshold and (best is None or similarity > best.similarity + 1e-9):
                best = CopyMatch(int(key), round(float(similarity), 4))
        return best

    def add(self, article_id: int, text: str) -> None:
        if article_id in self._signatures or len(words(text)) < self.min_words:
            return
        minhash = signature(text)
        self._lsh.insert(article_id, minhash)
        self._signatures[article_id] = minhash
