"""The daemon: schedules from the sources file kept in the database, cycles against a growing site,
`--once`, `monitor status`, the structured run log."""

from __future__ import annotations

import json
import signal
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.crawl import CrawlOptions
from monitor.scheduler import Daemon, DaemonConfig, trigger_for
from monitor.sources import Source
from tests.test_daemon_site import FAST, Archive, growing_site, monitor_process, run_monitor, wait_for


def _source(name: str, every: str) -> Source:
    return Source(name=name, title=name, feeds=(f"http://127.0.0.1:9/{name}.xml",), every=every)


def test_trigger_for_intervals_and_cron_expressions() -> None:
    interval = trigger_for("30m", max_jitter=60)
    assert isinstance(interval, IntervalTrigger)
    assert interval.interval == timedelta(minutes=30)
    assert interval.jitter == 60
    assert trigger_for("10s", max_jitter=60).jitter == 1  # at most a tenth of the cadence
    cron = trigger_for("*/15 6-22 * * 1-5")
    assert isinstance(cron, CronTrigger)
    with pytest.raises(ValueError, match="not a cadence"):
        trigger_for("every tuesday")


def _daemon(db_url: str, sources: list[Source]) -> Daemon:
    return Daemon(DaemonConfig(database_url=db_url, sources=sources, options=CrawlOptions()))


def _next_runs(db_url: str, sources: list[Source]) -> dict[str, datetime | None]:
    daemon = _daemon(db_url, sources)
    daemon.scheduler.start(paused=True)
    try:
        daemon.sync()
        return daemon.next_runs()
    finally:
        daemon.scheduler.shutdown(wait=False)
        daemon.database.dispose()


def test_schedule_survives_a_restart_and_follows_the_sources_file(db_url: str) -> None:
    first = _next_runs(db_url, [_source("a", "1h"), _source("b", "2h")])
    assert set(first) == {"a", "b"}
    # a restart with the same cadences keeps the next runs (the job store is the database)
    again = _next_runs(db_url, [_source("a", "1h"), _source("b", "2h")])
    assert again == first
    # a changed cadence is rescheduled, a removed source unscheduled, a new one scheduled at once
    later = datetime.now(first["a"].tzinfo) if first["a"] else None  # type: ignore[union-attr]
    changed = _next_runs(db_url, [_source("a", "1h"), _source("b", "5m"), _source("c", "1d")])
    assert set(changed) == {"a", "b", "c"}
    assert changed["a"] == first["a"]
    assert changed["b"] != first["b"]
    assert later is not None and changed["c"] is not None and changed["c"] >= later - timedelta(seconds=5)
    status = run_monitor("status", "--json", "--db", db_url)
    assert status.returncode == 0, status.stderr
    assert set(json.loads(status.stdout)["sources"]) == {"a", "b", "c"}


