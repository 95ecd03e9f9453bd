"""A crawl from the command line prints each log record once, timestamped by Scrapy's handler."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from monitor import logsetup
from tests.test_daemon_site import FAST, growing_site, run_monitor


@pytest.mark.slow
def test_monitor_crawl_prints_each_log_record_once(tmp_path: Path) -> None:
    with growing_site(tmp_path) as site:
        sources = site.sources_file(tmp_path / "sources.toml")
        db = f"sqlite:///{tmp_path / 'archive.db'}"
        done = run_monitor("crawl", "--db", db, "--sources", str(sources), "--log-level", "INFO", *FAST)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    closed = [line for line in lines if "Spider closed (finished)" in line]
    assert len(closed) == 1, done.stderr  # was printed twice: by the command line's handler and Scrapy's
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[scrapy\.core\.engine\] INFO", closed[0])
    assert not any("ScrapyDeprecationWarning" in line for line in lines)
    assert not any("Remote control" in line for line in lines)  # no code-running HTTP server per crawl
    assert any(line.startswith("run source=wire-tech status=finished") for line in lines)


def test_crawls_start_neither_scrapys_remote_control_nor_its_telnet_console() -> None:
    from monitor.crawl import CrawlOptions, build_settings

    settings = build_settings(CrawlOptions(database_url="sqlite://", sources=[]))
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False


def test_the_stats_dump_is_made_only_for_a_log_that_prints_it() -> None:
    from monitor.crawl import CrawlOptions, build_settings

    def dump(**options: Any) -> bool:
        return build_settings(CrawlOptions(database_url="sqlite://", sources=[], **options)).getbool("STATS_DUMP")

    assert dump(log_level="INFO") and dump(log_level="debug")
    assert not dump(log_level="WARNING") and not dump(log_level="ERROR")
    assert dump(log_level="WARNING", overrides={"STATS_DUMP": True})  # asked for: kept


def test_a_crawl_takes_over_from_the_command_line_handler_only() -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        root.handlers = []
        logsetup.install()
        logsetup.install()  # once per process
        assert [h.get_name() for h in root.handlers] == [logsetup.HANDLER_NAME]
        assert logsetup.hand_over(logging.INFO) is True and root.handlers == []  # Scrapy installs its own
        application = logging.StreamHandler()
        root.handlers = [application]  # an application embedding the library: its handler stays
        assert logsetup.hand_over(logging.WARNING) is False
        assert root.handlers == [application] and application.level == logging.WARNING
    finally:
        root.handlers, root.level = saved
