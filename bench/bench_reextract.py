"""`monitor reextract` over an archive of real pages, in process and with worker processes.

    python bench/bench_reextract.py [--pages 2000] [--workers N]

The archive (a temporary SQLite file) holds the corpus pages of `../shared/corpus/extraction/` (or, without
it, the golden pages of `tests/fixtures/extraction/`), repeated under other URLs up to `--pages`, each
stored as an older extractor left it (a stale text), with its raw HTML. Each run re-extracts the whole
archive with `--dry-run`'s reading (nothing written, so that every run does the same work) and prints
pages/s, CPU seconds (the command and its workers) and peak RSS; then the speed-up of the workers. Issue 4
names no speed limit for re-extraction: the figure to watch is the speed-up, which approaches the number of
cores as the archive grows (a worker costs about a second to start).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from monitor.db import Database
from monitor.db.models import Article
from monitor.db.store import Store
from monitor.reextract import reextract
from monitor.workers import default_workers

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "extraction"
GOLDEN = ROOT / "tests" / "fixtures" / "extraction"


def corpus_pages() -> tuple[str, list[bytes]]:
    pages = sorted(CORPUS.rglob("*.html")) if CORPUS.is_dir() else []
    if pages:
        return f"{len(pages)} corpus pages of {CORPUS}", [p.read_bytes() for p in pages]
    golden = sorted(GOLDEN.rglob("page.html"))
    return f"{len(golden)} golden pages of tests/fixtures/extraction (no shared corpus)", [
        p.read_bytes() for p in golden
    ]


def build_archive(url: str, pages: list[bytes], count: int) -> None:
    database = Database(url)
    store = Store(database)
    with database.session() as session:
        source_id = store.ensure_source(session, "bench", language="en")
        for index in range(count):
            text = f"Stale text {index}."
            row = Article(
                url=f"https://bench.example/{index}.html",
                canonical_url=f"https://bench.example/{index}.html",
                source_id=source_id,
                title="Old title",
                text=text,
                language="und",
                authors=[],
                fetched_at=datetime.now(UTC),
                content_hash=f"stale-{index}",
            )
            store.insert_article(session, row, pages[index % len(pages)], "utf-8", "text/html", 200)
    database.dispose()


def run(url: str, workers: int) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (this process and its reaped workers) and pages examined."""
    database = Database(url)
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    report = reextract(database, dry_run=True, workers=workers)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    database.dispose()
    cpu = sum((a.ru_utime + a.ru_stime) - (b.ru_utime + b.ru_stime) for a, b in zip(after, before, strict=True))
    return wall, cpu, report.examined


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args()
    what, pages = corpus_pages()
    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite:///{work}/archive.db"
        build_archive(url, pages, args.pages)
        print(f"archive: {args.pages} pages ({what})")
        rates = {}
        for workers in (0, args.workers):
            wall, cpu, examined = run(url, workers)
            rates[workers] = examined / wall
            print(
                f"  workers {workers}: {examined} pages in {wall:.1f} s, {rates[workers]:.1f} pages/s, "
                f"CPU {cpu:.1f} s ({1000 * cpu / max(examined, 1):.0f} ms/page)"
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak RSS of the command: {peak:.0f} MB")
        print(f"SPEED-UP with {args.workers} workers: {rates[args.workers] / rates[0]:.2f} x (no limit named)")


if __name__ == "__main__":
    main()
