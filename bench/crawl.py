"""Crawl benchmark: a generated site of N outlets x M articles, then real pages replayed, each crawled twice.

1. Generated outlets (French and English, article pages of varied lengths with the markup of real news
   sites: navigation, JSON-LD, bylines, related links, scripts, footers), served on 127.0.0.1, one port
   per outlet (``monitor.demo.server``). First crawl: pages/s and articles stored/s. Second crawl of the
   unchanged site: its requests by kind and the response statuses (the issue's limit: no article
   request, only conditional feed and sitemap requests answered 304).
2. When ``../shared/tools/replay`` and ``../shared/corpus/extraction`` are there: 251 real news pages
   of 165 outlets replayed over several loopback hosts (``--hosts``); the same two crawls, and the
   issue's speed limit: articles stored per second by the whole pipeline (fetch, extraction, language,
   topics, dedup, stories, storage) at least 1.5 times the pages per second plain
   ``trafilatura.bare_extraction`` extracts on one core, measured in the same run (before and after the
   crawl, over the same pages).

Both crawls keep every article (``--all-topics``), on SQLite. Politeness delays are lowered for local
servers only (``BENCH_OVERRIDES``: no download delay, no AutoThrottle, 8 requests per host); real crawls
keep the project's polite defaults. Other processes on the machine share its cores: the script prints
the load average, and the CPU time per page of the crawl (its main process and its extraction workers)
beside bare_extraction's, which do not depend on that load.

    python bench/crawl.py [--outlets 8] [--articles 30] [--hosts 4] [--workers N] [--skip-replay]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from crawl_site import generate_site  # noqa: E402

REPLAY = ROOT.parent / "shared" / "tools" / "replay"
CORPUS = ROOT.parent / "shared" / "corpus" / "extraction"
SPEED_LIMIT = 1.5
BENCH_OVERRIDES: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,  # local servers only: real crawls keep DOWNLOAD_DELAY and AutoThrottle
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "CONCURRENT_REQUESTS": 32,
}


# Measuring ------------------------------------------------------------------------------------------------
@contextmanager
def rss_sampler() -> Iterator[dict[str, float]]:
    """Peak summed RSS (MB) of this process's descendants (the crawl, its fork server, its workers)."""
    peak = {"tree_mb": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            peak["tree_mb"] = max(peak["tree_mb"], sum(_rss_mb(pid) for pid in _descendants(os.getpid())))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children[int(fields[1])].append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far (0 where /proc does not tell)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def crawl_once(sources: list[Any], db_url: str, extra: dict[str, Any], all_topics: bool = True) -> dict[str, Any]:
    """One crawl in a child process: its stats, wall time, CPU time of its main process and peak RSS."""
    from monitor.crawl import CrawlOptions, crawl_in_subprocess

    options = CrawlOptions(
        database_url=db_url,
        sources=sources,
        all_topics=all_topics,
        log_level="WARNING",
        overrides={**BENCH_OVERRIDES, **extra},
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with rss_sampler() as peak:
        report = crawl_in_subprocess(options, timeout=3600)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "stats": report.stats,
        "per_source": report.per_source,
        "wall": wall,
        "elapsed": float(report.stats.get("elapsed_time_seconds") or wall),
        "main_cpu": float(report.stats.get("monitor/crawl_process_cpu_seconds", 0.0)),
        "process_cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "main_rss_mb": after.ru_maxrss / 1024,
        "tree_mb": peak["tree_mb"],
    }


def bare_extraction_rate(pages: list[tuple[str, str]], with_metadata: bool) -> tuple[float, float]:
    """Pages/s (wall) and CPU ms/page of plain ``trafilatura.bare_extraction`` on one core, warmed up."""
    import trafilatura

    for html, url in pages[:5]:
        trafilatura.bare_extraction(html, url=url, with_metadata=with_metadata)
    wall, cpu = time.perf_counter(), time.process_time()
    for html, url in pages:
        trafilatura.bare_extraction(html, url=url, with_metadata=with_metadata)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return len(pages) / wall, 1000 * cpu / len(pages)


def print_first(label: str, run: dict[str, Any], pages: int) -> float:
    stats = run["stats"]
    stored = int(stats.get("monitor/stored", 0))
    rate = stored / run["elapsed"]
    workers_cpu = float(stats.get("monitor/extraction_cpu_seconds", 0.0))
    print(f"{label} first crawl: {stats.get('downloader/request_count', 0)} requests, {pages} article pages,")
    print(f"  {stored} articles stored in {run['elapsed']:.1f} s ({run['wall']:.1f} s with process start-up)")
    print(f"  pages/s {pages / run['elapsed']:.1f}   articles stored/s {rate:.1f}")
    print(
        f"  CPU per page: crawl process {1000 * run['main_cpu'] / max(pages, 1):.0f} ms, "
        f"extraction {1000 * workers_cpu / max(pages, 1):.0f} ms "
        f"(crawl process with its start-up: {1000 * run['process_cpu'] / max(pages, 1):.0f} ms)"
    )
    print(f"  peak RSS: crawl process {run['main_rss_mb']:.0f} MB, with its workers {run['tree_mb']:.0f} MB")
    extracted, failed = stats.get("monitor/extracted", 0), stats.get("monitor/extraction_failed", 0)
    print(
        f"  extracted {extracted}, extraction failed {failed}, not articles (live blogs, videos, index pages) "
        f"{stats.get('monitor/not_articles', 0)}, duplicates {stats.get('monitor/duplicates', 0)}, "
        f"copies {stats.get('monitor/copies', 0)}, stories opened {stats.get('monitor/stories_opened', 0)}, "
        f"errors logged {stats.get('log_count/ERROR', 0)}, finish {stats.get('finish_reason')}"
    )
    return rate


def print_second(label: str, run: dict[str, Any], kinds: collections.Counter[tuple[str, str]]) -> None:
    stats = run["stats"]
    total = sum(kinds.values())
    print(f"{label} second crawl: {total} requests in {run['elapsed']:.1f} s, {stats.get('monitor/stored', 0)} stored")
    for (kind, status), count in sorted(kinds.items()):
        print(f"  {kind:10} {status:>4}  {count}")
    articles = sum(n for (kind, _), n in kinds.items() if kind == "article")
    print(f"  article requests: {articles} (limit: 0)")
    if all(status for _, status in kinds):
        other = sum(n for (kind, status), n in kinds.items() if kind not in ("robots", "article") and status != "304")
        print(f"  feed, sitemap and section requests not answered 304: {other} (limit: 0)")
    print(
        f"  conditional requests answered 304 (crawl stats): {stats.get('monitor/not_modified', 0)}; "
        f"unchanged bodies: {stats.get('monitor/unchanged', 0)}"
    )
    print(
        f"  CPU of the whole crawl (start-up and extraction workers included): {run['process_cpu']:.1f} s; "
        f"extraction workers started: {stats.get('monitor/extraction_workers', 0)}"
    )


# Generated outlets ----------------------------------------------------------------------------------------
def kind_of_path(path: str) -> str:
    path = path.split("?", 1)[0]
    if path == "/robots.txt":
        return "robots"
    if "/articles/" in path or "/a/" in path:
        return "article"
    if path.endswith(("rss.xml", "atom.xml", "feed.xml")):
        return "feed"
    if "sitemap" in path:
        return "sitemap"
    return "section"


def bench_generated(outlets: int, articles: int, work: Path, workers: dict[str, Any]) -> None:
    from monitor.demo.server import serve_site

    root = work / "site"
    pages = generate_site(root, outlets, articles, datetime.now(UTC) - timedelta(hours=1))
    print(f"generated: {outlets} outlets x {articles} articles ({pages} pages, FR and EN) in {root}")
    with serve_site(root) as site:
        db_url = f"sqlite:///{work / 'generated.db'}"
        first = crawl_once(site.sources(), db_url, workers)
        fetched = sum(1 for o in site.outlets for p in site.requests(o.name) if kind_of_path(p) == "article")
        print_first("generated", first, fetched)
        marks = {o.name: len(site.requests(o.name)) for o in site.outlets}
        second = crawl_once(site.sources(), db_url, workers)
        paths = [p for o in site.outlets for p in site.requests(o.name)[marks[o.name] :]]
        statuses = {k.rsplit("/", 1)[1]: v for k, v in second["stats"].items() if "response_status_count/" in k}
        kinds = collections.Counter((kind_of_path(p), "") for p in paths)
        print_second("generated", second, kinds)
        print(f"  response statuses (crawl stats): {dict(sorted(statuses.items()))}")


# Real pages replayed --------------------------------------------------------------------------------------
def start_replay(log: Path, hosts: int) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, str(REPLAY / "serve.py"), "--data", str(CORPUS), "--port", "0"]
    command += ["--log", str(log), "--hosts", str(hosts)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert server.stdout is not None
    base = server.stdout.readline().strip()
    if not base.startswith("http://"):
        server.terminate()
        raise SystemExit(f"replay server did not start: {base!r}")
    return server, base


def logged(log: Path, start: int) -> list[dict[str, Any]]:
    lines = log.read_text("utf-8").splitlines()[start:]
    return [json.loads(line) for line in lines if line.strip()]


def replay_pages() -> list[tuple[str, str]]:
    pages = []
    for page in sorted(CORPUS.glob("*/*.html")):
        meta = page.with_suffix(".json")
        url = json.loads(meta.read_text("utf-8")).get("url", "") if meta.is_file() else ""
        pages.append((page.read_bytes().decode("utf-8", "replace"), url or f"https://example.org/{page.name}"))
    return pages


def bench_replay(hosts: int, work: Path, workers: dict[str, Any]) -> None:
    from monitor.sources import load_sources

    log, sources_file = work / "requests.jsonl", work / "sources.toml"
    log.write_text("", "utf-8")
    server, base = start_replay(log, hosts)
    try:
        command = [sys.executable, str(REPLAY / "outlets.py"), "--data", str(CORPUS), "--base", base]
        command += ["--out", str(sources_file), "--hosts", str(hosts)]
        subprocess.run(command, check=True, capture_output=True)
        sources = load_sources(sources_file)
        pages = replay_pages()
        print(f"replay: {len(pages)} real pages of {len(sources)} outlets over {hosts} loopback hosts")
        bare_before = bare_extraction_rate(pages, with_metadata=False)
        db_url = f"sqlite:///{work / 'replay.db'}"
        extra = {**workers, "MONITOR_SITEMAP_HORIZON_DAYS": 0}  # the replayed pages are years old
        server_cpu = cpu_seconds(server.pid)
        first = crawl_once(sources, db_url, extra)
        server_cpu = cpu_seconds(server.pid) - server_cpu
        requests = logged(log, 0)
        fetched = sum(1 for r in requests if kind_of_path(r["path"]) == "article" and r["status"] == 200)
        bare_after = bare_extraction_rate(pages, with_metadata=False)
        meta_rate, meta_cpu = bare_extraction_rate(pages, with_metadata=True)
        rate = print_first("replay", first, fetched)
        bare = (bare_before[0] + bare_after[0]) / 2
        bare_cpu = (bare_before[1] + bare_after[1]) / 2
        print(
            f"  bare_extraction (default options) on one core: {bare_before[0]:.1f} pages/s before the crawl, "
            f"{bare_after[0]:.1f} after; {bare_cpu:.0f} ms CPU/page"
        )
        print(f"  bare_extraction with_metadata=True on one core: {meta_rate:.1f} pages/s; {meta_cpu:.0f} ms CPU/page")
        ok = "ok" if rate / bare >= SPEED_LIMIT else "BELOW THE LIMIT"
        print(f"  RATIO stored/s / bare_extraction pages/s: {rate / bare:.2f} (limit >= {SPEED_LIMIT}: {ok})")
        print(f"  ratio to bare_extraction with_metadata=True: {rate / meta_rate:.2f}")
        stored = max(int(first["stats"].get("monitor/stored", 0)), 1)
        in_process = workers.get("MONITOR_EXTRACT_WORKERS") == 0  # then the crawl process's CPU includes it
        workers_cpu = 0.0 if in_process else float(first["stats"].get("monitor/extraction_cpu_seconds", 0))
        cpu_per_page = (first["main_cpu"] + workers_cpu) / stored
        cores = len(os.sched_getaffinity(0))
        bound = min(cores / cpu_per_page, 1 / (first["main_cpu"] / stored)) / (1000 / bare_cpu)
        print(
            f"  CPU-time bound on {cores} idle cores (no other load): at most {bound:.2f} x bare_extraction "
            f"({1000 * cpu_per_page:.0f} ms CPU per stored article vs {bare_cpu:.0f} ms)"
        )
        print(
            f"  the replay server's CPU during the crawl (it shares these cores): {server_cpu:.1f} s, "
            f"{1000 * server_cpu / stored:.0f} ms per stored article"
        )

        mark = len(requests)
        second = crawl_once(sources, db_url, extra)
        kinds = collections.Counter((kind_of_path(r["path"]), str(r["status"])) for r in logged(log, mark))
        print_second("replay", second, kinds)
        changed_feeds(sources, work, log, extra)
    finally:
        server.terminate()
        server.wait(10)


def changed_feeds(sources: list[Any], work: Path, log: Path, extra: dict[str, Any]) -> None:
    """With the watchlists on (most replayed pages are not about facial recognition): a crawl, then another
    after every feed, sitemap and section page has changed (their validators forgotten, so all of them are
    read again): the pages dropped the first time (off topic, not articles) must not be fetched again."""
    from sqlalchemy import delete

    from monitor.db import Database
    from monitor.db.models import FeedValidator

    db_url = f"sqlite:///{work / 'replay-topics.db'}"
    first = crawl_once(sources, db_url, extra, all_topics=False)
    database = Database(db_url)
    with database.session() as session:
        session.execute(delete(FeedValidator))
    database.dispose()
    mark = len(logged(log, 0))
    again = crawl_once(sources, db_url, extra, all_topics=False)
    articles = sum(1 for r in logged(log, mark) if kind_of_path(r["path"]) == "article")
    stats = first["stats"]
    print(
        f"replay with the watchlists: {stats.get('monitor/stored', 0)} stored, "
        f"{stats.get('monitor/off_topic', 0)} off topic, {stats.get('monitor/not_articles', 0)} not articles; "
        f"after every feed changed: {articles} article requests (limit: 0), "
        f"{again['stats'].get('monitor/already_seen', 0)} dropped pages skipped, "
        f"{again['stats'].get('monitor/already_archived', 0)} archived ones skipped"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlets", type=int, default=8, help="generated outlets (half French, half English)")
    parser.add_argument("--articles", type=int, default=30, help="articles per generated outlet")
    parser.add_argument("--hosts", type=int, default=4, help="loopback hosts the replayed outlets are spread over")
    parser.add_argument("--workers", type=int, default=None, help="MONITOR_EXTRACT_WORKERS (default: one per CPU)")
    parser.add_argument("--skip-generated", action="store_true")
    parser.add_argument("--skip-replay", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="keep databases, site and logs in this folder")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    work.mkdir(parents=True, exist_ok=True)
    workers = {} if args.workers is None else {"MONITOR_EXTRACT_WORKERS": args.workers}
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{len(os.sched_getaffinity(0))} CPUs, load average {load} (other processes share these cores)")
    print(f"overrides for local servers: {BENCH_OVERRIDES} {workers}")
    if not args.skip_generated:
        bench_generated(args.outlets, args.articles, work, workers)
    if args.skip_replay:
        pass
    elif (REPLAY / "serve.py").is_file() and CORPUS.is_dir():
        bench_replay(args.hosts, work, workers)
    else:
        print(f"replay skipped: {REPLAY / 'serve.py'} or {CORPUS} not present")
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
