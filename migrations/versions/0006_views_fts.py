"""analyst views (articles_v, stories_v, story_articles_v) and full-text search

SQLite: an FTS5 external-content table ``articles_fts`` over ``articles`` (title, text), kept in sync by
triggers; accents folded, English Porter stemming.
PostgreSQL: ``articles_fts`` (article_id, tsvector) with a GIN index, kept in sync by a trigger, built
with a French, an English or a simple text search configuration according to the article's language
(accents folded when the ``unaccent`` extension can be installed).

The views read only the tables of revision 0001, and their columns are the same on both backends
(days, weeks and months as ISO text), so that the queries of docs/sql.md run unchanged on either.

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Dialect-specific pieces of the views: {name: (sqlite, postgresql)}.
_FUNCTIONS = {
    "day": ("strftime('%Y-%m-%d', {x})", "to_char(({x}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
    "week": (
        "date({x}, 'weekday 0', '-6 days')",
        "to_char(date_trunc('week', ({x}) AT TIME ZONE 'UTC'), 'YYYY-MM-DD')",
    ),
    "month": ("strftime('%Y-%m', {x})", "to_char(({x}) AT TIME ZONE 'UTC', 'YYYY-MM')"),
    "authors": ("a.authors", "CAST(a.authors AS text)"),
}
_TOPICS = (
    "(SELECT group_concat(topic, ';') FROM (SELECT t.topic FROM article_topics t WHERE t.article_id = a.id "
    "ORDER BY t.topic))",
    "(SELECT string_agg(t.topic, ';' ORDER BY t.topic) FROM article_topics t WHERE t.article_id = a.id)",
)
_DISTINCT_LIST = (
    "(SELECT group_concat(v, ';') FROM (SELECT DISTINCT {col} AS v FROM story_articles x "
    "JOIN articles a ON a.id = x.article_id JOIN sources o ON o.id = a.source_id WHERE x.story_id = s.id ORDER BY 1))",
    "(SELECT string_agg(DISTINCT {col}, ';' ORDER BY {col}) FROM story_articles x "
    "JOIN articles a ON a.id = x.article_id JOIN sources o ON o.id = a.source_id WHERE x.story_id = s.id)",
)

ARTICLES_V = """
CREATE VIEW articles_v AS
SELECT a.id, o.name AS source, o.title AS source_title, a.title, a.url, a.canonical_url, a.language,
       a.published_at, a.fetched_at, COALESCE(a.published_at, a.fetched_at) AS seen_at,
       {day} AS day, {week} AS week, {month} AS month,
       {authors} AS authors, a.site_name, a.external_id,
       sa.story_id, c.original_id AS copy_of, c.agency,
       CASE WHEN c.article_id IS NULL THEN 0 ELSE 1 END AS is_copy,
       {topics} AS topics,
       (SELECT max(t.score) FROM article_topics t WHERE t.article_id = a.id) AS relevance,
       length(a.text) AS text_length, a.content_hash
FROM articles a
JOIN sources o ON o.id = a.source_id
LEFT JOIN story_articles sa ON sa.article_id = a.id
LEFT JOIN copies c ON c.article_id = a.id
"""

STORY_ARTICLES_V = """
CREATE VIEW story_articles_v AS
SELECT sa.story_id, sa.article_id, o.name AS source, a.language, a.title, a.url,
       a.published_at, COALESCE(a.published_at, a.fetched_at) AS seen_at, {day} AS day,
       sa.similarity, sa.manual, sa.added_at, c.original_id AS copy_of,
       ROW_NUMBER() OVER (PARTITION BY sa.story_id
                          ORDER BY COALESCE(a.published_at, a.fetched_at), a.id) AS rank_in_story
FROM story_articles sa
JOIN articles a ON a.id = sa.article_id
JOIN sources o ON o.id = a.source_id
LEFT JOIN copies c ON c.article_id = a.id
"""

STORIES_V = """
CREATE VIEW stories_v AS
SELECT s.id, s.title, s.first_seen, s.last_seen, s.created_at, s.updated_at,
       {first_day} AS first_day,
       count(sa.article_id) AS article_count,
       count(DISTINCT a.source_id) AS outlet_count,
       count(DISTINCT a.language) AS language_count,
       sum(CASE WHEN a.language = 'fr' THEN 1 ELSE 0 END) AS fr_articles,
       sum(CASE WHEN a.language = 'en' THEN 1 ELSE 0 END) AS en_articles,
       {outlets} AS outlets,
       {languages} AS languages,
       (SELECT f.article_id FROM story_articles_v f WHERE f.story_id = s.id AND f.rank_in_story = 1) AS first_article_id,
       (SELECT f.source FROM story_articles_v f WHERE f.story_id = s.id AND f.rank_in_story = 1) AS first_outlet
