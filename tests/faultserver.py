"""A fault-injecting HTTP server on 127.0.0.1 (port 0) and outlets whose feeds lead to its faults.

Every fault is served on its own path; each outlet (``fault_sources``) is one fault family, so the
source-health row of an outlet shows that family's faults and nothing else. What the server did is kept in
``FaultServer.hits`` (time, path, what it answered). Bodies are generated on the fly: the 50 MB page is
streamed in 64 KiB chunks, never held whole, and the gzip bombs are compressed once per server.

Used by ``tests/test_faults.py``; ``python -m tests.faultserver`` serves it for a manual look.
"""

from __future__ import annotations

import gzip
import multiprocessing
import random
import resource
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

from monitor.crawl import CrawlOptions, CrawlReport, crawl_in_subprocess
from monitor.sources import Source

HUGE_PAGE_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 1024 * 1024 * 1024  # what a gzip bomb inflates to (about 1 MB on the wire)
BIG_FEED_ITEMS = 10_000
NESTED_TAGS = 100_000
SLOW_SECONDS = 30.0  # far longer than the crawl's DOWNLOAD_TIMEOUT, even with a busy reactor
OTHER_HOST = "127.0.0.2"  # "another domain": a redirect there must never be followed

SENTENCES = [
    "La préfecture a déployé à l'été des caméras à reconnaissance faciale près de la gare.",
    "Les élus écologistes dénoncent « une surveillance généralisée » et réclament un moratoire.",
    "Selon la Cnil, aucune étude d'impact n'a été transmise avant la mise en service du dispositif.",
    "Le maire assure que les images sont effacées après trente jours et jamais croisées avec d'autres fichiers.",
    "Des associations de défense des libertés ont déposé un recours devant le tribunal administratif.",
    "À Nice, l'expérimentation menée lors du carnaval avait déjà suscité une vive polémique.",
    "Le ministère de l'Intérieur évoque un outil « indispensable » pour sécuriser les grands événements.",
    "Les chercheurs rappellent que les taux d'erreur restent plus élevés pour certaines populations.",
    "Un rapport parlementaire préconise un encadrement strict et un contrôle indépendant des algorithmes.",
    "La société qui fournit le logiciel refuse de dévoiler les données ayant servi à l'entraîner.",
    "Côté police, on souligne que l'identification a posteriori ne remplace pas l'enquête de terrain.",
    "Plusieurs députés souhaitent interdire purement et simplement l'usage de la biométrie dans l'espace public.",
    "Le débat s'est invité au conseil municipal, où la séance a duré jusqu'à minuit passé.",
    "Les commerçants du quartier se disent partagés entre sentiment de sécurité et crainte du fichage.",
    "Un collectif d'habitants a lancé une pétition qui a recueilli plus de douze mille signatures.",
    "La Commission européenne prépare des règles communes pour les systèmes d'identification à distance.",
]


@dataclass(frozen=True)
class Page:
    """An article page: its HTML as text, and the paragraphs its stored text must contain."""

    title: str
    paragraphs: tuple[str, ...]

    def html(self, meta_charset: str | None = "utf-8") -> str:
        meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
        body = "".join(f"<p>{escape(p)}</p>" for p in self.paragraphs)
        return (
            f'<!DOCTYPE html><html lang="fr"><head>{meta}<title>{escape(self.title)}</title>'
            '<meta property="article:published_time" content="2024-03-05T10:00:00Z"></head>'
            f"<body><header><nav><a href='/'>Accueil</a></nav></header>"
            f"<article><h1>{escape(self.title)}</h1>{body}</article><footer>© Fautes</footer></body></html>"
        )


def page(slug: str) -> Page:
    """A French article about facial recognition, distinct for each slug (its sentences and its numbers)."""
    rng = random.Random(slug)
    chosen = rng.sample(SENTENCES, 8)
    words = slug.replace("-", " ")
    paragraphs = tuple(
        f"{a} {b} Dossier « {words} », pièce n° {rng.randint(100, 99_999)} : l'enquête continue."
        for a, b in zip(chosen[::2], chosen[1::2], strict=True)
    )
    return Page(f"Reconnaissance faciale : {words} à l'épreuve des élus", paragraphs)


def rss(items: list[tuple[str, str]], extra_head: str = "") -> bytes:
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{escape(url)}</link>"
        f"<pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate></item>"
        for url, title in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{extra_head}<rss version="2.0"><channel><title>Fautes</title>'
        f"<link>http://127.0.0.1/</link><description>fault outlet</description>{entries}</channel></rss>"
    ).encode()


