"""HTTP validators (``ETag``, ``Last-Modified``) as the archive keeps them and sends them back.

A validator is kept exactly as the server sent it (its bytes read as latin-1, HTTP's own charset for
header values) and sent back as those same bytes. One longer than its column, or with a control character,
is not kept at all: a cut validator would never match, and PostgreSQL refuses a value longer than the column,
or with a NUL (the whole batch of a crawl's validators with it).
"""

from __future__ import annotations

from scrapy.http import Response

MAX_ETAG_CHARS = 500  # the columns' sizes (feed_validators, robots_txt)
MAX_LAST_MODIFIED_CHARS = 100


def etag_of(response: Response) -> str | None:
    """The response's ETag, or None when absent, too long to keep or with a control character."""
    return _header(response, b"ETag", MAX_ETAG_CHARS)


def last_modified_of(response: Response) -> str | None:
    """The response's Last-Modified, or None when absent, too long to keep or with a control character."""
    return _header(response, b"Last-Modified", MAX_LAST_MODIFIED_CHARS)


def as_header(value: str) -> bytes:
    """A kept validator as the bytes the server sent (a value that is not latin-1 is sent as UTF-8)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:  # stored by an older version that read it otherwise
        return value.encode("utf-8")


def _header(response: Response, name: bytes, longest: int) -> str | None:
    value = response.headers.get(name)
    text = value.decode("latin-1") if value else None
    if not text or len(text) > longest or any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in text):
        return None  # a control character (NUL: PostgreSQL refuses it) is not a header value (RFC 9110, 5.5)
    return text
