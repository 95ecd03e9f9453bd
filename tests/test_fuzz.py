"""Bounded-time fuzzing of the parsers that read hostile bytes: extract_article, parse_feed, parse_sitemap,
section_links. Random bytes and seeded mutations of real documents (the discovery fixtures, the demo and
golden pages, the fault server's feeds); each test stops after its time budget, and every call must end
quickly and raise nothing but the parser's own error. Seeded: a failure replays with the printed seed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from monitor.discovery import DiscoveryError, Link, parse_feed, parse_sitemap, section_links
from monitor.extraction import ExtractionError, extract_article
from tests.faultserver import page, rss

FIXTURES = Path(__file__).parent / "fixtures"
BUDGET_SECONDS = 4.0  # per test
CALL_SECONDS = 2.5  # per call: a parser that hangs on one input is a fault
TOKENS = [
    b"<", b">", b"</", b"/>", b"&", b"&amp;", b"&#0;", b"&#xFFFF;", b"&lol;", b"<!--", b"-->", b"<![CDATA[", b"]]>",
    b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">]>", b"<!ENTITY", b"<?xml version='1.0' encoding='utf-16'?>",
    b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"\xe9", b"\x1f\x8b", b"<item>", b"</item>", b"<entry>",
    b"<link>", b"</link>", b"<loc>", b"</loc>", b"<url>", b"<sitemap>", b"<a href='", b"javascript:", b"http://",
    b"https://127.0.0.1/a/b-c-d-e", b"<div>" * 50, b"<script>", b"\"", b"'", b"\n", b" " * 100,
]  # fmt: skip


def _seeds() -> list[bytes]:
    seeds = [p.read_bytes() for p in sorted((FIXTURES / "discovery").iterdir()) if p.is_file()]
    seeds += [p.read_bytes()[:60_000] for p in sorted((FIXTURES / "extraction").rglob("*.html"))[:6]]
    seeds.append(page("fuzz-seed").html().encode())
    seeds.append(rss([(f"https://127.0.0.1/news/article-{i}", f"Titre {i} é") for i in range(20)]))
    return seeds


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four random edits: flip, delete, duplicate, splice a token, truncate, repeat a slice."""
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        size = len(buffer)
        at = rng.randrange(size + 1)
        edit = rng.randrange(6)
        if edit == 0 and size:
            buffer[min(at, size - 1)] ^= 1 << rng.randrange(8)
        elif edit == 1:
            del buffer[at : at + rng.randint(1, 64)]
        elif edit == 2:
            buffer[at:at] = buffer[at : at + rng.randint(1, 256)]
        elif edit == 3:
            buffer[at:at] = rng.choice(TOKENS)
        elif edit == 4:
            del buffer[at:]
        else:
            buffer[at:at] = bytes(buffer[at : at + rng.randint(1, 16)]) * rng.randint(2, 200)
    return bytes(buffer)


def inputs(seed: int) -> Iterator[bytes]:
    """Endless inputs: mostly mutated documents, some random bytes, some token soup."""
    rng = random.Random(seed)
    corpus = _seeds()
    while True:
        roll = rng.random()
        if roll < 0.7:
            yield mutate(rng.choice(corpus), rng)
        elif roll < 0.85:
            yield rng.randbytes(rng.randint(0, 4096))
        else:
            yield b"".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 80)))


def fuzz(call: Callable[[bytes], object], allowed: type[Exception], seed: int) -> int:
    """Feed ``call`` inputs for ``BUDGET_SECONDS``; returns how many it took. Fails on an exception that
    is not ``allowed`` or on a call slower than ``CALL_SECONDS``."""
    deadline = time.monotonic() + BUDGET_SECONDS
    for count, data in enumerate(inputs(seed)):
        started = time.monotonic()
        try:
            call(data)
        except allowed:
            pass
        except Exception as error:  # the point: report what escaped, with the input
            pytest.fail(f"seed {seed}, input {count} ({len(data)} bytes {data[:80]!r}…): {error!r}")
        took = time.monotonic() - started
        assert took < CALL_SECONDS, f"seed {seed}, input {count}: {took:.1f} s for {len(data)} bytes {data[:80]!r}"
        if time.monotonic() > deadline:
            return count + 1
    return 0


def _links_are_usable(links: list[Link], documented: bool = True) -> None:
    """http(s) links; from a feed or sitemap, none holding U+FFFD (a byte or entity that could not be read)."""
    for link in links:
        assert link.url.startswith(("http://", "https://")), link
        assert not documented or "\ufffd" not in link.url, link


BASE = "https://127.0.0.1/rubrique/"


@pytest.mark.parametrize("seed", [1, 2])
def test_fuzz_extract_article(seed: int) -> None:
    def call(data: bytes) -> None:
        article = extract_article(data, BASE + "2024/03/05/un-article-sur-la-reconnaissance")
        assert article.text.strip()

    assert fuzz(call, ExtractionError, seed) > 10


@pytest.mark.parametrize("seed", [3])
def test_fuzz_parse_feed(seed: int) -> None:
    assert fuzz(lambda data: _links_are_usable(parse_feed(data, BASE)), DiscoveryError, seed) > 50


@pytest.mark.parametrize("seed", [4])
def test_fuzz_parse_sitemap(seed: int) -> None:
    def call(data: bytes) -> None:
        kind, links = parse_sitemap(data, BASE)
        assert kind in ("index", "urlset")
        _links_are_usable(links)

    assert fuzz(call, DiscoveryError, seed) > 50


@pytest.mark.parametrize("seed", [5])
def test_fuzz_section_links(seed: int) -> None:
    def call(data: bytes) -> None:
        links = section_links(data, BASE, ["127.0.0.1"])
        _links_are_usable(links, documented=False)

    assert fuzz(call, DiscoveryError, seed) > 50


def test_a_10000_item_feed_parses_in_bounded_time() -> None:
    body = rss([(f"https://127.0.0.1/news/article-{i}", f"Article {i}") for i in range(10_000)])
    started = time.monotonic()
    links = parse_feed(body, BASE)
    took = time.monotonic() - started
    assert len(links) == 10_000
    assert took < 10, f"{took:.1f} s: the crawl's reactor is blocked that long"


def test_billion_laughs_is_never_expanded() -> None:
    head = (
        '<!DOCTYPE rss [<!ENTITY a "'
        + "a" * 100
        + '">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    )
    body = rss([("https://127.0.0.1/news/article-laughs", "&i;")], head + "]>").replace(b"&amp;i;", b"&i;")
    sitemap = (
        f'<?xml version="1.0"?>{head}]><urlset><url><loc>https://127.0.0.1/news/article-laughs</loc>'
        "<lastmod>&i;</lastmod><title>&i;</title></url></urlset>"
    ).encode()
    started = time.monotonic()
    links = parse_feed(body, BASE)
    kind, sitemap_links = parse_sitemap(sitemap, BASE)
    assert time.monotonic() - started < 2
    assert [link.url for link in links] == ["https://127.0.0.1/news/article-laughs"]
    assert len(links[0].title or "") < 100
    assert kind == "urlset" and [link.url for link in sitemap_links] == ["https://127.0.0.1/news/article-laughs"]
    assert len(sitemap_links[0].title or "") < 100
