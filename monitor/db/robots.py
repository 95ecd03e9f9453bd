"""Reads and writes of the robots.txt kept per origin (``robots_txt``, ``monitor.robots``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select

from monitor.db.models import RobotsTxt
from monitor.db.session import Database
from monitor.db.upsert import EXCLUDED, insert_or_update_statement


@dataclass(frozen=True)
class StoredRobots:
    origin: str  # scheme://host[:port]
    status: int  # of the last full answer: 200, or a 4xx (no rules)
    body: bytes
    etag: str | None
    last_modified: str | None
    checked_at: datetime  # the last answer that confirmed these rules
    changed_at: datetime  # when the body last changed


class RobotsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, origin: str) -> StoredRobots | None:
        with self.db.reading() as connection:
            row = connection.execute(select(RobotsTxt.__table__).where(RobotsTxt.origin == origin)).mappings().first()
        return None if row is None else StoredRobots(**{**row, "body": bytes(row["body"])})

    def save(self, copies: Iterable[StoredRobots]) -> int:
        """Insert or replace each origin's copy, unless the copy in place was checked later (by another
        process: a long crawl closing after a short one does not put back older rules)."""
        rows = [asdict(copy) for copy in copies]
        if not rows:
            return 0
        with self.db.session() as session:
            statement = insert_or_update_statement(
                RobotsTxt,
                self.db.dialect,
                ["origin"],
                {key: EXCLUDED for key in rows[0] if key != "origin"},
                newer="checked_at",
            )
            for row in rows:
                session.execute(statement, row)
        return len(rows)
