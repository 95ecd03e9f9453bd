"""Several archive writers (daemon crawls, workers, ingest) group stories and find copies as one would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from monitor.archive import Archive, ArchiveSettings, SourceRef
from monitor.article import Article
from monitor.db.models import Copy, StoryArticle
from tests.test_cli import AMAZON_EN, AMAZON_FR

WIRE = (
    "PARIS (AFP) - La Commission nationale de l'informatique et des libertés a infligé jeudi une amende de "
    "20 millions d'euros à la société américaine Clearview AI, spécialisée dans la reconnaissance faciale, "
    "et lui a ordonné de cesser de collecter et de supprimer les données des personnes se trouvant en France. "
) * 5


def _article(url: str, title: str, text: str, language: str, day: int) -> Article:
    return Article(
        url=url, title=title, text=text, language=language, published_at=datetime(2020, 6, day, 9, 0, tzinfo=UTC)
    )


def _exhibition(url: str, when: datetime) -> Article:
    """An article about something else (no story, no copy in common with the others), dated ``when``."""
    return Article(
        url=url,
        title="Une exposition de peinture ouvre ses portes",
        text="Le musée présente une centaine de toiles de paysages, prêtées par des collections privées. " * 8,
        language="fr",
        published_at=when,
    )


def test_two_writers_share_stories_and_copies(database: Any) -> None:
    first, second = Archive(database), Archive(database)  # as two processes: each its own indexes
    fr = first.add(
        _article("https://a.example/fr", "Amazon suspend Rekognition pour un an", AMAZON_FR, "fr", 11),
        SourceRef("gazette"),
        [],
    )
    en = second.add(
        _article("https://b.example/en", "Amazon pauses police use of Rekognition", AMAZON_EN, "en", 10),
        SourceRef("courier"),
        [],
    )
    assert fr.status == en.status == "stored"
    assert en.story_id == fr.story_id, "the second writer did not see the first writer's story"
    original = first.add(
        _article("https://c.example/w1", "La Cnil sanctionne Clearview AI", WIRE, "fr", 20), SourceRef("radio"), []
    )
    copy = second.add(
        _article("https://d.example/w2", "Clearview AI condamnée à 20 millions", WIRE + " Fin.", "fr", 21),
        SourceRef("ouest"),
        [],
    )
    assert copy.copy_of == original.article_id
    with database.session() as session:
        assert session.scalar(select(Copy.original_id).where(Copy.article_id == copy.article_id)) == original.article_id
        links = dict(session.execute(select(StoryArticle.article_id, StoryArticle.story_id)).all())
    assert links[fr.article_id] == links[en.article_id]


def test_a_date_in_the_future_does_not_close_the_open_stories(database: Any) -> None:
    """An article's time in the indexes is never after its fetch: a page dated 2099 (a wrong date) would move
    the stories' clock ahead, and the next expiry would close every story still receiving articles."""
    archive = Archive(database, ArchiveSettings(expire_every=1))
    fr = archive.add(
        _article("https://a.example/fr", "Amazon suspend Rekognition pour un an", AMAZON_FR, "fr", 11),
        SourceRef("gazette"),
        [],
    )
    wrong = _exhibition("https://b.example/later", datetime(2099, 1, 1, tzinfo=UTC))
    archive.add(wrong, SourceRef("gazette"), [])
    assert archive.stories.latest is not None and archive.stories.latest <= datetime.now(UTC)
    en = archive.add(
        _article("https://c.example/en", "Amazon pauses police use of Rekognition", AMAZON_EN, "en", 10),
        SourceRef("courier"),
        [],
    )
    assert en.story_id == fr.story_id


def test_a_copy_of_another_time_arriving_among_todays_articles_is_found(database: Any) -> None:
    """A wire text of June 2020, then today's news, then a copy of the June text: the texts of June 2020 are
    not forgotten because an article of today went by (expired after every article)."""
    archive = Archive(database, ArchiveSettings(expire_every=1))
    original = archive.add(
        _article("https://c.example/w1", "La Cnil sanctionne Clearview AI", WIRE, "fr", 20), SourceRef("radio"), []
    )
    today = _exhibition("https://b.example/today", datetime.now(UTC))
    archive.add(today, SourceRef("gazette"), [])
    copy = archive.add(
        _article("https://d.example/w2", "Clearview AI condamnée à 20 millions", WIRE + " Fin.", "fr", 21),
        SourceRef("ouest"),
        [],
    )
    assert copy.copy_of == original.article_id


def test_another_writers_future_date_does_not_move_this_writers_clock(database: Any) -> None:
    """The time of an article another process stored is clamped to its fetch as well, when this writer catches
    up with it, and when a new writer reloads the window (the dated-2099 page is in its window, at its fetch)."""
    first, second = Archive(database, ArchiveSettings(expire_every=1)), Archive(database)
    first.add(
        _article("https://a.example/fr", "Amazon suspend Rekognition pour un an", AMAZON_FR, "fr", 11),
        SourceRef("gazette"),
        [],
    )
    wrong = _exhibition("https://b.example/later", datetime(2099, 1, 1, tzinfo=UTC))
    second.add(wrong, SourceRef("gazette"), [])
    first.add(
        _article("https://c.example/en", "Amazon pauses police use of Rekognition", AMAZON_EN, "en", 10),
        SourceRef("courier"),
        [],
    )
    now = datetime.now(UTC)
    assert first.stories.latest is not None and first.stories.latest <= now
    third = Archive(database)
    third.add(
        _article("https://d.example/fr", "Rekognition : Amazon fait une pause", AMAZON_FR + " Fin.", "fr", 12),
        SourceRef("radio"),
        [],
    )
    assert third.stories.latest is not None and third.stories.latest <= now
    assert len(third.stories) >= 2, "the dated-2099 page is reloaded with the window, at its fetch time"


def test_one_odd_date_among_the_last_articles_keeps_only_its_neighbours(
    database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Texts are kept for copies while they are within a copy window of one of the last articles: an article
    dated 1999 among them keeps the texts of 1999, not every text since (the copy index stays bounded)."""
    monkeypatch.setattr("monitor.story_index.RECENT_TIMES", 3)
    archive = Archive(database, ArchiveSettings(expire_every=1))
    now = datetime.now(UTC)
    for number, when in enumerate(
        [
            now - timedelta(days=40),
            now - timedelta(days=20),
            datetime(1999, 1, 1, tzinfo=UTC),
            now - timedelta(days=1),
            now,
        ]
    ):
        text = f"Article numéro {number}. " + " ".join(f"mot{number}x{i}" for i in range(80))
        article = Article(
            url=f"https://a.example/{number}", title=f"Titre {number}", text=text, language="fr", published_at=when
        )
        archive.add(article, SourceRef("gazette"), [])
    assert len(archive.copies) == 3, (
        "the texts of 40 and 20 days ago are forgotten; 1999's, yesterday's and today's kept"
    )
