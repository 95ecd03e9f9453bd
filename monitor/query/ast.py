"""The nodes of a parsed query (immutable). ``position`` is where the node starts in the query text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FIELDS = ("title", "text")
FILTERS = ("lang", "source")


@dataclass(frozen=True)
class Word:
    """One folded word of a term; ``prefix`` for a trailing wildcard (``surveill*``)."""

    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Term:
    """A word or a "quoted phrase": consecutive words. ``raw`` is how the query wrote it."""

    words: tuple[Word, ...]
    raw: str
    position: int = 0


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]
    position: int = 0


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]
    position: int = 0


@dataclass(frozen=True)
class Not:
    child: Node
    position: int = 0


@dataclass(frozen=True)
class Near:
    """``left NEAR/n right``: at most ``distance`` words between them; ``ordered`` (ONEAR) left first."""

    left: Node
    right: Node
    distance: int
    ordered: bool = False
    position: int = 0


@dataclass(frozen=True)
class Field:
    """``title:...`` or ``text:...``: the child matches in that part of the article only."""

    name: Literal["title", "text"]
    child: Node
    position: int = 0


@dataclass(frozen=True)
class Filter:
    """``lang:fr`` or ``source:NAME``: a condition on the article, not on its words."""

    kind: Literal["lang", "source"]
    value: str
    position: int = 0


Node = Term | And | Or | Not | Near | Field | Filter


def terms(node: Node, positive: bool = True) -> list[tuple[Term, bool]]:
    """Every term of ``node`` with whether it counts for a match (False under NOT)."""
    if isinstance(node, Term):
        return [(node, positive)]
    if isinstance(node, And | Or):
        return [pair for child in node.children for pair in terms(child, positive)]
    if isinstance(node, Not):
        return terms(node.child, False)
    if isinstance(node, Near):
        return terms(node.left, positive) + terms(node.right, positive)
    if isinstance(node, Field):
        return terms(node.child, positive)
    return []


def needs_a_term(node: Node) -> bool:
    """True when ``node`` can only match an article in which one of its positive terms occurs."""
    if isinstance(node, Term | Near):
        return True
    if isinstance(node, And):
        return any(needs_a_term(child) for child in node.children)
    if isinstance(node, Or):
        return all(needs_a_term(child) for child in node.children)
    if isinstance(node, Field):
        return needs_a_term(node.child)
    return False
