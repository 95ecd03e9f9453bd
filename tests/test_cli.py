"""Every command through click's runner against a temporary database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from monitor.cli import COMMANDS, main
from monitor.demo.server import site_root

AMAZON_FR = (
    "Amazon a annoncé mercredi un moratoire d'un an sur l'utilisation par la police de Rekognition, son logiciel "
    "de reconnaissance faciale. L'entreprise demande au Congrès américain de légiférer. "
) * 4
AMAZON_EN = (
    "Amazon announced on Wednesday a one-year moratorium on police use of Rekognition, its facial recognition "
    "software, and asked Congress to regulate the technology. "
) * 4
OFF_TOPIC = "Le match de rugby face à l'Irlande s'est terminé sur un score serré au Stade de France samedi soir. " * 4


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _all_commands() -> list[click.Command]:
    found: list[click.Command] = []
    for command in COMMANDS:
        found.append(command)
        if isinstance(command, click.Group):
            found.extend(command.commands.values())
    return found


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in _all_commands():
        assert command.help and "Example" in command.help, command.name
    for name in ("init", "crawl", "demo", "extract", "ingest", "stories", "export", "sql"):
        assert name in result.output


def test_init_creates_the_schema(runner: CliRunner, db_url: str) -> None:
    result = runner.invoke(main, ["init", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "database ready" in result.output


def test_extract_prints_json(runner: CliRunner) -> None:
    page = next((site_root() / "gazette-paris" / "articles").glob("amazon*.html"))
    result = runner.invoke(main, ["extract", str(page), "--url", "https://gazette.example/a.html"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "Amazon" in data["title"] and data["language"] == "fr" and data["published_at"].startswith("2020-06-11")


@pytest.mark.parametrize("content", [b"", b"\x00\xff\xfe\x00binary" * 50, b"<html></html>"])
def test_extract_bad_input_names_the_file(runner: CliRunner, tmp_path: Path, content: bytes) -> None:
    page = tmp_path / "bad.html"
    page.write_bytes(content)
    result = runner.invoke(main, ["extract", str(page), "--url", "https://x.example/a"])
    assert result.exit_code != 0
    assert "bad.html" in result.output


def _jsonl(path: Path, lines: list[Any]) -> Path:
    with path.open("wb") as handle:
        for line in lines:
            handle.write(line if isinstance(line, bytes) else json.dumps(line, ensure_ascii=False).encode("utf-8"))
            handle.write(b"\n")
    return path


def test_ingest_goes_through_topics_dedup_and_stories(runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    records = [
        {
            "id": "fr-1",
            "url": "https://a.example/fr?utm_source=x",
            "title": "Amazon suspend Rekognition pour un an",
            "text": AMAZON_FR,
            "date": "2020-06-11T08:00:00+02:00",
            "lang": "fr",
            "source": "gazette",
        },
        {
            "id": "en-1",
            "url": "https://b.example/en",
            "title": "Amazon pauses police use of Rekognition",
            "text": AMAZON_EN,
            "date": "2020-06-10T19:00:00-04:00",
            "source": "courier",
        },
        {"id": "off-1", "title": "Rugby : la France face à l'Irlande", "text": OFF_TOPIC, "source": "gazette"},
        {"id": "fr-1b", "url": "https://a.example/fr", "title": "doublon", "text": AMAZON_FR, "source": "gazette"},
    ]
    path = _jsonl(tmp_path / "in.jsonl", records)
    result = runner.invoke(main, ["ingest", str(path), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "4 read, 2 stored, 1 duplicate(s), 1 off topic, 0 bad line(s)" in result.output
    out = runner.invoke(main, ["export", "articles", "--db", db_url, "--format", "jsonl"])
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert {r["external_id"] for r in rows} == {"fr-1", "en-1"}
    assert len({r["story_id"] for r in rows}) == 1, "French and English coverage of one event form one story"
    assert {r["language"] for r in rows} == {"fr", "en"}
    assert all(r["topics"] == "facial-recognition" for r in rows)
    again = runner.invoke(main, ["ingest", str(path), "--db", db_url])
    assert "0 stored, 3 duplicate(s)" in again.output


def test_ingest_strips_outlet_names_from_titles_and_links_copies_only_near_in_time(
    runner: CliRunner, db_url: str, tmp_path: Path
) -> None:
    """A headline is compared with headlines: "… - Le Point" must not make the outlet a new name in it. The
    same text two years later is a republication, not a wire copy of the first."""
    records = [
        {"id": "1", "title": "Amazon suspend Rekognition pour un an - Le Point", "text": AMAZON_FR,
         "date": "2020-06-11T08:00:00+02:00", "lang": "fr", "source": "Le Point"},
        {"id": "2", "title": "Amazon suspend Rekognition pour un an | L'Express", "text": AMAZON_FR + " Fin.",
         "date": "2022-10-20T08:00:00+02:00", "lang": "fr", "source": "L'Express"},
    ]  # fmt: skip
    path = _jsonl(tmp_path / "in.jsonl", records)
    result = runner.invoke(main, ["ingest", str(path), "--db", db_url, "--all-topics"])
    assert result.exit_code == 0, result.output
    out = runner.invoke(main, ["export", "articles", "--db", db_url, "--format", "jsonl"])
    rows = {r["external_id"]: r for r in (json.loads(line) for line in out.output.splitlines())}
    assert rows["1"]["title"] == "Amazon suspend Rekognition pour un an" == rows["2"]["title"]
    assert not rows["2"]["copy_of"], "two years apart: not a copy"


def test_a_wire_copy_joins_its_originals_story_whatever_its_headline(
    runner: CliRunner, db_url: str, tmp_path: Path
) -> None:
    records = [
        {"id": "1", "title": "Amazon suspend Rekognition pour un an", "text": AMAZON_FR,
         "date": "2020-06-11T08:00:00+02:00", "lang": "fr", "source": "lepoint"},
        {"id": "2", "title": "Le géant de Seattle renonce à vendre sa technologie à la police", "text": AMAZON_FR,
         "date": "2020-06-11T09:00:00+02:00", "lang": "fr", "source": "lexpress"},
    ]  # fmt: skip
    path = _jsonl(tmp_path / "in.jsonl", records)
    assert runner.invoke(main, ["ingest", str(path), "--db", db_url, "--all-topics"]).exit_code == 0
    out = runner.invoke(main, ["export", "articles", "--db", db_url, "--format", "jsonl"])
    rows = {r["external_id"]: r for r in (json.loads(line) for line in out.output.splitlines())}
    assert rows["2"]["copy_of"] and rows["2"]["story_id"] == rows["1"]["story_id"]


def test_a_later_ingest_of_older_articles_finds_their_stories_and_originals(
    runner: CliRunner, db_url: str, tmp_path: Path
) -> None:
    """The indexes hold the window of the archive's latest articles; an ingest of June 2020 after October
    2022 loads June 2020 around its first article, so its copies and its coverage find what is there."""
    first = [
        {"id": "fr", "title": "Amazon suspend Rekognition pour un an", "text": AMAZON_FR,
         "date": "2020-06-11T08:00:00+02:00", "lang": "fr", "source": "lepoint"},
        {"id": "late", "title": "Rugby : la France face à l'Irlande", "text": OFF_TOPIC,
         "date": "2022-10-20T08:00:00+02:00", "lang": "fr", "source": "lepoint"},
    ]  # fmt: skip
    later = [
        {"id": "copy", "title": "Le géant de Seattle renonce", "text": AMAZON_FR,
         "date": "2020-06-11T10:00:00+02:00", "lang": "fr", "source": "lexpress"},
        {"id": "en", "title": "Amazon pauses police use of Rekognition", "text": AMAZON_EN,
         "date": "2020-06-10T19:00:00-04:00", "source": "courier"},
    ]  # fmt: skip
    for name, records in (("first", first), ("later", later)):
        path = _jsonl(tmp_path / f"{name}.jsonl", records)
        assert runner.invoke(main, ["ingest", str(path), "--db", db_url, "--all-topics"]).exit_code == 0
    out = runner.invoke(main, ["export", "articles", "--db", db_url, "--format", "jsonl"])
    rows = {r["external_id"]: r for r in (json.loads(line) for line in out.output.splitlines())}
    assert rows["copy"]["copy_of"], "the copy found its original of 2020"
    assert rows["copy"]["story_id"] == rows["fr"]["story_id"] == rows["en"]["story_id"]


def test_ingest_bad_lines_are_reported_and_good_lines_kept(runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "mixed.jsonl",
        [
            {"id": "1", "text": AMAZON_EN, "title": "Amazon pauses Rekognition"},
            b"{not json",
            {"id": "2", "title": "no text here"},
            b"\xff\xfe\x00 latin garbage \xe9",
            [1, 2, 3],
            {"id": "3", "text": AMAZON_FR, "title": "Amazon et la reconnaissance faciale", "date": "11 juin 2020"},
            b"[" * 100_000 + b"]" * 100_000,
            b'{"id": ' + b"9" * 5_000 + b"}",
        ],
    )
    result = runner.invoke(main, ["ingest", str(path), "--db", db_url])
    assert result.exit_code == 0, result.output
    for line, words in ((2, "malformed JSON"), (3, "missing 'text'"), (4, "not UTF-8"), (5, "expected a JSON object")):
        assert f"mixed.jsonl:{line}: {words}" in result.output
    assert "mixed.jsonl:7: malformed JSON: nested too deep" in result.output
    assert "mixed.jsonl:8: malformed JSON: Exceeds the limit" in result.output
    assert "2 read, 2 stored" in result.output


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\x03" * 100])
def test_ingest_nothing_readable_exits_non_zero(runner: CliRunner, db_url: str, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    result = runner.invoke(main, ["ingest", str(path), "--db", db_url])
    assert result.exit_code == 1
    assert "bad.jsonl" in result.output


def test_ingest_missing_file(runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    result = runner.invoke(main, ["ingest", str(tmp_path / "nope.jsonl"), "--db", db_url])
    assert result.exit_code != 0 and "nope.jsonl" in result.output


@pytest.fixture
def filled(runner: CliRunner, db_url: str, tmp_path: Path) -> str:
    records = [
        {
            "id": "a",
            "title": '=HYPERLINK("http://evil") Amazon Rekognition',
            "text": AMAZON_EN,
            "source": "x",
            "date": "2020-06-10",
        },
        {
            "id": "b",
            "title": "Amazon : la reconnaissance faciale suspendue",
            "text": AMAZON_FR,
            "source": "y",
            "date": "2020-06-11",
        },
    ]
    runner.invoke(main, ["ingest", str(_jsonl(tmp_path / "f.jsonl", records)), "--db", db_url])
    return db_url


def test_export_csv_is_neutralised_and_has_the_columns(runner: CliRunner, filled: str, tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    result = runner.invoke(main, ["export", "articles", "--db", filled, "-o", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert b"\r\n" in raw and not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    for column in (
        "id",
        "external_id",
        "url",
        "source",
        "title",
        "published_at",
        "language",
        "story_id",
        "copy_of",
        "topics",
    ):
        assert column in rows[0]
    titles = {r["title"] for r in rows}
    assert '\'=HYPERLINK("http://evil") Amazon Rekognition' in titles
    assert "Amazon : la reconnaissance faciale suspendue" in titles


def test_export_excel_flavour(runner: CliRunner, filled: str, tmp_path: Path) -> None:
    out = tmp_path / "excel.csv"
    runner.invoke(main, ["export", "articles", "--excel", "--db", filled, "-o", str(out), "--lang", "fr"])
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("id;external_id;url")
    assert len([line for line in lines if line]) == 2  # header + the French article


def test_export_stories_and_story(runner: CliRunner, filled: str) -> None:
    stories = runner.invoke(main, ["export", "stories", "--db", filled, "--format", "jsonl"])
    rows = [json.loads(line) for line in stories.output.splitlines()]
    assert len(rows) == 1 and rows[0]["article_count"] == 2 and rows[0]["languages"] == "en;fr"
    one = runner.invoke(main, ["export", "story", str(rows[0]["id"]), "--db", filled, "--format", "jsonl"])
    assert len(one.output.splitlines()) == 2
    missing = runner.invoke(main, ["export", "story", "--db", filled])
    assert missing.exit_code == 2


def test_stories_command(runner: CliRunner, filled: str) -> None:
    result = runner.invoke(main, ["stories", "--db", filled])
    assert result.exit_code == 0 and "en;fr" in result.output
    story_id = json.loads(runner.invoke(main, ["stories", "--db", filled, "--jsonl"]).output.splitlines()[0])["id"]
    show = runner.invoke(main, ["stories", "show", str(story_id), "--db", filled, "--csv"])
    assert show.exit_code == 0 and len(show.output.splitlines()) == 3


def test_sql_reads_and_refuses_writes(runner: CliRunner, filled: str) -> None:
    result = runner.invoke(
        main,
        ["sql", "SELECT language, count(*) AS n FROM articles GROUP BY language ORDER BY 1", "--db", filled, "--csv"],
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["language,n", "en,1", "fr,1"]
    bound = runner.invoke(
        main,
        [
            "sql",
            "SELECT count(*) AS n FROM articles WHERE language = :lang",
            "-p",
            "lang",
            "fr",
            "--db",
            filled,
            "--jsonl",
        ],
    )
    assert json.loads(bound.output) == {"n": 1}
    for statement in ("DELETE FROM articles", "DROP TABLE articles", "UPDATE articles SET title = 'x'"):
        refused = runner.invoke(main, ["sql", statement, "--db", filled])
        assert refused.exit_code != 0, statement
    count = runner.invoke(main, ["sql", "SELECT count(*) AS n FROM articles", "--db", filled, "--jsonl"])
    assert json.loads(count.output) == {"n": 2}


def test_sql_from_stdin(runner: CliRunner, filled: str) -> None:
    result = runner.invoke(main, ["sql", "-", "--db", filled, "--jsonl"], input="SELECT 1 AS one")
    assert json.loads(result.output) == {"one": 1}


def test_sql_error_is_one_clear_line(runner: CliRunner, filled: str) -> None:
    result = runner.invoke(main, ["sql", "SELEC nonsense", "--db", filled])
    assert result.exit_code == 1 and "query failed" in result.output
