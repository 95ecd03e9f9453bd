"""A small archive written straight through the models, for the tests of SQL, search, export, report, feeds.

Two stories: Amazon's Rekognition moratorium (three outlets, French and English, one AP copy) and the CNIL
fine of Clearview AI (one French outlet); one French article without a story; one English article off topic
whose title is a spreadsheet formula.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from monitor.db.models import Article, ArticleTopic, Copy, Source, Story, StoryArticle

TOPIC = "facial-recognition"

AMAZON_FR = (
    "Amazon a annoncé mercredi un moratoire d'un an sur l'utilisation par la police de Rekognition, son logiciel "
    "de reconnaissance faciale. L'entreprise demande au Congrès américain de légiférer sur les caméras. "
)
AMAZON_EN = (
    "Amazon announced on Wednesday a one-year moratorium on police use of Rekognition, its facial recognition "
    "software, and asked Congress to regulate the technology. "
)
CLEARVIEW_FR = (
    "La CNIL inflige une amende de 20 millions d'euros à Clearview AI, dont la base de visages alimente la "
    "reconnaissance faciale de services de police. La société doit effacer les données des Français. "
)
JO_FR = (
    "Les caméras augmentées des Jeux olympiques : la vidéosurveillance algorithmique sera expérimentée, "
    "sans reconnaissance faciale, promet le gouvernement. Les associations dénoncent une surveillance de masse. "
)
WEATHER_EN = "Heavy rain and strong winds are expected across the south of England this weekend. "


def when(day: int, hour: int = 9, month: int = 6) -> datetime:
    return datetime(2020, month, day, hour, 0, tzinfo=UTC)


def fill(db: Any) -> dict[str, int]:
    """Write the archive; returns the ids by name (articles, stories)."""
    ids: dict[str, int] = {}
    with db.session() as session:
        sources = {
            name: Source(name=name, title=title, language=lang, created_at=when(1))
            for name, title, lang in (
                ("gazette", "La Gazette", "fr"),
                ("courier", "Daily Courier", "en"),
                ("wire", "Wire Tech", "en"),
                ("radio", "Radio Publique", "fr"),
            )
        }
        session.add_all(sources.values())
        session.flush()
        rows = [
            ("wire_amazon", "wire", "Amazon pauses police use of Rekognition for a year", AMAZON_EN, "en", when(10, 9)),
            (
                "courier_amazon",
                "courier",
                "Amazon halts Rekognition for police",
                AMAZON_EN + " (AP)",
                "en",
                when(10, 15),
            ),
            ("gazette_amazon", "gazette", "Amazon suspend Rekognition pour un an", AMAZON_FR, "fr", when(11, 8)),
            ("radio_clearview", "radio", "Clearview AI condamnée par la CNIL", CLEARVIEW_FR, "fr", when(12, 10)),
            ("gazette_jo", "gazette", "JO : les caméras augmentées arrivent", JO_FR, "fr", when(20, 7)),
            ("courier_weather", "courier", "=cmd|' /C calc'!A0 Storm warning", WEATHER_EN, "en", when(15, 6)),
        ]
        for key, source, title, text, lang, published in rows:
            article = Article(
                url=f"https://{source}.example/{key}",
                canonical_url=f"https://{source}.example/{key}",
                source_id=sources[source].id,
                external_id=key,
                title=title,
                text=text * 3,
                published_at=published,
                language=lang,
                authors=["A. Auteur"],
                fetched_at=when(21),
                content_hash=f"hash-{key}",
            )
            session.add(article)
            session.flush()
            ids[key] = article.id
            if key != "courier_weather":
                session.add(
                    ArticleTopic(article_id=article.id, topic=TOPIC, location="text", terms=["rekognition"], score=2.5)
                )
        session.add(
            Copy(article_id=ids["courier_amazon"], original_id=ids["wire_amazon"], similarity=0.97, agency="AP")
        )
        amazon = Story(
            title="Amazon pauses police use of Rekognition",
            first_seen=when(10, 9),
            last_seen=when(11, 8),
            created_at=when(10, 9),
            updated_at=when(11, 8),
        )
        clearview = Story(
            title="Clearview AI condamnée par la CNIL",
            first_seen=when(12, 10),
            last_seen=when(12, 10),
            created_at=when(12, 10),
            updated_at=when(12, 10),
        )
        session.add_all([amazon, clearview])
        session.flush()
        ids["story_amazon"], ids["story_clearview"] = amazon.id, clearview.id
        for key, story in (
            ("wire_amazon", amazon),
            ("courier_amazon", amazon),
            ("gazette_amazon", amazon),
            ("radio_clearview", clearview),
        ):
            session.add(
                StoryArticle(article_id=ids[key], story_id=story.id, similarity=0.8, manual=False, added_at=when(21))
            )
    return ids
