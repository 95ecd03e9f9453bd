"""Export N synthetic articles to CSV with `monitor export articles --excel` and with `sqlite3 -csv` on the same
tables (the same columns: source, story, copy and topics joined, topics aggregated).

    python bench/bench_export.py [--articles 100000] [--runs 3]

Each run exports with both, alternating, and prints rows/s of both and their ratio; then the median ratio.
Wall-clock throughput is what the limit is about, but on a shared machine it moves with the load, so the CPU
time of both processes (user + system) and its ratio are printed too. Also the peak RSS of the export process
at N and at N/5 (constant memory: the two peaks should be about the same). Limits named here: throughput
>= 0.5 of `sqlite3 -csv` (issue 8) and peak RSS <= 150 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

LIMIT_RATIO = 0.5
LIMIT_RSS_MB = 150.0
WORDS = [
    "reconnaissance",
    "faciale",
    "police",
    "caméras",
    "Clearview",
    "amende",
    "CNIL",
    "facial",
    "recognition",
    "ban",
    "moratorium",
]

# The same columns as `monitor export articles`, for sqlite3 -csv.
SQLITE3_QUERY = """
SELECT a.id, a.external_id, a.url, a.canonical_url, o.name AS source, a.title, a.published_at, a.language,
       a.authors, sa.story_id, c.original_id AS copy_of, c.agency,
       (SELECT group_concat(topic, ';') FROM article_topics t WHERE t.article_id = a.id) AS topics,
       (SELECT group_concat(terms, ';') FROM article_topics t WHERE t.article_id = a.id) AS matched_terms,
       (SELECT max(score) FROM article_topics t WHERE t.article_id = a.id) AS relevance,
       a.fetched_at, a.content_hash
