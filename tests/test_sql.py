"""`monitor sql` is read-only on both backends, and the documented views and example queries work on both."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.db import Database
from tests.newsroom_archive import fill

DOCS = Path(__file__).resolve().parents[1] / "docs" / "sql.md"


@pytest.fixture
def archive(db_url: str) -> Iterator[tuple[str, dict[str, int]]]:
    db = Database(db_url)
    ids = fill(db)
    db.dispose()
    yield db_url, ids


def _sql(db_url: str, query: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["sql", query, "--db", db_url, "--jsonl", *args])


def _rows(db_url: str, query: str, *args: str) -> list[dict[str, Any]]:
    result = _sql(db_url, query, *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def _snapshot(db_url: str) -> list[Any]:
    counts = "SELECT (SELECT count(*) FROM articles) AS a, (SELECT count(*) FROM copies) AS c, " \
        "(SELECT count(*) FROM sources) AS s, (SELECT max(title) FROM articles) AS t"  # fmt: skip
    return _rows(db_url, counts)


WRITES = [
    "INSERT INTO sources (name, created_at) VALUES ('evil', '2020-01-01')",
    "UPDATE articles SET title = 'x'",
    "DELETE FROM copies",
    "DROP TABLE copies",
    "DROP VIEW stories_v",
    "CREATE TABLE evil (x int)",
    "ALTER TABLE articles ADD COLUMN evil int",
    "WITH gone AS (DELETE FROM copies RETURNING *) SELECT * FROM gone",
    "SELECT 1; DELETE FROM copies",
]


@pytest.mark.parametrize("statement", WRITES)
def test_writes_fail_clearly_and_change_nothing(archive: tuple[str, dict[str, int]], statement: str) -> None:
    db_url, _ = archive
    before = _snapshot(db_url)
    result = _sql(db_url, statement)
    assert result.exit_code == 1, result.output
    assert "query failed" in result.output and "Traceback" not in result.output
    assert _snapshot(db_url) == before


@pytest.mark.parametrize(
    "statement",
    [
        "PRAGMA query_only = OFF",
        "PRAGMA journal_mode = DELETE",
        "PRAGMA user_version = 7",
        "PRAGMA writable_schema = ON",
    ],
)
def test_sqlite_writing_pragmas_are_refused(archive: tuple[str, dict[str, int]], statement: str) -> None:
    db_url, _ = archive
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite pragmas")
    result = _sql(db_url, statement)
    assert result.exit_code == 1 and "monitor sql is read-only: PRAGMA" in result.output
    assert _rows(db_url, "PRAGMA user_version") == [{"user_version": 0}]
    assert _rows(db_url, "PRAGMA journal_mode") == [{"journal_mode": "wal"}]
    assert len(_rows(db_url, "PRAGMA table_info(articles)")) >= 10  # reading the schema is fine


def test_sqlite_attach_and_vacuum_into_create_no_file(archive: tuple[str, dict[str, int]], tmp_path: Path) -> None:
    db_url, _ = archive
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite ATTACH")
    for statement in (f"ATTACH DATABASE '{tmp_path / 'evil.db'}' AS evil", f"VACUUM INTO '{tmp_path / 'copy.db'}'"):
        result = _sql(db_url, statement)
        assert result.exit_code == 1 and "is not allowed" in result.output, result.output
    assert not (tmp_path / "evil.db").exists() and not (tmp_path / "copy.db").exists()


def test_views_columns(archive: tuple[str, dict[str, int]]) -> None:
    db_url, ids = archive
    copy = _rows(db_url, "SELECT * FROM articles_v WHERE id = :id", "-p", "id", str(ids["courier_amazon"]))[0]
    assert copy["source"] == "courier" and copy["is_copy"] == 1 and copy["copy_of"] == ids["wire_amazon"]
    assert (copy["day"], copy["week"], copy["month"]) == ("2020-06-10", "2020-06-08", "2020-06")
    assert copy["topics"] == "facial-recognition" and copy["story_id"] == ids["story_amazon"]
    story = _rows(db_url, "SELECT * FROM stories_v WHERE id = :id", "-p", "id", str(ids["story_amazon"]))[0]
    assert (story["article_count"], story["outlet_count"], story["language_count"]) == (3, 3, 2)
    assert (story["outlets"], story["languages"], story["first_outlet"]) == ("courier;gazette;wire", "en;fr", "wire")
    ranks = _rows(db_url, "SELECT source, rank_in_story FROM story_articles_v WHERE story_id = :id ORDER BY 2",
                  "-p", "id", str(ids["story_amazon"]))  # fmt: skip
    assert [r["source"] for r in ranks] == ["wire", "courier", "gazette"]


def test_views_count_a_page_dated_in_the_future_when_it_was_fetched(archive: tuple[str, dict[str, int]]) -> None:
    """A page wrongly dated years ahead: its seen time, day and rank in its story are those of its fetch, as
    the stories count it; ``published_at`` stays as the page gave it."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from monitor.db.models import Article

    db_url, ids = archive
    db = Database(db_url)
    with db.session() as session:
        session.execute(
            update(Article)
            .where(Article.id == ids["gazette_amazon"])
            .values(published_at=datetime(2031, 1, 1, tzinfo=UTC), fetched_at=datetime(2020, 6, 9, 22, tzinfo=UTC))
        )
    db.dispose()
    row = _rows(db_url, "SELECT * FROM articles_v WHERE id = :id", "-p", "id", str(ids["gazette_amazon"]))[0]
    assert row["published_at"].startswith("2031-01-01") and row["seen_at"].startswith("2020-06-09")
    assert (row["day"], row["month"]) == ("2020-06-09", "2020-06")
    ranks = _rows(db_url, "SELECT source FROM story_articles_v WHERE story_id = :id ORDER BY rank_in_story",
                  "-p", "id", str(ids["story_amazon"]))  # fmt: skip
    assert [r["source"] for r in ranks] == ["gazette", "wire", "courier"]
    story = _rows(db_url, "SELECT * FROM stories_v WHERE id = :id", "-p", "id", str(ids["story_amazon"]))[0]
    assert story["first_outlet"] == "gazette" and story["first_article_id"] == ids["gazette_amazon"]


