"""`monitor report`: the page's content (pure), and its rendering in headless Chromium (skipped without it)."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.db import Database
from monitor.report import ReportData, render
from tests.newsroom_archive import fill

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
]


def _page(stories: list[dict[str, object]] | None = None) -> str:
    evil = {
        "id": 1,
        "title": "<script>alert(1)</script> Amazon",
        "first_seen": "2020-06-10",
        "last_seen": "2020-06-11",
        "article_count": 1,
        "outlet_count": 1,
        "outlets": "gazette",
        "languages": "fr",
        "articles": [
            {"language": "fr", "url": 'https://x.example/"onmouseover="x', "title": "<b>T</b>", "source": "gazette",
             "published_at": "2020-06-10T09:00:00+00:00", "copy_of": None, "agency": None},
        ],
    }  # fmt: skip
    data = ReportData(
        since=date(2020, 6, 8),
        until=date(2020, 6, 14),
        per_day={("2020-06-10", "en"): 2, ("2020-06-10", "fr"): 1, ("2020-06-11", "fr"): 3},
        stories=[evil] if stories is None else stories,
        generated=datetime(2020, 6, 15, tzinfo=UTC),
    )
    return render(data)


def test_page_is_self_contained_and_escaped() -> None:
    page = _page()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Amazon" in page
    assert 'href="https://x.example/&quot;onmouseover=&quot;x"' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//(?!x\.example)""", page)  # nothing loaded from outside
    assert "default-src 'none'" in page
    assert page.count('class="bar"') == 7  # one hover zone per day of the week
    assert "2020-06-10: 3 article(s) (1 fr, 2 en)" in page
    assert "No story in this period." in _page(stories=[])


def test_report_command_ranks_stories_by_outlets(db_url: str, tmp_path: Path) -> None:
    db = Database(db_url)
    fill(db)
    db.dispose()
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        main, ["report", "--db", db_url, "--since", "2020-06-08", "--until", "2020-06-22", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2 stories, 6 articles" in result.output
    page = out.read_text("utf-8")
    assert page.index("Amazon pauses police use of Rekognition") < page.index("Clearview AI condamnée par la CNIL")
    assert "3 outlet(s): courier, gazette, wire" in page and "copy (AP)" in page
    assert "2020-06-10: 2 article(s) (2 en)" in page
    bad = CliRunner().invoke(main, ["report", "--db", db_url, "--since", "2020-06-22", "--until", "2020-06-08"])
    assert bad.exit_code == 2 and "must be after" in bad.output


# headless Chromium ------------------------------------------------------------------------------------
def _pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) pixels of an 8-bit, non-interlaced PNG (what Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", b""
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        body = png[position + 8 : position + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6)
    size = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * size
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - size] if i >= size else 0
            up, corner = previous[i], previous[i - size] if i >= size else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line[j] for j in range(stride) if j % size < 3))
        previous = line
    return width, height, rows


def _render(page: Path, tmp_path: Path) -> tuple[Path, str]:
    assert CHROMIUM
    shot = tmp_path / f"{page.stem}.png"
    profile = tmp_path / f"profile-{page.stem}"
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--window-size=1000,1200", f"--screenshot={shot}",
         page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return shot, done.stderr


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian package `chromium`)")
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    control = tmp_path / "control.html"
    control.write_text("<html><body><script>console.error('boom'); missing();</script></body></html>", "utf-8")
    _, control_log = _render(control, tmp_path)
    assert any("missing is not defined" in line for line in _console(control_log)), "console errors not seen"

    page = tmp_path / "report.html"
    page.write_text(_page(), "utf-8")
    shot, log = _render(page, tmp_path)
    assert _console(log) == [], _console(log)
    width, height, rows = _pixels(shot.read_bytes())
    assert (width, height) == (1000, 1200)
    pixels = [row[i : i + 3] for row in rows[::4] for i in range(0, len(row), 12)]
    colours = set(pixels)
    inked = sum(1 for p in pixels if p != b"\xff\xff\xff")
    assert len(colours) > 20 and inked > len(pixels) * 0.02, "the screenshot is blank"
    blue = sum(1 for p in pixels if p[2] > 180 and p[0] < 90)  # the French bars (#2e6fd8)
    orange = sum(1 for p in pixels if p[0] > 180 and p[2] < 90)  # the English bars (#d8672e)
    assert blue > 50 and orange > 50, "the chart's bars are not drawn"
