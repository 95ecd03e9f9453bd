"""Distributed crawling: articles/s with 1 and 2 worker processes sharing one Redis queue, into PostgreSQL.

    python bench/bench_workers.py [--workers 1 2] [--demo] [--db postgresql://...] [--redis redis://...]

Serves ../shared/tools/replay (real pages of ../shared/corpus/extraction as local outlets) when present,
else the bundled demo site; every article is kept (--all-topics) so that each page costs a full store.
For each worker count: a fresh PostgreSQL database and Redis prefix, the workers started and waiting, then
the start URLs enqueued; the time runs from the enqueue to the last article stored (process start-up and
the workers' idle wait are not counted).

Limit named here: at least 5 articles/s with one worker on a 2-core machine (as bench_demo_crawl.py's pages/s);
the 2-worker figure is also printed as a ratio to the 1-worker one (the server, PostgreSQL and both workers
share the same cores here, so the ratio says little about separate machines).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from monitor.cli.demo import demo_overrides
from monitor.crawl import CrawlOptions, CrawlReport, crawl_in_subprocess
from monitor.db import Database, resolve_database_url
from monitor.db.models import Article
from monitor.distributed import DistributedConfig, distributed_settings, enqueue_sources, queue_status, reset
from monitor.sources import Source, load_sources

LIMIT_ARTICLES_PER_S = 5.0
REPLAY = Path(__file__).resolve().parents[2] / "shared" / "tools" / "replay"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "extraction"


@contextmanager
def replay_site(tmp: Path, hosts: int = 4) -> Iterator[list[Source]]:
    server = subprocess.Popen(
        [sys.executable, str(REPLAY / "serve.py"), "--data", str(CORPUS), "--port", "0", "--log", str(tmp / "log"),
         "--hosts", str(hosts)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        base = server.stdout.readline().strip()
        out = tmp / "sources.toml"
        subprocess.run(
            [sys.executable, str(REPLAY / "outlets.py"), "--data", str(CORPUS), "--base", base, "--out", str(out),
             "--hosts", str(hosts)],
            check=True, capture_output=True,
        )  # fmt: skip
        yield load_sources(out)
    finally:
        server.terminate()
        server.wait(10)


@contextmanager
def demo_site() -> Iterator[list[Source]]:
    from monitor.demo.server import serve_site

    with serve_site() as site:
        yield site.sources()


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    base = resolve_database_url(admin_url)
    name = f"monitor_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(sources: list[Source], workers: int, admin_url: str, redis_url: str) -> float:
    config = DistributedConfig(redis_url=redis_url, prefix=f"monitor-bench-{uuid.uuid4().hex[:8]}", idle_close=3)
    with fresh_database(admin_url) as db_url:
        Database(db_url).dispose()  # migrated before the clock starts
        overrides = {**demo_overrides(), **distributed_settings(config)}
        options = CrawlOptions(database_url=db_url, sources=[], all_topics=True, log_level="ERROR", overrides=overrides)
        try:
            with ThreadPoolExecutor(workers) as pool:
                futures = [pool.submit(crawl_in_subprocess, options, 900) for _ in range(workers)]
                while len(queue_status(config)["workers"]) < workers:
                    time.sleep(0.1)
                start = time.time()
                enqueue_sources(config, sources)
                reports: list[CrawlReport] = [future.result() for future in futures]
        finally:
            reset(config)
        database = Database(db_url)
        with database.session() as session:
            stored = session.scalar(select(func.count()).select_from(Article)) or 0
            last = session.scalar(select(func.max(Article.fetched_at)))
        database.dispose()
    elapsed = (last.timestamp() - start) if last else float("nan")
    pages = sum(int(r.stats.get("downloader/response_count", 0)) for r in reports)
    split = "/".join(str(int(r.stats.get("scheduler/dequeued/redis", 0))) for r in reports)
    rate = stored / elapsed
    print(
        f"{workers} worker(s): {stored} articles, {pages} responses in {elapsed:.2f}s: {rate:.1f} articles/s "
        f"(requests per worker {split}), ratio to limit {rate / LIMIT_ARTICLES_PER_S:.2f}",
        flush=True,
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--demo", action="store_true", help="the bundled demo site even when the replay is there")
    parser.add_argument(
        "--db", default=os.environ.get("MONITOR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--redis", default=os.environ.get("MONITOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    use_replay = not args.demo and (REPLAY / "serve.py").exists() and CORPUS.exists()
    with tempfile.TemporaryDirectory() as tmp, replay_site(Path(tmp)) if use_replay else demo_site() as sources:
        print(f"{'replay of ' + str(CORPUS) if use_replay else 'demo site'}: {len(sources)} outlets; PostgreSQL, Redis")
        rates = {workers: run(sources, workers, args.db, args.redis) for workers in args.workers}
    if 1 in rates and 2 in rates:
        print(f"2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")


if __name__ == "__main__":
    main()
