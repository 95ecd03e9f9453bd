"""The clock a source prints its times on, for the date-times its pages give without an offset (pure).

A page that says "Publié le 10 juin 2020 à 18h05", or JSON-LD ``"2020-06-10T18:05:00"``, gives the time on
the publisher's clock, not in UTC. A source's ``timezone`` (an IANA name in the sources file) says which
clock; without it, the time zone of its ``country`` when the country has one (FR: Europe/Paris, GB:
Europe/London); a country spanning several (US, CA, AU) gives none, and such times stay read as UTC.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# countries whose whole territory (mainland, for France and Spain) keeps one clock, among those whose media print in
# French or English; others must name their zone (``timezone = "America/Toronto"``)
COUNTRY_ZONES = MappingProxyType(
    {
        **{"FR": "Europe/Paris", "BE": "Europe/Brussels", "CH": "Europe/Zurich", "LU": "Europe/Luxembourg"},
        **{"MC": "Europe/Monaco", "GB": "Europe/London", "IE": "Europe/Dublin", "DE": "Europe/Berlin"},
        **{"NL": "Europe/Amsterdam", "IT": "Europe/Rome", "ES": "Europe/Madrid", "MT": "Europe/Malta"},
        **{"IN": "Asia/Kolkata", "QA": "Asia/Qatar", "SG": "Asia/Singapore", "HK": "Asia/Hong_Kong"},
        **{"JP": "Asia/Tokyo", "IL": "Asia/Jerusalem", "LB": "Asia/Beirut", "PK": "Asia/Karachi"},
        **{"PH": "Asia/Manila", "TW": "Asia/Taipei", "NZ": "Pacific/Auckland", "ZA": "Africa/Johannesburg"},
        **{"NG": "Africa/Lagos", "KE": "Africa/Nairobi", "GH": "Africa/Accra", "SN": "Africa/Dakar"},
        **{"CI": "Africa/Abidjan", "CM": "Africa/Douala", "MA": "Africa/Casablanca", "TN": "Africa/Tunis"},
        **{"DZ": "Africa/Algiers", "HT": "America/Port-au-Prince", "JM": "America/Jamaica"},
    }
)


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA time zone ``name`` ("Europe/Paris"), or None when there is no such zone."""
    if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def source_zone(timezone: str | None, country: str | None) -> tzinfo | None:
    """The clock of a source: its ``timezone``, else its country's only one, else None."""
    if timezone:
        return zone_named(timezone)
    name = COUNTRY_ZONES.get(country or "")
    return zone_named(name) if name else None


def on_clock(value: datetime | None, zone: tzinfo | None) -> datetime | None:
    """``value`` read on ``zone``'s clock when it carries no offset; an aware value, or no zone: unchanged.
    (A wall time the clock skips or repeats at a daylight-saving change is read with the earlier offset.)"""
    if value is None or zone is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=zone)


def clock_note(name: str, timezone: str | None, country: str | None) -> str | None:
    """What ``sources check`` and ``sources add`` say of a source without a clock (None when it has one):
    the times its pages print without an offset will be read as UTC."""
    if source_zone(timezone, country) is not None or timezone:
        return None  # a clock, or a bad timezone (a problem reported on its own)
    if country:  # US, CA, AU…
        why, fix = f"country {country} keeps several clocks", "set 'timezone', e.g. America/New_York"
    else:
        why, fix = "no country or timezone", "set 'country', e.g. FR, or 'timezone'"
    return f"note: source {name}: {why}; times its pages print without an offset will be read as UTC ({fix})"
