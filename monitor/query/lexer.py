"""Query text -> tokens: words, "phrases", operators, parentheses, field prefixes, with their positions.

A ``#`` at the start of a word begins a comment that runs to the end of the line (for long queries
written over several lines in a TOML file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from monitor.query.ast import FIELDS, FILTERS
from monitor.query.errors import QueryError

Kind = Literal["WORD", "PHRASE", "AND", "OR", "NOT", "MINUS", "NEAR", "LPAREN", "RPAREN", "FIELD", "END"]

_NEAR = re.compile(r"(O?NEAR)(?:/(\d+))?")
_WORD = re.compile(r"[^\s()\"]+")
_DELIMITERS = ' \t\r\n()"'


@dataclass(frozen=True)
class Token:
    kind: Kind
    value: str
    position: int
    distance: int = 0  # NEAR/n
    ordered: bool = False  # ONEAR


def tokenize(query: str) -> list[Token]:
    """The tokens of ``query``, ending with an END token; ``QueryError`` for a fault, with its position."""
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char.isspace():
            i += 1
        elif char == "#" and (i == 0 or query[i - 1].isspace()):
            end = query.find("\n", i)
            i = n if end < 0 else end  # a comment, to the end of the line
        elif char == "(":
            tokens.append(Token("LPAREN", char, i))
            i += 1
        elif char == ")":
            tokens.append(Token("RPAREN", char, i))
            i += 1
        elif char == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QueryError('unclosed quote: a phrase needs a closing "', i, query)
            if not query[i + 1 : end].strip():
                raise QueryError("empty phrase", i, query)
            tokens.append(Token("PHRASE", query[i + 1 : end], i))
            i = end + 1
        elif char == "-" and (i == 0 or query[i - 1] in _DELIMITERS):
            if i + 1 >= n or query[i + 1].isspace() or query[i + 1] == ")":
                raise QueryError("'-' must be followed by the word, phrase or group to exclude", i, query)
            tokens.append(Token("MINUS", char, i))
            i += 1
        else:
            match = _WORD.match(query, i)
            assert match is not None  # any other character starts a word
            token, i = _word_token(match.group(), match.start(), query), match.end()
            if token.kind == "FIELD":
                i = match.start() + len(token.value) + 1  # the value after "title:" is lexed on its own
            tokens.append(token)
    tokens.append(Token("END", "", n))
    return tokens


def _word_token(word: str, position: int, query: str) -> Token:
    if word in ("AND", "OR", "NOT"):
        return Token(word, word, position)  # type: ignore[arg-type]
    near = _NEAR.fullmatch(word)
    if near:
        if near.group(2) is None:
            raise QueryError(f"{near.group(1)} needs a distance in words, such as {near.group(1)}/5", position, query)
        return Token("NEAR", word, position, distance=int(near.group(2)), ordered=near.group(1) == "ONEAR")
    if ":" in word:
        name, _, rest = word.partition(":")
        if name.lower() in FIELDS + FILTERS:
            return Token("FIELD", name.lower(), position)
        if name and not rest.startswith("//"):
            known = ", ".join(f"{f}:" for f in FIELDS + FILTERS)
            raise QueryError(f"unknown field '{name}:' (known: {known})", position, query)
    return Token("WORD", word, position)


def one_line(query: str) -> str:
    """The query on one line, comments removed: for listings."""
    kept = []
    for line in query.splitlines():
        for index, char in enumerate(line):
            if char == "#" and (index == 0 or line[index - 1].isspace()):
                line = line[:index]
                break
        kept.append(line)
    return " ".join(" ".join(kept).split())
