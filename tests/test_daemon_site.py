"""A growing outlet for the daemon and crash tests: a temporary copy of a demo outlet, served on 127.0.0.1,
to which articles (pages and feed entries) are added between cycles; and helpers to run and watch
``monitor`` processes against it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from monitor.db.session import resolve_database_url
from monitor.demo.server import serve_site, site_root

OUTLET = "wire-tech"
CITIES = ["Lyon", "Leeds", "Nantes", "Bristol", "Lille", "Glasgow", "Rennes", "Cardiff", "Nice", "York", "Metz", "Bath"]
AGENCIES = ["transport police", "city council", "county sheriff", "border agency", "school board", "stadium operator"]

# Slow enough that a test can act in the middle of a crawl, fast enough for a quick suite.
SLOW = [
    *("-s", "DOWNLOAD_DELAY=0.25", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False", "-s", "AUTOTHROTTLE_ENABLED=False"),
    *("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "CONCURRENT_REQUESTS=1"),  # one request in flight
    *("-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_TIMEOUT=10"),
]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]


def article_html(index: int) -> str:
    city, agency = CITIES[index % len(CITIES)], AGENCIES[index % len(AGENCIES)]
    title = f"{city} {agency} trial of live facial recognition number {index} draws a legal challenge"
    paragraphs = [
        f"The {agency} in {city} has started trial {index} of live facial recognition cameras, matching the "
        f"faces of {100 + index * 37} passers-by an hour against a watchlist of wanted people.",
        f"Civil-liberties lawyers filed challenge number {index * 11 + 3} on Monday, arguing that the facial "
        f"recognition system in {city} was deployed without an impact assessment or a public consultation.",
        f"Officials said {index * 3 + 2} alerts had been checked by officers so far and that images of people who "
        f"were not on the list were deleted at once; campaigners in {city} asked for the error rates.",
        f"A council meeting on the trial is planned for day {index + 4} of next month, when the {agency} is "
        f"expected to publish the accuracy figures of the face-matching software it bought.",
    ]
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | WireTech</title>
<link rel="canonical" href="{{{{BASE}}}}/articles/growing-{index}.html">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2026-11-{1 + index % 28:02d}T09:{index % 60:02d}:00+00:00">
<meta name="author" content="Staff reporter {index}">
</head><body><main><article><h1>{title}</h1>
<div class="post-content entry-content">
{body}
</div></article></main></body></html>
"""


class GrowingSite:
    """A served copy of one demo outlet; ``add(n)`` publishes n more articles."""

    def __init__(self, root: Path, running: Any) -> None:
        self.root = root
        self.running = running
        self.added = 0

    @property
    def folder(self) -> Path:
        return self.root / OUTLET

    def add(self, count: int) -> None:
        feed = self.folder / "rss.xml"
        items = []
        for _ in range(count):
            index = self.added
            self.added += 1
            (self.folder / "articles" / f"growing-{index}.html").write_text(article_html(index), "utf-8")
            items.append(
                f"<item><title>Growing article {index}</title>"
                f"<link>{{{{BASE}}}}/articles/growing-{index}.html</link>"
                f'<guid isPermaLink="false">growing-{index}</guid>'
                f"<pubDate>Mon, 02 Nov 2026 09:{index % 60:02d}:00 +0000</pubDate></item>"
            )
        xml = feed.read_text("utf-8")
        feed.write_text(xml.replace("</channel>", "\n".join(items) + "\n</channel>", 1), "utf-8")

    def sources_file(self, path: Path, every: str = "1s") -> Path:
        path.write_text(self.running.sources_toml().replace('every = "1h"', f'every = "{every}"'), "utf-8")
        return path

    def on_topic_total(self) -> int:
        """Articles that a full crawl stores: the outlet's on-topic demo articles plus the added ones."""
        return 3 + self.added


@contextmanager
def growing_site(tmp_path: Path) -> Iterator[GrowingSite]:
    root = tmp_path / "site"
    shutil.copytree(site_root() / OUTLET, root / OUTLET)
    with serve_site(root) as running:
        yield GrowingSite(root, running)


def monitor_process(*args: str, log: Path) -> subprocess.Popen[bytes]:
    """``monitor ARGS`` as a child process of the test, its output in ``log``."""
    handle = open(log, "ab")  # noqa: SIM115 (closed with the process by the OS)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "monitor.cli", *args], stdout=handle, stderr=handle, env=env)


def run_monitor(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def wait_for(condition: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Archive:
    """Read-only looks at the archive under test, with a connection per call (no locks held)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(resolve_database_url(url))

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as connection:
            return list(connection.execute(text(sql), params))

    def articles(self) -> int:
        try:
            return int(self.scalar("SELECT count(*) FROM articles"))
        except Exception:  # the schema is not there yet
            return 0

    def runs(self, status: str | None = None) -> list[Any]:
        try:
            if status:
                return self.rows("SELECT * FROM crawl_runs WHERE status = :s ORDER BY id", s=status)
            return self.rows("SELECT * FROM crawl_runs ORDER BY id")
        except Exception:
            return []

    def assert_consistent(self) -> None:
        """No duplicate articles, every article in exactly one story, no story link to nothing."""
        assert self.scalar("SELECT count(*) - count(DISTINCT canonical_url) FROM articles") == 0
        assert self.scalar("SELECT count(*) - count(DISTINCT content_hash) FROM articles") == 0
        assert (
            self.scalar(
                "SELECT count(*) FROM articles a"
                " WHERE NOT EXISTS (SELECT 1 FROM story_articles s WHERE s.article_id = a.id)"
            )
            == 0
        ), "an article without its story link"
        assert (
            self.scalar(
                "SELECT count(*) FROM story_articles s"
                " WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = s.article_id)"
                " OR NOT EXISTS (SELECT 1 FROM stories t WHERE t.id = s.story_id)"
            )
            == 0
        ), "a dangling story link"
        assert (
            self.scalar(
                "SELECT count(*) FROM stories t"
                " WHERE NOT EXISTS (SELECT 1 FROM story_articles s WHERE s.story_id = t.id)"
            )
            == 0
        ), "a story without articles"
        assert (
            self.scalar(
                "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM raw_pages r WHERE r.article_id = a.id)"
            )
            == 0
        ), "an article without its raw page"

    def dispose(self) -> None:
        self.engine.dispose()


def test_growing_site_serves_added_articles(tmp_path: Path) -> None:
    import urllib.request

    with growing_site(tmp_path) as site:
        site.add(2)
        base = site.running.base_url(OUTLET)
        feed = urllib.request.urlopen(f"{base}/rss.xml", timeout=5).read().decode()
        page = urllib.request.urlopen(f"{base}/articles/growing-1.html", timeout=5).read().decode()
    assert f"{base}/articles/growing-0.html" in feed and f"{base}/articles/growing-1.html" in feed
    assert "facial recognition number 1" in page and f'href="{base}/articles/growing-1.html"' in page
    assert article_html(0) != article_html(1)
