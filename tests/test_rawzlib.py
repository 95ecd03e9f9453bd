"""Raw pages are stored as zlib streams any zlib reads back (users' SQL and scripts decompress them)."""

from __future__ import annotations

import random
import zlib

from monitor.rawzlib import compress_raw


def test_the_standard_zlib_reads_every_stored_page_back() -> None:
    rnd = random.Random(3)
    paragraph = "<p>La reconnaissance faciale à Nice — déjà testée.</p>"
    page = ("<html><body>" + paragraph * 4000 + "</body></html>").encode()
    for body in (page, b"", bytes(rnd.getrandbits(8) for _ in range(50_000)), "é".encode("latin-1") * 10):
        stored = compress_raw(body)
        assert zlib.decompress(stored) == body
        assert zlib.decompressobj().decompress(stored) == body  # a stream, as a streaming reader sees it
    assert len(compress_raw(page)) < len(page) / 20
