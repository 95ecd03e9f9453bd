"""Tokens -> AST by recursive descent, then checks that make a query meaningful.

Grammar, loosest first (operators are upper case; juxtaposition is AND, as in search engines)::

    query   := or EOF
    or      := and ("OR" and)*
    and     := near (["AND"] near)*
    near    := unary (("NEAR/n" | "ONEAR/n") unary)*
    unary   := ("NOT" | "-") unary | primary
    primary := "(" or ")" | FIELD ":" primary | WORD | "PHRASE"
"""

from __future__ import annotations

from typing import Literal

from monitor.query.ast import FIELDS, And, Field, Filter, Near, Node, Not, Or, Term, Word, needs_a_term
from monitor.query.errors import QueryError
from monitor.query.lexer import Token, tokenize
from monitor.query.text import words

MAX_LENGTH = 20_000
MAX_DEPTH = 64
_STARTS_OPERAND = ("WORD", "PHRASE", "LPAREN", "FIELD", "NOT", "MINUS")


def parse(query: str) -> Node:
    """The AST of ``query``; ``QueryError`` with the position of the fault when it is not valid."""
    if len(query) > MAX_LENGTH:
        raise QueryError(f"query too long ({len(query)} characters, at most {MAX_LENGTH})", MAX_LENGTH, query)
    if not query.strip():
        raise QueryError("empty query", 0, query)
    node = _Parser(query, tokenize(query)).parse()
    if not needs_a_term(node):
        raise QueryError(
            "the query would match articles without any of its words: NOT, '-' and lang:/source: filters only "
            "narrow a query (write e.g. 'drone AND NOT football', not 'NOT football')",
            0,
            query,
        )
    return node


class _Parser:
    def __init__(self, query: str, tokens: list[Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def _advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _error(self, message: str, token: Token | None = None) -> QueryError:
        return QueryError(message, (token or self.current).position, self.query)

    def parse(self) -> Node:
        node = self._or()
        token = self.current
        if token.kind == "RPAREN":
            raise self._error("unbalanced ')': no '(' opens it")
        if token.kind != "END":
            raise self._error(f"unexpected {_describe(token)}")
        return node

    def _or(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error(f"query nested too deeply (more than {MAX_DEPTH} levels)")
        start = self.current.position
        children = [self._and()]
        while self.current.kind == "OR":
            self._advance()
            children.append(self._and())
        self.depth -= 1
        return children[0] if len(children) == 1 else Or(tuple(children), start)

    def _and(self) -> Node:
        start = self.current.position
        children = [self._near()]
        while True:
            if self.current.kind == "AND":
                self._advance()
            elif self.current.kind not in _STARTS_OPERAND:
                break
            children.append(self._near())
        return children[0] if len(children) == 1 else And(tuple(children), start)

    def _near(self) -> Node:
        left = self._unary()
        while self.current.kind == "NEAR":
            operator = self._advance()
            right = self._unary()
            for side in (left, right):
                _check_near_operand(side, operator, self.query)
            left = Near(left, right, operator.distance, operator.ordered, operator.position)
        return left

    def _unary(self) -> Node:
        token = self.current
        if token.kind in ("NOT", "MINUS"):
            self._advance()
            return Not(self._unary(), token.position)
        return self._primary()

    def _primary(self) -> Node:
        token = self.current
        if token.kind == "LPAREN":
            self._advance()
            if self.current.kind == "RPAREN":
                raise self._error("empty parentheses", token)
            node = self._or()
            if self.current.kind != "RPAREN":
                raise self._error(f"missing ')' to close the '(' at character {token.position + 1}")
            self._advance()
            return node
        if token.kind == "FIELD":
            return self._field(self._advance())
        if token.kind == "WORD":
            return self._term(self._advance())
        if token.kind == "PHRASE":
            return self._term(self._advance())
        if token.kind == "END":
            previous = self.tokens[self.index - 1] if self.index else None
            if previous is not None and previous.kind in ("AND", "OR", "NOT", "MINUS", "NEAR", "FIELD"):
                raise self._error(f"{_describe(previous)} needs something after it", previous)
            raise self._error("the query ends too early")
        raise self._error(f"expected a word, a phrase or '(' but found {_describe(token)}")

    def _field(self, token: Token) -> Node:
        if token.value in FIELDS:
            if self.current.kind not in ("WORD", "PHRASE", "LPAREN"):
                raise self._error(f"{token.value}: needs a word, a phrase or a group in parentheses after it", token)
            child = self._primary()
            if _has_field(child):
                raise self._error("title: and text: cannot be nested in one another", token)
            name: Literal["title", "text"] = "title" if token.value == "title" else "text"
            return Field(name, child, token.position)
        value = self.current
        if value.kind != "WORD" or not value.value.strip():
            raise self._error(f"{token.value}: needs a value, such as {token.value}:{_example(token.value)}", token)
        self._advance()
        kind: Literal["lang", "source"] = "lang" if token.value == "lang" else "source"
        return Filter(kind, value.value.lower(), token.position)

    def _term(self, token: Token) -> Term:
        parts: list[Word] = []
        for piece in token.value.split():
            star = piece.endswith("*")
            stem = piece.rstrip("*")
            if "*" in stem:
                raise self._error("a wildcard '*' may only end a word (surveill*)", token)
            folded = words(stem)
            if not folded:
                if star and not stem:
                    raise self._error("a wildcard needs at least three letters before it (surveill*)", token)
                raise self._error(f"{_describe(token)} has no letters or digits to match", token)
            if star and len(folded[-1]) < 3:
                raise self._error("a wildcard needs at least three letters before it (surveill*)", token)
            parts.extend(Word(w) for w in folded[:-1])
            parts.append(Word(folded[-1], prefix=star))
        raw = f'"{token.value}"' if token.kind == "PHRASE" else token.value
        return Term(tuple(parts), raw, token.position)


def _check_near_operand(node: Node, operator: Token, query: str) -> None:
    if isinstance(node, Term | Near):
        return
    if isinstance(node, Or):
        for child in node.children:
            _check_near_operand(child, operator, query)
        return
    position = node.position
    raise QueryError(
        f"{operator.value} joins words, phrases, or groups of them joined by OR; not AND, NOT, fields or filters",
        position,
        query,
    )


def _has_field(node: Node) -> bool:
    if isinstance(node, Field):
        return True
    if isinstance(node, And | Or):
        return any(_has_field(child) for child in node.children)
    if isinstance(node, Not):
        return _has_field(node.child)
    if isinstance(node, Near):
        return _has_field(node.left) or _has_field(node.right)
    return False


def _describe(token: Token) -> str:
    if token.kind == "END":
        return "end of query"
    if token.kind == "PHRASE":
        return f'"{token.value}"'
    if token.kind == "FIELD":
        return f"'{token.value}:'"
    return f"'{token.value}'"


def _example(kind: str) -> str:
    return "fr" if kind == "lang" else "lemonde"
