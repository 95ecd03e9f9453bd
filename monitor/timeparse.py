"""``--since``/``--until`` values: relative (``7d``, ``24h``, ``90m``, ``2w``) or ISO dates (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from monitor.sources import parse_every


def parse_when(value: str | None, now: datetime | None = None) -> datetime | None:
    if not value:
        return None
    delta = parse_every(value)
    if delta is not None:
        return (now or datetime.now(UTC)) - delta
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: use 7d, 24h, 90m, 2w or a date such as 2020-06-01") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
