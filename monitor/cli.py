"""The ``monitor`` command line: a thin layer over the library."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from monitor.db.queries import ARTICLE_COLUMNS, STORY_COLUMNS, ArticleFilter
from monitor.output import emit, output_options
from monitor.timeparse import parse_when

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

db_option = click.option(
    "--db", "db_url", envvar="MONITOR_DATABASE_URL", default=None, metavar="URL",
    help="Database URL (default: $MONITOR_DATABASE_URL, else sqlite:///monitor.db in the working directory).",
)
sources_option = click.option(
    "--sources", "sources_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
    help="TOML file of outlets ([[source]] tables); replaces the shipped list.",
)


def _open_db(db_url: str | None) -> Any:
    from monitor.db import Database

    try:
        return Database(db_url)
    except Exception as exc:  # a wrong URL, a server down: one clear line, not a traceback
        raise click.ClickException(f"cannot open the database: {str(exc).splitlines()[0]}") from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="facewatch-monitor")
def main() -> None:
    """Media monitoring of facial recognition in French and English news.

    Crawls outlets' feeds, sitemaps and section pages, keeps the articles that a watchlist matches,
    deduplicates them, groups them into stories across outlets and languages, and exports them.

    \b
    Example:
        monitor demo                      # crawl the bundled demo outlets, print the stories
        monitor crawl --source lemonde    # crawl one real outlet into monitor.db
        monitor sql "SELECT source_id, count(*) FROM articles GROUP BY 1"
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@db_option
def init(db_url: str | None) -> None:
    """Create the database, or upgrade it to the latest schema (runs the Alembic migrations).

    \b
    Example:
        monitor init --db sqlite:///archive.db
        MONITOR_DATABASE_URL=postgresql://postgres@localhost/monitor monitor init
    """
    from monitor.db.migrate import head_revision

    database = _open_db(db_url)
    click.echo(f"database ready at revision {head_revision()}: {database.engine.url.render_as_string()}")