def _documented() -> dict[str, str]:
    """The examples as a user copies them, their leading comment included."""
    blocks = re.findall(r"```sql\n(-- ([\w-]+)\n.*?)```", DOCS.read_text("utf-8"), flags=re.S)
    return {name: query for query, name in blocks}


def test_documented_queries_run_on_both_backends(archive: tuple[str, dict[str, int]]) -> None:
    db_url, ids = archive
    queries = _documented()
    assert set(queries) >= {
        "coverage-per-outlet-per-week",
        "first-outlet-per-story",
        "french-vs-english-per-month",
        "stories-in-both-languages",
    }
    weekly = _rows(db_url, queries["coverage-per-outlet-per-week"])
    assert {"week": "2020-06-08", "source": "gazette", "articles": 1} in weekly
    assert sum(r["articles"] for r in weekly) == 6
    first = _rows(db_url, queries["first-outlet-per-story"])
    assert [(r["story_id"], r["first_outlet"]) for r in first] == [
        (ids["story_amazon"], "wire"),
        (ids["story_clearview"], "radio"),
    ]
    assert _rows(db_url, queries["french-vs-english-per-month"]) == [{"month": "2020-06", "fr": 3, "en": 3}]
    both = _rows(db_url, queries["stories-in-both-languages"])
    assert [r["id"] for r in both] == [ids["story_amazon"]]
    assert _rows(db_url, queries["wire-copies-per-agency"]) == [{"agency": "AP", "source": "courier", "copies": 1}]


def test_comments_before_the_query_and_clear_errors(archive: tuple[str, dict[str, int]]) -> None:
    db_url, _ = archive
    assert _rows(db_url, "/* weekly */ -- counts\n  SELECT 1 AS one") == [{"one": 1}]
    before = _snapshot(db_url)
    hidden = _sql(db_url, "-- just a comment\nDELETE FROM copies")
    assert hidden.exit_code == 1 and "read-only: DELETE" in hidden.output, hidden.output
    assert _snapshot(db_url) == before
    for empty in ("", "  ;", "-- nothing\n"):
        result = _sql(db_url, empty)
        assert result.exit_code == 1 and "the query is empty" in result.output, result.output


def test_a_runaway_query_stops_at_its_time_limit(archive: tuple[str, dict[str, int]]) -> None:
    db_url, _ = archive
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    result = _sql(db_url, endless, "--timeout", "0.5")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "stopped after 0.5 s" in result.output or "statement timeout" in result.output


