"""Text normalisation shared by topics, dedup and stories (pure)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
_SPACES = re.compile(r"\s+")


_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "–": "-", "—": "-", "œ": "oe"})
_LATIN_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]+")  # Latin accents after NFKD (U+034F is no mark)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def fold(text: str) -> str:
    """Lower case, accents removed, typographic apostrophes and dashes made plain.

    Every combining mark goes (``unicodedata.combining``); the common cases are fast: ASCII text is
    only lower-cased, and the Latin accents go in one regular-expression pass."""
    if text.isascii():
        return text.lower()
    text = text.translate(_TYPOGRAPHY).lower()
    if text.isascii():
        return text
    decomposed = _LATIN_MARKS.sub("", unicodedata.normalize("NFKD", text))
    if decomposed.isascii():
        return decomposed
    return _NON_ASCII.sub(_without_mark, decomposed)


def _without_mark(match: re.Match[str]) -> str:
    return "" if unicodedata.combining(match.group()) else match.group()


def strip_elision(text: str) -> str:
    """French elided articles removed: "l'identification" -> "identification"."""
    if "'" not in text and "’" not in text:
        return text
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
