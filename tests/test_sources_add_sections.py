"""`monitor sources add` proposes section pages: the pure ranking (monitor/sectionfinder.py) and the command
against local servers (a French and an English homepage on 127.0.0.1, a second host on 127.0.0.2)."""

from __future__ import annotations

import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.sectionfinder import MAX_ANCHORS, MAX_BYTES, relevance, section_candidates, section_path
from tests.discovery_server import Route, serve

FIXTURES = Path(__file__).parent / "fixtures"
FR_HOME = (FIXTURES / "sections" / "fr_home.html").read_text("utf-8")
EN_HOME = (FIXTURES / "sections" / "en_home.html").read_text("utf-8")
FR = "https://www.lecourrier.example"
EN = "https://www.dailyledger.example"
OTHER = "https://autre.example"


def urls(body: str, home: str) -> list[str]:
    return [section.url for section in section_candidates(body.replace("{B}", OTHER), home + "/")]


# the pure part ------------------------------------------------------------------------------------------
def test_french_homepage_sections_are_ranked_by_relevance() -> None:
    found = section_candidates(FR_HOME.replace("{B}", OTHER), FR + "/")
    assert [s.url for s in found] == [
        FR + "/sciences-et-techno/",  # sciences and technology; a relative link of the navigation
        FR + "/justice/",
        FR + "/societe/libertes-publiques/",
        FR + "/politique/",
        FR + "/societe/",  # also a kicker of the page body: one section, the navigation's place
        FR + "/international/",
        FR + "/securite/",  # relevant, but in the footer: last
    ]
    assert [s.place for s in found] == ["nav"] * 6 + ["footer"]
    assert found[0].text == "Sciences & techno" and found[2].text == "Libertés publiques"


def test_english_homepage_sections_are_ranked_by_relevance() -> None:
    assert urls(EN_HOME, EN) == [
        EN + "/technology",  # "technology" relative to <base href="/">
        EN + "/science",
        EN + "/crime-and-justice",
        EN + "/politics",
        EN + "/world",
        EN + "/news/uk",
    ]


def test_no_section_proposed_from_other_hosts_articles_tags_authors_or_service_pages() -> None:
    proposed = set(urls(FR_HOME, FR)) | set(urls(EN_HOME, EN))
    assert all(url.startswith((FR + "/", EN + "/")) for url in proposed)  # never {B}, facebook, //autre-journal
    for part in ("/article/", "/2024/", "/tag/", "/signataires/", "/authors/", "/profile/", "/live/", "/video",
                 "/portfolio/", "/topics/", "/mentions-legales/", "/cgu/", "/confidentialite/", "/contact",
                 "/newsletters", "/abonnement/", "/subscribe", "/login", "/privacy-policy", "/terms", "/cookies",
                 "/about-us", "/help", "/advertise", "/jobs", "/plan-du-site/", "/boutique/", "/donnees-personnelles/",
                 "/sport", "/culture", "/economie/", "/business", "/lifestyle", "/jeux/", "/6219500", "?"):  # fmt: skip
        assert not any(part in url for url in proposed), part


@pytest.mark.parametrize(
    "url",
    [
        "https://www.x.fr/technologie/",
        "https://www.x.fr/sciences-et-techno/",
        "https://x.fr/societe/libertes-publiques",  # www. or not: the same host
        "https://www.x.fr/en/technology",
        "https://www.x.fr/category/tech/",
        "https://www.x.fr/politique.html",
    ],
)
def test_section_shaped_paths(url: str) -> None:
    assert section_path(url, "https://www.x.fr/") is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://www.x.fr/",
        "https://www.x.fr/index.html",
        "https://www.x.fr/tag/reconnaissance-faciale/",
        "https://www.x.fr/auteur/claire-martin/",
        "https://www.x.fr/author/jane-doe",
        "https://www.x.fr/article_tag/surveillance/",
        "https://www.x.fr/videos/",
        "https://www.x.fr/galerie/cameras/",
        "https://www.x.fr/pics/tech-galleries/",
        "https://www.x.fr/login",
        "https://www.x.fr/abonnement/",
        "https://www.x.fr/newsletter",
        "https://www.x.fr/a-propos/",
        "https://www.x.fr/contact",
        "https://www.x.fr/mentions-legales/",
        "https://www.x.fr/privacy-policy",
        "https://www.x.fr/privacystatement",
        "https://www.x.fr/cookies/",
        "https://www.x.fr/societe/2024/03/",
        "https://www.x.fr/6219500",
        "https://www.x.fr/news/article-13167891",
        "https://www.x.fr/la-cnil-met-en-demeure-une-mairie",
        "https://www.x.fr/a/b/c/",
        "https://www.x.fr/recherche?q=cnil",
        "https://www.x.fr/technologie/page/2/",
        "https://autre.fr/technologie/",
        "https://www.x.fr:8080/technologie/",
        "https://www.x.fr:99999/technologie/",
        "http://[www.x.fr/technologie/",
        "ftp://www.x.fr/technologie/",
    ],
)
def test_not_section_shaped_paths(url: str) -> None:
    assert section_path(url, "https://www.x.fr/") is None


