"""The fetched page as the archive keeps it (``raw_pages.html_zlib``): a zlib stream, which users' SQL
and scripts read back with any zlib.

It is written with zlib-ng (the ``zlib-ng`` package), whose streams are zlib's: at level 2 it is faster and
smaller than zlib at level 1 (over the 251 corpus pages, 242 KB on average: 0.99 against 1.49 ms per page,
22.0 against 22.9 % of the size; zlib's level 6 takes 4.2 ms for 19.2 %). The extraction workers compress
every page they extract, so this is CPU of every crawl.
"""

from __future__ import annotations

from zlib_ng import zlib_ng

LEVEL = 2


def compress_raw(body: bytes) -> bytes:
    """``body`` as a zlib stream (``zlib.decompress`` reads it)."""
    return zlib_ng.compress(body, LEVEL)
