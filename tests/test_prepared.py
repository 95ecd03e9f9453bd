"""The pure half of archiving, computed once (in the extraction workers): the same as the archive computes."""

from __future__ import annotations

import dataclasses
import pickle
import zlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from monitor.archive import Archive, RawHtml, SourceRef
from monitor.article import Article
from monitor.db.models import Article as ArticleRow
from monitor.db.models import RawPage
from monitor.dedup import CopyIndex, signature
from monitor.prepared import Prepared, prepare
from monitor.story_features import FeatureExtractor, load_lexicon
from monitor.textnorm import content_hash, hash_words, normalise_for_hash, words
from tests.test_archive_writers import WIRE
from tests.test_cli import AMAZON_EN, AMAZON_FR

PAGE = b"<html><body><article>" + AMAZON_FR.encode() * 20 + b"</article></body></html>"


def _article(
    text: str = AMAZON_FR, language: str | None = "fr", url: str = "https://a.example/fr?utm_source=x"
) -> Article:
    return Article(
        url=url,
        title="Amazon suspend Rekognition pour un an",
        text=text,
        language=language,
        published_at=datetime(2020, 6, 11, 9, 0, tzinfo=UTC),
    )


def _prepared(article: Article, raw: bytes | None = PAGE) -> Prepared:
    return prepare(article, FeatureExtractor(load_lexicon()), raw)


def test_prepare_computes_what_the_archive_computed_and_survives_pickling() -> None:
    article = _article(WIRE)
    prepared = pickle.loads(pickle.dumps(_prepared(article)))  # as it comes back from a worker
    assert prepared.canonical_url == "https://a.example/fr"
    assert prepared.content_hash == content_hash(WIRE)
    assert prepared.word_count == len(words(WIRE)) > 60
    assert list(prepared.signature_values) == list(signature(WIRE))
    assert prepared.features == FeatureExtractor(load_lexicon()).extract(article.title, WIRE, "fr")
    assert prepared.features.cross and prepared.features.words
    assert prepared.raw_zlib is not None and zlib.decompress(prepared.raw_zlib) == PAGE
    assert prepared.fits(article)
    assert _prepared(article, None).raw_zlib is None


def test_hash_words_is_content_hash() -> None:
    for text in (AMAZON_FR, AMAZON_EN, "", "L’identification   faciale — à Nice."):
        assert hash_words(words(text)) == content_hash(text)
        assert normalise_for_hash(text) == " ".join(words(text))


def test_fits_only_the_article_it_was_computed_from() -> None:
    article = _article()
    prepared = _prepared(article)
    assert prepared.fits(article)
    for change in (
        {"language": "en"},
        {"title": "Autre titre"},
        {"text": AMAZON_FR + " Fin."},
        {"url": "https://b.example/"},
    ):
        assert not prepared.fits(dataclasses.replace(article, **change)), change
    undetected = _article(language=None)
    assert _prepared(undetected).fits(dataclasses.replace(undetected, language="und"))
    assert not _prepared(undetected).fits(dataclasses.replace(undetected, language="fr"))  # filled in later


def test_copy_index_by_signature_finds_what_it_finds_by_text() -> None:
    by_text, by_signature = CopyIndex(), CopyIndex()
    texts = {1: WIRE, 2: AMAZON_FR * 3, 3: "Trop court pour être une copie."}
    for key, text in texts.items():
        by_text.add(key, text)
        tokens = words(text)
        by_signature.add_signature(key, signature(text), len(tokens))
    assert len(by_text) == len(by_signature) == 2  # the short text is never indexed
    for query in (WIRE + " Fin de la dépêche.", AMAZON_FR * 3, "Trop court pour être une copie."):
        expected = by_text.matches(query)
        assert by_signature.matches_signature(signature(query), len(words(query))) == expected
        assert by_text.matches_signature(signature(query), len(words(query))) == expected
    assert by_signature.matches(WIRE)[0].original_id == 1


def _stored(database: Any, article_id: int) -> tuple[ArticleRow, bytes | None]:
    with database.session() as session:
        row = session.get(ArticleRow, article_id)
        raw = session.scalar(select(RawPage.html_zlib).where(RawPage.article_id == article_id))
        session.expunge_all()
    assert row is not None
    return row, raw


def test_archive_uses_a_fitting_prepared_and_recomputes_a_stale_one(database: Any) -> None:
    archive = Archive(database)
    raw = RawHtml(PAGE, "utf-8", "text/html", 200)
    article = _article()
    used = dataclasses.replace(_prepared(article), content_hash="f" * 64)  # proves which one is stored
    outcome = archive.add(article, SourceRef("gazette"), [], raw, prepared=used)
    row, stored_raw = _stored(database, outcome.article_id)
    assert row.content_hash == "f" * 64 and row.canonical_url == "https://a.example/fr"
    assert stored_raw == used.raw_zlib and stored_raw is not None and zlib.decompress(stored_raw) == PAGE

    english = _article(AMAZON_EN, None, "https://b.example/en")
    stale = dataclasses.replace(_prepared(english), content_hash="e" * 64)
    english.language = "en"  # the language pipeline filled it after extraction: the features are stale
    outcome = archive.add(english, SourceRef("courier"), [], raw, prepared=stale)
    row, stored_raw = _stored(database, outcome.article_id)
    assert row.content_hash == content_hash(AMAZON_EN) and row.language == "en"
    assert stored_raw is not None and zlib.decompress(stored_raw) == PAGE

    again = archive.add(_article(url="https://a.example/fr#top"), SourceRef("gazette"), [], prepared=used)
    assert again.status == "duplicate"


def test_archive_finds_copies_and_stories_the_same_with_or_without_prepared(db_url: str, tmp_path: Any) -> None:
    from monitor.db import Database

    outcomes = []
    for use_prepared, url in ((False, db_url), (True, f"sqlite:///{tmp_path / 'prepared.db'}")):
        database = Database(url)
        try:
            archive = Archive(database)
            results = []
            for index, (text, language) in enumerate(
                [(AMAZON_FR, "fr"), (AMAZON_EN, "en"), (WIRE, "fr"), (WIRE + " Fin.", "fr")]
            ):
                article = _article(text, language, f"https://{index}.example/a")
                prepared = pickle.loads(pickle.dumps(_prepared(article))) if use_prepared else None
                outcome = archive.add(article, SourceRef(f"s{index}"), [], RawHtml(PAGE), prepared=prepared)
                results.append((outcome.status, outcome.copy_of is not None, outcome.new_story))
            outcomes.append(results)
        finally:
            database.dispose()
    assert outcomes[0] == outcomes[1]
    assert [copy for _, copy, _ in outcomes[0]] == [False, False, False, True]
