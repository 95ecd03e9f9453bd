"""The fast article export writes the same bytes as the implementation it replaced.

``reference_articles`` below is the previous ``iter_articles`` (rows as dicts, formatted in Python, the topics
fetched per batch) kept as the reference; its rows went through ``write_csv`` / ``write_jsonl``, which are
unchanged. The archive is made to be awkward: delimiters, quotes and line breaks in cells, formula-like cells
in every text column, NULLs, microseconds, several topics in no order with shared terms, odd floats.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Select, String, func, select, type_coerce

from monitor.cli.export import export_articles
from monitor.db import Database
from monitor.db.models import Article, ArticleTopic, Copy, Source, Story, StoryArticle
from monitor.db.queries import ARTICLE_COLUMNS, ArticleFilter, iter_articles
from monitor.export import write_csv, write_csv_cells, write_jsonl


# the previous implementation, verbatim but for names --------------------------------------------------------
def _raw(column: Any) -> Any:
    return type_coerce(column, String).label(column.key)


def _iso_raw(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    fraction = text[20:26].rstrip("0")
    return f"{text[:10]}T{text[11:19]}{'.' + fraction.ljust(6, '0') if fraction else ''}+00:00"


def _names(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(value)
    return "; ".join(json.loads(value) or []) if value else ""


def _terms(value: Any) -> list[str]:
    if isinstance(value, list):
        return value
    return list(json.loads(value) or []) if value else []


def _reference_query(flt: ArticleFilter) -> Select[Any]:
    query: Select[Any] = (
        select(
            Article.id,
            Article.external_id,
            Article.url,
            Article.canonical_url,
            Source.name,
            Article.title,
            _raw(Article.published_at),
            Article.language,
            _raw(Article.authors),
            StoryArticle.story_id,
            Copy.original_id,
            func.coalesce(Article.agency, Copy.agency),
            _raw(Article.fetched_at),
            Article.content_hash,
        )
        .join(Source, Source.id == Article.source_id)
        .outerjoin(StoryArticle, StoryArticle.article_id == Article.id)
        .outerjoin(Copy, Copy.article_id == Article.id)
        .order_by(Article.id)
    )
    when = func.coalesce(Article.published_at, Article.fetched_at)
    if flt.since:
        query = query.where(when >= flt.since)
    if flt.until:
        query = query.where(when < flt.until)
    if flt.language:
        query = query.where(Article.language == flt.language)
    if flt.sources:
        query = query.where(Source.name.in_(flt.sources))
    if flt.story_id is not None:
        query = query.where(StoryArticle.story_id == flt.story_id)
    if flt.topic:
        query = query.where(
            select(ArticleTopic.article_id)
            .where(ArticleTopic.article_id == Article.id, ArticleTopic.topic == flt.topic)
            .exists()
        )
    return query


def reference_articles(db: Database, flt: ArticleFilter, batch: int = 3) -> Iterator[dict[str, Any]]:
    last_id = 0
    base = _reference_query(flt)
    matched = select(ArticleTopic.article_id, ArticleTopic.topic, _raw(ArticleTopic.terms), ArticleTopic.score)
    while True:
        with db.engine.connect() as connection:
            rows = connection.execute(base.where(Article.id > last_id).limit(batch)).all()
            if not rows:
                return
            ids = [row[0] for row in rows]
            topics: dict[int, list[tuple[str, list[str], float]]] = {}
            in_batch = ArticleTopic.article_id.between(ids[0], ids[-1])
            for article_id, topic, terms, score in connection.execute(
                matched.where(in_batch).order_by(ArticleTopic.article_id, ArticleTopic.topic)
            ):
                topics.setdefault(article_id, []).append((topic, _terms(terms), score))
        for row in rows:
            article_id, external_id, url, canonical, source, title, published, language, authors = row[:9]
            story_id, copy_of, agency, fetched_at, content_hash = row[9:]
            found = topics.get(article_id, ())
            yield {
                "id": article_id,
                "external_id": external_id,
                "url": url,
                "canonical_url": canonical,
                "source": source,
                "title": title,
                "published_at": _iso_raw(published),
                "language": language,
                "authors": _names(authors),
                "story_id": story_id,
                "copy_of": copy_of,
                "agency": agency,
                "topics": ";".join(t[0] for t in found),
                "matched_terms": ";".join(dict.fromkeys(term for t in found for term in t[1])),
                "relevance": max((t[2] for t in found), default=None),
                "fetched_at": _iso_raw(fetched_at),
                "content_hash": content_hash,
            }
        last_id = ids[-1]


# an awkward archive -------------------------------------------------------------------------------------------
TITLES = [
    "Plain title",
    "Commas, everywhere, here",
    "Point-virgule ; et « guillemets »",
    'He said "no"',
    "Two\r\nlines",
    "Only\nLF",
    "=1+1",
    "+33 1 23",
    "-moins",
    "@handle",
    "\tTab first",
    "\rCR first",
    "",
    None,
    "Vidéosurveillance algorithmique à Paris : l'été 2024",
]
AUTHORS: list[list[str] | None] = [[], ["A. Auteur"], ["=Evil", "B; C"], ['Q "uote"'], None, ["Zoë, X"]]
SCORES = [2.5, 0.1 + 0.2, 1e-05, 3.0, -1.5, 1234567.125, 12.0]


def fill_awkward(db: Database) -> dict[str, int]:
    ids: dict[str, int] = {}
    with db.session() as session:
        sources = [
            Source(name=name, title=name, language="fr", created_at=datetime(2020, 1, 1, tzinfo=UTC))
            for name in ("gazette", "wire, inc", "-minus", "=src")
        ]
        session.add_all(sources)
        session.flush()
        story = Story(
            title="A story",
            first_seen=datetime(2020, 6, 1, tzinfo=UTC),
            last_seen=datetime(2020, 6, 9, tzinfo=UTC),
            created_at=datetime(2020, 6, 1, tzinfo=UTC),
            updated_at=datetime(2020, 6, 9, tzinfo=UTC),
        )
        session.add(story)
        session.flush()
        ids["story"] = story.id
        articles = []
        for i, title in enumerate(TITLES * 2):
            published = None if i % 7 == 3 else datetime(2020, 6, 1 + i % 20, i % 24, 5, 7, (i * 12345) % 3 * 250_000)
            article = Article(
                url=f"https://x.example/{i}",
                canonical_url=("=" if i == 5 else "") + f"https://x.example/c/{i}",
                source_id=sources[i % len(sources)].id,
                external_id=None if i % 5 == 2 else ("-" if i % 4 == 1 else "") + f"e{i}",
                title=title,
                text="text",
                published_at=published.replace(tzinfo=UTC) if published else None,
                language=["fr", "en", "@x"][i % 3],
                authors=AUTHORS[i % len(AUTHORS)],
                fetched_at=datetime(2020, 7, 1, 12, 0, i % 60, 0 if i % 2 else 123400 + i, tzinfo=UTC),
                content_hash=("+" if i == 4 else "") + f"{i:063x}",
                agency=[None, None, "AFP", "=Reuters", "Agence France-Presse"][i % 5],  # own credits, copies or not
            )
            session.add(article)
            articles.append(article)
        session.flush()
        for i, article in enumerate(articles):
            # topics added in no particular order, terms shared between topics and repeated within one
            for j, topic in enumerate(["zeta-watch", "-dash", "alpha", "Beta", "éclair"][: i % 6]):
                terms = [["police", "caméras"], ["caméras", "x;y"], ["=sum", "police", "police"], [], ["zoë"]][j]
                session.add(
                    ArticleTopic(
                        article_id=article.id,
                        topic=topic,
                        location="text",
                        terms=terms,
                        score=SCORES[(i + j) % len(SCORES)],
                    )
                )
            if i % 3 == 0:
                session.add(
                    StoryArticle(
                        article_id=article.id,
                        story_id=story.id,
                        similarity=0.5,
                        manual=False,
                        added_at=datetime(2020, 6, 9, tzinfo=UTC),
                    )
                )
            if i % 4 == 1 and i > 0:
                agency = [None, "AP", "@AFP", "Reuters, Ltd"][i % 4 // 1 % 4]
                session.add(Copy(article_id=article.id, original_id=articles[0].id, similarity=0.9, agency=agency))
        ids["first"] = articles[0].id
    return ids


@pytest.fixture
def awkward(db_url: str) -> Iterator[tuple[Database, dict[str, int]]]:
    db = Database(db_url)
    ids = fill_awkward(db)
    yield db, ids
    db.dispose()


FILTERS = [
    ArticleFilter(),
    ArticleFilter(since=datetime(2020, 6, 5, tzinfo=UTC), until=datetime(2020, 6, 15, 12, 30, tzinfo=UTC)),
    ArticleFilter(language="en"),
    ArticleFilter(sources=("wire, inc", "=src")),
    ArticleFilter(topic="alpha"),
    ArticleFilter(story_id=1),
    ArticleFilter(language="fr", topic="-dash", since=datetime(2020, 6, 2, tzinfo=UTC)),
]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: repr(f)[14:60])
def test_fast_export_writes_the_same_bytes(awkward: tuple[Database, dict[str, int]], flt: ArticleFilter) -> None:
    db, ids = awkward
    if flt.story_id is not None:
        flt = ArticleFilter(story_id=ids["story"])
    reference = list(reference_articles(db, flt))
    assert reference, "the filter selects something"
    assert list(iter_articles(db, flt)) == reference
    for excel in (False, True):
        before, after = io.StringIO(newline=""), io.StringIO(newline="")
        write_csv(before, ARTICLE_COLUMNS, reference, excel=excel)
        assert export_articles(db, flt, after, "csv", excel) == len(reference)
        assert after.getvalue() == before.getvalue()
    before, after = io.StringIO(), io.StringIO()
    write_jsonl(before, ARTICLE_COLUMNS, reference)
    export_articles(db, flt, after, "jsonl")
    assert after.getvalue() == before.getvalue()


def test_the_awkward_archive_is_awkward(awkward: tuple[Database, dict[str, int]]) -> None:
    """The fixture reaches the slow paths: quoted cells, escaped cells, several topics, microseconds."""
    db, _ = awkward
    out = io.StringIO(newline="")
    export_articles(db, ArticleFilter(), out, "csv", excel=True)
    rows = list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"), newline=""), delimiter=";"))
    by_column = {name: [row[i] for row in rows[1:]] for i, name in enumerate(rows[0])}
    assert "Two\r\nlines" in by_column["title"] and 'He said "no"' in by_column["title"]
    assert "'=1+1" in by_column["title"] and "'\rCR first" in by_column["title"]
    assert any(c.startswith("'=") for c in by_column["canonical_url"])
    assert "'-dash;Beta;alpha;zeta-watch;éclair" in by_column["topics"]  # code point order, then escaped
    assert "caméras;x;y;=sum;police" in by_column["matched_terms"]  # each term once, in topic order
    assert any("." in c and c.endswith("+00:00") for c in by_column["fetched_at"])
    assert "0,30000000000000004" in by_column["relevance"] and "3,0" in by_column["relevance"]


# the batch writer against csv.writer ---------------------------------------------------------------------------
cell = st.text(alphabet=st.sampled_from(list("ab ,;\"'\r\n\t=+-@é")), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(cell, min_size=3, max_size=3), max_size=8), st.booleans(), st.integers(1, 4))
def test_batch_writer_matches_csv_writer(rows: list[list[str]], excel: bool, batch: int) -> None:
    """Cells already text (and escaped): the batch writer writes what csv.writer (through write_csv) writes."""
    columns = ["a", "b", "c"]
    expected, got = io.StringIO(newline=""), io.StringIO(newline="")
    csv_writer = csv.writer(expected, delimiter=";" if excel else ",", lineterminator="\r\n")
    if excel:
        expected.write("\ufeff")
    csv_writer.writerow(columns)
    csv_writer.writerows(rows)
    batches = [rows[i : i + batch] for i in range(0, len(rows), batch)]
    assert write_csv_cells(got, columns, batches, excel=excel) == len(rows)
    assert got.getvalue() == expected.getvalue()


def test_batch_writer_one_column_quotes_empty_cells() -> None:
    out = io.StringIO(newline="")
    write_csv_cells(out, ["title"], [[("",), ("x",)]])
    assert out.getvalue() == 'title\r\n""\r\nx\r\n'
