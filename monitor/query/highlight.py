"""Where a query's matched terms are in a text, to show them: highlighted text and short snippets."""

from __future__ import annotations

from collections.abc import Callable, Collection

from monitor.query.compiler import CompiledQueries
from monitor.query.text import words_with_offsets

Mark = Callable[[str], str]


def term_ranges(text: str, compiled: CompiledQueries, terms: Collection[str]) -> list[tuple[int, int]]:
    """Character ranges of ``text`` where one of ``terms`` (as written in the query) occurs, merged."""
    found = words_with_offsets(text)
    spans = compiled.term_spans([word for word, _, _ in found])
    wanted = set(terms)
    ranges = sorted(
        (found[start][1], found[end][2])
        for term_id, term_spans in spans.items()
        if compiled.raws(term_id) & wanted
        for start, end in term_spans
    )
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, ranges: list[tuple[int, int]], mark: Mark, start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` with each range passed through ``mark``."""
    end = len(text) if end is None else end
    out: list[str] = []
    cursor = start
    for a, b in ranges:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        out.append(text[cursor:a])
        out.append(mark(text[a:b]))
        cursor = b
    out.append(text[cursor:end])
    return "".join(out)


def snippets(text: str, ranges: list[tuple[int, int]], mark: Mark, width: int = 70, limit: int = 3) -> list[str]:
    """Up to ``limit`` one-line extracts of ``text`` around the ranges, the ranges marked."""
    windows: list[tuple[int, int]] = []
    for a, b in ranges:
        lo, hi = max(0, a - width), min(len(text), b + width)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], hi)
        elif len(windows) < limit:
            windows.append((lo, hi))
    lines = []
    for lo, hi in windows:
        while lo > 0 and text[lo - 1].isalnum():  # whole words at both ends
            lo -= 1
        while hi < len(text) and text[hi].isalnum():
            hi += 1
        body = " ".join(highlight(text, ranges, mark, lo, hi).split())
        lines.append(("…" if lo > 0 else "") + body + ("…" if hi < len(text) else ""))
    return lines
