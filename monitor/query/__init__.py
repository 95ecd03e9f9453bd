"""The watchlist query language: lexer -> parser -> AST -> one compiled matcher for many queries.

``parse(query)`` returns the AST of one query or raises ``QueryError`` (message and position);
``CompiledQueries`` matches every query of a set against an article in one pass over its words.
"""

from __future__ import annotations

from monitor.query.compiler import CompiledQueries, Hit, QueryResult
from monitor.query.errors import QueryError
from monitor.query.parser import parse

__all__ = ["CompiledQueries", "Hit", "QueryError", "QueryResult", "parse"]
