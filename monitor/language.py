"""Language identification with langdetect: seeded (deterministic) and on a bounded slice of text."""

from __future__ import annotations

from functools import lru_cache

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

UNDETERMINED = "und"
MIN_LETTERS = 40
SLICE_CHARS = 2_000
SEED = 0
TRIALS = 3  # langdetect's random trials averaged (its default is 7): a 3rd of the time, same answers on news text


@lru_cache(maxsize=1)
def _factory() -> DetectorFactory:
    """Our own factory, loaded once per process and never mutated after (langdetect's is a global)."""
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = SEED
    return factory


def detect_language(text: str, declared: str | None = None) -> str:
    """ISO 639-1 code of ``text``; the page's declared language breaks near ties; ``und`` if too short.

    Only the first ``SLICE_CHARS`` characters are read: langdetect is slow on long texts.
    """
    sample = text[:SLICE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return declared or UNDETERMINED
    try:
        detector = _factory().create()
        detector.n_trial = TRIALS
        detector.append(sample)
        ranked = detector.get_probabilities()
    except LangDetectException:
        return declared or UNDETERMINED
    if not ranked:
        return declared or UNDETERMINED
    best = ranked[0]
    if declared and best.lang != declared:
        for candidate in ranked[1:]:
            if candidate.lang == declared and best.prob - candidate.prob < 0.2:
                return declared
    return str(best.lang)
