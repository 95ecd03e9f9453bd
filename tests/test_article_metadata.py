"""What extraction reads besides the text is archived: the agency credit (exported and in ``articles_v``
even when the article is no wire copy), update date, description, section, tags, image, paywall, provenance;
rows archived before revision 0009 keep working and ``monitor reextract`` fills them."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command

from monitor.archive import Archive, RawHtml, SourceRef
from monitor.article import Article
from monitor.db import Database
from monitor.db.migrate import alembic_config
from monitor.db.queries import ArticleFilter, iter_articles
from monitor.db.store import metadata_values
from monitor.extraction import extract_article
from monitor.reextract import reextract
from tests.test_reextract import _row

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
AGENCY_PAGE = FIXTURES / "le-quotidien" / "agency-credit" / "page.html"
GRAPH_PAGE = FIXTURES / "le-quotidien" / "jsonld-graph" / "page.html"
PAYWALL_PAGE = FIXTURES / "le-quotidien" / "paywall-teaser" / "page.html"


def test_the_agency_credit_and_metadata_of_an_article_that_is_no_copy_are_archived(database: Any) -> None:
    html = AGENCY_PAGE.read_bytes()
    article = extract_article(html, "https://quotidien.example/societe/2020/06/10/reconnaissance")
    assert article.agency == "AFP"
    outcome = Archive(database).add(article, SourceRef("quotidien", "Le Quotidien", "fr"), [], RawHtml(html))
    assert outcome.article_id is not None and outcome.copy_of is None
    row = _row(database, outcome.article_id)
    assert row.agency == "AFP" and row.provenance == article.provenance and row.provenance["title"]
    assert row.is_paywalled is False
    exported = list(iter_articles(database, ArticleFilter()))
    assert [(r["id"], r["agency"], r["copy_of"]) for r in exported] == [(outcome.article_id, "AFP", None)]
    with database.engine.connect() as connection:
        view = connection.execute(sa.text("SELECT agency, is_copy, is_paywalled, section FROM articles_v")).one()
    assert tuple(view) == ("AFP", 0, 0, article.section)


def test_section_tags_and_update_date_are_archived(database: Any) -> None:
    html = GRAPH_PAGE.read_bytes()
    article = extract_article(html, "https://quotidien.example/2020/06/12/cnil-sncf")
    assert article.section == "Société" and article.tags and article.updated_at is not None
    outcome = Archive(database).add(article, SourceRef("quotidien"), [], RawHtml(html))
    assert outcome.article_id is not None
    row = _row(database, outcome.article_id)
    assert (row.section, row.tags, row.agency) == ("Société", article.tags, None)
    assert row.updated_at == article.updated_at and row.provenance == article.provenance
    with database.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT section FROM articles_v")).scalar() == "Société"


def test_a_paywalled_teaser_is_archived_as_such(database: Any) -> None:
    html = PAYWALL_PAGE.read_bytes()
    article = extract_article(html, "https://quotidien.example/2020/06/11/abonnes")
    assert article.is_paywalled
    outcome = Archive(database).add(article, SourceRef("quotidien"), [], RawHtml(html))
    assert outcome.article_id is not None
    assert _row(database, outcome.article_id).is_paywalled is True
    with database.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT is_paywalled FROM articles_v")).scalar() == 1


def test_metadata_values_fit_the_columns() -> None:
    article = Article(url="https://x.example/a", text="t", agency="A" * 500, section="S" * 1000)
    article.image_url, article.tags = "https://x.example/" + "i" * 3000, [f"tag{n}" for n in range(80)]
    values = metadata_values(article)
    assert len(values["agency"]) == 100 and len(values["section"]) == 300
    assert values["image_url"] is None and len(values["tags"]) == 50
    assert metadata_values(Article(url="u", text="t"))["agency"] is None


def test_rows_archived_before_the_metadata_columns_upgrade_and_reextract_fills_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    config = alembic_config(engine)
    command.upgrade(config, "0008")  # an archive as the previous release left it
    html = AGENCY_PAGE.read_bytes()
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO sources (id, name, created_at) VALUES (1, 'quotidien', '2020-06-01')"))
        connection.execute(
            sa.text(
                "INSERT INTO articles (id, url, canonical_url, source_id, title, text, language, authors, fetched_at,"
                " content_hash) VALUES (1, :u, :u, 1, 'Old title', 'Old text.', 'fr', '[]', '2020-06-10', 'h')"
            ),
            {"u": "https://quotidien.example/societe/2020/06/10/reconnaissance"},
        )
        connection.execute(
            sa.text("INSERT INTO raw_pages (article_id, encoding, html_zlib) VALUES (1, 'utf-8', :z)"),
            {"z": zlib.compress(html)},
        )
    engine.dispose()
    database = Database(url)  # opening upgrades to the head
    try:
        old = _row(database, 1)
        assert (old.agency, old.is_paywalled, old.tags, old.provenance) == (None, False, None, None)
        report = reextract(database)
        assert report.changed == 1 and {"agency", "provenance"} <= set(report.fields)
        row = _row(database, 1)
        assert row.agency == "AFP" and row.provenance and row.provenance.get("title")
        assert [r["agency"] for r in iter_articles(database, ArticleFilter())] == ["AFP"]
        assert reextract(database).changed == 0  # stored as extracted: nothing more to change
    finally:
        database.dispose()