@pytest.mark.slow
def test_daemon_cycles_store_new_articles_as_the_site_grows(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    archive = Archive(db_url)
    with growing_site(tmp_path) as site:
        sources = site.sources_file(tmp_path / "sources.toml", every="1s")
        daemon = monitor_process(
            "daemon", "--db", db_url, "--sources", str(sources), "--log-format", "json",
            "-s", "MONITOR_SCHEDULE_JITTER=0", *FAST, log=tmp_path / "daemon.log",
        )  # fmt: skip
        try:
            wait_for(lambda: archive.articles() == site.on_topic_total(), what="the first cycle's articles")
            for _ in range(2):
                site.add(2)
                wait_for(lambda: archive.articles() == site.on_topic_total(), what="the new articles")
            wait_for(lambda: len(archive.runs("finished")) >= 3, what="the third run's end")
        finally:
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(30) == 0
    log = (tmp_path / "daemon.log").read_text("utf-8")
    lines = [json.loads(line) for line in log.splitlines() if line.startswith('{"event": "crawl_run"')]
    finished_lines = [line for line in lines if line["status"] == "finished"]
    assert len(finished_lines) >= 3
    assert [line["counts"].get("stored", 0) for line in finished_lines[:3]] == [3, 2, 2]
    assert sum(line["counts"].get("stored", 0) for line in finished_lines) == site.on_topic_total() == 7
    assert all(line["source"] == "wire-tech" and line["origin"] == "daemon" for line in lines)
    assert {run.status for run in archive.runs()} <= {"finished", "interrupted"}
    archive.assert_consistent()
    status = run_monitor("status", "--db", db_url)
    assert status.returncode == 0, status.stderr
    assert "wire-tech" in status.stdout and "7 articles" in status.stdout
    archive.dispose()


@pytest.mark.slow
def test_once_runs_what_is_due_then_exits(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    archive = Archive(db_url)
    with growing_site(tmp_path) as site:
        sources = site.sources_file(tmp_path / "sources.toml", every="1h")
        first = run_monitor("daemon", "--once", "--db", db_url, "--sources", str(sources), *FAST)
        assert first.returncode == 0, first.stderr[-3000:]
        assert archive.articles() == site.on_topic_total()
        assert "run source=wire-tech status=finished origin=once" in first.stderr
        site.add(1)
        # not due for another hour: nothing runs
        second = run_monitor("daemon", "--once", "--db", db_url, "--sources", str(sources), *FAST)
        assert second.returncode == 0, second.stderr[-3000:]
        assert "status=finished" not in second.stderr
        assert archive.articles() == site.on_topic_total() - 1
        assert len(archive.runs()) == 1
    next_run: Any = archive.scalar("SELECT next_run_time FROM apscheduler_jobs WHERE id = 'crawl:wire-tech'")
    assert next_run is not None and next_run > datetime.now().timestamp() + 3000
    archive.dispose()


@pytest.mark.parametrize(("lanes", "crawls"), [(1, 1), (2, 2)])
def test_once_crawls_the_due_sources_together_one_crawl_per_lane(
    db_url: str, monkeypatch: pytest.MonkeyPatch, lanes: int, crawls: int
) -> None:
    """`--once` from cron: the due sources are crawled in one child process (``MONITOR_MAX_CRAWLS`` of them
    side by side), not one process per source, each start-up costing a second or two of CPU; each source
    keeps its own lock and run row (``monitor.crawl.run_sources``) and is moved on to its next run."""
    import monitor.scheduler as scheduler

    calls: list[list[str]] = []

    def fake_crawl(options: CrawlOptions, lock_dir: Any = None, timeout: Any = None) -> Any:
        calls.append(sorted(s.name for s in options.sources))
        return type("Outcome", (), {"exit_status": 0})()

    monkeypatch.setattr(scheduler, "run_in_subprocess", fake_crawl)
    sources = [_source(name, "1h") for name in ("a", "b", "c", "d", "e")]
    daemon = Daemon(DaemonConfig(database_url=db_url, sources=sources, options=CrawlOptions(), max_crawls=lanes))
    assert daemon.run_once() == 0
    assert len(calls) == crawls and sorted(name for call in calls for name in call) == ["a", "b", "c", "d", "e"]
    assert all(
        when is not None and when > datetime.now(when.tzinfo) + timedelta(minutes=50)
        for when in _next_runs(db_url, sources).values()
    )


def test_a_run_waiting_for_a_lane_at_shutdown_stays_due(
    db_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Two sources due, one lane: the second run waits for the first. A stop then drops the waiting run,
    but the source stays due (APScheduler had already moved its next run on): the next start runs it,
    not the next interval. No traceback either."""
    import threading

    from apscheduler.schedulers.base import STATE_STOPPED

    import monitor.scheduler as scheduler

    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def fake_crawl(options: CrawlOptions, lock_dir: Any = None, timeout: Any = None) -> Any:
        calls.append(options.sources[0].name)
        started.set()
        release.wait(30)
        return type("Outcome", (), {"exit_status": 0})()

    monkeypatch.setattr(scheduler, "run_in_subprocess", fake_crawl)
    sources = [_source("a", "1h"), _source("b", "1h")]
    daemon = Daemon(DaemonConfig(database_url=db_url, sources=sources, options=CrawlOptions(), max_crawls=1))

    def both_submitted() -> bool:
        runs = daemon.next_runs()
        return len(runs) == 2 and all(
            w is not None and w > datetime.now(w.tzinfo) + timedelta(minutes=50) for w in runs.values()
        )

    def stop() -> None:
        started.wait(30)
        wait_for(both_submitted, what="both runs submitted")
        daemon.request_stop()
        wait_for(lambda: daemon.scheduler.state == STATE_STOPPED, what="the scheduler stopping")
        pool = daemon.scheduler._lookup_executor("default")
        wait_for(lambda: not pool._waiting, what="the waiting run dropped")  # then it waits for the running one
        release.set()

    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    stopper = threading.Thread(target=stop)
    stopper.start()
    try:
        assert daemon.run() == 0
    finally:
        release.set()
        stopper.join(30)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert len(calls) == 1
    [waiting] = {"a", "b"} - set(calls)
    after = _next_runs(db_url, sources)
    assert after[calls[0]] is not None and after[calls[0]] > datetime.now(after[calls[0]].tzinfo) + timedelta(
        minutes=50
    )  # type: ignore[union-attr]
    due = after[waiting]
    assert due is not None and due <= datetime.now(due.tzinfo)
    assert not [r for r in caplog.records if r.levelno >= 40], [r.getMessage() for r in caplog.records]
