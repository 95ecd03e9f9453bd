"""Stories in the archive: grouping and copies through ``Archive``, the ``stories`` and ``regroup`` commands,
manual merges and splits that later runs respect (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from monitor.archive import Archive, SourceRef
from monitor.article import Article
from monitor.cli import main
from monitor.db.models import Article as ArticleRow
from monitor.db.models import Copy, StoryArticle, StoryFix
from monitor.story_eval import Labelled, bcubed, load_labelled

LABELLED = Path(__file__).parent / "fixtures" / "stories" / "labelled.jsonl"


def _article(record: Labelled) -> Article:
    return Article(
        url=f"https://{record.source}.example/{record.id}",
        text=record.text,
        title=record.title,
        published_at=record.when,
        language=record.language,
    )


def _fill(database: Any, records: list[Labelled]) -> None:
    archive = Archive(database)
    for record in records:
        outcome = archive.add(_article(record), SourceRef(record.source), [], external_id=record.id)
        assert outcome.status == "stored"


def _rows(database: Any) -> dict[str, dict[str, Any]]:
    """``{labelled id: {"id", "story", "copy_of", "agency"}}``."""
    with database.session() as session:
        query = (
            select(ArticleRow.external_id, ArticleRow.id, StoryArticle.story_id, Copy.original_id, Copy.agency)
            .outerjoin(StoryArticle, StoryArticle.article_id == ArticleRow.id)
            .outerjoin(Copy, Copy.article_id == ArticleRow.id)
        )
        return {
            ext: {"id": aid, "story": story, "copy_of": copy_of, "agency": agency}
            for ext, aid, story, copy_of, agency in session.execute(query)
        }


@pytest.fixture(scope="module")
def records() -> list[Labelled]:
    return sorted(load_labelled(LABELLED), key=lambda r: (r.when, r.id))


@pytest.fixture
def filled(database: Any, records: list[Labelled]) -> Any:
    _fill(database, records)
    return database


def _cli(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    return result


def test_archive_in_crawl_order_groups_and_points_copies_at_the_earliest(
    database: Any, records: list[Labelled]
) -> None:
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)  # a crawl meets articles in no particular order
    _fill(database, shuffled)
    rows = _rows(database)
    truth = {r.id: r.event for r in records}
    scores = bcubed({k: rows[k]["story"] for k in truth}, truth)
    print(f"\narchive, crawl order: BCubed {scores}")
    assert scores.f1 >= 0.85 and scores.precision >= 0.95
    wire = rows["cv-fr-wire"]
    assert wire["copy_of"] is None
    for record in records:
        if record.copy_of:
            assert rows[record.id]["copy_of"] == rows[record.copy_of]["id"], record.id
            assert rows[record.id]["agency"] == "AFP", record.id
    others = [k for k in rows if k not in {r.id for r in records if r.copy_of}]
    assert all(rows[k]["copy_of"] is None for k in others)


def test_stories_lists_headlines_per_language_and_filters(filled: Any) -> None:
    rows = _rows(filled)
    result = _cli("stories", "--db", filled.url, "--jsonl")
    assert result.exit_code == 0, result.output
    stories = {row["id"]: row for row in map(json.loads, result.output.splitlines())}
    amazon = stories[rows["amz-en-1"]["story"]]
    assert amazon["article_count"] == 6 and amazon["languages"] == "en;fr" and amazon["outlet_count"] == 6
    assert "[en] " in amazon["headlines"] and "[fr] " in amazon["headlines"]
    assert amazon["first_seen"].startswith("2020-06-10") and amazon["last_seen"].startswith("2020-06-11")
    french = _cli("stories", "--db", filled.url, "--lang", "fr", "--jsonl")
    assert rows["faceid-en-1"]["story"] not in {json.loads(line)["id"] for line in french.output.splitlines()}
    recent = _cli("stories", "--db", filled.url, "--since", "2024-01-01", "--jsonl")
    assert {json.loads(line)["id"] for line in recent.output.splitlines()} == {
        rows["lfr-en-1"]["story"],
        rows["jo-fr-1"]["story"],
    }


def test_stories_show_prints_the_summary_then_the_articles(filled: Any) -> None:
    story = _rows(filled)["amz-fr-1"]["story"]
    table = _cli("stories", "show", str(story), "--db", filled.url)
    assert table.exit_code == 0, table.output
    assert f"story {story}:" in table.output and "[fr] " in table.output and "6 outlet(s)" in table.output
    csv_rows = _cli("stories", "show", str(story), "--db", filled.url, "--csv").output.splitlines()
    assert len(csv_rows) == 7 and csv_rows[0].startswith("id,source,language")
    missing = _cli("stories", "show", "99999", "--db", filled.url)
    assert missing.exit_code == 1 and "no story 99999" in missing.output


def test_merge_and_split_survive_regroup_and_later_crawls(filled: Any, records: list[Labelled]) -> None:
    rows = _rows(filled)
    amazon, ibm = rows["amz-en-1"]["story"], rows["ibm-en-1"]["story"]
    merged = _cli("stories", "merge", str(amazon), str(ibm), "--db", filled.url)
    assert merged.exit_code == 0, merged.output
    assert f"merged story {ibm} into story {amazon}: 4 article(s) moved" in merged.output
    gone = _cli("stories", "show", str(ibm), "--db", filled.url)
    assert gone.exit_code == 1 and f"merged into story {amazon}" in gone.output

    croydon = rows["lfr-en-1"]["story"]
    challenge = [str(rows[k]["id"]) for k in ("lfr-en-3", "lfr-en-4", "lfr-fr-3")]
    split = _cli("stories", "split", str(croydon), *challenge, "--db", filled.url)
    assert split.exit_code == 0, split.output
    new_story = int(split.output.rsplit(" ", 1)[-1])

    regrouped = _cli("regroup", "--db", filled.url)
    assert regrouped.exit_code == 0, regrouped.output
    assert "2 manual fix(es) replayed" in regrouped.output
    after = _rows(filled)
    ibm_and_amazon = {after[k]["story"] for k in after if k.startswith(("amz-", "ibm-"))}
    assert ibm_and_amazon == {amazon}, "regroup undid the merge"
    assert {after[k]["story"] for k in ("lfr-en-3", "lfr-en-4", "lfr-fr-3")} == {new_story}
    assert {after[k]["story"] for k in ("lfr-en-1", "lfr-fr-1", "lfr-en-2", "lfr-fr-2")} == {croydon}
    assert after["msft-en-1"]["story"] == rows["msft-en-1"]["story"], "regroup changed an unrelated story id"


def test_a_later_crawl_puts_new_articles_of_a_merged_story_in_the_kept_one(filled: Any) -> None:
    rows = _rows(filled)
    croydon, olympics = rows["lfr-en-1"]["story"], rows["jo-fr-1"]["story"]
    assert _cli("stories", "merge", str(croydon), str(olympics), "--db", filled.url).exit_code == 0
    late = Archive(filled)  # a new run reloads the open window (March 2024) from the archive
    follow_up = Article(
        url="https://late.example/jo",
        title="JO 2024 : la vidéosurveillance algorithmique contestée devant le Conseil d'État",
        text="La Quadrature du Net conteste devant le Conseil d'État le décret sur la vidéosurveillance "
        "algorithmique des Jeux olympiques, qu'elle juge être un premier pas vers la reconnaissance faciale.",
        published_at=datetime(2024, 3, 7, 9, 0, tzinfo=UTC),
        language="fr",
    )
    outcome = late.add(follow_up, SourceRef("late"), [])
    assert outcome.story_id == croydon


def test_regroup_without_changes_keeps_every_story_id(filled: Any) -> None:
    before = {k: v["story"] for k, v in _rows(filled).items()}
    result = _cli("regroup", "--db", filled.url)
    assert result.exit_code == 0, result.output
    assert "0 opened, 0 removed, 0 article(s) moved" in result.output
    assert {k: v["story"] for k, v in _rows(filled).items()} == before
    since = _cli("regroup", "--db", filled.url, "--since", "2024-03-06")
    assert since.exit_code == 0 and "0 article(s) moved" in since.output, since.output
    assert {k: v["story"] for k, v in _rows(filled).items()} == before


def test_bad_manual_fixes_are_refused_and_change_nothing(filled: Any) -> None:
    rows = _rows(filled)
    amazon, croydon = rows["amz-en-1"]["story"], rows["lfr-en-1"]["story"]
    cases = [
        (["stories", "merge", str(amazon), str(amazon)], "into itself"),
        (["stories", "merge", str(amazon), "99999"], "no story 99999"),
        (["stories", "split", str(croydon), str(rows["amz-en-1"]["id"])], "not in story"),
        (["stories", "split", str(rows["faceid-en-1"]["story"]), str(rows["faceid-en-1"]["id"])], "every article"),
    ]
    for args, message in cases:
        result = _cli(*args, "--db", filled.url)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    assert _rows(filled) == rows
    with filled.session() as session:
        assert list(session.scalars(select(StoryFix))) == []
