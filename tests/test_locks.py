"""Per-source locks: a second crawl of a source skips it with a message and exit status 75; locks die with
their process; run records, run log lines and exit statuses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.crawl import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_SKIPPED, RunOutcome
from monitor.db import Database
from monitor.db.runs import Runs
from monitor.locks import acquire, default_lock_dir, holder, lock_dir_for
from monitor.runlog import RunRecord, format_run
from tests.test_daemon_site import FAST, SLOW, Archive, growing_site, monitor_process, run_monitor, wait_for


def test_a_held_lock_is_busy_for_anyone_else_until_released(tmp_path: Path) -> None:
    first = acquire(tmp_path, ["lemonde", "bbc"])
    assert first.held == ["lemonde", "bbc"] and not first.busy
    second = acquire(tmp_path, ["bbc", "franceinfo"])
    assert second.held == ["franceinfo"]
    assert second.busy["bbc"].startswith(f"pid {os.getpid()} since")
    assert holder(tmp_path, "bbc") is not None and holder(tmp_path, "nobody") is None
    first.release("bbc")
    assert holder(tmp_path, "bbc") is None
    third = acquire(tmp_path, ["bbc"])
    assert third.held == ["bbc"]
    for locks in (first, second, third):
        locks.release()
    assert holder(tmp_path, "lemonde") is None


def test_a_lock_dies_with_its_process_even_on_kill9(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; from monitor.locks import acquire; "
        f"locks = acquire(Path({str(tmp_path)!r}), ['lemonde']); print('held', flush=True); time.sleep(60)"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"held"
        assert acquire(tmp_path, ["lemonde"]).busy.get("lemonde", "").startswith(f"pid {child.pid} since")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    with acquire(tmp_path, ["lemonde"]) as locks:
        assert locks.held == ["lemonde"]


def test_lock_dir_is_next_to_a_sqlite_database_or_a_setting(tmp_path: Path) -> None:
    assert default_lock_dir(f"sqlite:///{tmp_path}/monitor.db") == tmp_path / "monitor.db.locks"
    pg = default_lock_dir("postgresql+psycopg://user:secret@db.example:5432/monitor")
    assert "secret" not in str(pg) and pg != default_lock_dir("postgresql+psycopg://user@db.example:5432/other")
    assert lock_dir_for("sqlite:///x.db", str(tmp_path / "locks")) == tmp_path / "locks"


def test_runs_close_what_a_dead_process_left_running(database: Database) -> None:
    runs = Runs(database)
    stale = runs.start("lemonde", "daemon", pid=4242)  # a crawl killed by kill -9
    fresh = runs.start("lemonde", "cron", pid=4343)  # the next run holds the lock: the first is dead
    row = runs.finish(fresh, "finished", {"stored": 3})
    assert row.status == "finished" and row.counts == {"stored": 3} and row.finished is not None
    latest = runs.latest(limit_per_source=5)["lemonde"]
    assert [(r.id, r.status) for r in latest] == [(fresh, "finished"), (stale, "interrupted")]
    assert latest[1].finished is not None  # closed when found dead: not a run without an end
    assert runs.last_error()["lemonde"].id == stale
    runs.start("bbc", "daemon", pid=77)
    [closed] = runs.close_dead(77, "interrupted", "crawl process killed by SIGKILL")
    assert closed.source == "bbc" and closed.error == "crawl process killed by SIGKILL"
    since = datetime(2000, 1, 1, tzinfo=UTC)
    assert [r.source for r in runs.of_pid(77, since)] == ["bbc"]


def test_run_log_lines_and_exit_statuses() -> None:
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    record = RunRecord("le monde", "skipped", "cron", start, start, {"stored": 0}, 'held by "pid 7"', 7)
    line = format_run(record)
    assert line.startswith('run source="le monde" status=skipped origin=cron duration=0.0s stored=0 error=')
    parsed = json.loads(format_run(record, "json"))
    assert parsed["event"] == "crawl_run" and parsed["error"] == 'held by "pid 7"' and parsed["duration_s"] == 0.0
    with pytest.raises(ValueError):
        format_run(record, "xml")

    def outcome(*statuses: str) -> int:
        return RunOutcome([RunRecord(str(i), s, "cron") for i, s in enumerate(statuses)]).exit_status

    assert outcome() == EXIT_OK == outcome("finished", "finished")
    assert outcome("finished", "skipped") == EXIT_SKIPPED == 75
    assert outcome("skipped", "interrupted") == EXIT_INTERRUPTED
    assert outcome("interrupted", "failed", "skipped") == EXIT_FAILED


def test_monitor_lock_dir_setting_is_the_lock_folder_of_a_cron_crawl(tmp_path: Path, db_url: str) -> None:
    """``monitor crawl -s MONITOR_LOCK_DIR=…`` uses the same locks as a daemon given that setting: a source
    the daemon is crawling is skipped, not crawled twice at once."""
    from monitor.crawl import CrawlOptions, run_sources
    from monitor.sources import Source

    source = Source(name="lemonde", title="Le Monde", language="fr", feeds=("http://127.0.0.1:9/feed.xml",))
    options = CrawlOptions(database_url=db_url, sources=[source], overrides={"MONITOR_LOCK_DIR": str(tmp_path / "l")})
    before = signal.getsignal(signal.SIGINT)
    with acquire(tmp_path / "l", ["lemonde"]):  # the daemon's crawl of lemonde
        outcome = run_sources(options)
    assert signal.getsignal(signal.SIGINT) is before  # nothing crawled: the caller's handlers are back
    assert [(r.source, r.status) for r in outcome.records] == [("lemonde", "skipped")]
    assert outcome.exit_status == EXIT_SKIPPED


@pytest.mark.slow
def test_two_crawls_of_the_same_source_never_run_at_once(tmp_path: Path, db_url: str) -> None:
    archive = Archive(db_url)
    with growing_site(tmp_path) as site:
        site.add(4)
        sources = str(site.sources_file(tmp_path / "sources.toml"))
        first = monitor_process("crawl", "--db", db_url, "--sources", sources, *SLOW, log=tmp_path / "first.log")
        try:
            wait_for(lambda: archive.runs("running"), what="the first crawl's run")
            started = time.monotonic()
            second = run_monitor("crawl", "--db", db_url, "--sources", sources, "--log-format", "json", *FAST)
            assert time.monotonic() - started < 20  # it did not wait for the first one
            assert second.returncode == EXIT_SKIPPED, second.stderr[-3000:]
            assert "wire-tech: skipped, another crawl is running it (pid" in second.stderr
            line = next(json.loads(x) for x in second.stderr.splitlines() if x.startswith('{"event": "crawl_run"'))
            assert line["status"] == "skipped" and line["source"] == "wire-tech"
            assert json.loads(second.stdout.splitlines()[-1])["runs"] == {"wire-tech": "skipped"}
        finally:
            assert first.wait(60) == EXIT_OK, (tmp_path / "first.log").read_text()[-3000:]
    assert sorted(r.status for r in archive.runs()) == ["finished", "skipped"]
    assert archive.articles() == site.on_topic_total()
    archive.assert_consistent()
    archive.dispose()


def test_postgresql_advisory_lock_covers_other_hosts(database: Database) -> None:
    from monitor.db.runs import AdvisoryLocks

    if database.dialect != "postgresql":
        pytest.skip("PostgreSQL only: on SQLite the file lock does the work")
    first, second = AdvisoryLocks(database), AdvisoryLocks(database)
    assert first.try_lock("lemonde") and second.try_lock("bbc")
    assert not second.try_lock("lemonde")
    first.close()  # back to the pool: its locks must not live on in the pooled session
    assert second.try_lock("lemonde")
    second.close()
    assert AdvisoryLocks(database).try_lock("lemonde")


def test_status_shows_a_run_whose_process_is_gone_as_interrupted(database: Database) -> None:
    """A crawl killed with kill -9 leaves its row `running`; `monitor status` does not say it still runs.
    PostgreSQL asks whether anyone holds the source's advisory lock (any host); SQLite whether the pid lives."""
    from monitor.cli.status import GONE, status_report
    from monitor.db.runs import AdvisoryLocks

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(30)
    runs = Runs(database)
    runs.start("killed", "cron", pid=dead.pid)
    runs.start("alive", "cron", pid=os.getpid())
    advisory = AdvisoryLocks(database)
    try:
        assert advisory.try_lock("alive")  # what a live crawl holds on PostgreSQL
        report = status_report(database)["sources"]
    finally:
        advisory.close()
    assert report["killed"]["last_status"] == "interrupted" and report["killed"]["last_error"] == GONE
    assert report["alive"]["last_status"] == "running" and report["alive"]["last_error"] is None
