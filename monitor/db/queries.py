"""Read-side queries for the CLI and the exports, streamed.

The article export is one streaming query (a server-side cursor on PostgreSQL, an autocommit read on SQLite that
holds no lock) whose SQL already joins the source, story, copy and topics and formats the dates, so that the
Python work per row is one tuple: rows come in batches of tuples in ``ARTICLE_COLUMNS`` order. For CSV the
same query returns text cells only (``TextCells``): NULL as '', numbers as text, formula-like cells escaped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    DateTime,
    Select,
    String,
    Text,
    and_,
    case,
    cast,
    create_engine,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import aliased
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.elements import ColumnElement

from monitor.db.models import Article, ArticleTopic, Copy, Source, Story, StoryArticle
from monitor.db.session import SQLITE_BUSY_TIMEOUT_MS, Database

ARTICLE_COLUMNS = [
    "id",
    "external_id",
    "url",
    "canonical_url",
    "source",
    "title",
    "published_at",
    "language",
    "authors",
    "story_id",
    "copy_of",
    "agency",
    "topics",
    "matched_terms",
    "relevance",
    "fetched_at",
    "content_hash",
]
STORY_COLUMNS = ["id", "title", "first_seen", "last_seen", "article_count", "outlet_count", "outlets", "languages"]
DECODED_CACHE_SIZE = 10_000  # distinct author lists / topic sets remembered while one export runs


@dataclass(frozen=True)
class ArticleFilter:
    since: datetime | None = None
    until: datetime | None = None
    language: str | None = None
    sources: tuple[str, ...] = ()
    topic: str | None = None
    story_id: int | None = None


@dataclass(frozen=True)
class TextCells:
    """Rows made of text cells only, for writers of text (CSV).

    NULL becomes '', integers their decimal text, floats ``number(value)``; a text cell that starts with one of
    ``escape`` gets ``prefix`` in front of it (the spreadsheet formula guard). Dates start with a digit and are
    escaped only when the stored value itself starts with one of ``escape``.
    """

    escape: tuple[str, ...] = ()
    prefix: str = "'"
    number: Callable[[float], str] = repr


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# the article rows: SQL --------------------------------------------------------------------------------
def _iso8601(column: Any, dialect: str) -> ColumnElement[Any]:
    """ISO 8601 in UTC (``2020-06-10T09:00:00+00:00``, ``.ffffff`` when there are microseconds), as
    ``datetime.isoformat`` writes it; SQLite stores ``2020-06-10 09:00:00.000000`` text."""
    if dialect == "postgresql":
        utc = func.timezone("UTC", column)
        fraction = case((func.date_trunc("second", column) == column, ""), else_=func.to_char(utc, ".US"))
        return func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS') + fraction + "+00:00"
    raw = type_coerce(column, String)  # the stored text, no datetime processing
    digits = func.substr(raw, 21, 6)
    fraction = case(
        (func.rtrim(digits, "0") == "", "+00:00"), else_="." + func.substr(digits + "00000", 1, 6) + "+00:00"
    )
    seconds = func.substr(raw, 1, 10) + "T" + func.substr(raw, 12, 8)
    # whole seconds (most publication dates) first: one comparison instead of the fraction's three functions
    return case((func.substr(raw, 20) == ".000000", seconds + "+00:00"), else_=seconds + fraction)


def _iso8601_at(column: Any, offset: Any, dialect: str) -> ColumnElement[Any]:
    """ISO 8601 on the clock of ``offset`` (minutes east of UTC), as ``datetime.isoformat`` writes an aware
    date-time (``2024-10-16T00:00:00+08:00``); in UTC, as ``_iso8601``, where the offset is NULL or 0."""
    utc = _iso8601(column, dialect)
    minutes = func.abs(offset)
    sign = case((offset < 0, "-"), else_="+")
    if dialect == "postgresql":
        shifted = func.timezone("UTC", column) + func.make_interval(0, 0, 0, 0, 0, offset)
        fraction: Any = case((func.date_trunc("second", column) == column, ""), else_=func.to_char(shifted, ".US"))
        clock = func.to_char(shifted, 'YYYY-MM-DD"T"HH24:MI:SS') + fraction
        zone = sign + func.to_char(minutes // 60, "FM00") + ":" + func.to_char(minutes % 60, "FM00")
    else:
        raw = type_coerce(column, String)
        digits = func.substr(raw, 21, 6)
        fraction = case((func.rtrim(digits, "0") == "", ""), else_="." + func.substr(digits + "00000", 1, 6))
        clock = func.strftime("%Y-%m-%dT%H:%M:%S", raw, cast(offset, String) + " minutes") + fraction
        zone = sign + func.printf("%02d:%02d", minutes // 60, minutes % 60)
    return case((func.coalesce(offset, 0) == 0, utc), else_=clock + zone)


def _json_text(column: Any, dialect: str) -> ColumnElement[Any]:
    """A JSON column as its JSON text (parsed once per distinct value in Python, not once per row)."""
    return cast(column, Text) if dialect == "postgresql" else type_coerce(column, String)


def _topic_pair(topics: Any, dialect: str) -> ColumnElement[Any]:
    """``"topic",["term", ...]`` of one match; aggregated with ',' they decode as one JSON array."""
    if dialect == "postgresql":
        return cast(func.to_json(topics.topic), Text) + "," + cast(topics.terms, Text)
    return func.json_quote(topics.topic) + "," + type_coerce(topics.terms, String)


def _escaped(column: Any, text: TextCells, dialect: str) -> ColumnElement[Any]:
    """A text cell: '' for NULL, ``prefix + value`` when the value starts with one of ``text.escape``."""
    value = func.coalesce(column, "")
    if not text.escape:
        return value
    escaped = (func.substr(column, 1, 1).in_(text.escape), literal(text.prefix) + column)
    if dialect == "postgresql" or not _below_a(text.escape):
        return case(escaped, else_=value)
    return case((_plain_start(column), column), escaped, else_=value)


def _below_a(starts: tuple[str, ...]) -> bool:
    """Every start is one character below 'A' and not a digit (true of the formula starts)."""
    return all(len(c) == 1 and c < "A" and not "0" <= c <= "9" for c in starts)


def _plain_start(stored: Any) -> ColumnElement[Any]:
    """SQLite: the text starts with 'A' or above, or a digit, so with no character below 'A' but digits: two
    or three comparisons in BINARY (byte) order, cheaper than ``substr(...) IN (...)`` on every cell."""
    return or_(stored >= "A", and_(stored >= "0", stored < ":"))


def _article_rows_query(flt: ArticleFilter, dialect: str, text: TextCells | None) -> Select[Any]:
    """One row per article in id order: 16 columns, ``authors`` and the topics still JSON (see ``_Decoder``)."""
    published = _iso8601_at(Article.published_at, Article.published_offset, dialect)
    fetched = _iso8601(Article.fetched_at, dialect)
    matched = aliased(ArticleTopic, name="matched")
    if dialect == "postgresql":  # correlated subqueries: no GROUP BY (a sort) before the first row
        of_article = matched.article_id == Article.id
        topics: Any = select(func.string_agg(_topic_pair(matched, dialect), ",")).where(of_article).scalar_subquery()
        relevance: Any = select(func.max(matched.score)).where(of_article).scalar_subquery()
    else:  # SQLite groups the join in id order as it scans, cheaper than two lookups per row
        topics, relevance = func.group_concat(_topic_pair(matched, dialect), ","), func.max(matched.score)
    ids: list[Any] = [Article.id, StoryArticle.story_id, Copy.original_id]
    texts: list[Any] = [Article.external_id, Article.url, Article.canonical_url, Source.name, Article.title]
    texts += [Article.language, func.coalesce(Article.agency, Copy.agency), Article.content_hash]
    if text is not None:
        ids = [func.coalesce(cast(column, String), "") for column in ids]
        texts = [_escaped(column, text, dialect) for column in texts]
        if dialect != "postgresql" and text.escape:  # a date cell starts as the stored text does
            published = _escaped_prefix(Article.published_at, text) + published
            fetched = _escaped_prefix(Article.fetched_at, text) + fetched
        published, fetched = func.coalesce(published, ""), func.coalesce(fetched, "")
    external_id, url, canonical_url, source, title, language, agency, content_hash = texts
    query: Select[Any] = (
        select(
            ids[0],
            external_id,
            url,
            canonical_url,
            source,
            title,
            published,
            language,
            _json_text(Article.authors, dialect),
            ids[1],
            ids[2],
            agency,
            topics,
            relevance,
            fetched,
            content_hash,
        )
        .join(Source, Source.id == Article.source_id)
        .outerjoin(StoryArticle, StoryArticle.article_id == Article.id)
        .outerjoin(Copy, Copy.article_id == Article.id)
        .order_by(Article.id)
    )
    if dialect != "postgresql":
        query = query.outerjoin(matched, matched.article_id == Article.id).group_by(Article.id)
    return _filtered(query, flt, dialect)


def _escaped_prefix(stored: Any, text: TextCells) -> ColumnElement[Any]:
    """SQLite: ``prefix`` when the stored text starts with one of ``text.escape``, else ''."""
    raw = type_coerce(stored, String)
    escaped = (func.substr(raw, 1, 1).in_(text.escape), text.prefix)
    if not _below_a(text.escape):
        return case(escaped, else_="")
    return case((_plain_start(raw), ""), escaped, else_="")


def _moment(value: datetime, dialect: str) -> ColumnElement[Any]:
    """``value`` as the driver compares it with a stored timestamp, needing no SQLAlchemy processing (the
    export runs its compiled SQL on the DBAPI cursor): SQLite stores UTC text, ``2020-06-10 09:00:00.000000``."""
    utc = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if dialect == "postgresql":
        return literal(utc, DateTime(timezone=True))
    return literal(utc.strftime("%Y-%m-%d %H:%M:%S.%f"), String)


class ArticleWindow(Protocol):
    """What every article filter has: the window in article time, language, sources, watchlist."""

    @property
    def since(self) -> datetime | None: ...
    @property
    def until(self) -> datetime | None: ...
    @property
    def language(self) -> str | None: ...
    @property
    def sources(self) -> tuple[str, ...]: ...
    @property
    def topic(self) -> str | None: ...


def article_conditions(
    flt: ArticleWindow, moment: Callable[[datetime], Any] = lambda value: value
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of ``flt`` on ``Article`` (joined with ``Source``), for every query that filters
    articles (exports, search, the report's timeline); ``moment`` renders a bound date-time."""
    when = func.coalesce(Article.published_at, Article.fetched_at)
    conditions: list[ColumnElement[bool]] = []
    if flt.since:
        conditions.append(when >= moment(flt.since))
    if flt.until:
        conditions.append(when < moment(flt.until))
    if flt.language:
        conditions.append(Article.language == flt.language)
    if flt.sources:
        conditions.append(Source.name.in_(flt.sources))
    if flt.topic:
        conditions.append(
            select(ArticleTopic.article_id)
            .where(ArticleTopic.article_id == Article.id, ArticleTopic.topic == flt.topic)
            .exists()
        )
    return conditions


