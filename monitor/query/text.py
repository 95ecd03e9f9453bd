"""Text as the query language sees it: folded words (case, accents and French elision ignored).

``words`` is the fast path used when matching; ``words_with_offsets`` gives the same words with their
character offsets in the original text, for highlighting. Both fold character by character the same way.
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
# the same rule on ASCII bytes, the fast path: elisions blanked, then every non [a-z0-9] byte a space
_ASCII_ELIDED_END = re.compile(br"(?<![a-z0-9])(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)\Z")
_ASCII_ALNUM = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789")
_ASCII_WORD_BYTES = bytes(c if 97 <= c <= 122 or 48 <= c <= 57 else 32 for c in range(256))


def fold(text: str) -> str:
    """Lower case, accents removed, typographic apostrophes plain, ligatures spelt out, fancy quotes spaces."""
    for old, new in _REPLACEMENTS:
        if old in text:
            text = text.replace(old, new)
    text = text.lower()
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def words(text: str) -> list[str]:
    """The folded words of ``text``, elided articles dropped: "L'Identification" -> ["identification"]."""
    folded = fold(text)
    if folded.isascii():
        data = folded.encode("ascii")
        if b"'" in data:
            data = _blank_elisions(data)
        return data.translate(_ASCII_WORD_BYTES).decode("ascii").split()
    return [w for w in _WORDS.findall(folded) if w]


def _blank_elisions(data: bytes) -> bytes:
    """``l'``, ``qu'``... before a word blanked, looking only at the apostrophes (the fast path of ``_WORDS``)."""
    parts = data.split(b"'")
    for index in range(len(parts) - 1):
        part, following = parts[index], parts[index + 1]
        if following[:1] and following[0] in _ASCII_ALNUM:
            elided = _ASCII_ELIDED_END.search(part, max(0, len(part) - 6))
            if elided:
                parts[index] = part[: elided.start()]
    return b" ".join(parts)


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
