"""Crash safety: SIGTERM mid-crawl, kill -9 of a crawl and of the daemon mid-crawl, then a restart; the
child-process runner reads results before joining and reports how children died."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from monitor.crawl import EXIT_INTERRUPTED, _in_child, describe_exit
from tests.test_daemon_site import FAST, SLOW, Archive, growing_site, monitor_process, run_monitor, wait_for


def _counts(run: Any) -> dict[str, Any]:
    counts = run.counts
    return dict(json.loads(counts) if isinstance(counts, str) else counts)


def _send_big(conn: Any) -> None:
    conn.send(b"x" * 4_000_000)  # far more than a pipe buffer: a join before the read would deadlock


def _ignore_sigterm_and_sleep(conn: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(60)


def test_child_result_larger_than_a_pipe_is_read_before_join() -> None:
    result = _in_child(_send_big, (), timeout=60, grace=5)
    assert result.exitcode == 0
    assert result.value == b"x" * 4_000_000


def test_child_past_its_timeout_gets_sigterm_then_sigkill_and_it_is_reported() -> None:
    started = time.monotonic()
    result = _in_child(_ignore_sigterm_and_sleep, (), timeout=4.0, grace=0.5)  # time to start
    assert time.monotonic() - started < 15
    assert result.value is None
    assert result.exitcode == -signal.SIGKILL
    assert describe_exit(result.exitcode) == "crawl process killed by SIGKILL"
    assert describe_exit(EXIT_INTERRUPTED).startswith("crawl process stopped by a signal")
    assert describe_exit(3) == "crawl process exited with status 3"


def _running_pid(archive: Archive) -> int:
    runs = archive.runs("running")
    return int(runs[-1].pid) if runs else 0


@pytest.mark.slow
def test_sigterm_mid_crawl_commits_what_was_fetched_and_the_next_run_fetches_the_rest(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    archive = Archive(db_url)
    with growing_site(tmp_path) as site:
        # enough pages that fetching (one at a time, 0.25 s apart) outlasts the extraction workers'
        # start-up even on a loaded machine: the stop must come while pages are still being fetched
        site.add(30)
        sources = site.sources_file(tmp_path / "sources.toml", every="1h")
        daemon = monitor_process("daemon", "--db", db_url, "--sources", str(sources), *SLOW, log=tmp_path / "d.log")
        try:
            wait_for(lambda: archive.articles() >= 2, what="the first articles")
        finally:
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(30) == 0, (tmp_path / "d.log").read_text()[-3000:]
        stored = archive.articles()
        assert 2 <= stored < site.on_topic_total(), "the stop did not come mid-crawl"
        [run] = archive.runs()
        assert run.status == "interrupted"
        archive.assert_consistent()
        # cron, or the daemon's next run, fetches what was missing
        rest = run_monitor("crawl", "--db", db_url, "--sources", str(sources), "--source", "wire-tech", *FAST)
        assert rest.returncode == 0, rest.stderr[-3000:]
    assert archive.articles() == site.on_topic_total()
    assert [r.status for r in archive.runs()] == ["interrupted", "finished"]
    archive.assert_consistent()
    archive.dispose()


@pytest.mark.slow
def test_kill9_of_a_crawl_then_of_the_daemon_mid_crawl_then_a_restart(tmp_path: Path, db_url: str) -> None:
    archive = Archive(db_url)
    with growing_site(tmp_path) as site:
        site.add(16)  # enough for two crawls to be killed mid-way at one request per 0.25 s
        sources = site.sources_file(tmp_path / "sources.toml", every="1s")
        args = ("--db", db_url, "--sources", str(sources), "-s", "MONITOR_SCHEDULE_JITTER=0", *SLOW)
        daemon = monitor_process("daemon", *args, log=tmp_path / "d.log")
        second_pid = 0
        try:
            # 1. kill -9 of the crawl: the daemon survives, records it, and its next run goes on
            wait_for(lambda: archive.articles() >= 2, what="the first articles")
            first_pid = wait_for(lambda: _running_pid(archive), what="the running crawl")
            os.kill(first_pid, signal.SIGKILL)
            wait_for(lambda: archive.runs("interrupted"), what="the killed run recorded by the daemon")
            [killed] = archive.runs("interrupted")
            assert killed.pid == first_pid and "SIGKILL" in killed.error
            after_first = archive.articles()
            assert 2 <= _counts(killed)["stored"] <= after_first  # what it committed before the kill
            # 2. kill -9 of the crawl and of the daemon together, mid-crawl (a power cut)
            second_pid = wait_for(
                lambda: _running_pid(archive) not in (0, first_pid) and _running_pid(archive), what="the next crawl"
            )
            wait_for(lambda: archive.articles() > after_first, what="the second crawl's first article")
        finally:
            daemon.kill()
            if second_pid:
                os.kill(second_pid, signal.SIGKILL)
            daemon.wait(10)
        # the dead daemon had moved the source's next run up to one interval (1 s) past the kill: once it
        # is due, `daemon --once` runs it (before, it would rightly find nothing due and exit 0)
        time.sleep(1.2)
        assert archive.articles() < site.on_topic_total(), "the kill did not come mid-crawl"
        assert [r.status for r in archive.runs()][-1] == "running"  # nobody was left to close it
        archive.assert_consistent()
        # 3. the restart fetches what is missing, and closes the dead run
        restart = run_monitor("daemon", "--once", "--db", db_url, "--sources", str(sources), *FAST)
        assert restart.returncode == 0, restart.stderr[-3000:]
        assert "1 of 1 sources due" in restart.stderr, restart.stderr[-3000:]
    assert archive.articles() == site.on_topic_total()
    statuses = [r.status for r in archive.runs()]
    assert statuses.count("interrupted") == 2 and statuses[-1] == "finished" and "running" not in statuses
    power_cut = archive.runs("interrupted")[-1]
    assert power_cut.finished is not None and _counts(power_cut)["stored"] >= 1  # closed by the restart
    archive.assert_consistent()
    archive.dispose()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_a_cron_crawl_starts_up_ends_it_as_interrupted(tmp_path: Path, signum: int) -> None:
    """`monitor crawl` stopped in its first seconds (run rows open, Scrapy still loading): exit 130, the runs
    closed as interrupted with an end, not left running (SIGTERM killed it, 143) nor failed (SIGINT)."""
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    archive = Archive(db_url)
    with growing_site(tmp_path) as site:
        site.add(8)  # with SLOW, seconds of crawl after the start-up: the signal always comes before the end
        sources = str(site.sources_file(tmp_path / "sources.toml"))
        crawl = monitor_process("crawl", "--db", db_url, "--sources", sources, *SLOW, log=tmp_path / "crawl.log")
        try:
            wait_for(lambda: archive.runs("running"), timeout=60, what="the run row")
            crawl.send_signal(signum)
            assert crawl.wait(60) == EXIT_INTERRUPTED, (tmp_path / "crawl.log").read_text()[-3000:]
        finally:
            if crawl.poll() is None:
                crawl.kill()
    [run] = archive.runs()
    assert run.status == "interrupted" and run.finished is not None, run
    assert "Traceback" not in (tmp_path / "crawl.log").read_text()
    archive.dispose()


def test_a_signal_while_scrapy_builds_the_crawl_waits_for_the_end_of_that_step() -> None:
    """Inside ``building()`` (Scrapy's Deferreds would log and lose an exception) a signal is held, then
    raised as ``Interrupted`` when the step ends; before it, it raises at once."""
    from monitor.stopping import Interrupted, SignalStop

    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        stop = SignalStop().install()
        steps: list[str] = []
        with pytest.raises(Interrupted), stop.building():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            steps.append("built")  # not cut short
        assert steps == ["built"] and stop.received == 1
        with pytest.raises(Interrupted):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
