"""Full-text search queries in the watchlist syntax (pure): parsed once, rendered for each backend.

The syntax is the one users know from web search and from the watchlists:

- ``word`` matches the word (case and accents ignored; French and English stemming where the backend has it);
- ``"a phrase"`` matches the words in this order;
- ``prefix*`` matches any word that starts with ``prefix`` (as the watchlists' trailing ``*``);
- terms side by side must all match (``AND`` may be written); ``OR`` between alternatives;
- ``-term``, ``-"a phrase"`` or ``NOT term`` excludes; parentheses group.

The parser returns a small tree (``Term``, ``AllOf``, ``AnyOf``, ``Exclude``) that ``monitor.db.fts`` turns
into an SQLite FTS5 ``MATCH`` expression or a PostgreSQL ``tsquery``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OPERATORS = ("AND", "OR", "NOT")


class QueryError(ValueError):
    """A search query that cannot be understood; the message says why, for the user."""


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class Exclude:
    node: Node


@dataclass(frozen=True)
class AllOf:
    """Every positive part matches and no excluded part does."""

    include: tuple[Node, ...]
    exclude: tuple[Node, ...] = ()


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Node, ...]


Node = Term | AllOf | AnyOf

_TOKEN = re.compile(
    r'\s*(?:(?P<open>\()|(?P<close>\))|(?P<minus>-)(?=["(\w])|"(?P<phrase>[^"]*)"?|(?P<word>[^\s()"]+))'
)


def _has_letters(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _tokens(query: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None or match.end() == position:
            break
        position = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind) if kind else ""
        if kind == "word" and value in OPERATORS:
            kind = value
        tokens.append((kind, value))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> str | None:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def any_(self) -> Node | Exclude:
        parts = [self.all_()]
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, "close", "OR"):
                raise QueryError("OR needs a term on both sides")
            parts.append(self.all_())
        if len(parts) == 1:
            return parts[0]
        if any(isinstance(p, Exclude) for p in parts):
            raise QueryError("an excluded term cannot be an alternative of OR: put it outside, e.g. (a OR b) -c")
        return AnyOf(tuple(p for p in parts if not isinstance(p, Exclude)))

    def all_(self) -> Node | Exclude:
        items: list[Node | Exclude] = []
        while self.peek() not in (None, "close", "OR"):
            if self.peek() == "AND":
                self.take()
                if not items or self.peek() in (None, "close", "OR", "AND"):
                    raise QueryError("AND needs a term on both sides")
                continue
            items.append(self.unary())
        if not items:
            raise QueryError("empty query or empty parentheses")
        include = tuple(i for i in items if not isinstance(i, Exclude))
        exclude = tuple(i.node for i in items if isinstance(i, Exclude))
        if not include:
            return Exclude(exclude[0]) if len(exclude) == 1 else Exclude(AnyOf(exclude))
        if not exclude and len(include) == 1:
            return include[0]
        return AllOf(include, exclude)

    def unary(self) -> Node | Exclude:
        kind = self.peek()
        if kind in ("NOT", "minus"):
            self.take()
            if self.peek() in (None, "close", "OR", "AND"):
                raise QueryError("NOT (or -) must be followed by a term")
            inner = self.unary()
            if isinstance(inner, Exclude):
                raise QueryError("a double negation is not supported")
            return Exclude(inner)
        return self.primary()

    def primary(self) -> Node | Exclude:
        kind, value = self.take()
        if kind == "open":
            inner = self.any_()
            if self.peek() != "close":
                raise QueryError("a parenthesis is not closed")
            self.take()
            return inner
        if kind == "close":
            raise QueryError("a closing parenthesis has no opening one")
        if kind == "phrase":
            words = value.split()
            if not words or not _has_letters(value):
                raise QueryError(f'"{value}": a phrase needs at least one word')
            return Term(" ".join(words), phrase=len(words) > 1)
        text = value
        prefix = text.endswith("*")
        text = text.rstrip("*")
        if not _has_letters(text):
            raise QueryError(f"{value!r}: a term needs letters or digits")
        return Term(text, prefix=prefix)


def parse(query: str) -> Node:
    """The tree of ``query``; raises ``QueryError`` with a message for the user."""
    tokens = _tokens(query)
    if not tokens:
        raise QueryError(
            "empty query: give words to look for, e.g. 'reconnaissance faciale' or '\"facial recognition\"'"
        )
    parser = _Parser(tokens)
    node = parser.any_()
    if parser.peek() is not None:
        raise QueryError("a closing parenthesis has no opening one")
    if isinstance(node, Exclude):
        raise QueryError("a query needs at least one term to look for, not only excluded ones")
    return node


def describe(node: Node) -> str:
    """The query written back in its own syntax (for messages and tests)."""
    if isinstance(node, Term):
        text = f'"{node.text}"' if node.phrase else node.text
        return text + ("*" if node.prefix else "")
    if isinstance(node, AnyOf):
        return "(" + " OR ".join(describe(p) for p in node.parts) + ")"
    inner = " ".join(describe(p) for p in node.include)
    excluded = " ".join("-" + describe(p) for p in node.exclude)
    return "(" + " ".join(x for x in (inner, excluded) if x) + ")"
