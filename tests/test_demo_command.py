"""`monitor demo`, as a newcomer runs it: a fresh demo.db in the working directory, stories printed, a CSV."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_monitor_demo_prints_the_stories_and_writes_a_csv(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "MONITOR_DATABASE_URL"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "demo.db").exists()
    blocks = done.stdout.split("\nstory ")[1:]
    amazon = [b for b in blocks if "Rekognition" in b or "Amazon" in b.splitlines()[0]]
    assert amazon, done.stdout
    story = amazon[0]
    assert "languages: en;fr" in story
    assert "IBM" not in story and "Microsoft" not in story
    with (tmp_path / "demo-articles.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 21  # the on-topic demo articles, nothing off topic
    assert sum(1 for row in rows if row["copy_of"]) == 2  # the AFP and the AP republications
