"""Text as the query language sees it: folded words (case, accents and French elision ignored).

``spaced_words`` is the fast path used when matching: the folded words of a text as one string, each
word between single spaces (" la reconnaissance faciale "), which a multi-pattern scanner reads in one
pass; ``words`` splits it. ``words_with_offsets`` gives the same words with their character offsets in
the original text, for highlighting. All three fold the same way; ``_WORDS`` is the rule, the byte
paths are faster spellings of it for text that is (or, letters aside, can be made) one byte a character.
"""

from __future__ import annotations

import re
import unicodedata

# characters folded by replacement (before lower-casing): apostrophes, ligatures, typographic spaces and quotes
_REPLACEMENTS = (
    ("’", "'"), ("‘", "'"), ("ʼ", "'"), ("œ", "oe"), ("Œ", "oe"), ("æ", "ae"), ("Æ", "ae"),
    ("\xa0", " "), ("\u202f", " "), ("\u2009", " "), ("«", " "), ("»", " "), ("“", " "), ("”", " "),
    ("„", " "), ("–", " "), ("—", " "), ("…", " "), ("•", " "), ("·", " "), ("_", " "),
)  # fmt: skip
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_ELIDED = r"(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)'"
# an elided French article or conjunction (l', d', qu'...) before a word is skipped; group 1 is a word
_WORDS = re.compile(rf"(?<![^\W_]){_ELIDED}(?=[^\W_])|([^\W_]+)")
# The same rule on bytes, the fast path. Word bytes: a-z, 0-9, and 0x80-0x9f, which stand for the
# other letters of a text (ß, ø, 中...) while it is handled as bytes (see ``_as_bytes``).
_PLACEHOLDERS = 32
_WORD_BYTE_SET = frozenset([*range(48, 58), *range(97, 123), *range(0x80, 0x80 + _PLACEHOLDERS)])
_WORD_BYTES = bytes(c if c in _WORD_BYTE_SET else 32 for c in range(256))
# an elided word, reversed: "'" after a word byte, then "l", "d"... "qu" (uq), "jusqu" (uqsuj)... not
# followed by a word byte: "l'arret" is "tterra'l" reversed
_ELISION_REVERSED = re.compile(
    rb"'(?<=[a-z0-9\x80-\x9f]')(?:l|d|j|m|n|s|t|c|uq|uqsuj|uqsrol|uqsiup)(?![a-z0-9\x80-\x9f])"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# a character beyond ASCII and the Latin letters that fold to ASCII letters and accents (é, ç, ő...)
_FOLDING_TO_ASCII = "".join(
    re.escape(char)
    for char in map(chr, range(0xC0, 0x250))
    if _COMBINING.sub("", unicodedata.normalize("NFKD", char)).isascii()
)
_BEYOND_ACCENTS = re.compile(f"[^\\x00-\\x7f{_FOLDING_TO_ASCII}]")
_SPACES = re.compile(b"  +")


def fold(text: str) -> str:
    """Lower case, accents removed, typographic apostrophes plain, ligatures spelt out, fancy quotes spaces."""
    text = _lowered(text)
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def _lowered(text: str) -> str:
    for old, new in _REPLACEMENTS:
        if old in text:
            text = text.replace(old, new)
    return text.lower()


def words(text: str) -> list[str]:
    """The folded words of ``text``, elided articles dropped: "L'Identification" -> ["identification"]."""
    return spaced_words(text).split()


def spaced_words(text: str) -> str:
    """``words(text)`` joined by single spaces, with a space before the first and after the last word.

    A text without words gives " ". The word at index k starts after the k-th space (counting from 0).
    """
    # ASCII text folds by lower-casing alone: ``fold`` only replaces other characters, and "_", which
    # is a space to the word rule anyway
    lowered = text.lower() if text.isascii() else _lowered(text)
    if lowered.isascii():
        return _spaced(lowered.encode("ascii")).decode("ascii")
    if not _BEYOND_ACCENTS.search(lowered):  # what ``fold`` does, but dropping the accents as bytes
        return _spaced(unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore")).decode("ascii")
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", lowered))
    if folded.isascii():
        return _spaced(folded.encode("ascii")).decode("ascii")
    converted = _as_bytes(folded)
    if converted is None:  # more distinct letters beyond ASCII than placeholders (a text in Chinese...)
        found = [w for w in _WORDS.findall(folded) if w]
        return f" {' '.join(found)} " if found else " "
    data, letters = converted
    spaced = _spaced(data).decode("latin-1")
    for index, letter in enumerate(letters):
        spaced = spaced.replace(chr(0x80 + index), letter)
    return spaced


def _as_bytes(folded: str) -> tuple[bytes, list[str]] | None:
    """``folded`` as Latin-1 bytes: other characters that are not letters or digits turned to spaces, and
    each distinct letter or digit beyond ASCII to a placeholder byte 0x80 + its index in the list returned.
    None when there are more such letters than placeholders."""
    others = set(_NON_ASCII.findall(folded))
    letters = [char for char in others if char.isalnum()]  # what [^\W_] means for str patterns
    if len(letters) > _PLACEHOLDERS:
        return None
    for char in others:
        if not char.isalnum():
            folded = folded.replace(char, " ")
    for index, letter in enumerate(letters):  # placeholders are control characters, so no longer in the text
        folded = folded.replace(letter, chr(0x80 + index))
    return folded.encode("latin-1"), letters


def _spaced(data: bytes) -> bytes:
    """Word bytes kept, elisions and every other byte a single space, one space at both ends."""
    if b"'" in data:
        data = _blank_elisions(data)
    return _SPACES.sub(b" ", b" " + data.translate(_WORD_BYTES) + b" ")


def _blank_elisions(data: bytes) -> bytes:
    """``l'``, ``qu'``... before a word blanked (the fast path of ``_WORDS``). The rule is run on the
    reversed bytes, where it starts with the apostrophe, which the regex engine finds fast."""
    return _ELISION_REVERSED.sub(b" ", data[::-1])[::-1]


def words_with_offsets(text: str) -> list[tuple[str, int, int]]:
    """``words(text)`` with each word's [start, end) offsets in ``text``."""
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = fold(char)
        pieces.append(folded)
        origin.extend([index] * len(folded))
    folded_text = "".join(pieces)
    origin.append(len(text))
    found: list[tuple[str, int, int]] = []
    for match in _WORDS.finditer(folded_text):
        if match.group(1):
            start, end = match.span(1)
            found.append((match.group(1), origin[start], origin[end - 1] + 1))
    return found


def surface_forms(word: str) -> set[str]:
    """The forms of a query word that match it: itself and its simple French and English plurals/singulars."""
    forms = {word}
    if len(word) < 3:
        return forms
    forms.update((word + "s", word + "x", word + "es"))
    if word.endswith("al"):
        forms.add(word[:-2] + "aux")  # facial -> faciaux
    if word.endswith("aux") and len(word) > 4:
        forms.add(word[:-3] + "al")
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "o", "u"):
        forms.add(word[:-1] + "ies")  # technology -> technologies
    if word.endswith("ies") and len(word) > 4:
        forms.add(word[:-3] + "y")
    if word.endswith(("s", "x")) and len(word) > 3:
        forms.add(word[:-1])  # a query written in the plural matches the singular too
    if word.endswith("es") and len(word) > 4:
        forms.add(word[:-2])
    return forms
