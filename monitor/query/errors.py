"""The one error of the query language: a message and the position of the fault in the query."""

from __future__ import annotations


class QueryError(ValueError):
    """An invalid query; ``position`` is the 0-based character offset of the fault."""

    def __init__(self, message: str, position: int, query: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.query = query

    def __str__(self) -> str:
        return f"{self.message} (at character {self.position + 1})"

    def pointer(self) -> str:
        """The query on one line and a caret under the fault, for terminals."""
        line = self.query.replace("\n", " ").replace("\t", " ")
        return f"{line}\n{' ' * min(self.position, len(line))}^"