def _filtered(query: Select[Any], flt: ArticleFilter, dialect: str) -> Select[Any]:
    query = query.where(*article_conditions(flt, lambda value: _moment(value, dialect)))
    if flt.story_id is not None:
        query = query.where(StoryArticle.story_id == flt.story_id)
    return query


class _Decoded(dict[Any, Any]):
    """``raw value -> decoded cells``, decoded once per distinct value: the memo of one export, bounded."""

    def __init__(self, decode: Callable[[Any], Any]) -> None:
        super().__init__()
        self.decode = decode

    def __missing__(self, key: Any) -> Any:
        if len(self) >= DECODED_CACHE_SIZE:
            self.clear()
        value = self[key] = self.decode(key)
        return value


def _authors_text(raw: str | None) -> str:
    """``A; B`` of a JSON list of names."""
    return "; ".join(json.loads(raw) or []) if raw else ""


def _topics_text(raw: str | None) -> tuple[str, str]:
    """``(topics, matched_terms)`` of ``_topics_json``: topics in code point order (SQLite's BINARY order),
    ``;``-separated; the terms of each in that order, each term once."""
    if raw is None:
        return "", ""
    items = json.loads(f"[{raw}]")
    pairs = sorted(zip(items[::2], items[1::2], strict=True), key=lambda pair: pair[0])
    terms = dict.fromkeys(term for _, found in pairs for term in found or [])
    return ";".join(topic for topic, _ in pairs), ";".join(terms)