FROM articles a JOIN sources o ON o.id = a.source_id
LEFT JOIN story_articles sa ON sa.article_id = a.id LEFT JOIN copies c ON c.article_id = a.id
ORDER BY a.id
"""

CHILD = """
import json, sys, time
from monitor.cli.export import export_articles
from monitor.db import Database
from monitor.db.queries import ArticleFilter
db = Database(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
with open(sys.argv[2], "w", encoding="utf-8", newline="") as out:
    rows = export_articles(db, ArticleFilter(), out, excel=True)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
# VmHWM, not ru_maxrss: on Linux ru_maxrss keeps the peak of the parent image this process was forked from
rss = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024
print(json.dumps({"rows": rows, "seconds": elapsed, "cpu": cpu, "rss_mb": rss}))
"""


def build(path: Path, count: int) -> None:
    """An archive at the migrations' head, then ``count`` articles bulk-inserted (FTS triggers included)."""
    from monitor.db import Database

    Database(f"sqlite:///{path}").dispose()
    rng = random.Random(7)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO sources (id, name, title, language, created_at) VALUES (?, ?, ?, ?, ?)",
            [
                (i, f"outlet{i}", f"Outlet {i}", "fr" if i % 2 else "en", "2020-01-01 00:00:00.000000")
                for i in range(1, 41)
            ],
        )
        connection.executemany(
            "INSERT INTO stories (id, title, first_seen, last_seen, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(i, f"Story {i}", *(["2020-01-01 00:00:00.000000"] * 4)) for i in range(1, count // 10 + 2)],
        )
        articles, topics, links = [], [], []
        for i in range(1, count + 1):
            when = (start + timedelta(minutes=7 * i)).strftime("%Y-%m-%d %H:%M:%S.%f")
            title = " ".join(rng.choices(WORDS, k=8)).capitalize() + (" =1+1" if i % 97 == 0 else "")
            text = " ".join(rng.choices(WORDS, k=60))
            articles.append(
                (
                    i,
                    f"https://outlet{i % 40 + 1}.example/a/{i}",
                    f"https://outlet{i % 40 + 1}.example/a/{i}",
                    i % 40 + 1,
                    f"ext-{i}",
                    title,
                    text,
                    when,
                    "fr" if i % 2 else "en",
                    '["Jeanne Dupont"]',
                    when,
                    f"{i:064x}",
                    120 if i % 2 else (0 if i % 4 == 0 else None),  # Paris summer time, UTC, none given
                )
            )
            topics.append((i, "facial-recognition", "text", '["reconnaissance faciale"]', 1.5 + i % 7))
            if i % 3 == 0:
                links.append((i, i // 30 + 1, 0.8, 0, when))
        connection.executemany(
            "INSERT INTO articles (id, url, canonical_url, source_id, external_id, title, text, published_at, language,"
            " authors, fetched_at, content_hash, published_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            articles,
        )
        connection.executemany(
            "INSERT INTO article_topics (article_id, topic, location, terms, score) VALUES (?, ?, ?, ?, ?)", topics
        )
        connection.executemany(
            "INSERT INTO story_articles (article_id, story_id, similarity, manual, added_at) VALUES (?, ?, ?, ?, ?)",
            links,
        )


def run_export(db: Path, out: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, f"sqlite:///{db}", str(out)], check=True, capture_output=True, text=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run_sqlite3(db: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of ``sqlite3 -csv`` exporting the same rows."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with out.open("wb") as handle:
        subprocess.run(["sqlite3", "-csv", "-header", str(db), SQLITE3_QUERY], check=True, stdout=handle)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="exports of the large archive with each tool")
    args = parser.parse_args()
    if shutil.which("sqlite3") is None:
        sys.exit("sqlite3 (the command-line shell) is needed for the comparison: apt-get install sqlite3")
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        peaks = {}
        for count, runs in ((args.articles // 5, 1), (args.articles, args.runs)):
            db = Path(tmp) / f"bench{count}.db"
            start = time.perf_counter()
            build(db, count)
            print(f"{count} articles written in {time.perf_counter() - start:.1f}s")
            ratios, cpu_ratios = [], []
            for run in range(1, runs + 1):
                ours = run_export(db, Path(tmp) / "ours.csv")
                peaks[count] = max(peaks.get(count, 0.0), ours["rss_mb"])
                theirs, their_cpu = run_sqlite3(db, Path(tmp) / "sqlite3.csv")
                ours_rate, their_rate = ours["rows"] / ours["seconds"], count / theirs
                ratios.append(ours_rate / their_rate)
                cpu_ratios.append(their_cpu / ours["cpu"])
                print(
                    f"  run {run}: monitor export {ours['rows']:.0f} rows in {ours['seconds']:.2f}s = "
                    f"{ours_rate:,.0f} rows/s (CPU {ours['cpu']:.2f}s), peak RSS {ours['rss_mb']:.0f} MB\n"
                    f"         sqlite3 -csv   {count} rows in {theirs:.2f}s = {their_rate:,.0f} rows/s "
                    f"(CPU {their_cpu:.2f}s)\n"
                    f"         throughput ratio {ratios[-1]:.2f} (limit >= {LIMIT_RATIO}: "
                    f"{ratios[-1] / LIMIT_RATIO:.2f}x the limit); CPU-time ratio {cpu_ratios[-1]:.2f}"
                )
            if runs > 1:
                ratio, cpu_ratio = statistics.median(ratios), statistics.median(cpu_ratios)
                print(
                    f"  median of {runs} runs: throughput ratio {ratio:.2f} "
                    f"({ratio / LIMIT_RATIO:.2f}x the {LIMIT_RATIO} limit), CPU-time ratio {cpu_ratio:.2f} "
                    f"({cpu_ratio / LIMIT_RATIO:.2f}x)"
                )
        small, large = sorted(peaks)
        print(
            f"peak RSS {peaks[small]:.0f} MB at {small} articles, {peaks[large]:.0f} MB at {large}: "
            f"ratio to the {LIMIT_RSS_MB:.0f} MB limit {peaks[large] / LIMIT_RSS_MB:.2f}"
        )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
