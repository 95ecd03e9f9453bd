"""Per-source crawl locks: advisory file locks (``fcntl.flock``) that die with their process.

A crawl of source X takes ``<lock dir>/X.lock`` without waiting; when another process (the daemon, a cron
run) holds it, X is skipped. The kernel drops a ``flock`` when its process exits, however it exits
(kill -9 included), so a lock is never left behind. The lock file keeps the holder's pid and start time
for the message of the process that skips.

The lock dir is ``MONITOR_LOCK_DIR`` when set, else ``<database file>.locks/`` next to a SQLite database,
else a folder per database under the temporary directory (PostgreSQL deployments add a PostgreSQL
advisory lock, ``monitor.db.runs.AdvisoryLocks``, that covers other hosts too).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url


def default_lock_dir(database_url: str) -> Path:
    """Where the lock files of the crawls of this database go when ``MONITOR_LOCK_DIR`` is unset."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database.removeprefix("file:").split("?")[0]).expanduser().resolve()
        return database.with_name(database.name + ".locks")
    key = hashlib.sha1(url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"facewatch-monitor-{os.getuid()}" / key


def lock_dir_for(database_url: str, setting: str | None = None) -> Path:
    return Path(setting).expanduser() if setting else default_lock_dir(database_url)


@dataclass
class SourceLocks:
    """The locks one process holds; ``busy`` says who holds the ones it could not take."""

    directory: Path
    handles: dict[str, IO[str]] = field(default_factory=dict)
    busy: dict[str, str] = field(default_factory=dict)

    @property
    def held(self) -> list[str]:
        return list(self.handles)

    def release(self, name: str | None = None) -> None:
        for key in [name] if name else list(self.handles):
            handle = self.handles.pop(key, None)
            if handle is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()

    def __enter__(self) -> SourceLocks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_path(directory: Path, source: str) -> Path:
    return directory / f"{source}.lock"


def acquire(directory: Path, sources: list[str]) -> SourceLocks:
    """Take the lock of each source that nobody holds; never waits."""
    directory.mkdir(parents=True, exist_ok=True)
    locks = SourceLocks(directory)
    for source in sources:
        handle = open(lock_path(directory, source), "a+", encoding="utf-8")  # noqa: SIM115 (held until release)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            locks.busy[source] = handle.read().strip() or "another process"
            handle.close()
            continue
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n")
        handle.flush()
        locks.handles[source] = handle
    return locks


def holder(directory: Path, source: str) -> str | None:
    """Who holds the lock of ``source`` (``pid N since T``), or None when it is free."""
    path = lock_path(directory, source)
    if not path.exists():
        return None
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            return handle.read().strip() or "another process"
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None
