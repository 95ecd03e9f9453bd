"""Sources as data: the outlets to crawl, read from a TOML file (``[[source]]`` tables)."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta, tzinfo
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from monitor.clocks import source_zone, zone_named
from monitor.urls import host_of

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
DEFAULT_EVERY = "1h"


class SourcesError(ValueError):
    """The sources file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    language: str | None = None
    homepage: str | None = None
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    every: str = DEFAULT_EVERY
    country: str | None = None
    timezone: str | None = None  # IANA name of the clock its pages print times on (``monitor.clocks``)

    @property
    def zone(self) -> tzinfo | None:
        """The clock of the times its pages give without an offset: ``timezone``, else the country's."""
        return source_zone(self.timezone, self.country)

    @property
    def allowed_domains(self) -> list[str]:
        """The hosts a crawl of this source may visit: ``domains`` plus the hosts of its URLs."""
        hosts = list(self.domains)
        for url in (self.homepage, *self.feeds, *self.sitemaps, *self.sections):
            if url:
                hosts.append(host_of(url))
        return list(dict.fromkeys(h for h in hosts if h))


def parse_every(value: str) -> timedelta | None:
    """``30s``, ``15m``, ``2h``, ``1d``, ``1w`` as a timedelta; None for anything else (a cron expression)."""
    found = _DURATION.match(value)
    if not found:
        return None
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


KNOWN_KEYS = frozenset(
    {"name", "title", "language", "country", "timezone", "homepage", "feeds", "sitemaps", "sections", "domains"}
    | {"every"}
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$|^\d+\.\d+\.\d+\.\d+$")


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be crawled, or None."""
    if url != url.strip() or any(c.isspace() for c in url):
        return f"URL contains spaces: {url!r}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        return f"malformed URL {url!r}: {exc}"
    if parts.scheme not in ("http", "https"):
        return f"not an http(s) URL: {url!r}"
    host = (parts.hostname or "").rstrip(".")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_host = ""
    if not ascii_host or not _HOST.match(ascii_host):
        return f"URL without a valid host: {url!r}"
    return None


def _strings(entry: dict[str, Any], key: str, where: str, problems: list[str]) -> tuple[str, ...]:
    value = entry.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: '{key}' must be a list of strings")
        return ()
    return tuple(v.strip() for v in value if v.strip())


def _entry(entry: Any, where: str, problems: list[str]) -> Source | None:
    if not isinstance(entry, dict):
        problems.append(f"{where}: expected a [[source]] table")
        return None
    before = len(problems)
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        problems.append(f"{where}: 'name' must be a short identifier (letters, digits, - _ .)")
        name = str(name or "")  # its other problems are reported too
    else:
        where = f"{where} ({name})"
    unknown = sorted(set(entry) - KNOWN_KEYS)
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_KEYS))}")
    every = str(entry.get("every", DEFAULT_EVERY))
    if parse_every(every) is None and len(every.split()) != 5:
        problems.append(f"{where}: 'every' must be like 30s, 15m, 2h, 1d or a cron expression")
    language = entry.get("language")
    if language is not None and (not isinstance(language, str) or not re.fullmatch(r"[a-z]{2,3}", language)):
        problems.append(f"{where}: 'language' must be a two-letter code such as fr or en")
    country = entry.get("country")
    if country is not None and (not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country)):
        problems.append(f"{where}: 'country' must be a two-letter code such as FR or GB")
    timezone = entry.get("timezone")
    if timezone is not None and (not isinstance(timezone, str) or zone_named(timezone) is None):
        problems.append(f"{where}: 'timezone' must be an IANA time zone such as Europe/Paris, not {timezone!r}")
    homepage = entry.get("homepage")
    if homepage is not None and (not isinstance(homepage, str) or url_problem(homepage)):
        problems.append(f"{where}: 'homepage': {url_problem(str(homepage)) or 'must be a URL'}")
    source = Source(
        name=name,
        title=str(entry.get("title") or name),
        language=language if isinstance(language, str) else None,
        homepage=homepage if isinstance(homepage, str) else None,
        feeds=_strings(entry, "feeds", where, problems),
        sitemaps=_strings(entry, "sitemaps", where, problems),
        sections=_strings(entry, "sections", where, problems),
        domains=_strings(entry, "domains", where, problems),
        every=every,
        country=country if isinstance(country, str) else None,
        timezone=timezone if isinstance(timezone, str) else None,
    )
    for url in (*source.feeds, *source.sitemaps, *source.sections):
        problem = url_problem(url)
        if problem:
            problems.append(f"{where}: {problem}")
    for url, count in Counter((*source.feeds, *source.sitemaps, *source.sections)).items():
        if count > 1:
            problems.append(f"{where}: {url} listed {count} times")
    if not (source.feeds or source.sitemaps or source.sections):
        problems.append(f"{where}: give at least one of feeds, sitemaps, sections")
    return source if len(problems) == before else None


def check_sources(data: dict[str, Any], origin: str = "<sources>") -> tuple[list[Source], list[str]]:
    """The valid sources of a parsed sources file and every problem found (not only the first)."""
    entries = data.get("source", [])
    problems: list[str] = []
    if not isinstance(entries, list):
        return [], [f"{origin}: expected [[source]] tables"]
    if not entries:
        problems.append(f"{origin}: no [[source]] table")
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        where = f"{origin}: source #{index}"
        name = entry.get("name") if isinstance(entry, dict) else None
        duplicate = isinstance(name, str) and name in seen
        if isinstance(name, str) and duplicate:
            problems.append(f"{where}: duplicate name '{name}' (first at source #{seen[name]})")
        elif isinstance(name, str):
            seen[name] = index
        source = _entry(entry, where, problems)  # a duplicate's own problems are listed too
        if source is not None and not duplicate:
            sources.append(source)
    return sources, problems


def parse_sources(data: dict[str, Any], origin: str = "<sources>") -> list[Source]:
    sources, problems = check_sources(data, origin)
    if problems:
        raise SourcesError("\n".join(problems))
    return sources


def read_sources_file(path: str | Path) -> dict[str, Any]:
    """The parsed TOML of a sources file; ``SourcesError`` naming the file and the line otherwise."""
    file = Path(path)
    try:
        return tomllib.loads(file.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise SourcesError(f"{file}: no such file") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{file}: not valid TOML: {exc}") from exc


def load_sources(path: str | Path | None = None) -> list[Source]:
    """The sources of ``path``, or the shipped list of French and English outlets."""
    if path is None:
        text = resources.files("monitor.data").joinpath("sources.toml").read_text("utf-8")
        return parse_sources(tomllib.loads(text), "default sources")
    return parse_sources(read_sources_file(path), str(path))


def select_sources(sources: list[Source], names: list[str] | tuple[str, ...]) -> list[Source]:
    if not names:
        return sources
    known = {s.name: s for s in sources}
    missing = [n for n in names if n not in known]
    if missing:
        raise SourcesError(f"unknown source(s): {', '.join(missing)}; known: {', '.join(sorted(known))}")
    return [known[n] for n in names]