@main.command()
@db_option
@sources_option
@click.option("--source", "source_names", multiple=True, metavar="NAME", help="Crawl only this source (repeatable).")
@click.option("--all-topics", is_flag=True, help="Keep every article, not only those a watchlist matches.")
@click.option("--refresh", is_flag=True, help="Fetch again articles that are already archived.")
@click.option("--watchlists", "watchlists_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="TOML file of watchlists (default: the shipped facial-recognition watchlist).")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
def crawl(
    db_url: str | None, sources_file: str | None, source_names: tuple[str, ...], all_topics: bool, refresh: bool,
    watchlists_file: str | None, log_level: str,
) -> None:
    """Crawl the sources once: discover, fetch, extract, filter, store, group.

    Exit status: 0 when the crawl finished (even if some pages failed), 1 when it could not run.

    \b
    Example:
        monitor crawl                                   # every shipped outlet
        monitor crawl --sources my-outlets.toml --source lemonde --source bbc
        monitor crawl --all-topics --db postgresql://postgres@localhost/monitor
    """
    from monitor.crawl import CrawlOptions
    from monitor.crawl import crawl as run_crawl
    from monitor.sources import SourcesError, load_sources, select_sources

    try:
        sources = select_sources(load_sources(sources_file), list(source_names))
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc
    database = _open_db(db_url)
    database.dispose()
    options = CrawlOptions(database_url=database.url, sources=sources, all_topics=all_topics, refresh=refresh,
                           watchlists_file=watchlists_file, log_level=log_level.upper())
    report = run_crawl(options)
    click.echo(json.dumps({"sources": len(sources), **report.summary()}, default=str))
    if report.stats.get("finish_reason") not in ("finished", None):
        sys.exit(EXIT_FAILED)


@main.command()
@db_option
@click.option("--all-topics", is_flag=True, help="Keep every article, not only those a watchlist matches.")
@click.option("-o", "--output", "csv_path", default="demo-articles.csv", show_default=True,
              type=click.Path(dir_okay=False), help="Where to write the CSV of the archived articles.")
@click.option("--keep", is_flag=True, help="Keep the existing demo database instead of starting fresh.")
def demo(db_url: str | None, all_topics: bool, csv_path: str, keep: bool) -> None:
    """Serve the bundled demo outlets on 127.0.0.1, crawl them, print the stories, write a CSV.

    Without --db (or $MONITOR_DATABASE_URL) the archive is a fresh demo.db in the working directory.

    \b
    Example:
        monitor demo
        monitor demo --all-topics -o all.csv
    """
    from monitor.crawl import CrawlOptions
    from monitor.crawl import crawl as run_crawl
    from monitor.demo.server import serve_site

    if db_url is None:
        path = Path("demo.db")
        if not keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        db_url = f"sqlite:///{path}"
    database = _open_db(db_url)
    with serve_site() as site:
        sources = site.sources()
        click.echo(f"serving {len(sources)} demo outlets on 127.0.0.1; crawling into {database.url}")
        options = CrawlOptions(
            database_url=database.url, sources=sources, all_topics=all_topics, log_level="WARNING",
            overrides=demo_overrides(),
        )
        report = run_crawl(options)
    click.echo(json.dumps(report.summary(), default=str))
    _print_stories(database, ArticleFilter(), min_articles=1)
    from monitor.db.queries import iter_articles
    from monitor.export import write_csv

    with open(csv_path, "w", encoding="utf-8", newline="") as handle:
        count = write_csv(handle, ARTICLE_COLUMNS, iter_articles(database, ArticleFilter()))
    click.echo(f"wrote {count} articles to {csv_path}")


def demo_overrides() -> dict[str, Any]:
    """Settings for a crawl of local servers: no delays, more concurrency, short timeouts."""
    return {
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "DOWNLOAD_TIMEOUT": 15, "RETRY_TIMES": 1,
    }


def _print_stories(database: Any, flt: ArticleFilter, min_articles: int = 1) -> None:
    from monitor.db.queries import iter_stories, story_articles

    for story in iter_stories(database, flt, min_articles=min_articles):
        click.echo(
            f"\nstory {story['id']}: {story['title']}\n"
            f"  {story['article_count']} article(s), outlets: {story['outlets']}, languages: {story['languages']}"
        )
        for article in story_articles(database, story["id"]):
            copy = f" (copy of {article['copy_of']})" if article["copy_of"] else ""
            click.echo(f"  - [{article['language']}] {article['source']}: {article['title']}{copy}")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--url", required=True, help="The URL the page was served at (for relative links and the host).")
@click.option("--with-language/--no-language", default=True, help="Also detect the language.")
def extract(file: str, url: str, with_language: bool) -> None:
    """Extract the article of a saved HTML page and print it as JSON.

    \b
    Example:
        monitor extract page.html --url https://www.lemonde.fr/pixels/article/2020/06/11/x.html
        curl -s URL | monitor extract - --url URL
    """
    from monitor.extraction import ExtractionError, extract_article
    from monitor.processing import Processor

    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot read: {exc.strerror or exc}") from exc
    try:
        article = extract_article(data, url)
    except ExtractionError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    if with_language:
        Processor.set_language_of(article)
    click.echo(json.dumps(article.to_json(), ensure_ascii=False, indent=2))


@main.command()
@db_option
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--all-topics", is_flag=True, help="Keep every record, not only those a watchlist matches.")
@click.option("--source", "default_source", default="ingest", show_default=True,
              help="Source name for records without a 'source' field.")
def ingest(db_url: str | None, file: str, all_topics: bool, default_source: str) -> None:
    """Ingest articles from a JSON Lines file (one article per line).

    Fields: id, url, title, text, date, lang, source; all but text optional; id is kept as external_id.
    Bad lines are reported with their line number and skipped; the exit status is non-zero only when
    nothing could be read.

    \b
    Example:
        monitor ingest articles.jsonl
        monitor ingest export.jsonl --all-topics --source europresse
    """
    from monitor.archive import Archive
    from monitor.ingest import LineError, ingest_file
    from monitor.processing import Processor
    from monitor.topics import Matcher, load_watchlists

    path = Path(file)
    if not path.is_file():
        raise click.ClickException(f"{file}: no such file")

    def report_error(error: LineError) -> None:
        click.echo(f"{file}:{error.line}: {error.message}", err=True)

    database = _open_db(db_url)
    processor = Processor(Matcher(load_watchlists()), keep_all=all_topics)
    report = ingest_file(path, Archive(database), processor, default_source, on_error=report_error)
    click.echo(
        f"{file}: {report.read} read, {report.stored} stored, {report.duplicates} duplicate(s), "
        f"{report.off_topic} off topic, {len(report.errors)} bad line(s)"
    )
    if report.nothing_read:
        click.echo(f"{file}: nothing could be read", err=True)
        sys.exit(EXIT_FAILED)


@main.group(invoke_without_command=True)
@db_option
@click.option("--since", default=None, metavar="WHEN", help="Stories seen since: 7d, 24h, 2020-06-01.")
@click.option("--lang", "language", default=None, help="Only stories with articles in this language.")
@click.option("--topic", default=None, help="Only stories with articles matched by this watchlist.")
@click.option("--min-articles", default=1, show_default=True, help="Hide stories with fewer articles.")
@output_options
@click.pass_context
def stories(
    ctx: click.Context, db_url: str | None, since: str | None, language: str | None, topic: str | None,
    min_articles: int, fmt: str, excel: bool,
) -> None:
    """List the stories: coverage of one event across outlets and languages, most covered first.

    \b
    Example:
        monitor stories --since 7d
        monitor stories --lang fr --csv > stories.csv
        monitor stories show 12
    """
    ctx.ensure_object(dict)
    ctx.obj["db_url"] = db_url
    if ctx.invoked_subcommand is not None:
        return
    from monitor.db.queries import iter_stories

    database = _open_db(db_url)
    flt = ArticleFilter(since=parse_when(since), language=language, topic=topic)
    emit(STORY_COLUMNS, iter_stories(database, flt, min_articles=min_articles), fmt, excel)


@stories.command("show")
@click.argument("story_id", type=int)
@db_option
@output_options
@click.pass_context
def stories_show(ctx: click.Context, story_id: int, db_url: str | None, fmt: str, excel: bool) -> None:
    """Show the articles of one story.

    \b
    Example:
        monitor stories show 12
        monitor stories show 12 --jsonl
    """
    from monitor.db.queries import story_articles

    database = _open_db(db_url or ctx.obj.get("db_url"))
    rows = story_articles(database, story_id)
    if not rows:
        raise click.ClickException(f"no story {story_id}")
    columns = ["id", "source", "language", "published_at", "title", "copy_of", "url"]
    emit(columns, rows, fmt, excel)


@main.command()
@db_option
@click.argument("kind", type=click.Choice(["articles", "stories", "story"]))
@click.argument("story_id", required=False, type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--excel", is_flag=True, help="CSV for French Excel: ';' delimiter, UTF-8 BOM, CRLF.")
@click.option("-o", "--output", "output", default="-", show_default=True, help="Output file ('-' for stdout).")
@click.option("--since", default=None, metavar="WHEN", help="Published since: 7d, 24h, 2020-06-01.")
@click.option("--until", default=None, metavar="WHEN", help="Published before: 2020-07-01.")
@click.option("--lang", "language", default=None, help="Only this language (fr, en...).")
@click.option("--source", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.option("--topic", default=None, help="Only articles matched by this watchlist.")
@click.option("--story", "story", type=int, default=None, help="Only the articles of this story.")
def export(
    db_url: str | None, kind: str, story_id: int | None, fmt: str, excel: bool, output: str, since: str | None,
    until: str | None, language: str | None, sources: tuple[str, ...], topic: str | None, story: int | None,
) -> None:
    """Export articles or stories as CSV (safe to open in Excel/LibreOffice) or JSON Lines.

    Article columns: id, external_id, url, canonical_url, source, title, published_at, language, authors,
    story_id, copy_of, agency, topics, matched_terms, relevance, fetched_at, content_hash.

    \b
    Example:
        monitor export articles --format csv -o articles.csv
        monitor export articles --excel --lang fr --since 30d -o articles-fr.csv
        monitor export stories --format jsonl -o stories.jsonl
        monitor export story 12 -o story-12.csv
    """
    from monitor.db.queries import iter_articles, iter_stories
    from monitor.export import write_csv, write_jsonl

    if kind == "story":
        if story_id is None:
            raise click.UsageError("export story needs a story id: monitor export story 12")
        story = story_id
    database = _open_db(db_url)
    flt = ArticleFilter(since=parse_when(since), until=parse_when(until), language=language, sources=sources,
                        topic=topic, story_id=story)
    if kind == "stories":
        columns, rows = STORY_COLUMNS, iter_stories(database, flt)
    else:
        columns, rows = ARTICLE_COLUMNS, iter_articles(database, flt)
    handle = sys.stdout if output == "-" else open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115
    try:
        count = write_jsonl(handle, columns, rows) if fmt == "jsonl" else write_csv(handle, columns, rows, excel)
    finally:
        if handle is not sys.stdout:
            handle.close()
    if output != "-":
        click.echo(f"wrote {count} {'stories' if kind == 'stories' else 'articles'} to {output}", err=True)


@main.command()
@db_option
@click.argument("query")
@click.option("-p", "--param", "params", multiple=True, nargs=2, metavar="NAME VALUE",
              help="Bind :NAME in the query to VALUE (repeatable).")
@output_options
def sql(db_url: str | None, query: str, params: tuple[tuple[str, str], ...], fmt: str, excel: bool) -> None:
    """Run a read-only SQL query on the archive ('-' reads the query from stdin).

    The connection is read-only (SQLite) or the transaction is (PostgreSQL): nothing can be changed.

    \b
    Example:
        monitor sql "SELECT language, count(*) AS n FROM articles GROUP BY language"
        monitor sql "SELECT title FROM articles WHERE language = :lang" -p lang fr --csv
        echo "SELECT * FROM stories" | monitor sql - --jsonl
    """
    from monitor.db.readonly import ReadOnlyError, run_readonly

    text = sys.stdin.read() if query == "-" else query
    if db_url is None and not os.environ.get("MONITOR_DATABASE_URL"):
        _open_db(None).dispose()  # the default database: make sure it exists and has the schema
    try:
        columns, rows = run_readonly(db_url, text, dict(params))
        emit(columns, rows, fmt, excel)
    except ReadOnlyError as exc:
        raise click.ClickException(f"query failed: {exc}") from exc


def _now() -> datetime:
    return datetime.now(UTC)


if __name__ == "__main__":
    main()
