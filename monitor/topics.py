"""Topic watchlists: named boolean queries, and which of them an article matches (pure).

A watchlist is a name and a query in the language of ``monitor.query`` (words, "phrases", AND, OR,
NOT/-, parentheses, ``surveill*``, NEAR/n, ONEAR/n, title:, text:, lang:, source:). Watchlists come from
a TOML file (the shipped ``monitor/data/watchlists.toml`` or the user's) and from the database
(``monitor topics add``); ``Matcher`` compiles all of them into one matcher and reports, per watchlist,
where it matched (title, text), on which terms, with a relevance score.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from monitor.query import CompiledQueries, QueryError, QueryResult, parse
from monitor.query.ast import Node
from monitor.query.text import spaced_words

DEFAULT_WATCHLIST = "facial-recognition"
SHIPPED = "shipped"
DATABASE = "database"
TITLE_WEIGHT = 3.0
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


class WatchlistError(ValueError):
    """A watchlist that cannot be used: a bad name, a bad query (with its position) or a bad file."""


@dataclass(frozen=True)
class Watchlist:
    name: str
    query: str
    origin: str = SHIPPED  # "shipped", a file path, or "database"
    description: str = ""
    node: Node = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        check_name(self.name)
        try:
            object.__setattr__(self, "node", parse(self.query))
        except QueryError as exc:
            raise WatchlistError(f"watchlist {self.name!r} ({self.origin}): {exc}\n{exc.pointer()}") from exc


@dataclass
class TopicMatch:
    topic: str
    location: str  # "title", "text" or "title+text"
    terms: list[str] = field(default_factory=list)
    score: float = 0.0


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise WatchlistError(
            f"invalid watchlist name {name!r}: letters, digits, '.', '_' and '-', starting with a letter or digit"
        )
    return name


class Matcher:
    """All watchlists compiled into one matcher."""

    def __init__(self, watchlists: Sequence[Watchlist]) -> None:
        self.watchlists = list(watchlists)
        self.compiled = CompiledQueries([w.node for w in self.watchlists])

    def match(
        self, title: str | None, text: str, *, language: str | None = None, source: str | None = None
    ) -> list[TopicMatch]:
        """The watchlists that match, best first; ``language`` and ``source`` serve lang: and source:."""
        spaced_text = spaced_words(text or "")
        results = self.compiled.match_spaced(spaced_words(title or ""), spaced_text, language=language, source=source)
        if not results:
            return []
        word_count = spaced_text.count(" ") - 1
        matches = [self._topic_match(result, word_count) for result in results]
        matches.sort(key=lambda m: -m.score)
        return matches

    def _topic_match(self, result: QueryResult, word_count: int) -> TopicMatch:
        in_title = in_text = 0
        for hit in result.hits:
            if hit.field == "title":
                in_title += hit.count
            else:
                in_text += hit.count
        location = "title+text" if in_title and in_text else "title" if in_title else "text" if in_text else ""
        distinct = result.terms()
        density = 1000.0 * in_text / max(word_count, 1)
        score = round(TITLE_WEIGHT * in_title + density + len(distinct), 3)
        return TopicMatch(self.watchlists[result.index].name, location, distinct, score)


def load_watchlists(path: Path | None = None) -> list[Watchlist]:
    """Watchlists of a TOML file (``[[watchlist]]`` with name, query, description); default: the shipped one."""
    if path is None:
        origin = SHIPPED
        content = resources.files("monitor.data").joinpath("watchlists.toml").read_text("utf-8")
    else:
        origin = str(path)
        try:
            content = Path(path).read_text("utf-8")
        except OSError as exc:
            raise WatchlistError(f"cannot read the watchlists file {path}: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError as exc:
        raise WatchlistError(f"{origin}: not valid TOML: {exc}") from exc
    items = data.get("watchlist", [])
    if not isinstance(items, list):
        raise WatchlistError(f"{origin}: 'watchlist' must be an array of tables ([[watchlist]])")
    watchlists: list[Watchlist] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not all(isinstance(item.get(key), str) for key in ("name", "query")):
            raise WatchlistError(f"{origin}: watchlist #{number} needs a name and a query (both strings)")
        if any(w.name == item["name"] for w in watchlists):
            raise WatchlistError(f"{origin}: two watchlists are named {item['name']!r}")
        watchlists.append(Watchlist(item["name"], item["query"], origin, str(item.get("description", ""))))
    return watchlists


def from_database(stored: Iterable[tuple[str, str]]) -> list[Watchlist]:
    """Watchlists from (name, query) rows of the database."""
    return [Watchlist(name, query, DATABASE) for name, query in stored]


def combine(from_file: Iterable[Watchlist], from_database: Iterable[Watchlist]) -> list[Watchlist]:
    """The watchlists a crawl uses: the file's, then the database's (which replace same-named ones)."""
    return unique([*from_file, *from_database])


def unique(watchlists: Iterable[Watchlist]) -> list[Watchlist]:
    """One watchlist per name: a later definition (the database after the file) replaces an earlier one."""
    by_name: dict[str, Watchlist] = {}
    for watchlist in watchlists:
        by_name.pop(watchlist.name, None)
        by_name[watchlist.name] = watchlist
    return list(by_name.values())


def names(watchlists: Iterable[Watchlist]) -> list[str]:
    return [w.name for w in watchlists]


def watchlists_digest(watchlists: Iterable[Watchlist]) -> str:
    """A short digest of the watchlists' names and queries (not their order, origin or description): an
    off-topic page is remembered with it, and fetched again once the watchlists change."""
    lines = sorted(f"{w.name}\x00{w.query}" for w in watchlists)
    return hashlib.sha256("\x01".join(lines).encode("utf-8")).hexdigest()[:32]
