"""Export N synthetic articles to CSV with `monitor export articles` and with `sqlite3 -csv` on the same table.

    python bench/bench_export.py [--articles 100000]

Prints rows/s of both, their ratio, and the peak RSS of the export process at N and at N/5 (constant
memory: the two peaks should be about the same). Limits named here: throughput >= 0.5 of `sqlite3 -csv`
(issue 8) and peak RSS <= 150 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
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
from monitor.db import Database
from monitor.db.queries import ARTICLE_COLUMNS, ArticleFilter, iter_articles
from monitor.export import write_csv
db = Database(sys.argv[1])
start = time.perf_counter()
with open(sys.argv[2], "w", encoding="utf-8", newline="") as out:
    rows = write_csv(out, ARTICLE_COLUMNS, iter_articles(db, ArticleFilter()), excel=True)
elapsed = time.perf_counter() - start
# VmHWM, not ru_maxrss: on Linux ru_maxrss keeps the peak of the parent image this process was forked from
rss = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024
print(json.dumps({"rows": rows, "seconds": elapsed, "rss_mb": rss}))
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
                )
            )
            topics.append((i, "facial-recognition", "text", '["reconnaissance faciale"]', 1.5 + i % 7))
            if i % 3 == 0:
                links.append((i, i // 30 + 1, 0.8, 0, when))
        connection.executemany(
            "INSERT INTO articles (id, url, canonical_url, source_id, external_id, title, text, published_at, language,"
            " authors, fetched_at, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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


def run_sqlite3(db: Path, out: Path) -> float:
    start = time.perf_counter()
    with out.open("wb") as handle:
        subprocess.run(["sqlite3", "-csv", "-header", str(db), SQLITE3_QUERY], check=True, stdout=handle)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()
    if shutil.which("sqlite3") is None:
        sys.exit("sqlite3 (the command-line shell) is needed for the comparison: apt-get install sqlite3")
    with tempfile.TemporaryDirectory() as tmp:
        peaks = {}
        for count in (args.articles // 5, args.articles):
            db = Path(tmp) / f"bench{count}.db"
            start = time.perf_counter()
            build(db, count)
            print(f"{count} articles written in {time.perf_counter() - start:.1f}s")
            ours = run_export(db, Path(tmp) / "ours.csv")
            peaks[count] = ours["rss_mb"]
            theirs = run_sqlite3(db, Path(tmp) / "sqlite3.csv")
            ours_rate, their_rate = ours["rows"] / ours["seconds"], count / theirs
            ratio = ours_rate / their_rate
            print(
                f"  monitor export: {ours['rows']:.0f} rows in {ours['seconds']:.2f}s = {ours_rate:,.0f} rows/s, "
                f"peak RSS {ours['rss_mb']:.0f} MB\n"
                f"  sqlite3 -csv:   {count} rows in {theirs:.2f}s = {their_rate:,.0f} rows/s\n"
                f"  throughput ratio {ratio:.2f} (limit >= {LIMIT_RATIO}: {ratio / LIMIT_RATIO:.2f}x the limit)"
            )
        small, large = sorted(peaks)
        print(
            f"peak RSS {peaks[small]:.0f} MB at {small} articles, {peaks[large]:.0f} MB at {large}: "
            f"ratio to the {LIMIT_RSS_MB:.0f} MB limit {peaks[large] / LIMIT_RSS_MB:.2f}"
        )


if __name__ == "__main__":
    main()
