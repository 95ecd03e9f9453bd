"""Full-text search over the archive: SQLite FTS5 or PostgreSQL tsvector (schema of migration 0006).

The search tables are kept in sync with ``articles`` by triggers in the database, so the store needs no
code for them. They are not models: ``include_name`` tells Alembic's comparison to leave them alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, func, select

from monitor.dates import at_offset
from monitor.db.models import Article, Source, StoryArticle
from monitor.db.queries import article_conditions
from monitor.db.session import Database
from monitor.search import AnyOf, Node, Term

SEARCH_TABLE = "articles_fts"
SEARCH_COLUMNS = ["id", "published_at", "source", "language", "story_id", "title", "snippet", "url", "rank"]
SNIPPET_START, SNIPPET_END = "[", "]"
PG_CONFIGS = {"fr": "monitor_fr", "en": "monitor_en", "": "monitor_simple"}


def include_name(name: str | None, type_: str, _parents: Any = None) -> bool:
    """Alembic ``include_name``: the search tables (and FTS5's shadow tables) are not models."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE))


@dataclass(frozen=True)
class SearchFilter:
    since: datetime | None = None
    until: datetime | None = None
    language: str | None = None
    sources: tuple[str, ...] = ()
    topic: str | None = None
    limit: int = 50
    by_date: bool = False


# SQLite FTS5 ------------------------------------------------------------------------------------------
def _fts5_term(term: Term) -> str:
    quoted = '"' + term.text.replace('"', '""') + '"'
    return quoted + " *" if term.prefix else quoted


def to_fts5(node: Node) -> str:
    """An FTS5 MATCH expression: every term quoted, so that user text is never read as FTS5 syntax."""
    if isinstance(node, Term):
        return _fts5_term(node)
    if isinstance(node, AnyOf):
        return "(" + " OR ".join(to_fts5(p) for p in node.parts) + ")"
    expression = "(" + " AND ".join(to_fts5(p) for p in node.include) + ")"
    for excluded in node.exclude:
        expression = f"{expression} NOT {to_fts5(excluded)}"
    return "(" + expression + ")"


# PostgreSQL tsquery -----------------------------------------------------------------------------------
def _prefix_lexeme(text: str) -> str:
    words = [w for w in text.replace("'", " ").replace("\\", " ").split() if w]
    return " & ".join(f"'{w}'" for w in words[:-1]) + (" & " if len(words) > 1 else "") + f"'{words[-1]}':*"


def to_tsquery(node: Node, config: str) -> ColumnElement[Any]:
    """A tsquery built by functions over bound values, so that user text is never read as tsquery syntax."""
    cfg: ColumnElement[Any] = sa.literal_column(f"'{config}'::regconfig")
    if isinstance(node, Term):
        if node.prefix:
            return func.to_tsquery(cfg, sa.bindparam(None, _prefix_lexeme(node.text), type_=sa.String))
        maker = func.phraseto_tsquery if node.phrase else func.plainto_tsquery
        return maker(cfg, sa.bindparam(None, node.text, type_=sa.String))
    if isinstance(node, AnyOf):
        combined = to_tsquery(node.parts[0], config)
        for part in node.parts[1:]:
            combined = func.tsquery_or(combined, to_tsquery(part, config))
        return combined
    combined = to_tsquery(node.include[0], config)
    for part in node.include[1:]:
        combined = func.tsquery_and(combined, to_tsquery(part, config))
    for excluded in node.exclude:
        combined = func.tsquery_and(combined, func.tsquery_not(to_tsquery(excluded, config)))
    return combined


# The query --------------------------------------------------------------------------------------------
def _filters(query: Select[Any], flt: SearchFilter) -> Select[Any]:
    return query.where(*article_conditions(flt))


def _base(*extra: ColumnElement[Any]) -> Select[Any]:
    when = func.coalesce(Article.published_at, Article.fetched_at)
    return select(
        Article.id,
        when.label("published_at"),
        Article.published_offset,
        Source.name.label("source"),
        Article.language,
        StoryArticle.story_id,
        Article.title,
        *extra,
        Article.url,
    )


def _sqlite_query(node: Node, flt: SearchFilter) -> Select[Any]:
    fts = sa.table(SEARCH_TABLE, sa.column("rowid"))
    table: ColumnElement[Any] = sa.literal_column(SEARCH_TABLE)
    rank = func.bm25(table, 4.0, 1.0)  # a match in the title counts four times; lower is better
    snippet = func.snippet(table, 1, SNIPPET_START, SNIPPET_END, "…", 24).label("snippet")
    query = (
        _base(snippet, (-rank).label("rank"))
        .select_from(fts)
        .join(Article, Article.id == fts.c.rowid)
        .join(Source, Source.id == Article.source_id)
        .outerjoin(StoryArticle, StoryArticle.article_id == Article.id)
        .where(table.op("MATCH")(to_fts5(node)))
    )
    order = (func.coalesce(Article.published_at, Article.fetched_at).desc(),) if flt.by_date else (rank, Article.id)
    return _filters(query, flt).order_by(*order).limit(flt.limit)


def _pg_query(node: Node, flt: SearchFilter) -> Select[Any]:
    fts = sa.table(SEARCH_TABLE, sa.column("article_id"), sa.column("document"))
    queries = {lang: to_tsquery(node, config) for lang, config in PG_CONFIGS.items()}
    is_fr, is_en = Article.language.like("fr%"), Article.language.like("en%")
    matches = sa.or_(
        sa.and_(is_fr, fts.c.document.op("@@")(queries["fr"])),
        sa.and_(is_en, fts.c.document.op("@@")(queries["en"])),
        sa.and_(~is_fr, ~is_en, fts.c.document.op("@@")(queries[""])),
    )
    chosen = sa.case((is_fr, queries["fr"]), (is_en, queries["en"]), else_=queries[""])
    rank = func.ts_rank_cd(fts.c.document, chosen).label("rank")
    inner = (
        select(Article.id.label("article_id"), rank)
        .select_from(fts)
        .join(Article, Article.id == fts.c.article_id)
        .join(Source, Source.id == Article.source_id)
        .where(matches)
    )
    when = func.coalesce(Article.published_at, Article.fetched_at)
    inner = _filters(inner, flt)
    inner = inner.order_by(when.desc() if flt.by_date else rank.desc(), Article.id).limit(flt.limit)
    hits = inner.subquery("hits")
    options = f"MaxWords=30, MinWords=12, StartSel={SNIPPET_START}, StopSel={SNIPPET_END}, FragmentDelimiter=…"
    snippet = func.ts_headline(func.monitor_fts_config(Article.language), Article.text, chosen, options)
    query = (
        _base(snippet.label("snippet"), hits.c.rank)
        .select_from(hits)
        .join(Article, Article.id == hits.c.article_id)
        .join(Source, Source.id == Article.source_id)
        .outerjoin(StoryArticle, StoryArticle.article_id == Article.id)
    )
    return query.order_by(when.desc() if flt.by_date else hits.c.rank.desc(), Article.id)


def search_articles(db: Database, node: Node, flt: SearchFilter) -> Iterator[dict[str, Any]]:
    """The articles that match ``node``, best first (or newest first), as dicts of ``SEARCH_COLUMNS``."""
    if db.dialect == "sqlite":
        query = _sqlite_query(node, flt)
    elif db.dialect == "postgresql":
        query = _pg_query(node, flt)
    else:
        raise NotImplementedError(f"full-text search on {db.dialect}")
    with db.session() as session:
        for row in session.execute(query):
            record = dict(row._mapping)
            when, offset = record["published_at"], record.pop("published_offset")
            record["published_at"] = at_offset(when, offset).isoformat() if when else None  # the publisher's clock
            record["rank"] = round(float(record["rank"] or 0.0), 4)
            yield record
