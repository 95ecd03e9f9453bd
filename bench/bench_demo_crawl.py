"""Crawl the bundled demo outlets end to end and print pages/s, articles/s and the crawl's peak RSS.

    python bench/bench_demo_crawl.py [--rounds 3]

Limit named here: at least 5 pages/s on the demo site on a 2-core machine (local servers, no delays).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from monitor.cli.demo import demo_overrides
from monitor.crawl import CrawlOptions, crawl_in_subprocess
from monitor.demo.server import serve_site

LIMIT_PAGES_PER_S = 5.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with serve_site() as site, tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            db_url = f"sqlite:///{Path(tmp) / f'bench{round_}.db'}"
            options = CrawlOptions(
                database_url=db_url,
                sources=site.sources(),
                all_topics=True,
                log_level="WARNING",
                overrides=demo_overrides(),
            )
            start = time.perf_counter()
            report = crawl_in_subprocess(options, timeout=300)
            elapsed = time.perf_counter() - start
            pages = int(report.stats.get("downloader/response_count", 0))
            stored = report.stored
            rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(
                f"round {round_ + 1}: {pages} pages, {stored} articles in {elapsed:.2f}s (incl. process start): "
                f"{pages / elapsed:.1f} pages/s, {stored / elapsed:.1f} articles/s, crawl peak RSS {rss_mb:.0f} MB, "
                f"ratio to limit {pages / elapsed / LIMIT_PAGES_PER_S:.2f}"
            )


if __name__ == "__main__":
    main()
