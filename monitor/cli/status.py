"""`monitor status`: last and next runs per source, errors, archive size, stories opened today."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from monitor.cli.common import db_option, open_db

GONE = "the crawl process is gone (killed?); its run row says running until the next run closes it"


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


def status_report(database: Any, now: datetime | None = None) -> dict[str, Any]:
    """The status as a dict (what ``--json`` prints)."""
    from monitor.db.runs import Runs

    now = now or datetime.now(UTC)
    runs = Runs(database)
    latest = runs.latest(limit_per_source=1)
    errors = runs.last_error()
    next_runs = runs.next_runs()
    sources: dict[str, Any] = {}
    for name in sorted(set(latest) | set(next_runs)):
        last = latest[name][0] if latest.get(name) else None
        error = errors.get(name)
        gone = last is not None and runs.gone(last)
        sources[name] = {
            "last_run": _when(last.started) if last else None,
            "last_status": "interrupted" if gone else (last.status if last else None),
            "last_duration_s": (
                round((last.finished - last.started).total_seconds(), 1) if last and last.finished else None
            ),
            "last_counts": last.counts if last else {},
            "next_run": _when(next_runs.get(name)),
            "last_error": GONE if gone else (error.error if error else None),
            "last_error_at": _when(last.started) if gone and last else (_when(error.started) if error else None),
        }
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return {"now": _when(now), "archive": runs.archive_size(today), "sources": sources}


@click.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
def status(db_url: str | None, as_json: bool) -> None:
    """Show, per source, the last run (status, duration, counts), the next scheduled run and the last
    error; and the archive's size and the stories opened today (UTC).

    A run is `running`, `finished`, `interrupted` (stopped by a signal, or killed: a run whose process is
    gone shows as interrupted at once), `failed` or `skipped` (another process was crawling the source).

    \b
    Example:
        monitor status
        monitor status --json --db postgresql://monitor@localhost/monitor
    """
    database = open_db(db_url)
    try:
        report = status_report(database)
    finally:
        database.dispose()
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    archive = report["archive"]
    click.echo(
        f"archive: {archive['articles']} articles ({archive['articles_today']} today), "
        f"{archive['stories']} stories ({archive['stories_opened_today']} opened today)"
    )
    if not report["sources"]:
        click.echo("no runs yet: `monitor crawl` or `monitor daemon` records them")
        return
    header = ("source", "last run", "status", "took", "stored", "next run", "last error")
    rows = [header]
    for name, info in report["sources"].items():
        took = f"{info['last_duration_s']}s" if info["last_duration_s"] is not None else "-"
        error = f"{info['last_error_at']} {info['last_error']}" if info["last_error"] else "-"
        rows.append(
            (
                name,
                info["last_run"] or "-",
                info["last_status"] or "-",
                took,
                str(info["last_counts"].get("stored", 0)) if info["last_status"] else "-",
                info["next_run"] or "-",
                error,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
