"""Parsing of publication dates from structured data, meta tags and French/English text (pure)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

FRENCH_MONTHS = {
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
}
ENGLISH_MONTHS = {
    name: index
    for index, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_FR_TEXT = re.compile(
    r"\b(\d{1,2})(?:er)?\s+(" + "|".join(FRENCH_MONTHS) + r")\s+(\d{4})"
    r"(?:\s*(?:à|a|,)?\s*(\d{1,2})\s*[h:]\s*(\d{2}))?",
    re.IGNORECASE,
)
_EN_TEXT = re.compile(
    r"\b(" + "|".join(ENGLISH_MONTHS) + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})"
    r"(?:\D{0,6}?(\d{1,2}):(\d{2})\s*([ap]\.?m\.?)?)?",
    re.IGNORECASE,
)


def parse_iso(value: str | None) -> datetime | None:
    """An ISO 8601 date or date-time (``Z`` accepted); None when it does not parse or is implausible."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}", text):
        text = text[:-2] + ":" + text[-2:]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(text[:10])
        except ValueError:
            return None
    return parsed if plausible(parsed) else None


def parse_text_date(text: str) -> datetime | None:
    """The first date written in French or English words: "10 juin 2020 à 18h05", "June 10, 2020"."""
    found = _FR_TEXT.search(text)
    if found:
        day, month, year = int(found.group(1)), FRENCH_MONTHS[found.group(2).lower()], int(found.group(3))
        hour, minute = int(found.group(4) or 0), int(found.group(5) or 0)
        return _build(year, month, day, hour, minute)
    found = _EN_TEXT.search(text)
    if found:
        month, day, year = ENGLISH_MONTHS[found.group(1).lower()], int(found.group(2)), int(found.group(3))
        hour, minute = int(found.group(4) or 0), int(found.group(5) or 0)
        meridiem = (found.group(6) or "").replace(".", "").lower()
        if meridiem == "pm" and hour < 12:
            hour += 12
        elif meridiem == "am" and hour == 12:
            hour = 0
        return _build(year, month, day, hour, minute)
    return None


def _build(year: int, month: int, day: int, hour: int, minute: int) -> datetime | None:
    try:
        value = datetime(year, month, day, min(hour, 23), min(minute, 59))
    except ValueError:
        return None
    return value if plausible(value) else None


def plausible(value: datetime) -> bool:
    """Between 1990 and two days after now: anything else is a parsing accident."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(1990, 1, 1, tzinfo=UTC) <= aware <= datetime.now(UTC) + timedelta(days=2)


def as_aware(value: datetime) -> datetime:
    """A naive date-time (the page gave no offset) is read as UTC, so that all comparisons work."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
