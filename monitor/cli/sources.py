"""`monitor sources`: add an outlet from its homepage, check a sources file, list source health."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.common import EXIT_FAILED, db_option, open_db, sources_option
from monitor.output import emit, output_options

if TYPE_CHECKING:
    from monitor.feedfinder import Found

HEALTH_COLUMNS = (
    "name", "status", "runs", "last_run", "fetched", "not_modified", "failed", "new_articles", "errors",
    "last_success", "failing_runs", "interval", "next_poll",
)  # fmt: skip


@click.group()
def sources() -> None:
    """Outlets: add one from its homepage, check a sources file, show each source's health.

    \b
    Example:
        monitor sources add https://www.example-news.fr/ --sources my-outlets.toml
        monitor sources check my-outlets.toml
        monitor sources list
    """


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="minutes") if value else None


def _interval(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m" if seconds >= 60 else f"{seconds}s"


def health_rows(database: Any, names: list[str], failing_after: int) -> list[dict[str, Any]]:
    """One row per source (those of the sources file first, then any other the database knows)."""
    from monitor.db.feeds import FeedStore

    known = {row["name"]: row for row in FeedStore(database).health()}
    rows = []
    for name in [*names, *sorted(set(known) - set(names))]:
        row = known.get(name)
        if row is None or not row["runs"]:
            rows.append({"name": name, "status": "never crawled", "runs": 0})
            continue
        failing = row["failing_runs"] >= failing_after
        status = f"FAILING ({row['failing_runs']} runs)" if failing else ("ok" if not row["failed"] else "partial")
        rows.append(
            {
                **row,
                "status": status,
                "last_run": _when(row["last_run"]),
                "last_success": _when(row["last_success"]),
                "next_poll": _when(row["next_poll"]),
                "interval": _interval(row["interval_s"]),
                "errors": " ".join(f"{k}:{v}" for k, v in sorted(row["errors"].items())),
            }
        )
    return rows


@sources.command("list")
@db_option
@sources_option
@click.option(
    "--failing-after",
    type=click.IntRange(1),
    default=None,
    help="Flag a source failing this many runs in a row (default: MONITOR_FAILING_RUNS, 3).",
)
@output_options
def list_sources(
    db_url: str | None, sources_file: str | None, failing_after: int | None, fmt: str, excel: bool
) -> None:
    """Show each source's health: the last run's feeds fetched, not modified and failed, new articles,
    errors by kind, last success, polling interval; a source failing several runs in a row is FAILING.

    \b
    Example:
        monitor sources list
        monitor sources list --sources my-outlets.toml --csv > health.csv
    """
    from monitor import settings
    from monitor.sources import SourcesError, load_sources

    try:
        names = [s.name for s in load_sources(sources_file)]
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from exc
    database = open_db(db_url)
    try:
        rows = health_rows(database, names, failing_after or settings.MONITOR_FAILING_RUNS)
    finally:
        database.dispose()
    emit(HEALTH_COLUMNS, rows, fmt, excel=excel)


@sources.command("check")
@click.argument("file", type=click.Path(dir_okay=False), required=False)
def check(file: str | None) -> None:
    """Validate a sources file: TOML syntax, keys, names (duplicates), URLs, languages, cadences.

    Prints every problem, one a line, and exits 1 when there is any.

    \b
    Example:
        monitor sources check my-outlets.toml
        monitor sources check                 # the shipped list
    """
    import tomllib
    from importlib import resources

    from monitor.clocks import clock_note
    from monitor.sources import SourcesError, check_sources, read_sources_file

    try:
        if file is None:
            text = resources.files("monitor.data").joinpath("sources.toml").read_text("utf-8")
            data, origin = tomllib.loads(text), "shipped sources"
        else:
            data, origin = read_sources_file(file), file
    except SourcesError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_FAILED)
    found, problems = check_sources(data, origin)
    for problem in problems:
        click.echo(problem, err=True)
    for source in found:
        note = clock_note(source.name, source.timezone, source.country)
        if note:
            click.echo(note, err=True)
    languages: dict[str, int] = {}
    for source in found:
        languages[source.language or "?"] = languages.get(source.language or "?", 0) + 1
    summary = ", ".join(f"{n} {lang}" for lang, n in sorted(languages.items()))
    click.echo(f"{origin}: {len(found)} valid source(s) ({summary or 'none'}), {len(problems)} problem(s)")
    if problems:
        sys.exit(EXIT_FAILED)


def _slug(url: str) -> str:
    """The source's default name: the host's distinctive label (``www.lemonde.fr`` → ``lemonde``); for a
    host that is an IP address or ``localhost``, the first segment of the path (``/outlet/`` → ``outlet``)."""
    import ipaddress
    from urllib.parse import urlsplit

    from monitor.urls import host_of

    host = host_of(url).split(":")[0]
    segments = [s for s in urlsplit(url).path.split("/") if s]
    try:
        local = host == "localhost" or bool(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        local = False
    if local:
        return re.sub(r"[^a-z0-9-]+", "-", (segments[0] if segments else host).lower()).strip("-") or "source"
    from courlan import extract_domain

    domain = extract_domain(url) or host  # the registered domain: lesoir.be, bbc.co.uk (the public suffix list)
    return re.sub(r"[^a-z0-9-]+", "-", domain.split(".")[0]).strip("-") or "source"


def source_toml(entry: dict[str, Any], notes: dict[str, str] | None = None) -> str:
    """The ``[[source]]`` table of ``entry``; sections one a line, each with its note (the link text) as a
    comment, for the user who edits the file."""
    lines = ["[[source]]"]
    for key in (
        "name",
        "title",
        "language",
        "country",
        "timezone",
        "homepage",
        "feeds",
        "sitemaps",
        "sections",
        "every",
    ):
        if entry.get(key) in (None, [], ""):
            continue
        if key != "sections":
            lines.append(f"{key} = {json.dumps(entry[key], ensure_ascii=False)}")
            continue
        lines.append("sections = [")
        for url in entry[key]:
            note = "".join(c for c in (notes or {}).get(url, "") if c.isprintable())
            lines.append(f"    {json.dumps(url, ensure_ascii=False)},{f'  # {note}' if note else ''}")
        lines.append("]")
    return "\n".join(lines) + "\n"


def _report_sections(found: Found, max_sections: int, target: Path | None) -> None:
    """The proposed sections on stderr, most relevant first, or why there are none."""
    if max_sections <= 0:
        return
    if found.home_is_section:
        count = len(found.section_candidates)
        none_listed = f"none of the {count} candidate(s) listed articles; " if count else ""
        click.echo(f"{none_listed}proposed the homepage as section page, since it lists articles", err=True)
    elif found.sections:
        where = f"; edit {target} to change them" if target is not None else ""
        click.echo(f"proposed {len(found.sections)} section page(s), most relevant first{where}:", err=True)
        for section in found.sections:
            click.echo(f"  {section.url}  {section.text}".rstrip(), err=True)
    elif found.section_candidates:
        tried = len(found.section_candidates)
        click.echo(f"no section page proposed: {tried} candidate(s) did not list articles", err=True)
    else:
        click.echo("no section page proposed: no relevant section link on the homepage", err=True)


@sources.command("add")
@click.argument("url")
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False),
    default="sources.toml",
    show_default=True,
    help="The sources file to append to (created if missing).",
)
@click.option("--name", default=None, help="Identifier of the source (default: from the host name).")
@click.option("--language", default=None, help="Two-letter language (default: the page's <html lang>).")
@click.option(
    "--country",
    default=None,
    help="Two-letter country, e.g. FR (default: the region of the page's locale, fr-FR, else the domain's, .fr).",
)
@click.option(
    "--timezone",
    default=None,
    help="IANA time zone of the times its pages print without an offset (default: the country's, if one).",
)
@click.option("--every", default="1h", show_default=True, help="Crawl cadence: 30m, 2h, 1d or a cron expression.")
@click.option("--dry-run", is_flag=True, help="Print the entry, do not write it.")
@click.option(
    "--max-sections",
    type=click.IntRange(0),
    default=5,
    show_default=True,
    help="Propose at most this many section pages (0: none).",
)
@click.option("--no-sections", is_flag=True, help="Do not propose section pages.")
@click.option(
    "-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy or MONITOR_ setting."
)
def add(
    url: str,
    sources_file: str,
    name: str | None,
    language: str | None,
    country: str | None,
    timezone: str | None,
    every: str,
    dry_run: bool,
    max_sections: int,
    no_sections: bool,
    settings: tuple[str, ...],
) -> None:
    """Discover the feeds, news sitemaps and section pages of a homepage and append the source entry to a
    sources file.

    Looks at the page's <link rel="alternate"> feeds and feed links, the usual feed paths and the
    sitemaps robots.txt lists; keeps those that answer and parse with at least one entry. Proposes the
    homepage's section pages closest to facial-recognition coverage (technology, sciences, civil
    liberties, privacy, police, justice, politics, society, France, world...; French and English), from
    its navigation first, and keeps those that answer with a page listing articles; each is written
    with its link text as a comment, for you to edit. Language and country come from the homepage's
    locale (<html lang="fr-FR">, og:locale), the country else from its domain (.fr, .be, .co.uk); the
    country gives the clock of the times its pages print without an offset (--timezone for a country
    with several).

    \b
    Example:
        monitor sources add https://www.numerama.com/ --sources my-outlets.toml --language fr
        monitor sources add https://www.theregister.com/ --dry-run --max-sections 3
        monitor sources add https://www.example.fr/ --no-sections
        monitor sources add https://www.ledevoir.com/ --country CA --timezone America/Toronto
    """
    from monitor.cli.common import parse_settings
    from monitor.clocks import clock_note
    from monitor.feedfinder import find_feeds
    from monitor.sources import SourcesError, check_sources, read_sources_file, url_problem

    problem = url_problem(url)
    if problem:
        raise click.BadParameter(problem, param_hint="URL")
    target = Path(sources_file)
    existing: dict[str, Any] = {"source": []}
    if target.exists():
        try:
            existing = read_sources_file(target)
        except SourcesError as exc:
            raise click.ClickException(str(exc)) from exc
    max_sections = 0 if no_sections else max_sections
    found = find_feeds(url, parse_settings(settings), max_sections=max_sections)
    if not found.feeds and not found.sitemaps and not found.sections:
        detail = "; ".join(found.errors) or "no feed or sitemap answered"
        what = "feed, news sitemap or section page" if max_sections else "feed or news sitemap"
        raise click.ClickException(f"no {what} found for {url}: {detail}")
    entry: dict[str, Any] = {
        "name": name or _slug(url),
        "title": found.title or name or _slug(url),
        "language": language or found.language,
        "country": country.upper() if country else found.country,
        "timezone": timezone,
        "homepage": url,
        "feeds": found.feeds,
        "sitemaps": found.sitemaps[:2],
        "sections": [section.url for section in found.sections],
        "every": every,
    }
    _, problems = check_sources({"source": [*existing.get("source", []), entry]}, str(target))
    if problems:
        raise click.ClickException("\n".join(problems))
    text = source_toml(entry, {section.url: section.text for section in found.sections})
    if dry_run:
        click.echo(text, nl=False)
        _report_sections(found, max_sections, None)
        return
    with target.open("a", encoding="utf-8") as out:
        if target.stat().st_size:
            out.write("\n")
        out.write(text)
    click.echo(text, nl=False)
    _report_sections(found, max_sections, target)
    counts = f"{len(found.feeds)} feed(s), {len(entry['sitemaps'])} sitemap(s)"
    counts += f", {len(found.sections)} section(s)" if max_sections else ""
    click.echo(f"added to {target}: {counts}", err=True)
    note = clock_note(entry["name"], entry["timezone"], entry["country"])
    if note:
        click.echo(note, err=True)
