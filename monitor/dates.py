"""Parsing of publication dates from structured data, meta tags and French/English text (pure)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    # abbreviated, as printed with a full stop ("10 janv. 2024") or in feeds ("mer., 10 juil. 2024")
    **{"janv": 1, "févr": 2, "fevr": 2, "avr": 4, "juil": 7, "sept": 9, "oct": 10, "nov": 11, "déc": 12, "dec": 12},
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
    r"\b(\d{1,2})(?:er)?\s+(" + "|".join(FRENCH_MONTHS) + r")\.?\s+(\d{4})"
    r"(?:\s*(?:à|a|,|-|–|—|\|)?\s*(\d{1,2})\s*[h:]\s*(\d{2}))?",
    re.IGNORECASE,
)
# A time-zone abbreviation printed after the time ("2:15 pm CET", "6:05pm (BST)"): a fixed offset, or for
# the North American "ET"/"PT" forms the zone (its offset depends on the date). Ambiguous ones (IST) are not read.
FIXED_ZONES = {
    "UTC": 0, "GMT": 0, "WET": 0, "BST": 1, "WEST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AEST": 10, "AEDT": 11, "JST": 9, "HKT": 8, "SGT": 8,
}  # fmt: skip
NAMED_ZONES = {"ET": "America/New_York", "CT": "America/Chicago", "MT": "America/Denver", "PT": "America/Los_Angeles"}
_ZONE = r"(?:\s*\(?\b(" + "|".join([*FIXED_ZONES, *NAMED_ZONES]) + r")\b\)?)?"
_EN_TEXT = re.compile(
    r"\b(" + "|".join(ENGLISH_MONTHS) + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})"
    r"(?:\D{0,6}?(\d{1,2}):(\d{2})\s*([ap]\.?m\.?)?" + _ZONE + r")?",
    re.IGNORECASE,
)
# the time before the date: "Updated 10:12 AM EDT, Wed June 10, 2020" (CNN), "6:05pm, 10 June 2020"
_EN_TIME_FIRST = re.compile(
    r"(?<![\d:])(\d{1,2}):(\d{2})\s*([ap]\.?m\.?)?"
    + _ZONE
    + r",?\s+(?:(?:on\s+)?(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?,?\s+)?"
    r"(?:("
    + "|".join(ENGLISH_MONTHS)
    + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?|(\d{1,2})(?:st|nd|rd|th)?\s+("
    + "|".join(ENGLISH_MONTHS)
    + r")\.?),?\s+(\d{4})\b",
    re.IGNORECASE,
)
# "10 June 2020", "10th June, 2020 at 6:05pm" (British order)
_EN_DAY_FIRST = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(ENGLISH_MONTHS) + r")\.?,?\s+(\d{4})"
    r"(?:\D{0,6}?(\d{1,2})[:.](\d{2})\s*([ap]\.?m\.?)?" + _ZONE + r")?",
    re.IGNORECASE,
)
# "Publié le 10/06/2020 à 18h05", "Published 10.06.2020", "Publié le 10/06/20 à 18h05": numbers only after
# such a label (day first; a two-digit year is this century's)
_LABELLED_NUMERIC = re.compile(
    r"(?:publié|mis en ligne|mis à jour|modifié|actualisé|published|posted|updated|issued|modified|le)"
    r"\s*(?:le|on|:)?\s*:?\s*"
    r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})\b(?:\s*(?:à|a|at|,|-)?\s*(\d{1,2})\s*[h:]\s*(\d{2}))?",
    re.IGNORECASE,
)
# an update printed with its time alone, on the day of publication: "mis à jour à 19h30", "updated at 7:30"
_TIME_ONLY = re.compile(r"\s*(?:le\s+même\s+jour\s+)?(?:à|a|at)\s+(\d{1,2})\s*[h:]\s*(\d{2})\b", re.IGNORECASE)
# the zone after a feed's time: an abbreviation ("CEST") or a numeric offset ("+0200", "+02:00")
_TRAILING_ZONE = re.compile(r"\s(?:\(?(" + "|".join(FIXED_ZONES) + r")\)?|([+-])(\d{2}):?(\d{2}))$")
_FEEDPARSER_ZONES = {"UTC", "GMT", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"}  # it reads these right
_PUBLISHED_LABEL = re.compile(
    r"publié|mis en ligne|published|posted|first published|date de publication|issued on", re.I
)
_UPDATED_LABEL = re.compile(r"mis à jour|modifié|actualisé|updated|last modified|dernière mise à jour|modified", re.I)


_ZONE_SUFFIX = re.compile(r"\[[^\]]{1,64}\]$")


# a date-time written loosely: an hour without its zero ("T9:15"), a zone abbreviation ("09:15:00CET", " CEST")
_LOOSE_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}):(\d{2})(:\d{2}(?:\.\d+)?)?\s*(?:("
    + "|".join(FIXED_ZONES)
    + r")|([+-]\d{2}:\d{2}))?$"
)


def _tidy_time(found: re.Match[str]) -> str:
    day, hour, minute, seconds, zone, offset = found.groups()
    offset = offset or ""
    if zone:
        hours = FIXED_ZONES[zone]
        offset = f"{'+' if hours >= 0 else '-'}{abs(hours):02d}:00"
    return f"{day}T{int(hour):02d}:{minute}{seconds or ''}{offset}"


def parse_iso(value: str | None) -> datetime | None:
    """An ISO 8601 date or date-time (``Z`` accepted), else an RFC 822 date or Unix time (``_other_machine_date``);
    None when it does not parse or is implausible."""
    if not value or not isinstance(value, str):
        return None
    text = _ZONE_SUFFIX.sub("", value.strip()).replace("Z", "+00:00")  # "…-04:00[America/New_York]" (RFC 9557)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}", text):
        text = text[:-2] + ":" + text[-2:]
    text = _LOOSE_TIME.sub(_tidy_time, text)
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(text[:10])
        except ValueError:
            parsed = _other_machine_date(value.strip())
    return parsed if parsed is not None and plausible(parsed) else None


def _other_machine_date(text: str) -> datetime | None:
    """The other forms found in date meta and JSON-LD: RFC 822 ("Wed, 10 Jun 2020 18:05:00 +0200", as in
    feeds) and Unix time in seconds or milliseconds."""
    if re.fullmatch(r"\d{10}(?:\d{3})?", text):
        return datetime.fromtimestamp(int(text[:10]), UTC)
    if re.match(r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\b", text):
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return None


def parse_feed_date(value: str | None) -> datetime | None:
    """A feed's date as written, for what feedparser reads wrong or not at all: a European zone
    abbreviation (``Wed, 10 Jun 2020 18:05:00 CEST``, which feedparser reads as UTC) and month and day
    names in French (``mer., 10 juin 2020 18:05:00 +0200``) or in full (``Wednesday, June 10, 2020``).
    A numeric offset or a known abbreviation after the time is kept; None when nothing parses."""
    if not value or not isinstance(value, str):
        return None
    text = " ".join(value.split())
    zone = _TRAILING_ZONE.search(text)
    if zone is not None:
        text = text[: zone.start()].rstrip()
    parsed = parse_iso(text) or parse_text_date(text)
    if parsed is None or parsed.tzinfo is not None or zone is None:
        return parsed
    if zone.group(2):
        sign = -1 if zone.group(2) == "-" else 1
        offset = timedelta(hours=int(zone.group(3)), minutes=int(zone.group(4)))
        return parsed.replace(tzinfo=timezone(sign * offset))
    named = _zone(zone.group(1))
    return parsed.replace(tzinfo=named) if named else parsed


# a numeric offset after a time: "18:05:00 +0200", "18:05:00.000-05:00", not the year of "10-06-2020"
_WRITTEN_OFFSET = re.compile(r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*([+-])(\d{2}):?(\d{2})$")


def on_written_clock(when: datetime, written: str | None) -> datetime:
    """``when`` (aware) on the clock of the numeric offset ``written`` ends with ("… 18:05:00 +0200",
    "2020-06-10T18:05:00+02:00"): feedparser gives the instant in UTC, the offset is the publisher's."""
    found = _WRITTEN_OFFSET.search(written.strip()) if isinstance(written, str) else None
    if found is None:
        return when
    minutes = int(found.group(2)) * 60 + int(found.group(3))
    if minutes > 14 * 60 or int(found.group(3)) >= 60:  # no zone is further from UTC
        return when
    return when.astimezone(timezone(timedelta(minutes=-minutes if found.group(1) == "-" else minutes)))


