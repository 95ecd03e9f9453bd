"""`monitor topics`: list, add, remove and try out watchlists (boolean queries)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from monitor.cli.common import EXIT_USAGE, db_option, open_db
from monitor.output import emit, output_options
from monitor.timeparse import parse_when

watchlists_option = click.option(
    "--watchlists",
    "watchlists_file",
    type=click.Path(dir_okay=False),
    envvar="MONITOR_WATCHLISTS_FILE",
    default=None,
    metavar="FILE",
    help="TOML file of watchlists ([[watchlist]] name, query); replaces the shipped file "
    "(default: $MONITOR_WATCHLISTS_FILE, else the shipped file).",
)


@click.group()
def topics() -> None:
    """Watchlists: named boolean queries that decide which articles a crawl keeps.

    Query syntax: words and "phrases" (case, accents, l'/d'/qu' and plurals ignored), AND (or a
    space), OR, NOT, -word, ( ), surveill* (prefix), a NEAR/5 b, a ONEAR/5 b (a first), title:...,
    text:..., lang:fr, source:NAME.

    \b
    Example:
        monitor topics list
        monitor topics add drones '(drone* NEAR/5 police) OR "drones de surveillance"'
        monitor topics test '"reconnaissance faciale" AND lang:fr' --since 30d
    """


@topics.command("list")
@db_option
@watchlists_option
@output_options
def topics_list(db_url: str | None, watchlists_file: str | None, fmt: str, excel: bool) -> None:
    """List the watchlists a crawl uses: the file's and the database's.

    A database watchlist replaces a file watchlist of the same name.

    \b
    Example:
        monitor topics list
        monitor topics list --watchlists my-watchlists.toml --csv
    """
    from monitor.db.topics_queries import list_watchlists
    from monitor.query.lexer import one_line
    from monitor.topics import combine, from_database

    from_file = _file_watchlists(watchlists_file)
    stored = list_watchlists(open_db(db_url))
    try:
        active = combine(from_file, from_database((w.name, w.query) for w in stored))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = [{"name": w.name, "origin": w.origin, "query": one_line(w.query)} for w in active]
    emit(["name", "origin", "query"], rows, fmt, excel)


@topics.command("add")
@click.argument("name")
@click.argument("query")
@click.option("--replace", is_flag=True, help="Replace the database watchlist of that name if there is one.")
@db_option
def topics_add(name: str, query: str, replace: bool, db_url: str | None) -> None:
    """Add a watchlist NAME with the boolean QUERY to the database; the next crawls use it.

    \b
    Example:
        monitor topics add drones '(drone* NEAR/5 (police OR gendarm*)) -livraison'
        monitor topics add clearview 'clearview NEAR/10 (ai OR photo*)' --replace
    """
    from monitor.db.topics_queries import WatchlistExists, save_watchlist
    from monitor.topics import DATABASE, Watchlist

    watchlist = _checked(lambda: Watchlist(name, query, DATABASE))
    try:
        replaced = save_watchlist(open_db(db_url), watchlist.name, watchlist.query, replace=replace)
    except WatchlistExists as exc:
        raise click.ClickException(f"{exc}; use --replace to change its query") from exc
    click.echo(f"{'replaced' if replaced else 'added'} watchlist {name!r}")


@topics.command("remove")
@click.argument("name")
@db_option
def topics_remove(name: str, db_url: str | None) -> None:
    """Remove the database watchlist NAME (file watchlists are edited in their file).

    \b
    Example:
        monitor topics remove drones
    """
    from monitor.db.topics_queries import delete_watchlist

    if not delete_watchlist(open_db(db_url), name):
        raise click.ClickException(f"no watchlist named {name!r} in the database")
    click.echo(f"removed watchlist {name!r}")


@topics.command("test")
@click.argument("query")
@click.option("--since", default=None, metavar="WHEN", help="Only articles published since: 7d, 24h, 2020-06-01.")
@click.option("--limit", default=50, show_default=True, help="Show at most this many matching articles (0: all).")
@click.option("--color/--no-color", default=None, help="Highlight in colour (default: when printing to a terminal).")
@db_option
def topics_test(query: str, since: str | None, limit: int, color: bool | None, db_url: str | None) -> None:
    """Which archived articles QUERY matches, with the matched terms highlighted.

    Without colour, matched terms are shown as **term**.

    \b
    Example:
        monitor topics test '"reconnaissance faciale" OR "facial recognition"' --since 7d
        monitor topics test 'clearview NEAR/10 (amende OR fine*)' --limit 0
    """
    from monitor.db.topics_queries import iter_archived_texts
    from monitor.query.highlight import highlight, snippets, term_ranges
    from monitor.topics import DATABASE, Matcher, Watchlist

    watchlist = _checked(lambda: Watchlist("test", query, DATABASE))
    matcher = Matcher([watchlist])
    use_color = sys.stdout.isatty() if color is None else color

    def mark(term: str) -> str:
        return click.style(term, fg="yellow", bold=True) if use_color else f"**{term}**"

    database = open_db(db_url)
    read = shown = matched = 0
    for article in iter_archived_texts(database, since=parse_when(since)):
        read += 1
        found = matcher.match(article.title, article.text, language=article.language, source=article.source)
        if not found:
            continue
        matched += 1
        if limit and shown >= limit:
            continue
        shown += 1
        match = found[0]
        compiled, title = matcher.compiled, article.title or ""
        day = article.published_at.date().isoformat() if article.published_at else "----------"
        title_marked = highlight(title, term_ranges(title, compiled, match.terms), mark)
        click.echo(f"#{article.id} [{article.language}] {article.source} {day}  {title_marked}", color=use_color)
        for line in snippets(article.text, term_ranges(article.text, compiled, match.terms), mark):
            click.echo(f"    {line}", color=use_color)
        click.echo(f"    terms: {', '.join(match.terms)}  ({match.location}, score {match.score:g})", color=use_color)
    more = f", {matched - shown} not shown (--limit)" if matched > shown else ""
    click.echo(f"{matched} of {read} archived article(s) match{more}")


def _checked(build: Any) -> Any:
    """``build()``, a bad query or name turned into a usage error showing where the fault is."""
    from monitor.query import QueryError
    from monitor.topics import WatchlistError

    try:
        return build()
    except WatchlistError as exc:
        cause = exc.__cause__
        if isinstance(cause, QueryError):
            click.echo(f"Error: invalid query: {cause}\n{cause.pointer()}", err=True)
        else:
            click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def _file_watchlists(path: str | None) -> list[Any]:
    from monitor.topics import WatchlistError, load_watchlists

    try:
        return load_watchlists(Path(path) if path else None)
    except WatchlistError as exc:
        raise click.ClickException(str(exc)) from exc
