"""Text folding: the fast paths give exactly what the plain definition gives."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.textnorm import fold, words


def reference_fold(text: str) -> str:
    """The definition: typography made plain, lower case, NFKD, every combining mark dropped."""
    text = text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-").replace("œ", "oe")
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def test_fold_examples() -> None:
    assert fold("L’Œuvre – Élysée") == "l'œuvre - elysee"  # "Œ" lower-cases after the typography step
    assert fold("reconnaissance faciale à Nice") == "reconnaissance faciale a nice"
    assert fold("Ça\u00a0coûte 5\u202f€") == "ca coute 5 €"
    assert fold("a\u034fb") == "a\u034fb"  # the grapheme joiner is no accent
    assert fold("Ωά ἀ") == "ωα α"


def test_fold_agrees_with_the_definition_on_every_assigned_plane() -> None:
    for code in [*range(0x40000), *range(0xE0000, 0xE1000)]:  # planes 0-3 and the special-purpose plane
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        assert fold(char) == reference_fold(char), hex(code)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZé\u0301\u034fŒœ’–—«»…\u00a0ﬁ€ßİΩά日\u05b0\u0951 ") | st.characters()))
def test_fold_agrees_with_the_definition_on_mixed_text(text: str) -> None:
    assert fold(text) == reference_fold(text)


def test_words_folds_and_removes_elision() -> None:
    assert words("L’identification d’Amazon, aujourd’hui") == ["identification", "amazon", "aujourd'hui"]
