"""Exports: CSV that reads back intact (RFC 4180 and French Excel), formula cells neutralised, the filters."""

from __future__ import annotations

import csv
import gc
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.cli import main
from monitor.db import Database
from monitor.db.queries import ArticleFilter
from monitor.export import FORMULA_STARTS, write_csv, write_jsonl
from tests.newsroom_archive import fill


def _read_back(raw: bytes, excel: bool) -> list[list[str]]:
    """Read a CSV the way a spreadsheet does: the BOM says UTF-8, the delimiter is ';' (Excel) or ','."""
    text = raw.decode("utf-8-sig" if excel else "utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if excel else ","))


@settings(max_examples=200, deadline=None)
@given(st.text(), st.booleans())
def test_any_text_round_trips_through_csv(value: str, excel: bool) -> None:
    out = io.StringIO(newline="")
    write_csv(out, ["id", "title"], [{"id": 1, "title": value}], excel=excel)
    rows = _read_back(out.getvalue().encode("utf-8"), excel)
    expected = "'" + value if value.startswith(FORMULA_STARTS) else value
    assert rows == [["id", "title"], ["1", expected]]


@given(st.text())
def test_any_text_round_trips_through_jsonl(value: str) -> None:
    out = io.StringIO()
    write_jsonl(out, ["title"], [{"title": value}])
    assert json.loads(out.getvalue()) == {"title": value}


def test_french_excel_reads_accents_back_intact(tmp_path: Path) -> None:
    rows = [
        {"title": "Vidéosurveillance : « caméras augmentées », l'été à Paris; ça coûte 2,5 M€", "relevance": 2.5},
        {"title": 'Il a dit "non"\r\npuis est parti', "relevance": 0.125},
    ]
    path = tmp_path / "fr.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_csv(out, ["title", "relevance"], rows, excel=True)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") >= 3 and b"\n" not in raw.replace(b"\r\n", b"")[3:]
    back = _read_back(raw, excel=True)
    assert back[0] == ["title", "relevance"]
    assert back[1] == [rows[0]["title"], "2,5"]  # a decimal comma: French Excel reads a number, not a date
    assert back[2] == [rows[1]["title"], "0,125"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_cells_are_neutralised(start: str) -> None:
    out = io.StringIO(newline="")
    write_csv(out, ["title"], [{"title": f"{start}1+1"}, {"title": "1+1"}])
    assert _read_back(out.getvalue().encode(), excel=False)[1:] == [[f"'{start}1+1"], ["1+1"]]


def test_lists_and_objects_are_neutralised_and_written_as_json() -> None:
    """PostgreSQL gives JSON columns (authors, tags, provenance) and arrays as lists and dicts: an outlet's tag
    must not become a formula in the cell they make."""
    out = io.StringIO(newline="")
    row = {
        "tags": ["-2+3+cmd|' /C calc'!A0", "ok"],
        "provenance": {"title": "=2+2", "n": None, "t": True},
        "blob": b"=1",
        "nested": [None, ["x"], {"k": 1}],
    }
    write_csv(out, list(row), [row])
    back = _read_back(out.getvalue().encode(), excel=False)[1]
    assert back[0] == "'-2+3+cmd|' /C calc'!A0;ok"
    assert json.loads(back[1]) == {"title": "=2+2", "n": None, "t": True}
    assert back[2] == "\\x3d31" and back[3] == ';["x"];{"k": 1}'


def test_jsonl_writes_nan_and_infinities_as_text_not_invalid_json() -> None:
    out = io.StringIO()
    write_jsonl(out, ["a", "b"], [(float("nan"), [float("inf"), 1.5])])
    assert json.loads(out.getvalue(), parse_constant=lambda c: pytest.fail(c)) == {"a": "NaN", "b": ["Infinity", 1.5]}


# the command, both backends ---------------------------------------------------------------------------
@pytest.fixture
def archive(db_url: str) -> Iterator[tuple[str, dict[str, int]]]:
    db = Database(db_url)
    ids = fill(db)
    db.dispose()
    yield db_url, ids


def _export(db_url: str, *args: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(main, ["export", *args, "--db", db_url, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_export_filters(archive: tuple[str, dict[str, int]]) -> None:
    db_url, ids = archive
    every = _export(db_url, "articles")
    assert [r["id"] for r in every] == sorted(ids[k] for k in ids if not k.startswith("story"))
    assert {r["external_id"] for r in _export(db_url, "articles", "--lang", "fr")} == {
        "gazette_amazon",
        "radio_clearview",
        "gazette_jo",
    }
    assert {r["external_id"] for r in _export(db_url, "articles", "--source", "wire", "--source", "radio")} == {
        "wire_amazon",
        "radio_clearview",
    }
    window = _export(db_url, "articles", "--since", "2020-06-11", "--until", "2020-06-15")
    assert {r["external_id"] for r in window} == {"gazette_amazon", "radio_clearview"}
    assert "courier_weather" not in {
        r["external_id"] for r in _export(db_url, "articles", "--topic", "facial-recognition")
    }
    story = _export(db_url, "articles", "--story", str(ids["story_amazon"]))
    assert {r["external_id"] for r in story} == {"wire_amazon", "courier_amazon", "gazette_amazon"}
    assert story == _export(db_url, "story", str(ids["story_amazon"]))
    copy = next(r for r in every if r["external_id"] == "courier_amazon")
    assert copy["copy_of"] == ids["wire_amazon"] and copy["agency"] == "AP"
    assert copy["published_at"] == "2020-06-10T15:00:00+00:00" and copy["authors"] == "A. Auteur"
    assert copy["topics"] == "facial-recognition" and copy["matched_terms"] == "rekognition"
    assert copy["relevance"] == 2.5


def test_export_stories_filters(archive: tuple[str, dict[str, int]]) -> None:
    db_url, ids = archive
    stories = _export(db_url, "stories")
    assert [s["id"] for s in stories] == [ids["story_amazon"], ids["story_clearview"]]  # most outlets first
    assert stories[0]["outlets"] == "courier;gazette;wire" and stories[0]["languages"] == "en;fr"
    assert [s["id"] for s in _export(db_url, "stories", "--source", "radio")] == [ids["story_clearview"]]
    assert [s["id"] for s in _export(db_url, "stories", "--lang", "en")] == [ids["story_amazon"]]


def test_export_excel_file_and_bad_input(archive: tuple[str, dict[str, int]], tmp_path: Path) -> None:
    db_url, _ = archive
    runner = CliRunner()
    out = tmp_path / "articles-fr.csv"
    result = runner.invoke(main, ["export", "articles", "--excel", "--lang", "fr", "--db", db_url, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 3 articles" in result.output and "exporting" not in result.output  # no progress bar off a terminal
    rows = _read_back(out.read_bytes(), excel=True)
    assert "JO : les caméras augmentées arrivent" in [r[5] for r in rows]
    assert not list(tmp_path.glob("*.part"))
    everything = tmp_path / "all.csv"
    runner.invoke(main, ["export", "articles", "--db", db_url, "-o", str(everything)])
    titles = [r[5] for r in _read_back(everything.read_bytes(), excel=False)]
    assert "'=cmd|' /C calc'!A0 Storm warning" in titles
    missing = runner.invoke(main, ["export", "story", "999", "--db", db_url, "-o", str(tmp_path / "s.csv")])
    assert missing.exit_code == 1 and "no story 999" in missing.output
    assert not (tmp_path / "s.csv").exists() and not list(tmp_path.glob("*.part"))
    stray = runner.invoke(main, ["export", "articles", "12", "--db", db_url])
    assert stray.exit_code == 2 and "--story 12" in stray.output
    unwritable = runner.invoke(main, ["export", "articles", "--db", db_url, "-o", str(tmp_path / "no" / "x.csv")])
    assert unwritable.exit_code == 1 and "cannot write" in unwritable.output
    folder = runner.invoke(main, ["export", "articles", "--db", db_url, "-o", str(tmp_path)])
    assert folder.exit_code == 1 and "it is a folder" in folder.output and "Traceback" not in folder.output
    assert not list(tmp_path.parent.glob("*.part"))


def test_export_to_a_device_or_a_pipe_writes_into_it(archive: tuple[str, dict[str, int]], tmp_path: Path) -> None:
    """`-o /dev/stdout`, a FIFO: written into, not replaced by a file (the whole-file-then-rename of a file)."""
    import os
    import subprocess
    import threading

    db_url, _ = archive
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    command = [sys.executable, "-m", "monitor.cli", "export", "stories", "--db", db_url, "-o", str(fifo)]
    done = subprocess.run(command, capture_output=True, timeout=120, check=False)
    reader.join(30)
    assert done.returncode == 0, done.stderr[-2000:]
    assert fifo.is_fifo() and received and received[0].startswith(b"id,title,")
    assert not list(tmp_path.glob("*.part"))
    command[-1] = "/dev/stdout"
    to_stdout = subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert to_stdout.returncode == 0 and to_stdout.stdout.startswith(b"id,title,"), to_stdout.stderr[-2000:]


def test_an_export_stopped_early_closes_its_cursor_before_its_connection(
    archive: tuple[str, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``monitor export | head``: the reader stops after the first rows; the cursor is closed while its
    connection is still open, not later by the garbage collector on a closed database (a traceback on
    stderr)."""
    from monitor.db.queries import iter_article_rows

    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    db_url, _ = archive
    database = Database(db_url)
    try:
        batches = iter_article_rows(database, ArticleFilter(), batch=1)
        assert len(next(batches)) == 1
        batches.close()
        gc.collect()
    finally:
        database.dispose()
    assert unraisable == []