def test_relevance_reads_french_and_english_words_without_accents() -> None:
    assert relevance("vie-privee", "Vie privée") == relevance("privacy", "Privacy") > 0
    assert relevance("societe", "Société") == relevance("society", "Society") > 0
    assert relevance("numerique", "Numérique") > relevance("international", "International") > 0
    assert relevance("sport", "Sport") < 0 and relevance("economie", "Économie") == 0
    assert relevance("sciences-et-techno", "") > relevance("sciences", "")  # two topics


def test_one_section_for_the_same_page_linked_several_ways() -> None:
    body = (
        '<html><body><div class="content"><a href="http://www.x.fr/politique">Politique</a></div>'
        '<nav><a href="/politique/">Politique</a> <a href="/politique?utm_source=nav">La politique</a></nav>'
        '<a href="/technologie/#top">Tech</a></body></html>'
    )
    found = section_candidates(body, "https://www.x.fr/")
    assert [(s.url, s.place) for s in found] == [("https://www.x.fr/politique", "nav")]  # fragment links: none


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n",
        b"\x00\xff\xfe binary \x89PNG\r\n",
        b'<?xml version="1.0"?><rss version="2.0"><channel><item><link>https://www.x.fr/tech/</link></item></channel></rss>',
        '<?xml version="1.0" encoding="utf-8"?><html><body><a href="/tech/">Tech</a></body></html>',
        "<html><body><p>Nothing to follow</p></body></html>",
        '<a href="http://[::1">x</a><a href="https://%zz/">y</a><a href="/\u0000tech/">z</a><a href="">e</a>',
        '<html><head><base href="http://[broken"></head><body><a href="/tech/">Tech</a></body></html>',
    ],
)
def test_bad_homepages_give_a_list(body: bytes | str) -> None:
    assert isinstance(section_candidates(body, "https://www.x.fr/"), list)


def test_homepage_without_navigation_still_proposes_its_section_links() -> None:
    body = (
        "<html><body><div><h2><a href='/technologie/'>Technologie</a></h2><a href='/technologie/2024/03/05/"
        "la-cnil-et-les-cameras'>La CNIL et les caméras</a></div><div><a href='/sport/'>Sport</a></div></body></html>"
    )
    found = section_candidates(body, "https://www.x.fr/")
    assert [(s.url, s.place) for s in found] == [("https://www.x.fr/technologie/", "body")]


def test_huge_homepage_is_read_to_a_bound() -> None:
    nav = '<nav><a href="/technologie/">Technologie</a><a href="/politique/">Politique</a></nav>'
    filler = "".join(
        f'<a href="/societe/2024/03/05/article-numero-{i}-sur-les-cameras">Article {i}</a>' for i in range(60000)
    )
    late = '<a href="/justice/">Justice</a>'  # after MAX_BYTES: not read
    body = f"<html><body>{nav}{filler}{late}</body></html>".encode()
    assert len(body) > 2 * MAX_BYTES and MAX_ANCHORS < 60000
    start = time.process_time()
    found = section_candidates(body, "https://www.x.fr/")
    cpu = time.process_time() - start
    assert [s.url for s in found] == ["https://www.x.fr/technologie/", "https://www.x.fr/politique/"]
    assert cpu < 3.0, cpu  # CPU time, not wall clock: the machine is shared


# the command ----------------------------------------------------------------------------------------------
def section_page(section: str, articles: int = 4) -> Route:
    """A section page: its navigation, then ``articles`` links to dated articles of the section."""
    links = "".join(
        f'<li><a href="/{section}/article/2024/03/0{i}/la-surveillance-biometrique-en-debat-{i}_62200{i}_3224.html">'
        f"Article {i}</a></li>"
        for i in range(1, articles + 1)
    )
    html = f'<!DOCTYPE html><html lang="fr"><body><nav><a href="/">Accueil</a></nav><ul>{links}</ul></body></html>'
    return Route(html.encode("utf-8"))


def run_add(server_base: str, target: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "monitor.cli", "sources", "add", server_base + "/", "--sources", str(target)]
    command += [*options, "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false"]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def french_routes() -> dict[str, Route]:
    return {
        "/": Route(FR_HOME.encode("utf-8")),
        "/robots.txt": Route(b"User-agent: *\nDisallow: /international/\n", "text/plain"),
        "/rss/une.xml": Route((FIXTURES / "discovery" / "rss.xml").read_bytes(), "application/rss+xml"),
        "/sciences-et-techno/": section_page("sciences-et-techno"),
        "/politique/": section_page("politique"),
        "/societe/": section_page("societe"),
        "/international/": section_page("international"),  # robots.txt forbids it
        "/securite/": section_page("securite"),
        "/societe/libertes-publiques/": section_page("societe", articles=0),  # lists no article
        # /justice/ answers 404
    }


