"""Topic watchlists: which articles are about facial recognition (pure).

A watchlist is a named set of terms (words or phrases, matched on folded text, accents and case
ignored, French elision understood, a trailing ``*`` for any suffix) and of exclusions (phrases whose
matches do not count, such as "face-à-face"). ``Matcher`` compiles every watchlist into one regular
expression and reports, per watchlist, where it matched, on which terms, with a relevance score.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from monitor.textnorm import fold, strip_elision

DEFAULT_WATCHLIST = "facial-recognition"


@dataclass(frozen=True)
class Watchlist:
    name: str
    terms: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    title_weight: float = 3.0


@dataclass
class TopicMatch:
    topic: str
    location: str  # "title", "text" or "title+text"
    terms: list[str] = field(default_factory=list)
    score: float = 0.0


def _normal(text: str) -> str:
    return strip_elision(fold(text))


def _pattern(term: str) -> str:
    """A folded term as a regex: words joined by any run of spaces or hyphens, simple plurals."""
    term = _normal(term).strip()
    wildcard = term.endswith("*")
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", term.rstrip("*")) if p]
    body = r"(?:s|x|es)?[\s\-]+".join(parts)
    tail = r"\w*" if wildcard else r"(?:s|x|es)?"
    return rf"(?<!\w){body}{tail}(?!\w)"


class Matcher:
    """All watchlists compiled into one scan of the text."""

    def __init__(self, watchlists: Sequence[Watchlist]) -> None:
        self.watchlists = list(watchlists)
        self._groups: dict[str, tuple[str, str, bool]] = {}
        alternatives: list[tuple[bool, str]] = []
        index = 0
        # exclusions first: at one position the alternation prefers them, so their span is consumed
        for watchlist in self.watchlists:
            for term, is_exclusion in [(t, True) for t in watchlist.exclude] + [(t, False) for t in watchlist.terms]:
                group = f"g{index}"
                index += 1
                self._groups[group] = (watchlist.name, term, is_exclusion)
                alternatives.append((is_exclusion, f"(?P<{group}>{_pattern(term)})"))
        ordered = [p for excl, p in alternatives if excl] + [p for excl, p in alternatives if not excl]
        self._regex = re.compile("|".join(ordered)) if ordered else None

    def _scan(self, text: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        if not self._regex or not text:
            return found
        for match in self._regex.finditer(_normal(text)):
            group = match.lastgroup
            if group is None:
                continue
            name, term, is_exclusion = self._groups[group]
            if not is_exclusion:
                found.setdefault(name, []).append(term)
        return found

    def match(self, title: str | None, text: str) -> list[TopicMatch]:
        """The watchlists that match, best first."""
        in_title = self._scan(title or "")
        in_text = self._scan(text)
        results: list[TopicMatch] = []
        words = max(len(text.split()), 1)
        for watchlist in self.watchlists:
            title_terms = in_title.get(watchlist.name, [])
            text_terms = in_text.get(watchlist.name, [])
            if not title_terms and not text_terms:
                continue
            location = "+".join(p for p, hits in (("title", title_terms), ("text", text_terms)) if hits)
            distinct = list(dict.fromkeys(title_terms + text_terms))
            density = 1000.0 * len(text_terms) / words
            score = round(watchlist.title_weight * len(title_terms) + density + len(distinct), 3)
            results.append(TopicMatch(watchlist.name, location, distinct, score))
        results.sort(key=lambda m: -m.score)
        return results


def load_watchlists(path: Path | None = None) -> list[Watchlist]:
    """Watchlists from a TOML file (``[[watchlist]]`` with name, terms, exclude), default: the shipped one."""
    if path is None:
        data = tomllib.loads(resources.files("monitor.data").joinpath("watchlists.toml").read_text("utf-8"))
    else:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    return [
        Watchlist(str(item["name"]), tuple(item.get("terms", ())), tuple(item.get("exclude", ())))
        for item in data.get("watchlist", [])
    ]


def names(watchlists: Iterable[Watchlist]) -> list[str]:
    return [w.name for w in watchlists]
