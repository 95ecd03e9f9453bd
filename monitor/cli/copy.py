"""`monitor copy`: a whole archive from one database to another (SQLite <-> PostgreSQL), resumable."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from monitor.cli.common import EXIT_FAILED


@click.command(name="copy")
@click.option("--from", "source_url", required=True, metavar="URL", help="The archive to copy (left unchanged).")
@click.option(
    "--to",
    "destination_url",
    required=True,
    metavar="URL",
    help="Where to copy it: an empty or partly copied database.",
)
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1), help="Rows per transaction.")
@click.option("--verify/--no-verify", default=True, show_default=True, help="Compare counts and row digests after.")
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
def copy(source_url: str, destination_url: str, batch_size: int, verify: bool, quiet: bool) -> None:
    """Copy a whole archive between databases, e.g. from SQLite to PostgreSQL, keeping every id.

    Tables are copied in key order, one transaction per batch: if the copy stops (Ctrl-C, a lost
    connection), run the same command again to resume it. Stop crawls writing to the source first.
    Prints the rows copied per table as JSON; exit status 1 when the verification finds a difference.

    \b
    Example:
        monitor copy --from sqlite:///monitor.db --to postgresql://monitor@db.internal:5432/monitor
        monitor copy --from postgresql://monitor@db.internal/monitor --to sqlite:///snapshot.db
    """
    from monitor.archive_copy import CopyError, copy_archive

    def progress(table: str, done: int, total: int) -> None:
        if not quiet:
            click.echo(f"{table}: {done}/{total}", err=True)

    try:
        report = copy_archive(source_url, destination_url, batch_size=batch_size, verify=verify, progress=progress)
    except CopyError as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:  # a wrong URL, a server down: one clear line, not a traceback
        raise click.ClickException(f"copy failed: {str(exc).splitlines()[0]}") from exc
    summary: dict[str, Any] = {"copied": report.copied, "rows": report.totals}
    if verify:
        summary["verified"] = report.verified
        summary["mismatches"] = report.mismatches
    click.echo(json.dumps(summary))
    if verify and not report.verified:
        click.echo(f"the copy differs from the source in: {', '.join(report.mismatches)}", err=True)
        sys.exit(EXIT_FAILED)