FROM stories s
LEFT JOIN story_articles sa ON sa.story_id = s.id
LEFT JOIN articles a ON a.id = sa.article_id
GROUP BY s.id, s.title, s.first_seen, s.last_seen, s.created_at, s.updated_at
"""

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); END",
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); "
    "INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]

_PG_CONFIGS = {
    "monitor_fr": ("french", "french_stem"),
    "monitor_en": ("english", "english_stem"),
    "monitor_simple": ("simple", "simple"),
}

POSTGRES_FTS_TAIL = [
    """CREATE FUNCTION monitor_fts_config(language text) RETURNS regconfig IMMUTABLE LANGUAGE sql AS $$
         SELECT CASE WHEN $1 LIKE 'fr%' THEN 'monitor_fr'::regconfig
                     WHEN $1 LIKE 'en%' THEN 'monitor_en'::regconfig
                     ELSE 'monitor_simple'::regconfig END $$""",
    """CREATE TABLE articles_fts (
         article_id integer NOT NULL,
         document tsvector NOT NULL,
         CONSTRAINT pk_articles_fts PRIMARY KEY (article_id),
         CONSTRAINT fk_articles_fts_article_id_articles FOREIGN KEY (article_id)
           REFERENCES articles (id) ON DELETE CASCADE)""",
    "CREATE INDEX ix_articles_fts_document ON articles_fts USING gin (document)",
    """CREATE FUNCTION monitor_articles_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO articles_fts (article_id, document)
         VALUES (NEW.id, setweight(to_tsvector(monitor_fts_config(NEW.language), coalesce(NEW.title, '')), 'A')
                      || setweight(to_tsvector(monitor_fts_config(NEW.language), coalesce(NEW.text, '')), 'B'))
         ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document;
         RETURN NEW;
       END $$""",
    "CREATE TRIGGER articles_fts_sync AFTER INSERT OR UPDATE OF title, text, language ON articles "
    "FOR EACH ROW EXECUTE FUNCTION monitor_articles_fts_sync()",
    """INSERT INTO articles_fts (article_id, document)
       SELECT id, setweight(to_tsvector(monitor_fts_config(language), coalesce(title, '')), 'A')
               || setweight(to_tsvector(monitor_fts_config(language), coalesce(text, '')), 'B')
       FROM articles""",
]


def _views(dialect: str) -> list[str]:
    pick = 0 if dialect == "sqlite" else 1
    fn = {name: pair[pick] for name, pair in _FUNCTIONS.items()}
    seen = "COALESCE(a.published_at, a.fetched_at)"
    return [
        ARTICLES_V.format(
            day=fn["day"].format(x=seen),
            week=fn["week"].format(x=seen),
            month=fn["month"].format(x=seen),
            authors=fn["authors"],
            topics=_TOPICS[pick],
        ),
        STORY_ARTICLES_V.format(day=fn["day"].format(x=seen)),
        STORIES_V.format(
            first_day=fn["day"].format(x="s.first_seen"),
            outlets=_DISTINCT_LIST[pick].format(col="o.name"),
            languages=_DISTINCT_LIST[pick].format(col="a.language"),
        ),
    ]


def _unaccent_available(bind: sa.Connection) -> bool:
    """Install ``unaccent`` (a trusted extension) when the server has it; False when it cannot be."""
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'")).first():
        return False
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
    except sa.exc.DBAPIError:
        return False
    return True


def _postgres_fts(bind: sa.Connection) -> None:
    unaccent = _unaccent_available(bind)
    for name, (parent, stemmer) in _PG_CONFIGS.items():
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{parent})")
        dictionaries = f"unaccent, {stemmer}" if unaccent else stemmer
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR hword, hword_part, word WITH {dictionaries}"
        )
    for statement in POSTGRES_FTS_TAIL:
        op.execute(statement)


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == "sqlite":
        # Batch migrations of other branches rebuild tables (copy, drop, rename). Since SQLite 3.26 the
        # rename re-parses every view and fails while a view names the dropped table (alembic#1207);
        # in legacy mode the rename leaves views alone and they find the rebuilt table by its name.
        op.execute("PRAGMA legacy_alter_table = ON")
    for statement in _views(dialect):
        op.execute(statement)
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        _postgres_fts(bind)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS articles_fts_sync ON articles")
        op.execute("DROP FUNCTION IF EXISTS monitor_articles_fts_sync()")
        op.execute("DROP TABLE IF EXISTS articles_fts")
        op.execute("DROP FUNCTION IF EXISTS monitor_fts_config(text)")
        for name in _PG_CONFIGS:
            op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
    for view in ("stories_v", "story_articles_v", "articles_v"):
        op.execute(f"DROP VIEW IF EXISTS {view}")