def _escape(value: str, text: TextCells) -> str:
    return text.prefix + value if text.escape and value.startswith(text.escape) else value


@contextmanager
def _reading(db: Database) -> Iterator[Connection]:
    """A connection for one long read. On an SQLite file, a connection of its own in autocommit and query-only
    mode: the read sees one snapshot and takes no write lock (the app's connections ``BEGIN IMMEDIATE``), so a
    crawl goes on writing while an export runs (WAL). On PostgreSQL, a pooled connection (one transaction)."""
    url = make_url(db.url)
    if db.dialect != "sqlite" or url.database in (None, "", ":memory:"):
        with db.engine.connect() as connection:
            yield connection
        return
    engine = create_engine(
        url, poolclass=NullPool, connect_args={"isolation_level": None, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    )
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA query_only = ON")
            yield connection
    finally:
        engine.dispose()


def _driver_rows(
    connection: Connection, query: Select[Any], batch: int
) -> Generator[list[tuple[Any, ...]], None, None]:
    """The rows of ``query`` as the driver returns them (tuples, without SQLAlchemy's row objects), ``batch`` at a
    time; from a server-side cursor on PostgreSQL. The query's parameters must need no type processing."""
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.params
    if compiled.positiontup is not None:
        params = tuple(params[name] for name in compiled.positiontup)
    dbapi = connection.connection
    cursor = dbapi.cursor(name="monitor_export") if connection.dialect.name == "postgresql" else dbapi.cursor()
    try:
        cursor.execute(str(compiled), params)
        while rows := cursor.fetchmany(batch):
            yield list(rows)
    finally:
        cursor.close()


def iter_article_rows(
    db: Database, flt: ArticleFilter, text: TextCells | None = None, batch: int = 2000
) -> Iterator[list[tuple[Any, ...]]]:
    """Article rows in id order, ``batch`` tuples at a time (values in ``ARTICLE_COLUMNS`` order), from one
    streaming query: memory stays flat at any size. With ``text``, every value is a text cell (``TextCells``);
    without, ids are ints, relevance a float, and NULL is None."""
    dialect = db.dialect
    query = _article_rows_query(flt, dialect, text)
    if text is None:
        authors, topics = _Decoded(_authors_text), _Decoded(_topics_text)
    else:
        cells = text
        authors = _Decoded(lambda raw: _escape(_authors_text(raw), cells))
        topics = _Decoded(lambda raw: tuple(_escape(cell, cells) for cell in _topics_text(raw)))
    # the cursor is closed before its connection, also when the reader stops early ("| head")
    with _reading(db) as connection, closing(_driver_rows(connection, query, batch)) as stream:
        if text is None:
            for rows in stream:
                yield [(*r[:8], authors[r[8]], r[9], r[10], r[11], *topics[r[12]], *r[13:]) for r in rows]
            return
        number = text.number
        numbers = _Decoded(lambda value: "" if value is None else number(value))
        for rows in stream:
            yield [
                (*r[:8], authors[r[8]], r[9], r[10], r[11], *topics[r[12]], numbers[r[13]], r[14], r[15]) for r in rows
            ]


def iter_articles(db: Database, flt: ArticleFilter, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Article rows in id order as dicts (``ARTICLE_COLUMNS``), streamed."""
    for rows in iter_article_rows(db, flt, batch=batch):
        for row in rows:
            yield dict(zip(ARTICLE_COLUMNS, row, strict=True))


def count_articles(db: Database, flt: ArticleFilter) -> int:
    """How many articles ``iter_article_rows`` will yield (for a progress bar)."""
    query = (
        select(func.count(Article.id))
        .join(Source, Source.id == Article.source_id)
        .outerjoin(StoryArticle, StoryArticle.article_id == Article.id)
    )
    with _reading(db) as connection:
        return connection.scalar(_filtered(query, flt, db.dialect)) or 0


def iter_stories(db: Database, flt: ArticleFilter, min_articles: int = 1, batch: int = 500) -> Iterator[dict[str, Any]]:
    """Stories with their counts, outlets and languages, the most covered first.

    ``since``/``until`` select the stories seen in that window; ``language``, ``sources`` and ``topic``
    the stories with at least one such article; ``story_id`` one story.
    """
    outlets = func.count(func.distinct(Article.source_id))
    query = (
        select(Story.id, Story.title, Story.first_seen, Story.last_seen, func.count(StoryArticle.article_id), outlets)
        .join(StoryArticle, StoryArticle.story_id == Story.id)
        .join(Article, Article.id == StoryArticle.article_id)
        .group_by(Story.id, Story.title, Story.first_seen, Story.last_seen)
        .having(func.count(StoryArticle.article_id) >= min_articles)
        .order_by(outlets.desc(), Story.first_seen.desc(), Story.id)
    )
    if flt.since:
        query = query.where(Story.last_seen >= flt.since)
    if flt.until:
        query = query.where(Story.first_seen < flt.until)
    if flt.story_id is not None:
        query = query.where(Story.id == flt.story_id)
    member = select(StoryArticle.story_id).join(Article, Article.id == StoryArticle.article_id)
    if flt.language:
        member = member.where(Article.language == flt.language)
    if flt.sources:
        member = member.join(Source, Source.id == Article.source_id).where(Source.name.in_(flt.sources))
    if flt.topic:
        member = member.join(ArticleTopic, ArticleTopic.article_id == Article.id).where(ArticleTopic.topic == flt.topic)
    if flt.language or flt.sources or flt.topic:
        query = query.where(Story.id.in_(member))
    with db.session() as session:
        rows = session.execute(query).all()
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        members: dict[int, tuple[set[str], set[str]]] = {row[0]: (set(), set()) for row in chunk}
        with db.session() as session:
            for story_id, source, language in session.execute(
                select(StoryArticle.story_id, Source.name, Article.language)
                .join(Article, Article.id == StoryArticle.article_id)
                .join(Source, Source.id == Article.source_id)
                .where(StoryArticle.story_id.in_(list(members)))
            ):
                members[story_id][0].add(source)
                members[story_id][1].add(language)
        for story_id, title, first, last, count, outlet_count in chunk:
            yield {
                "id": story_id,
                "title": title,
                "first_seen": _iso(first),
                "last_seen": _iso(last),
                "article_count": count,
                "outlet_count": outlet_count,
                "outlets": ";".join(sorted(members[story_id][0])),
                "languages": ";".join(sorted(members[story_id][1])),
            }


def story_articles(db: Database, story_id: int) -> list[dict[str, Any]]:
    return list(iter_articles(db, ArticleFilter(story_id=story_id)))


def articles_per_day(db: Database, flt: ArticleFilter) -> dict[tuple[str, str], int]:
    """``{(day, language): articles}`` of the articles seen in the filter's window (days in UTC, ISO)."""
    when = func.coalesce(Article.published_at, Article.fetched_at)
    query = select(when, Article.language).join(Source, Source.id == Article.source_id).where(*article_conditions(flt))
    counts: dict[tuple[str, str], int] = {}
    with db.engine.connect() as connection:
        for seen, language in connection.execute(query).yield_per(2000):
            key = (seen.date().isoformat(), language)
            counts[key] = counts.get(key, 0) + 1
    return counts


def _in_time_order(article: dict[str, Any]) -> tuple[datetime, int]:
    """Sort key of an exported article: when it was published (the instant: its text is on the publisher's
    clock), else fetched."""
    when = article["published_at"] or article["fetched_at"]
    return (datetime.fromisoformat(when) if when else datetime.min.replace(tzinfo=UTC), article["id"])


def stories_with_articles(db: Database, flt: ArticleFilter, limit: int = 50) -> list[dict[str, Any]]:
    """The ``limit`` stories of ``iter_stories`` (most outlets first), each with ``articles`` in time order."""
    stories = []
    for story in iter_stories(db, flt):
        articles = list(iter_articles(db, ArticleFilter(story_id=story["id"])))
        articles.sort(key=_in_time_order)
        stories.append({**story, "articles": articles})
        if len(stories) >= limit:
            break
    return stories


def recent_stories(db: Database, topic: str | None, since: datetime, limit: int = 50) -> list[dict[str, Any]]:
    """Stories changed since ``since`` (new or grown) with an article matched by ``topic``, latest change first;
    each with ``updated_at``, its counts and ``articles`` in time order."""
    query = select(Story.id).where(Story.updated_at >= since).order_by(Story.updated_at.desc(), Story.id.desc())
    if topic:
        matched = (
            select(StoryArticle.story_id)
            .join(ArticleTopic, ArticleTopic.article_id == StoryArticle.article_id)
            .where(ArticleTopic.topic == topic)
        )
        query = query.where(Story.id.in_(matched))
    with db.session() as session:
        found = list(session.execute(query.limit(limit)).scalars())
        updated = {
            row[0]: row[1] for row in session.execute(select(Story.id, Story.updated_at).where(Story.id.in_(found)))
        }
    stories = []
    for story_id in found:
        for story in iter_stories(db, ArticleFilter(story_id=story_id)):
            articles = list(iter_articles(db, ArticleFilter(story_id=story_id)))
            articles.sort(key=_in_time_order)
            stories.append({**story, "updated_at": _iso(updated[story_id]), "articles": articles})
    return stories
