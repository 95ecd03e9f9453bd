"""The daemon's resident memory after 2 and after 20 crawl cycles (acceptance: within 20%).

Serves two demo outlets on 127.0.0.1, runs ``monitor daemon`` on them with a 1-second cadence, and reads
the daemon process's VmRSS (Linux /proc) once 2 and once 20 runs per source have finished. Each crawl
runs in a child process, so the daemon's own memory should not grow with the cycles.

    python bench/bench_daemon_memory.py [--cycles 20] [--outlets wire-tech,tech-hebdo]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from monitor.demo.server import serve_site

LIMIT = 0.20


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def finished_runs(engine: object, source: str) -> int:
    try:
        with engine.connect() as connection:  # type: ignore[attr-defined]
            sql = "SELECT count(*) FROM crawl_runs WHERE status = 'finished' AND source = :s"
            return int(connection.execute(text(sql), {"s": source}).scalar())
    except Exception:
        return 0


def wait_runs(engine: object, source: str, count: int, daemon: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while finished_runs(engine, source) < count:
        if daemon.poll() is not None:
            raise RuntimeError(f"the daemon exited with status {daemon.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {count} runs of {source}")
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--outlets", default="wire-tech,tech-hebdo")
    args = parser.parse_args()
    wanted = args.outlets.split(",")
    with tempfile.TemporaryDirectory() as tmp, serve_site() as site:
        sources_toml = site.sources_toml().replace('every = "1h"', 'every = "1s"')
        sources = Path(tmp) / "sources.toml"
        sources.write_text(sources_toml, "utf-8")
        db_url = f"sqlite:///{tmp}/bench.db"
        command = [sys.executable, "-m", "monitor.cli", "daemon", "--db", db_url, "--sources", str(sources),
                   "--log-level", "WARNING", "-s", "MONITOR_SCHEDULE_JITTER=0", "-s", "DOWNLOAD_DELAY=0",
                   "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=ERROR"]  # fmt: skip
        for name in wanted:
            command += ["--source", name]
        log = open(Path(tmp) / "daemon.log", "wb")  # noqa: SIM115
        daemon = subprocess.Popen(command, stdout=log, stderr=log)
        engine = create_engine(db_url)
        started = time.monotonic()
        try:
            wait_runs(engine, wanted[-1], 2, daemon, timeout=120)
            after_2 = rss_kib(daemon.pid)
            t2 = time.monotonic()
            wait_runs(engine, wanted[-1], args.cycles, daemon, timeout=60 * args.cycles)
            after_n = rss_kib(daemon.pid)
            tn = time.monotonic()
        finally:
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(60)
            engine.dispose()
            log.close()
    ratio = after_n / after_2
    print(f"daemon pid {daemon.pid}, {len(wanted)} sources ({', '.join(wanted)}), cadence 1s, one crawl at a time")
    print(f"RSS after  2 cycles: {after_2 / 1024:7.1f} MiB  ({t2 - started:5.1f} s)")
    print(f"RSS after {args.cycles:2d} cycles: {after_n / 1024:7.1f} MiB  ({tn - started:5.1f} s)")
    print(
        f"ratio {ratio:.3f} (growth {100 * (ratio - 1):+.1f}%); limit +{100 * LIMIT:.0f}%: "
        f"{abs(ratio - 1) / LIMIT:.2f} of the limit -> {'OK' if abs(ratio - 1) <= LIMIT else 'OVER'}"
    )
    print(f"daemon exit status after SIGTERM: {code}")
    return 0 if abs(ratio - 1) <= LIMIT and code == 0 else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
