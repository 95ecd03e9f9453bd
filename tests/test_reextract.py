"""`monitor reextract`: archived raw HTML extracted again, rows updated, nothing fetched, nothing lost.

Rows are stored as an older extractor would have left them (stale title, text, date, authors, language),
with the golden pages of tests/fixtures/extraction as their raw HTML; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from monitor.article import Article as Extracted
from monitor.cli import main
from monitor.dates import offset_minutes
from monitor.db import Database
from monitor.db.models import Article, RawPage
from monitor.db.store import Store
from monitor.extraction import extract_article
from monitor.reextract import new_values, reextract
from monitor.textnorm import content_hash

GOLDEN = Path(__file__).parent / "fixtures" / "extraction"
PAGES = {
    "jsonld": GOLDEN / "daily-courier" / "jsonld-article" / "page.html",
    "graph": GOLDEN / "le-quotidien" / "jsonld-graph" / "page.html",
    "itemprop": GOLDEN / "public-broadcast" / "itemprop" / "page.html",
}
STALE_TEXT = "Old extraction: a cookie notice. Subscribe to our newsletter."


def _store_stale(db: Database, source: str, url: str, html: bytes, *, text: str = STALE_TEXT) -> int:
    """An article row as an older extractor left it, with ``html`` as its archived raw page."""
    store = Store(db)
    with db.session() as session:
        source_id = store.ensure_source(session, source, language="en")
        row = Article(
            url=url,
            canonical_url=url,
            source_id=source_id,
            title="Old title | Site",
            text=text,
            published_at=None,
            language="und",
            authors=["By Staff"],
            site_name=None,
            fetched_at=datetime.now(UTC),
            content_hash=content_hash(text),
        )
        article_id = store.insert_article(session, row, html, "utf-8", "text/html", 200)
        assert article_id is not None
        return article_id


def _row(db: Database, article_id: int) -> Article:
    with db.session() as session:
        row = session.get(Article, article_id)
        assert row is not None
        session.expunge(row)
        return row


@pytest.fixture
def archive(database: Database) -> Iterator[tuple[Database, dict[str, int]]]:
    ids = {
        "jsonld": _store_stale(database, "courier", "https://courier.example/a1", PAGES["jsonld"].read_bytes()),
        "graph": _store_stale(
            database, "quotidien", "https://quotidien.example/a2", PAGES["graph"].read_bytes(), text="Ancien texte."
        ),
        "itemprop": _store_stale(
            database, "broadcast", "https://broadcast.example/a3", PAGES["itemprop"].read_bytes(), text="Old 3."
        ),
    }
    yield database, ids


def test_reextract_rewrites_the_stale_fields_from_the_raw_html(archive: tuple[Database, dict[str, int]]) -> None:
    db, ids = archive
    seen: list[int] = []
    report = reextract(db, progress=lambda r: seen.append(r.examined), batch_size=2)
    assert (report.total, report.examined, report.changed, report.failed, report.collisions) == (3, 3, 3, 0, 0)
    assert seen[-1] == 3 and len(seen) >= 2  # progress after each batch and at the end
    assert {"title", "text", "published_at", "authors", "language"} <= set(report.fields)
    for key, article_id in ids.items():
        row = _row(db, article_id)
        fresh = extract_article(PAGES[key].read_bytes(), row.url)
        assert row.title == fresh.title and row.text == fresh.text
        assert row.authors == fresh.authors and row.language == fresh.language
        assert row.content_hash == content_hash(fresh.text)
        assert fresh.published_at is not None and row.published_at == fresh.published_at
        assert (row.agency, row.section, row.tags or [], row.is_paywalled) == (
            fresh.agency,
            fresh.section,
            fresh.tags,
            fresh.is_paywalled,
        )
        assert row.provenance == fresh.provenance
    assert _row(db, ids["graph"]).authors == ["Camille Durand", "Léa Martin"]
    assert _row(db, ids["graph"]).language == "fr"
    again = reextract(db)
    assert (again.examined, again.changed, again.unchanged) == (3, 0, 3)


def test_a_content_hash_collision_is_reported_and_the_row_kept(database: Database) -> None:
    html = PAGES["jsonld"].read_bytes()
    fresh = extract_article(html, "https://courier.example/a1")
    first = _store_stale(database, "courier", "https://courier.example/a1", html, text=fresh.text)
    with database.session() as session:  # the first row is already up to date except its title
        session.execute(update(Article).where(Article.id == first).values(title=fresh.title))
    second = _store_stale(database, "courier", "https://courier.example/a1-amp", html)
    report = reextract(database)
    assert report.collisions == 1 and report.failed == 0
    assert any(f"article {second}" in line and f"article {first}" in line for line in report.problems)
    assert _row(database, second).text == STALE_TEXT  # left as it was
    assert _row(database, second).title == "Old title | Site"
    assert _row(database, first).authors == fresh.authors  # the first row is still updated


def test_filters_by_source_and_fetch_time(archive: tuple[Database, dict[str, int]]) -> None:
    db, ids = archive
    with db.session() as session:
        old = datetime.now(UTC) - timedelta(days=40)
        session.execute(update(Article).where(Article.id == ids["itemprop"]).values(fetched_at=old))
    report = reextract(db, source="quotidien")
    assert (report.total, report.changed) == (1, 1)
    assert _row(db, ids["jsonld"]).text == STALE_TEXT
    report = reextract(db, since=datetime.now(UTC) - timedelta(days=7))
    assert (report.total, report.changed, report.unchanged) == (2, 1, 1)  # the quotidien's is done already
    assert _row(db, ids["itemprop"]).text == "Old 3."


def test_unreadable_raw_pages_and_failed_extractions_keep_their_rows(archive: tuple[Database, dict[str, int]]) -> None:
    db, ids = archive
    with db.session() as session:
        session.execute(update(RawPage).where(RawPage.article_id == ids["jsonld"]).values(html_zlib=b"not zlib"))
        session.execute(
            update(RawPage)
            .where(RawPage.article_id == ids["graph"])
            .values(html_zlib=zlib.compress(b"\x00\x01\x02 binary, not a page"))
        )
    report = reextract(db)
    assert (report.examined, report.failed, report.changed) == (3, 2, 1)
    assert any("zlib" in line for line in report.problems)
    assert any("binary" in line for line in report.problems)
    assert _row(db, ids["jsonld"]).text == STALE_TEXT
    assert _row(db, ids["graph"]).text == "Ancien texte."


def test_dry_run_writes_nothing(archive: tuple[Database, dict[str, int]]) -> None:
    db, ids = archive
    report = reextract(db, dry_run=True)
    assert report.changed == 3
    assert all(
        _row(db, article_id).text != "" and _row(db, article_id).title == "Old title | Site"
        for article_id in ids.values()
    )


def test_values_the_new_extraction_lacks_are_kept() -> None:
    article = Extracted(url="https://x.example/a", text="Body text.", title=None, language="und")
    current: dict[str, Any] = {
        "title": "Title from the feed",
        "text": "Body text.",
        "published_at": datetime(2020, 6, 10, tzinfo=UTC),
        "authors": ["Jane Smith"],
        "language": "und",
        "content_hash": content_hash("Body text."),
    }
    changes = new_values(article, current, source_language="fr")
    assert changes == {"authors": [], "language": "fr"}  # title and date kept; the source's language fills "und"
    article.published_at = datetime(2020, 6, 10, 2, 0, tzinfo=UTC).astimezone(tz=None)
    article.authors = ["Jane Smith"]
    article.language = "en"
    assert new_values(article, current, None) == {
        "language": "en",
        "published_at": article.published_at,
        "published_offset": offset_minutes(article.published_at),  # the offset the page gave: kept too
    }


def test_cli_reextract(archive: tuple[Database, dict[str, int]]) -> None:
    db, _ids = archive
    runner = CliRunner()
    result = runner.invoke(main, ["reextract", "--db", db.url, "--source", "nowhere"])
    assert result.exit_code == 1 and "no source named 'nowhere'" in result.output
    result = runner.invoke(main, ["reextract", "--db", db.url, "--since", "yesterday"])
    assert result.exit_code == 2 and "2020-06-01" in result.output
    result = runner.invoke(main, ["reextract", "--db", db.url, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "3 would change" in result.output and "reextract: 3/3 pages (100%)" in result.output
    result = runner.invoke(main, ["reextract", "--db", db.url, "--source", "courier", "-q"])
    assert result.exit_code == 0, result.output
    assert "re-extracted 1 page(s): 1 changed" in result.output and "reextract:" not in result.output
    with db.session() as session:
        titles = set(session.scalars(select(Article.title)))
    assert "Amazon pauses police use of facial recognition" in titles and "Old title | Site" in titles


@pytest.mark.slow
def test_worker_processes_extract_what_this_process_would(
    archive: tuple[Database, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import monitor.reextract

    db, ids = archive
    monkeypatch.setattr(monitor.reextract, "MIN_PAGES_FOR_WORKERS", 1)  # the archive holds three pages
    with db.session() as session:
        session.execute(update(RawPage).where(RawPage.article_id == ids["jsonld"]).values(html_zlib=b"not zlib"))
    report = reextract(db, workers=2, batch_size=2)
    assert (report.examined, report.changed, report.failed) == (3, 2, 1)
    assert any("zlib" in line for line in report.problems)
    for key in ("graph", "itemprop"):
        row = _row(db, ids[key])
        fresh = extract_article(PAGES[key].read_bytes(), row.url)
        assert (row.title, row.text, row.authors, row.provenance) == (
            fresh.title,
            fresh.text,
            fresh.authors,
            fresh.provenance,
        )
    assert _row(db, ids["jsonld"]).text == STALE_TEXT


def test_a_small_run_extracts_in_process(archive: tuple[Database, dict[str, int]]) -> None:
    import monitor.reextract

    db, _ids = archive
    started: list[int] = []

    class Recording(monitor.reextract.ExtractionPool):
        def __init__(self, workers: int) -> None:
            started.append(workers)
            super().__init__(workers)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(monitor.reextract, "ExtractionPool", Recording)
        assert reextract(db, workers=4).changed == 3
    assert started == [0]  # three pages: no worker is worth starting


def test_progress_tells_the_rate_and_the_time_left(capsys: pytest.CaptureFixture[str]) -> None:
    from monitor.cli.reextract import _duration, _progress_printer
    from monitor.reextract import ReextractReport

    ticks = iter([100.0, 110.0, 120.0])
    show = _progress_printer(clock=lambda: next(ticks))
    show(ReextractReport(total=5000, examined=1000, changed=300, failed=2))
    show(ReextractReport(total=5000, examined=5000, changed=900, failed=3))
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "reextract: 1000/5000 pages (20%), 300 changed, 2 failed, 100 pages/s, about 40 s left"
    assert lines[1] == "reextract: 5000/5000 pages (100%), 900 changed, 3 failed"  # done: no estimate
    assert (_duration(42), _duration(420), _duration(7500)) == ("42 s", "7 min", "2 h 05 min")


PRINTED_TIME_PAGE = (
    '<html lang="fr"><head><title>La CNIL met en demeure une mairie</title></head><body><article>'
    '<h1>La CNIL met en demeure une mairie</h1><p class="date">Publié le 10 juin 2020 à 18h05</p>'
    + "".join(
        f"<p>Paragraphe {i} : la Commission nationale de l'informatique et des libertés a mis en demeure la "
        f"mairie de cesser l'usage de la reconnaissance faciale par sa police municipale, numéro {i * 11}.</p>"
        for i in range(1, 7)
    )
    + "</article></body></html>"
)


def test_cli_reextract_reads_printed_times_on_the_sources_clock(database: Database, tmp_path: Path) -> None:
    """A page archived before its source had a clock kept "18h05" as 18:05 UTC: re-extraction with the
    sources file (``--sources``) reads it on the source's clock, as a crawl now does."""
    article_id = _store_stale(database, "quotidien", "https://quotidien.example/cnil", PRINTED_TIME_PAGE.encode())
    with database.session() as session:
        session.execute(
            update(Article)
            .where(Article.id == article_id)
            .values(published_at=datetime(2020, 6, 10, 18, 5, tzinfo=UTC), published_offset=0)
        )
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[source]]\nname = "quotidien"\nlanguage = "fr"\ncountry = "FR"\n'
        'feeds = ["https://quotidien.example/rss.xml"]\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    result = runner.invoke(main, ["reextract", "--db", database.url, "--sources", str(tmp_path / "missing.toml")])
    assert result.exit_code == 1 and "cannot read the sources file" in result.output
    result = runner.invoke(main, ["reextract", "--db", database.url, "-q"])  # the shipped list: no such source
    assert result.exit_code == 0, result.output
    row = _row(database, article_id)
    assert (row.published_at, row.published_offset) == (datetime(2020, 6, 10, 18, 5, tzinfo=UTC), 0)
    result = runner.invoke(main, ["reextract", "--db", database.url, "--sources", str(sources), "-q"])
    assert result.exit_code == 0, result.output
    row = _row(database, article_id)
    assert (row.published_at, row.published_offset) == (datetime(2020, 6, 10, 16, 5, tzinfo=UTC), 120)
