"""Crawl real news pages replayed as local outlets, twice: throughput, then what an incremental crawl costs.

Runs ``../shared/tools/replay/serve.py`` (real pages of ``../shared/corpus/extraction`` spread over
several loopback hosts), writes the sources with ``outlets.py``, crawls everything with every topic kept
(fetch, extraction, language, topics, dedup, stories, storage) and prints pages/s and articles/s, the
ratio to plain ``trafilatura.bare_extraction`` on one core over the same pages (the issue's limit: 1.5),
peak RSS; then crawls again and prints the second crawl's requests by kind and status (the limit: no
article request, only conditional discovery requests answered 304).

    python bench/bench_crawl_replay.py [--hosts 4] [--keep DIR]
"""

from __future__ import annotations

import argparse
import collections
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REPLAY = ROOT.parent / "shared" / "tools" / "replay"
CORPUS = ROOT.parent / "shared" / "corpus" / "extraction"
SPEED_LIMIT = 1.5


def start_server(log: Path, hosts: int) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, str(REPLAY / "serve.py"), "--data", str(CORPUS), "--port", "0"]
    command += ["--log", str(log), "--hosts", str(hosts)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert server.stdout is not None
    base = server.stdout.readline().strip()
    if not base.startswith("http://"):
        server.terminate()
        raise SystemExit(f"replay server did not start: {base!r}")
    return server, base


def requests_of(log: Path, start: int) -> list[dict[str, Any]]:
    lines = log.read_text("utf-8").splitlines()[start:]
    return [json.loads(line) for line in lines if line.strip()]


def kind_of(path: str) -> str:
    if path == "/robots.txt":
        return "robots"
    if "/a/" in path:
        return "article"
    if path.endswith(("rss.xml",)):
        return "feed"
    if "sitemap" in path:
        return "sitemap"
    return "section/other"


def bare_extraction_rate(pages: list[Path]) -> float:
    """Pages per second of plain trafilatura.bare_extraction on one core."""
    import trafilatura

    started = time.perf_counter()
    for page in pages:
        trafilatura.bare_extraction(page.read_bytes().decode("utf-8", "replace"), with_metadata=True)
    return len(pages) / (time.perf_counter() - started)


def crawl(sources_file: Path, db_url: str) -> tuple[dict[str, Any], float]:
    from monitor.crawl import CrawlOptions, crawl_in_subprocess
    from monitor.sources import load_sources

    overrides = {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "CONCURRENT_REQUESTS": 32,
        "MONITOR_SITEMAP_HORIZON_DAYS": 0,  # the replayed pages are years old
    }
    options = CrawlOptions(
        database_url=db_url,
        sources=load_sources(sources_file),
        all_topics=True,
        log_level="WARNING",
        overrides=overrides,
    )
    started = time.perf_counter()
    report = crawl_in_subprocess(options, timeout=1800)
    return report.stats, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=4, help="loopback hosts the outlets are spread over")
    parser.add_argument("--keep", type=Path, default=None, help="keep the database and logs in this folder")
    args = parser.parse_args()
    if not (REPLAY / "serve.py").is_file() or not CORPUS.is_dir():
        print(f"skipped: {REPLAY / 'serve.py'} or {CORPUS} not present")
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-replay-"))
    work.mkdir(parents=True, exist_ok=True)
    log, sources_file = work / "requests.jsonl", work / "sources.toml"
    log.write_text("", "utf-8")
    server, base = start_server(log, args.hosts)
    try:
        command = [sys.executable, str(REPLAY / "outlets.py"), "--data", str(CORPUS), "--base", base]
        command += ["--out", str(sources_file), "--hosts", str(args.hosts)]
        subprocess.run(command, check=True, capture_output=True)
        db_url = f"sqlite:///{work / 'archive.db'}"

        stats, seconds = crawl(sources_file, db_url)
        first = requests_of(log, 0)
        pages = sum(1 for r in first if kind_of(r["path"]) == "article" and r["status"] == 200)
        stored = int(stats.get("monitor/stored", 0))
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        article_files = sorted(CORPUS.glob("*/*.html"))
        bare = bare_extraction_rate(article_files)
        print(f"first crawl: {len(first)} requests, {pages} article pages, {stored} articles stored in {seconds:.1f} s")
        print(f"  pages/s {pages / seconds:.1f}   articles/s {stored / seconds:.1f}   (including process start-up)")
        print(f"  bare_extraction on one core: {bare:.1f} pages/s over {len(article_files)} pages")
        print(f"  ratio pipeline / bare_extraction: {pages / seconds / bare:.2f} (limit: >= {SPEED_LIMIT})")
        print(f"  peak RSS of the crawl process: {rss_mb:.0f} MB")
        print(f"  errors logged: {stats.get('log_count/ERROR', 0)}, finish: {stats.get('finish_reason')}")

        mark = len(first)
        stats2, seconds2 = crawl(sources_file, db_url)
        second = requests_of(log, mark)
        kinds = collections.Counter((kind_of(r["path"]), r["status"]) for r in second)
        conditional_304 = sum(n for (kind, status), n in kinds.items() if kind != "robots" and status == 304)
        articles = sum(n for (kind, _), n in kinds.items() if kind == "article")
        print(f"second crawl: {len(second)} requests in {seconds2:.1f} s, {stats2.get('monitor/stored', 0)} stored")
        for (kind, status), count in sorted(kinds.items()):
            print(f"  {kind:14} {status}  {count}")
        others = len(second) - conditional_304 - kinds.get(("robots", 200), 0)
        print(f"  article requests: {articles} (limit: 0); discovery requests answered 304: {conditional_304};")
        print(f"  other requests: {others} (limit: 0)")
    finally:
        server.terminate()
        server.wait(10)
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
