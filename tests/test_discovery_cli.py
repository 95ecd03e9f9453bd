"""`monitor sources check` and `monitor sources add` (against a local server)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from tests.discovery_server import Route, serve

FIXTURES = Path(__file__).parent / "fixtures" / "discovery"


def test_check_reports_every_problem(tmp_path: Path) -> None:
    file = tmp_path / "sources.toml"
    file.write_text(
        '[[source]]\nname = "a"\nfeeds = ["htp://x.org/rss"]\nlanguage = "french"\n'
        '[[source]]\nname = "a"\nfeeds = ["https://x.org/rss"]\n'
        '[[source]]\nname = "b"\nfeeds = ["https://exa mple.org/rss"]\ncolour = "red"\n'
        '[[source]]\nname = "c"\nfeeds = ["https://ok.example.org/rss"]\n',
        "utf-8",
    )
    result = CliRunner().invoke(main, ["sources", "check", str(file)])
    assert result.exit_code == 1
    for expected in ("not an http(s) URL", "two-letter code", "duplicate name 'a'", "unknown key(s) colour", "spaces"):
        assert expected in result.output, expected
    assert "1 valid source(s)" in result.output


def test_check_notes_a_source_without_a_clock(tmp_path: Path) -> None:
    """A source whose country keeps several clocks (or that names none) and has no ``timezone`` is valid, with
    a note: the times its pages print without an offset will be read as UTC."""
    file = tmp_path / "sources.toml"
    file.write_text(
        '[[source]]\nname = "us"\ncountry = "US"\nfeeds = ["https://us.example/rss"]\n'
        '[[source]]\nname = "ny"\ncountry = "US"\ntimezone = "America/New_York"\nfeeds = ["https://ny.example/rss"]\n'
        '[[source]]\nname = "fr"\ncountry = "FR"\nfeeds = ["https://fr.example/rss"]\n'
        '[[source]]\nname = "nowhere"\nfeeds = ["https://nowhere.example/rss"]\n',
        "utf-8",
    )
    result = CliRunner().invoke(main, ["sources", "check", str(file)])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note:")]
    assert len(notes) == 2 and "source us: country US keeps several clocks" in notes[0], notes
    assert "source nowhere: no country or timezone" in notes[1] and "read as UTC" in notes[1]
    assert "4 valid source(s)" in result.output


def test_check_lists_the_problems_of_a_duplicate_and_of_a_nameless_source_too(tmp_path: Path) -> None:
    file = tmp_path / "sources.toml"
    file.write_text(
        '[[source]]\nname = "a"\nfeeds = ["https://x.org/rss"]\n'
        '[[source]]\nname = "a"\nlanguage = "french"\nevery = "sometimes"\n'
        '[[source]]\ntitle = "No name"\nfeeds = ["htp://y.org/rss"]\ncolour = "red"\n',
        "utf-8",
    )
    result = CliRunner().invoke(main, ["sources", "check", str(file)])
    assert result.exit_code == 1
    expected = [
        "source #2: duplicate name 'a'",
        "source #2 (a): 'every' must be",
        "source #2 (a): 'language' must be",
        "source #2 (a): give at least one of feeds, sitemaps, sections",
        "source #3: 'name' must be",
        "source #3: unknown key(s) colour",
        "source #3: not an http(s) URL",
    ]
    for line in expected:
        assert line in result.output, line
    assert "1 valid source(s)" in result.output


def test_check_reports_bad_toml_with_its_line(tmp_path: Path) -> None:
    file = tmp_path / "sources.toml"
    file.write_text('[[source]]\nname = "a\n', "utf-8")
    result = CliRunner().invoke(main, ["sources", "check", str(file)])
    assert result.exit_code == 1 and "not valid TOML" in result.output and "line 2" in result.output


def test_shipped_sources_pass_the_check() -> None:
    result = CliRunner().invoke(main, ["sources", "check"])
    assert result.exit_code == 0, result.output


def test_add_discovers_the_feeds_of_a_homepage(tmp_path: Path) -> None:
    home = (FIXTURES / "section.html").read_bytes().replace(b'<html lang="en"', b'<html lang="en-GB"', 1)
    routes = {
        "/": Route(home),
        "/robots.txt": Route(b"User-agent: *\nDisallow: /private/\nSitemap: {A}/news-sitemap.xml\n", "text/plain"),
        "/rss.xml": Route((FIXTURES / "rss.xml").read_bytes(), "application/rss+xml"),
        "/atom.xml": Route((FIXTURES / "atom.xml").read_bytes(), "application/atom+xml"),
        "/news-sitemap.xml": Route((FIXTURES / "news-sitemap.xml").read_bytes(), "application/xml"),
        "/feed": Route(b"<html><body>not a feed</body></html>"),
    }
    target = tmp_path / "mine.toml"
    with serve(routes) as (server, _):
        command = [sys.executable, "-m", "monitor.cli", "sources", "add", server.base + "/", "--sources", str(target)]
        command += ["--name", "alpha", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "INFO" not in done.stderr and "Spider closed" not in done.stderr  # Scrapy's INFO lines stay quiet
    assert "Warning" not in done.stderr, done.stderr  # lxml's FutureWarning on an element's truth, once
    entry = tomllib.loads(target.read_text("utf-8"))["source"][0]
    assert entry["name"] == "alpha" and entry["language"] == "en" and entry["title"] == "Tech"
    assert entry["country"] == "GB" and "timezone" not in entry  # the locale's region: the clock is the country's
    assert entry["feeds"] == [server.base + "/rss.xml", server.base + "/atom.xml"]
    assert entry["sitemaps"] == [server.base + "/news-sitemap.xml"]
    again = CliRunner().invoke(main, ["sources", "check", str(target)])
    assert again.exit_code == 0, again.output


def test_add_an_outlet_served_under_a_path_finds_its_own_feed_and_sitemap(tmp_path: Path) -> None:
    """Several outlets on one host (``/alpha/``, ``/beta/``), the host's robots.txt listing a sitemap index
    of all of them: the outlet's own usual paths are tried under its folder, its own sitemap is kept and not
    the host's, it is named after its folder when the host is an address, and its homepage, which lists
    articles, is proposed as its section page when it links to no other."""
    home = (
        b'<!DOCTYPE html><html lang="fr"><head><title>Alpha</title></head><body><main><ul>'
        b'<li><a href="/alpha/a/reconnaissance-faciale-la-cnil-met-en-demeure.html">One</a></li>'
        b'<li><a href="/alpha/a/la-police-teste-des-cameras-augmentees.html">Two</a></li>'
        b'<li><a href="/alpha/a/un-moratoire-demande-par-les-associations.html">Three</a></li>'
        b"</ul></main></body></html>"
    )
    sitemap = fixture_bytes("news-sitemap.xml")
    routes = {
        "/alpha/": Route(home),
        "/robots.txt": Route(b"User-agent: *\nSitemap: {A}/sitemap-index.xml\n", "text/plain"),
        "/sitemap-index.xml": Route(fixture_bytes("sitemap-index.xml"), "application/xml"),
        "/alpha/rss.xml": Route(fixture_bytes("rss.xml"), "application/rss+xml"),
        "/alpha/news-sitemap.xml": Route(sitemap, "application/xml"),
        "/beta/news-sitemap.xml": Route(sitemap, "application/xml"),
    }
    target = tmp_path / "mine.toml"
    with serve(routes) as (server, _):
        command = [sys.executable, "-m", "monitor.cli", "sources", "add", server.base + "/alpha/"]
        command += ["--sources", str(target), "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    entry = tomllib.loads(target.read_text("utf-8"))["source"][0]
    assert entry["name"] == "alpha" and entry["language"] == "fr"
    assert entry["feeds"] == [server.base + "/alpha/rss.xml"]
    assert entry["sitemaps"] == [server.base + "/alpha/news-sitemap.xml"]
    assert entry["sections"] == [server.base + "/alpha/"]


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_default_source_names() -> None:
    from monitor.cli.sources import _slug

    assert _slug("https://www.lemonde.fr/") == "lemonde"
    assert _slug("https://www.bbc.co.uk/news") == "bbc"
    assert _slug("https://www.lesoir.be/") == "lesoir" and _slug("https://www.letemps.ch") == "letemps"  # any ccTLD
    assert _slug("http://127.0.0.1:8080/apnews-com/") == "apnews-com"
    assert _slug("http://localhost:8080/Le_Site/") == "le-site"
    assert _slug("http://127.0.0.1:8080/") == "127-0-0-1"
