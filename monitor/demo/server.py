"""A local HTTP server for the bundled demo outlets (and for the tests).

Each outlet folder of ``site/`` is served on its own port of 127.0.0.1 (its own origin, with its own
robots.txt, feed, section page and articles). ``{{BASE}}`` in a served text file becomes the outlet's
base URL. Responses carry ETag and Last-Modified and answer conditional requests with 304.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from monitor.sources import Source

TEXT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
LAST_MODIFIED = formatdate(1_600_000_000, usegmt=True)


def site_root() -> Path:
    return Path(str(resources.files("monitor.demo").joinpath("site")))


@dataclass(frozen=True)
class Outlet:
    folder: Path
    config: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.config["name"])


def load_outlets(root: Path | None = None) -> list[Outlet]:
    root = root or site_root()
    outlets = []
    for folder in sorted(p for p in root.iterdir() if (p / "outlet.toml").is_file()):
        outlets.append(Outlet(folder, tomllib.loads((folder / "outlet.toml").read_text("utf-8"))))
    return outlets


class _Handler(BaseHTTPRequestHandler):
    server: _OutletServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet; requests are counted instead
        self.server.requests.append(self.path)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        body, ctype = self.server.resolve(self.path)
        if body is None:
            payload = b"<html><body><h1>404 Not Found</h1></body></html>"
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if not head:
                self.wfile.write(payload)
            return
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", LAST_MODIFIED)
        self.end_headers()
        if not head:
            self.wfile.write(body)


class _OutletServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder: Path, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.folder = folder.resolve()
        self.requests: list[str] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def resolve(self, raw_path: str) -> tuple[bytes | None, str]:
        path = unquote(urlsplit(raw_path).path)
        target = (self.folder / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.folder) or not target.is_file() or target.name == "outlet.toml":
            return None, ""
        data = target.read_bytes()
        ctype = TEXT_TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if ctype.startswith(("text/", "application/rss")):
            data = data.replace(b"{{BASE}}", self.base_url.encode("ascii"))
        return data, ctype


@dataclass
class RunningSite:
    servers: dict[str, _OutletServer]
    outlets: list[Outlet]

    def base_url(self, outlet: str) -> str:
        return self.servers[outlet].base_url

    def requests(self, outlet: str) -> list[str]:
        return list(self.servers[outlet].requests)

    def sources(self) -> list[Source]:
        """The outlets as sources, with absolute URLs on their running ports."""
        result = []
        for outlet in self.outlets:
            base = self.base_url(outlet.name)
            cfg = outlet.config
            result.append(
                Source(
                    name=outlet.name,
                    title=str(cfg.get("title", outlet.name)),
                    language=cfg.get("language"),
                    homepage=base + "/",
                    feeds=tuple(base + p for p in cfg.get("feeds", [])),
                    sitemaps=tuple(base + p for p in cfg.get("sitemaps", [])),
                    sections=tuple(base + p for p in cfg.get("sections", [])),
                    every=str(cfg.get("every", "1h")),
                )
            )
        return result

    def sources_toml(self) -> str:
        lines = ["# Sources of the demo site, as served on this run's ports.", ""]
        for source in self.sources():
            lines += [
                "[[source]]",
                f"name = {json.dumps(source.name)}",
                f"title = {json.dumps(source.title, ensure_ascii=False)}",
                f"language = {json.dumps(source.language)}",
                f"homepage = {json.dumps(source.homepage)}",
                f"feeds = {json.dumps(list(source.feeds))}",
                f"sitemaps = {json.dumps(list(source.sitemaps))}",
                f"sections = {json.dumps(list(source.sections))}",
                f"every = {json.dumps(source.every)}",
                "",
            ]
        return "\n".join(lines)


@contextmanager
def serve_site(root: Path | None = None) -> Iterator[RunningSite]:
    """Serve every outlet of ``root`` (default: the bundled demo site) until the block ends."""
    outlets = load_outlets(root)
    servers: dict[str, _OutletServer] = {}
    threads = []
    try:
        for outlet in outlets:
            server = _OutletServer(outlet.folder)
            servers[outlet.name] = server
            thread = threading.Thread(target=server.serve_forever, name=f"demo-{outlet.name}", daemon=True)
            thread.start()
            threads.append(thread)
        yield RunningSite(servers, outlets)
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()