# a zone written with a date: an offset after the time ("18:05:00+02:00", "18:05:00 -0500", "18:05:00Z"), or a
# zone's name or abbreviation ("GMT", "UT", "CEST", "ET")
_WRITTEN_ZONE = re.compile(
    r"\d:\d{2}(?::\d{2})?(?:[.,]\d+)?\s*(?:Z\b|[+-]\d{2}(?::?\d{2})?\b)|\b(?:"
    + "|".join(["UT", "Z", *FIXED_ZONES, *NAMED_ZONES])
    + r")\b"
)


def writes_zone(value: str) -> bool:
    """Whether a date as written names its zone or offset; without one it is on the writer's clock."""
    return _WRITTEN_ZONE.search(value) is not None


def feedparser_misreads(value: str | None) -> bool:
    """Whether feedparser reads this date with a wrong offset: it takes the zone abbreviations it does not
    know (CET, CEST, BST, AEST…) for UTC."""
    if not value or not isinstance(value, str):
        return False
    zone = _TRAILING_ZONE.search(value.strip())
    return zone is not None and zone.group(1) is not None and zone.group(1) not in _FEEDPARSER_ZONES


def parse_text_date(text: str) -> datetime | None:
    """The first date written in French or English: "10 juin 2020 à 18h05", "June 10, 2020", "10 June 2020",
    or "le 10/06/2020 à 18h05" after a label ("Publié le", "Published", "Mis à jour le")."""
    found = [d for d in (_match_date(pattern, text) for pattern in _PATTERNS) if d is not None]
    return min(found, key=lambda item: item[0])[1] if found else None


