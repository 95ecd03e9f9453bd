"""Text normalisation shared by topics, dedup and stories (pure)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case, accents removed, typographic apostrophes and dashes made plain."""
    text = text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-").replace("œ", "oe")
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def strip_elision(text: str) -> str:
    """French elided articles removed: "l'identification" -> "identification"."""
    return _ELISION.sub("", text)


def words(text: str) -> list[str]:
    """Folded words, French elision removed."""
    return _WORD.findall(strip_elision(fold(text)))


def normalise_for_hash(text: str) -> str:
    """The text reduced to its words, so that whitespace and punctuation changes hash the same."""
    return " ".join(words(text))


def content_hash(text: str) -> str:
    """SHA-256 of the normalised text: the same text under another layout hashes the same."""
    return hash_words(words(text))


def hash_words(tokens: list[str]) -> str:
    """``content_hash`` of the text whose ``words`` are ``tokens`` (to normalise a text once)."""
    return hashlib.sha256(" ".join(tokens).encode("utf-8")).hexdigest()


def squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