@pytest.mark.slow
def test_add_proposes_the_french_sections_that_list_articles(tmp_path: Path) -> None:
    target = tmp_path / "mine.toml"
    with serve(french_routes(), {"/technologie/": section_page("technologie")}) as (server, other):
        done = run_add(server.base, target, "--name", "courrier")
    assert done.returncode == 0, done.stderr
    entry = tomllib.loads(target.read_text("utf-8"))["source"][0]
    assert entry["name"] == "courrier" and entry["language"] == "fr"
    assert entry["feeds"] == [server.base + "/rss/une.xml"]
    assert entry["sections"] == [
        server.base + "/sciences-et-techno/",
        server.base + "/politique/",
        server.base + "/societe/",
        server.base + "/securite/",
    ]
    assert f'"{server.base}/sciences-et-techno/",  # Sciences & techno' in target.read_text("utf-8")
    assert done.stdout == target.read_text("utf-8")
    assert "proposed 4 section page(s)" in done.stderr and f"{server.base}/politique/  Politique" in done.stderr
    assert "1 feed(s), 0 sitemap(s), 4 section(s)" in done.stderr
    requested = server.paths()
    assert "/justice/" in requested and "/international/" not in requested  # 404; robots.txt
    assert not any(path in requested for path in ("/mentions-legales/", "/sport/", "/tag/reconnaissance-faciale/"))
    assert other.paths() == []  # the partner's host is never asked
    again = CliRunner().invoke(main, ["sources", "check", str(target)])
    assert again.exit_code == 0, again.output


@pytest.mark.slow
def test_add_with_no_sections_keeps_the_old_entry(tmp_path: Path) -> None:
    target = tmp_path / "mine.toml"
    with serve(french_routes()) as (server, _):
        done = run_add(server.base, target, "--no-sections")
    assert done.returncode == 0, done.stderr
    entry = tomllib.loads(target.read_text("utf-8"))["source"][0]
    assert "sections" not in entry and entry["feeds"] == [server.base + "/rss/une.xml"]
    [added] = [line for line in done.stderr.splitlines() if line.startswith("added to ")]
    assert "section page" not in done.stderr and added.endswith("1 feed(s), 0 sitemap(s)")
    assert not any(path in server.paths() for path in ("/politique/", "/societe/", "/sciences-et-techno/"))


@pytest.mark.slow
def test_add_english_outlet_without_feeds_gets_its_sections(tmp_path: Path) -> None:
    routes = {
        "/": Route(EN_HOME.encode("utf-8")),
        "/technology": Route(b"", status=301, headers={"Location": "/technology/"}),
        "/technology/": section_page("technology"),
        "/science": section_page("science"),
        "/crime-and-justice": section_page("crime-and-justice"),
        "/politics": Route(b"", status=302, headers={"Location": "/"}),  # back to the homepage: not a section
        "/world": section_page("world"),
        "/news/uk": section_page("news"),
    }
    target = tmp_path / "mine.toml"
    with serve(routes) as (server, _):
        done = run_add(server.base, target)
        short = run_add(server.base, tmp_path / "dry.toml", "--max-sections", "2", "--dry-run")
    assert done.returncode == 0, done.stderr
    entry = tomllib.loads(target.read_text("utf-8"))["source"][0]
    assert entry["language"] == "en" and "feeds" not in entry and "sitemaps" not in entry
    assert entry["sections"] == [
        server.base + "/technology/",  # where the redirect ends
        server.base + "/science",
        server.base + "/crime-and-justice",
        server.base + "/world",
        server.base + "/news/uk",
    ]
    assert short.returncode == 0, short.stderr
    assert tomllib.loads(short.stdout)["source"][0]["sections"] == entry["sections"][:2]
    assert "proposed 2 section page(s)" in short.stderr
    assert not (tmp_path / "dry.toml").exists()


@pytest.mark.slow
def test_add_reports_when_no_section_lists_articles(tmp_path: Path) -> None:
    routes = french_routes()
    for path in ("/sciences-et-techno/", "/politique/", "/societe/", "/securite/"):
        routes[path] = section_page(path.strip("/"), articles=1)
    target = tmp_path / "mine.toml"
    with serve(routes) as (server, _):
        done = run_add(server.base, target)
    assert done.returncode == 0, done.stderr
    # the homepage lists articles: it is the section page then
    assert tomllib.loads(target.read_text("utf-8"))["source"][0]["sections"] == [server.base + "/"]
    assert "none of the 7 candidate(s) listed articles; proposed the homepage" in done.stderr