def labelled_dates(text: str) -> tuple[datetime | None, datetime | None]:
    """``(published, updated)`` read after their labels: "Publié le 10 juin 2020 à 18h05, mis à jour le
    11 juin", "Published June 10, 2020 Updated June 11, 2020"."""
    published = updated = None
    for label in _PUBLISHED_LABEL.finditer(text):
        published = _numeric_after(text, label) or parse_text_date(text[label.end() : label.end() + 60])
        if published:
            break
    for label in _UPDATED_LABEL.finditer(text):
        after = text[label.end() : label.end() + 60]
        updated = _numeric_after(text, label) or parse_text_date(after)
        same_day = _TIME_ONLY.match(after) if updated is None and published is not None else None
        if same_day and published is not None:  # "Publié le 10 juin 2020 à 18h05, mis à jour à 19h30"
            hour, minute = int(same_day.group(1)), int(same_day.group(2))
            if hour < 24 and minute < 60 and (hour, minute) >= (published.hour, published.minute):
                updated = published.replace(hour=hour, minute=minute)
        if updated:
            break
    return published, updated


def _numeric_after(text: str, label: re.Match[str]) -> datetime | None:
    """A numeric date right after its label, without "le": "Actualisé 11/06/2020 09:12", "Issued on: 10/06/2020"."""
    found = _match_date(_LABELLED_NUMERIC, text[label.start() : label.end() + 40])
    return found[1] if found is not None and found[0] <= label.end() - label.start() + 4 else None


def _match_date(pattern: re.Pattern[str], text: str) -> tuple[int, datetime] | None:
    for found in pattern.finditer(text):
        groups = found.groups()
        if pattern is _EN_TIME_FIRST:
            hour, minute, meridiem_text, zone_text, month_first, day_after, day_first, month_after, year_text = groups
            month = ENGLISH_MONTHS[(month_first or month_after).lower()]
            day, year = int(day_after or day_first), int(year_text)
            groups = (str(day), str(month), year_text, hour, minute, meridiem_text, zone_text)
        elif pattern is _EN_TEXT:
            month, day, year = ENGLISH_MONTHS[groups[0].lower()], int(groups[1]), int(groups[2])
        elif pattern is _LABELLED_NUMERIC:  # "10/06/2020", "10.06.2020", "10-06-2020"; "10/06/20" (20 Minutes)
            day, month, year = int(groups[0]), int(groups[2]), int(groups[3])
            year += 2000 if year < 100 else 0
            groups = (str(day), str(month), str(year), groups[4], groups[5])  # the separator's group left out
        else:
            months = FRENCH_MONTHS if pattern is _FR_TEXT else ENGLISH_MONTHS
            day, month, year = int(groups[0]), months[groups[1].lower()], int(groups[2])
        hour, minute = int(groups[3] or 0), int(groups[4] or 0)
        meridiem = (groups[5] or "").replace(".", "").lower() if len(groups) > 5 else ""
        if meridiem == "pm" and hour < 12:
            hour += 12
        elif meridiem == "am" and hour == 12:
            hour = 0
        value = _build(year, month, day, hour, minute)
        if value is not None:
            zone = _zone(groups[6]) if len(groups) > 6 and groups[6] else None
            return found.start(), value.replace(tzinfo=zone) if zone else value
    return None


def _zone(abbreviation: str) -> tzinfo | None:
    """The zone a printed abbreviation names; case matters ("et" in a sentence is no zone)."""
    if abbreviation in FIXED_ZONES:
        return timezone(timedelta(hours=FIXED_ZONES[abbreviation]))
    if abbreviation in NAMED_ZONES:
        try:
            return ZoneInfo(NAMED_ZONES[abbreviation])
        except ZoneInfoNotFoundError:  # no time-zone database on this system
            return None
    return None


_PATTERNS = (_FR_TEXT, _EN_TIME_FIRST, _EN_TEXT, _EN_DAY_FIRST, _LABELLED_NUMERIC)


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


def offset_minutes(when: datetime | None) -> int | None:
    """The offset ``when`` carries, in minutes east of UTC; None for a naive or missing date-time."""
    offset = when.utcoffset() if when is not None else None
    return None if offset is None else round(offset.total_seconds() / 60)


def at_offset(when: datetime, minutes: int | None) -> datetime:
    """``when`` (aware, or naive UTC) on the clock of ``minutes`` east of UTC; unchanged when None."""
    return when if minutes is None else as_aware(when).astimezone(timezone(timedelta(minutes=minutes)))


def as_aware(value: datetime) -> datetime:
    """A naive date-time (the page gave no offset) is read as UTC, so that all comparisons work."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