def test_a_query_streaming_rows_without_end_stops_at_its_time_limit(archive: tuple[str, dict[str, int]]) -> None:
    """PostgreSQL's statement_timeout bounds each FETCH of the cursor, not the whole: the rows' loop does."""
    import subprocess
    import sys

    db_url, _ = archive
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c"
    command = [sys.executable, "-m", "monitor.cli", "sql", endless, "--db", db_url, "--csv", "--timeout", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and "stopped after 1 s (--timeout)" in done.stderr, done.stderr[-2000:]


def test_postgresql_superuser_powers_are_left_at_the_door(archive: tuple[str, dict[str, int]]) -> None:
    """A read-only transaction does not stop a superuser from reading the server's files, ending sessions or
    creating replication slots: the query runs as pg_read_all_data, and the way back is refused."""
    db_url, _ = archive
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    assert _rows(db_url, "SELECT current_user AS u") == [{"u": "pg_read_all_data"}]
    assert _rows(db_url, "SELECT count(*) AS n FROM articles_v")[0]["n"] > 0  # it still reads everything
    for query in (
        "SELECT pg_read_file('/etc/hostname')",
        "SELECT pg_create_physical_replication_slot('monitor_probe', true)",
        "SELECT (SELECT set_config('role', 'postgres', true)), pg_read_file('/etc/hostname')",
        "SELECT query_to_xml('select 1', true, true, '')",
        "SELECT U&\"\\0073et_config\"('role', 'postgres', true)",
    ):
        result = _sql(db_url, query)
        assert result.exit_code == 1 and "Traceback" not in result.output, (query, result.output)
        refused = ("permission denied", "must be superuser", "does not run")
        assert any(word in result.output for word in refused), (query, result.output)


def test_excel_alone_gives_csv_for_excel(archive: tuple[str, dict[str, int]]) -> None:
    db_url, _ = archive
    result = CliRunner().invoke(main, ["sql", "SELECT 'été' AS e, 2.5 AS n", "--db", db_url, "--excel"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode("utf-8") == "\ufeffe;n\r\nété;2,5\r\n"


def test_ctrl_c_stops_a_long_sqlite_query(archive: tuple[str, dict[str, int]]) -> None:
    """SQLite runs a query in C, deaf to signals unless the query lets Python in."""
    import signal
    import subprocess
    import sys
    import time

    db_url, _ = archive
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's driver stops on Ctrl-C by itself")
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    code = "from monitor.cli import main; main()"
    process = subprocess.Popen([sys.executable, "-c", code, "sql", endless, "--db", db_url], stderr=subprocess.PIPE)
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode != 0 and b"Traceback" not in err, err


def test_a_database_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    import os

    folder = tmp_path / "db folder"
    folder.mkdir()
    cases = [f"sqlite:///{folder}", "nosuchdialect://host/db"]
    postgres = os.environ.get("MONITOR_TEST_POSTGRES_URL")
    if postgres:
        from sqlalchemy.engine import make_url

        cases.append(make_url(postgres).set(database="monitor_no_such_database").render_as_string(False))
    for url in cases:
        result = _sql(url, "SELECT 1")
        assert result.exit_code == 1 and "cannot open the database" in result.output, (url, result.output)
        assert "Traceback" not in result.output


def test_a_sqlite_path_with_a_hash_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "desk #2"
    folder.mkdir()
    db_url = f"sqlite:///{folder / 'archive.db'}"
    Database(db_url).dispose()
    assert _rows(db_url, "SELECT count(*) AS n FROM articles_v") == [{"n": 0}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["desk #2"]  # no stray file at the cut path


def test_postgresql_decimals_are_numbers_in_json_and_use_a_decimal_comma_for_excel(
    archive: tuple[str, dict[str, int]],
) -> None:
    db_url, _ = archive
    query = "SELECT CAST(2.5 AS numeric) AS lit, CAST(3 AS numeric) AS whole"
    assert _rows(db_url, query) == [{"lit": 2.5, "whole": 3}]
    result = CliRunner().invoke(main, ["sql", query, "--db", db_url, "--csv", "--excel"])
    assert result.exit_code == 0, result.output
    assert result.output.lstrip("\ufeff").splitlines()[1] == "2,5;3"


def test_without_an_archive_here_it_says_so_and_creates_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MONITOR_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["sql", "SELECT count(*) FROM articles"])
    assert result.exit_code == 1 and "no archive here" in result.output, result.output
    assert list(tmp_path.iterdir()) == []
