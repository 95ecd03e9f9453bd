"""A small local HTTP server for the discovery tests: fixed routes, validators and 304s, scripted faults.

Each route is a ``Route`` (body, content type, status, extra headers, how many first requests fail with
503 + Retry-After). Every request is logged with its time, path, status and conditional headers.
``{A}`` and ``{B}`` in bodies become the base URLs of the two servers (127.0.0.1 and 127.0.0.2).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# a crawl of these local servers without the waits meant for real sites: no delay, short retries
FAST_CRAWL: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    "DOWNLOAD_TIMEOUT": 10,
    "RETRY_TIMES": 1,
    "MONITOR_RETRY_BACKOFF_BASE": 0.05,
}


@dataclass
class Route:
    body: bytes
    ctype: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    fail_first: int = 0  # answer the first N requests with 503 + Retry-After
    retry_after: str = "1"
    gzip: bool = False


@dataclass(frozen=True)
class Hit:
    time: float
    path: str
    status: int
    if_none_match: str | None
    if_modified_since: str | None
    user_agent: str


class _Handler(BaseHTTPRequestHandler):
    server: LocalServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        server = self.server
        route = server.routes.get(self.path)
        with server.lock:
            count = server.counts.get(self.path, 0) + 1
            server.counts[self.path] = count
        if route is None:
            return self._send(404, b"<html><body>not found</body></html>", "text/html", {})
        if count <= route.fail_first:
            return self._send(503, b"busy", "text/plain", {"Retry-After": route.retry_after})
        body = server.render(route.body)
        if route.gzip:
            body = gzip.compress(body, mtime=0)
        etag = '"' + hashlib.sha1(body).hexdigest()[:12] + '"'
        validators = {"ETag": etag, "Last-Modified": formatdate(1_700_000_000, usegmt=True)}
        if route.status == 200 and self.headers.get("If-None-Match") == etag:
            return self._send(304, b"", None, validators)
        return self._send(route.status, body, route.ctype, {**validators, **route.headers})

    def _send(self, status: int, body: bytes, ctype: str | None, headers: dict[str, str]) -> None:
        self.server.hits.append(
            Hit(
                time.monotonic(),
                self.path,
                status,
                self.headers.get("If-None-Match"),
                self.headers.get("If-Modified-Since"),
                self.headers.get("User-Agent", ""),
            )
        )
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, routes: dict[str, Route]) -> None:
        super().__init__((host, 0), _Handler)
        self.routes = routes
        self.hits: list[Hit] = []
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.bases: dict[str, str] = {}

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def render(self, body: bytes) -> bytes:
        for key, base in self.bases.items():
            body = body.replace(key.encode(), base.encode())
        return body

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]


@contextmanager
def serve(routes_a: dict[str, Route], routes_b: dict[str, Route] | None = None) -> Iterator[list[LocalServer]]:
    """Serve ``routes_a`` on 127.0.0.1 and ``routes_b`` on 127.0.0.2 (another host), ports chosen freely."""
    servers = [LocalServer("127.0.0.1", routes_a), LocalServer("127.0.0.2", routes_b or {})]
    bases = {"{A}": servers[0].base, "{B}": servers[1].base}
    threads = []
    for server in servers:
        server.bases = bases
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        threads.append(thread)
    try:
        yield servers
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def article(slug: str, title: str, base: str = "{A}", day: str = "2024-03-0") -> bytes:
    """An English article page about facial recognition, its text made distinct by the slug."""
    words = slug.replace("-", " ")
    paragraphs = "".join(
        f"<p>Paragraph {i} of the report on {words}: the city council debated facial recognition cameras "
        f"used by police, and civil liberties groups asked for an independent audit number {i * 7 + len(slug)} "
        f"before any further deployment of biometric surveillance in {words} districts.</p>"
        for i in range(1, 7)
    )
    html = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="canonical" href="{base}/news/{slug}">'
        f'<meta property="og:title" content="{title}">'
        f'<meta property="article:published_time" content="2024-03-05T10:00:00Z"></head>'
        f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )
    return html.encode("utf-8")
