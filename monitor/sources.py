"""Sources as data: the outlets to crawl, read from a TOML file (``[[source]]`` tables)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


def _strings(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SourcesError(f"{where}: '{key}' must be a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def parse_sources(data: dict[str, Any], origin: str = "<sources>") -> list[Source]:
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise SourcesError(f"{origin}: expected [[source]] tables")
    sources: list[Source] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        where = f"{origin}: source #{index}"
        name = entry.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", name):
            raise SourcesError(f"{where}: 'name' must be a short identifier (letters, digits, - _ .)")
        if name in seen:
            raise SourcesError(f"{where}: duplicate name '{name}'")
        seen.add(name)
        every = str(entry.get("every", DEFAULT_EVERY))
        if parse_every(every) is None and len(every.split()) != 5:
            raise SourcesError(f"{where} ({name}): 'every' must be like 30s, 15m, 2h, 1d or a cron expression")
        source = Source(
            name=name,
            title=str(entry.get("title") or name),
            language=entry.get("language"),
            homepage=entry.get("homepage"),
            feeds=_strings(entry, "feeds", where),
            sitemaps=_strings(entry, "sitemaps", where),
            sections=_strings(entry, "sections", where),
            domains=_strings(entry, "domains", where),
            every=every,
        )
        for url in (*source.feeds, *source.sitemaps, *source.sections):
            if urlsplit(url).scheme not in ("http", "https"):
                raise SourcesError(f"{where} ({name}): not an http(s) URL: {url}")
        if not (source.feeds or source.sitemaps or source.sections):
            raise SourcesError(f"{where} ({name}): give at least one of feeds, sitemaps, sections")
        sources.append(source)
    return sources


def load_sources(path: str | Path | None = None) -> list[Source]:
    """The sources of ``path``, or the shipped list of French and English outlets."""
    if path is None:
        text = resources.files("monitor.data").joinpath("sources.toml").read_text("utf-8")
        return parse_sources(tomllib.loads(text), "default sources")
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise SourcesError(f"{file}: no such file") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{file}: not valid TOML: {exc}") from exc
    return parse_sources(data, str(file))


def select_sources(sources: list[Source], names: list[str] | tuple[str, ...]) -> list[Source]:
    if not names:
        return sources
    known = {s.name: s for s in sources}
    missing = [n for n in names if n not in known]
    if missing:
        raise SourcesError(f"unknown source(s): {', '.join(missing)}; known: {', '.join(sorted(known))}")
    return [known[n] for n in names]