@dataclass
class Hit:
    time: float
    path: str
    answer: str  # "200", "503", "reset", "timeout", "truncated", "streamed 10485760", ...


Handler = Callable[["_Request", int], None]


@dataclass
class Outlet:
    """One fault family: a source named ``name`` whose feeds (or sitemaps) are ``feeds`` (or ``sitemaps``)."""

    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    routes: dict[str, Handler] = field(default_factory=dict)


class _Request(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            attempt = self.server.counts.get(path, 0) + 1
            self.server.counts[path] = attempt
        handler = self.server.routes.get(path)
        if handler is None:
            self.send(404, b"<html><body>introuvable</body></html>")
            return
        handler(self, attempt)

    # answers ------------------------------------------------------------------------------------------
    def record(self, answer: str) -> None:
        with self.server.lock:
            self.server.hits.append(Hit(time.monotonic(), self.path, answer))

    def send(
        self,
        status: int,
        body: bytes,
        ctype: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.record(str(status))
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with suppress(OSError):
            self.wfile.write(body)

    def reset(self) -> None:
        """Close the connection with a TCP RST (SO_LINGER 0), before any byte of the answer."""
        self.record("reset")
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        with suppress(OSError):
            self.connection.close()

    def truncated(self, body: bytes, ctype: str = "text/html; charset=utf-8") -> None:
        """Announce the whole body, send a third of it, close."""
        self.record("truncated")
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.close_connection = True
        with suppress(OSError):
            self.wfile.write(body[: len(body) // 3])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

    def stall(self, seconds: float, body: bytes) -> None:
        """Answer after ``seconds`` (the client has usually given up by then); ends early on shutdown."""
        self.record("stalled")
        if not self.server.closing.wait(seconds):
            self.send(200, body)

    def stream(self, total: int, declare_length: bool) -> None:
        """A ``total``-byte HTML page in 64 KiB chunks, close-delimited unless ``declare_length``."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if declare_length:
            self.send_header("Content-Length", str(total))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = (page("huge-page").html() * 40).encode()[: 64 * 1024]
        sent = 0
        try:
            while sent < total and not self.server.closing.is_set():
                piece = chunk[: total - sent]
                self.wfile.write(piece)
                sent += len(piece)
        except OSError:
            pass
        self.record(f"streamed {sent}")


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Request)
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.counts: dict[str, int] = {}
        self.hits: list[Hit] = []
        self.outlets = build_outlets(self)
        self.routes: dict[str, Handler] = {"/robots.txt": _text(b"User-agent: *\nAllow: /\n", "text/plain")}
        for outlet in self.outlets:
            self.routes.update(outlet.routes)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # resets and broken pipes are the point here

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def sources(self) -> list[Source]:
        return [
            Source(
                o.name,
                f"Fault: {o.name}",
                "fr",
                homepage=self.base + "/",
                feeds=tuple(self.url(p) for p in o.feeds),
                sitemaps=tuple(self.url(p) for p in o.sitemaps),
            )
            for o in self.outlets
        ]

    def hits_of(self, path: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.path.split("?", 1)[0] == path]

    @cached_property
    def html_bomb(self) -> bytes:
        return _gzip_bomb(b"<html><body><p>", BOMB_BYTES)

    @cached_property
    def sitemap_bomb(self) -> bytes:
        return _gzip_bomb(
            b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><!--', BOMB_BYTES
        )


def _gzip_bomb(head: bytes, size: int) -> bytes:
    """``head`` and ``size`` spaces as concatenated gzip members (one 1 MiB member repeated): built in
    milliseconds, about 1 KiB on the wire per inflated MiB."""
    block = b" " * (1024 * 1024)
    member = gzip.compress(block, compresslevel=9, mtime=0)
    return gzip.compress(head, mtime=0) + member * (size // len(block))


# handlers ---------------------------------------------------------------------------------------------
def _text(body: bytes, ctype: str = "text/html; charset=utf-8", headers: dict[str, str] | None = None) -> Handler:
    return lambda request, attempt: request.send(200, body, ctype, headers)


def _article(slug: str, encoding: str = "utf-8", ctype: str | None = None, meta: str | None = "utf-8") -> Handler:
    body = page(slug).html(meta).encode(encoding)
    return _text(body, ctype or f"text/html; charset={encoding}")


def _fail_first(statuses: list[tuple[int, dict[str, str]]], then: Handler) -> Handler:
    """Answer the n-th request with ``statuses[n - 1]`` while there is one, then as ``then``."""

    def handle(request: _Request, attempt: int) -> None:
        if attempt <= len(statuses):
            status, headers = statuses[attempt - 1]
            request.send(status, f"<html><body>erreur {status}</body></html>".encode(), headers=headers)
        else:
            then(request, attempt)

    return handle


def _status(status: int, headers: dict[str, str] | None = None) -> Handler:
    return lambda request, attempt: request.send(
        status, f"<html><body>{status}</body></html>".encode(), headers=headers
    )


def _redirect(target: Callable[[FaultServer], str]) -> Handler:
    return lambda request, attempt: request.send(301, b"", headers={"Location": target(request.server)})


def _feed(server: FaultServer, name: str, slugs: list[str]) -> bytes:
    return rss([(server.url(f"/{name}/{slug}"), page(slug).title) for slug in slugs])


def build_outlets(server: FaultServer) -> list[Outlet]:
    """The fault families, each an outlet with a feed (or sitemap) and the paths it leads to."""
    outlets: list[Outlet] = []

    def outlet(
        name: str,
        articles: dict[str, Handler],
        feed: Handler | None = None,
        sitemap: bool = False,
        listed: list[str] | None = None,
    ) -> None:
        """``articles`` served under ``/<name>/``; the feed lists ``listed`` (default: all of them)."""
        routes = {f"/{name}/{slug}": handler for slug, handler in articles.items()}
        document = f"/{name}/sitemap.xml.gz" if sitemap else f"/{name}/feed.xml"
        slugs = list(articles) if listed is None else listed
        routes[document] = feed or (
            lambda request, attempt: request.send(200, _feed(server, name, slugs), "application/rss+xml; charset=utf-8")
        )
        outlets.append(Outlet(name, () if sitemap else (document,), (document,) if sitemap else (), routes))

    outlet(
        "slow",
        {
            "article-too-slow": lambda r, n: r.stall(SLOW_SECONDS, page("article-too-slow").html().encode()),
            "article-in-time": lambda r, n: r.stall(0.3, page("article-in-time").html().encode()),
        },
    )
    outlet(
        "reset",
        {
            "article-always-reset": lambda r, n: r.reset(),
            "article-reset-once": lambda r, n: r.reset() if n == 1 else _article("article-reset-once")(r, n),
        },
    )
    burst_feed = _feed(server, "burst", ["article-after-burst"])
    outlet(
        "burst",
        {"article-after-burst": _fail_first([(500, {}), (502, {})], _article("article-after-burst"))},
        feed=_fail_first([(503, {})], _text(burst_feed, "application/rss+xml")),
    )
    outlet(
        "http-errors",
        {"article-forbidden": _status(403), "article-missing": _status(404), "article-gone": _status(410)},
    )
    outlet(
        "ratelimit",
        {
            "article-retry-after": _fail_first([(429, {"Retry-After": "1"})], _article("article-retry-after")),
            "article-retry-much-later": _status(429, {"Retry-After": "3600"}),
        },
    )
    outlet(
        "truncated",
        {
            "article-cut-short": lambda r, n: r.truncated(page("article-cut-short").html().encode()),
            "article-cut-once": lambda r, n: (
                r.truncated(page("article-cut-once").html().encode()) if n == 1 else _article("article-cut-once")(r, n)
            ),
        },
    )
    outlet(
        "charset",
        {
            # the bytes of one encoding, the header (and the page) naming another, or nothing at all
            "latin1-declared-utf8": _article("latin1-declared-utf8", "latin-1", "text/html; charset=utf-8", None),
            "latin1-meta-utf8": _article("latin1-meta-utf8", "latin-1", "text/html; charset=utf-8", "utf-8"),
            "utf8-declared-latin1": _article("utf8-declared-latin1", "utf-8", "text/html; charset=iso-8859-1", None),
            "latin1-no-charset": _article("latin1-no-charset", "latin-1", "text/html", None),
            "utf8-no-charset": _article("utf8-no-charset", "utf-8", "text/html", None),
        },
    )
    outlet(
        "huge",
        {
            "article-50mb-streamed": lambda r, n: r.stream(HUGE_PAGE_BYTES, declare_length=False),
            "article-50mb-declared": lambda r, n: r.stream(HUGE_PAGE_BYTES, declare_length=True),
        },
    )
    binary = bytes(random.Random(7).getrandbits(8) for _ in range(64 * 1024))
    outlet("binary", {"article-binary-body": _text(b"\x89PNG\r\n\x1a\n\x00\x00" + binary)})
    redirects: dict[str, Handler] = {
        "article-loop-a": _redirect(lambda s: s.url("/redirects/article-loop-b")),
        "article-loop-b": _redirect(lambda s: s.url("/redirects/article-loop-a")),
        "article-moved": _redirect(lambda s: s.url("/redirects/article-new-home")),
        "article-new-home": _article("article-new-home"),
        "article-elsewhere": _redirect(lambda s: f"http://{OTHER_HOST}:{s.server_address[1]}/news/elsewhere"),
    }
    for step in range(30):  # an endless chain of distinct URLs
        redirects[f"chain-{step}"] = _redirect(lambda s, step=step: s.url(f"/redirects/chain-{step + 1}"))
    outlet("redirects", redirects, listed=["article-loop-a", "article-moved", "article-elsewhere", "chain-0"])

    def bomb(request: _Request, attempt: int) -> None:
        request.send(200, request.server.html_bomb, headers={"Content-Encoding": "gzip"})

    outlet("gzipbomb", {"article-gzip-bomb": bomb})
    outlet(
        "sitemapbomb",
        {},
        feed=lambda r, n: r.send(200, r.server.sitemap_bomb, "application/gzip"),
        sitemap=True,
    )
    broken = (  # an undefined entity, a bare ampersand, an unclosed element, no end of document
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Cassé&nbsp;: é & co</title>'
        "<item><title>Un flux mal formé &eacute;</title><link>{url}?a=1&b=2</link><description>sans fin"
        "</item><item><title>Sans lien</title></item><item><link>javascript:alert(1)</link></item>"
        "</channel"
    )
    outlet(
        "malformed",
        {"article-from-broken-feed": _article("article-from-broken-feed")},
        feed=lambda r, n: r.send(
            200,
            broken.format(url=r.server.url("/malformed/article-from-broken-feed")).encode(),
            "application/rss+xml",
        ),
    )
    outlet(
        "garbage",
        {},
        feed=_text(b"\x00\x01\x02 }{ not a feed at all <<<" + bytes(range(256)) * 8, "application/rss+xml"),
    )

    def big_feed(request: _Request, attempt: int) -> None:
        items = [(request.server.url(f"/bigfeed/item-{i}"), f"Article {i}") for i in range(BIG_FEED_ITEMS)]
        request.send(200, rss(items), "application/rss+xml")

    outlet("bigfeed", {}, feed=big_feed)  # its items are 404s: the cap on requests is what is tested
    laughs_head = (
        '<!DOCTYPE rss [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
        + "]>"
    )

    def laughs(request: _Request, attempt: int) -> None:
        url = request.server.url("/laughs/article-after-laughs")
        body = rss([(url, "&lol9;")], laughs_head).replace(b"&amp;lol9;", b"&lol9;")
        request.send(200, body, "application/rss+xml")

    outlet("laughs", {"article-after-laughs": _article("article-after-laughs")}, feed=laughs)
    deep = page("article-deep-nesting")
    nested = (
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>"
        + deep.title
        + "</title></head><body>"
        + "<div>" * NESTED_TAGS
        + "".join(f"<p>{escape(p)}</p>" for p in deep.paragraphs)
        + "</div>" * NESTED_TAGS
        + "</body></html>"
    ).encode()
    outlet("nested", {"article-deep-nesting": _text(nested)})
    return outlets


def _measured_child(options: CrawlOptions, timeout: float, conn: Any) -> None:
    report = crawl_in_subprocess(options, timeout=timeout, grace=5.0)
    conn.send((report, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024))
    conn.close()


def crawl_measured(options: CrawlOptions, timeout: float) -> tuple[CrawlReport, int]:
    """``crawl_in_subprocess`` from a spawned go-between, whose ``RUSAGE_CHILDREN`` is then the crawl child's
    alone: returns the report and the crawl process's peak RSS in bytes (Linux reports ``ru_maxrss`` in KiB).
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_measured_child, args=(options, timeout, sender), name="fault-crawl")
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout + 30):
            raise TimeoutError(f"the fault crawl did not end within {timeout + 30:.0f} s")
        report, peak = receiver.recv()
    finally:
        child.join(10)
        if child.is_alive():
            child.kill()
            child.join()
        receiver.close()
    return report, int(peak)


@contextmanager
def serve_faults() -> Iterator[FaultServer]:
    server = FaultServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    with serve_faults() as running:
        print(f"fault server on {running.base}; Ctrl-C to stop")
        for source in running.sources():
            print(source.name, *source.feeds, *source.sitemaps)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()
