"""Text as the query language sees it: folded words (case, accents and French elision ignored).

``words`` is the fast path used when matching; ``words_with_offsets`` gives the same words with their
character offsets in the original text, for highlighting. Both fold character by character the same way.
"""

from __future__ import annotations

import re
import unicodedata

_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"})
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# an elided French article or conjunction (l', d', qu'...) before a word is skipped; group 1 is a word
_WORDS = re.compile(r"(?<![^\W_])(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)'(?=[^\W_])|([^\W_]+)")


def fold(text: str) -> str:
    """Lower case, accents removed, typographic apostrophes plain, ligatures spelt out."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLATE).lower())
    return _COMBINING.sub("", decomposed)


def words(text: str) -> list[str]:
    """The folded words of ``text``, elided articles dropped: "L'Identification" -> ["identification"]."""
    return [w for w in _WORDS.findall(fold(text)) if w]


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
