"""Times a page prints without an offset are read on its source's clock (``monitor.clocks``): a French
outlet's "Publié le 10 juin 2020 à 18h05" is 16:05 UTC, not 18:05 UTC; the sources file names the clock
(``timezone``) or the country gives it; re-extraction reads such times on the clock they were stored with."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from monitor.article import Article
from monitor.clocks import on_clock, source_zone, zone_named
from monitor.crawl import CrawlOptions, crawl_in_subprocess
from monitor.db import Database
from monitor.db.models import Article as ArticleRow
from monitor.db.queries import ArticleFilter, iter_articles
from monitor.discovery import host_country, html_country
from monitor.reextract import new_values
from monitor.sources import Source, SourcesError, load_sources
from tests.discovery_server import Route, serve

PARIS = ZoneInfo("Europe/Paris")


def test_a_naive_time_is_read_on_the_clock_and_an_aware_one_is_left_alone() -> None:
    summer, winter = datetime(2020, 6, 10, 18, 5), datetime(2020, 1, 10, 18, 5)
    assert on_clock(summer, PARIS) == datetime(2020, 6, 10, 16, 5, tzinfo=UTC)
    assert on_clock(winter, PARIS) == datetime(2020, 1, 10, 17, 5, tzinfo=UTC)  # daylight saving followed
    given = datetime(2020, 6, 10, 18, 5, tzinfo=timezone(timedelta(hours=-4)))
    assert on_clock(given, PARIS) is given
    assert on_clock(summer, None) is summer
    assert on_clock(None, PARIS) is None


def test_the_clock_is_the_sources_timezone_else_its_countrys_only_one() -> None:
    assert source_zone("America/Montreal", "CA") == ZoneInfo("America/Montreal")
    assert source_zone(None, "FR") == PARIS
    assert source_zone(None, "GB") == ZoneInfo("Europe/London")
    assert source_zone(None, "US") is None  # several clocks: the file must say which
    assert source_zone(None, None) is None
    assert Source("lemonde", "Le Monde", "fr", country="FR").zone == PARIS
    assert Source("ledevoir", "Le Devoir", "fr", country="CA", timezone="America/Toronto").zone == ZoneInfo(
        "America/Toronto"
    )
    for bad in ("Europe/Pariss", "", "../etc/passwd", "/etc/localtime", " Europe/Paris"):
        assert zone_named(bad) is None


def test_sources_check_names_a_bad_timezone(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[source]]\nname = "ledevoir"\nfeeds = ["https://www.ledevoir.com/rss/manchettes.xml"]\n'
        'country = "CA"\ntimezone = "America/Montreal"\n\n'
        '[[source]]\nname = "bad"\nfeeds = ["https://bad.example/rss.xml"]\ntimezone = "Europe/Pariss"\n',
        "utf-8",
    )
    with pytest.raises(SourcesError, match=r"bad.*'timezone' must be an IANA time zone.*Europe/Pariss"):
        load_sources(path)
    path.write_text(path.read_text("utf-8").replace("Europe/Pariss", "Europe/Paris"), "utf-8")
    loaded = {s.name: s for s in load_sources(path)}
    assert loaded["ledevoir"].timezone == "America/Montreal"
    assert loaded["bad"].zone == PARIS


def test_the_shipped_sources_all_have_a_clock_or_a_country_of_several() -> None:
    for source in load_sources():
        assert source.zone is not None or source.country in ("US", "CA", "AU"), source.name


@pytest.mark.parametrize(
    ("head", "country"),
    [
        ('<html lang="fr-FR">', "FR"),
        ('<html lang="en_gb">', "GB"),
        ('<html lang="fr"><head><meta property="og:locale" content="fr_BE">', "BE"),
        ('<html lang="fr">', None),
        ('<html lang="zh-Hant">', None),  # a script, not a region
        ("<html>", None),
    ],
)
def test_sources_add_reads_the_country_from_the_homepages_locale(head: str, country: str | None) -> None:
    page = f"{head}<title>Accueil</title><body><p>Les dernières nouvelles</p></body></html>"
    assert html_country(page.encode()) == country


@pytest.mark.parametrize(
    ("url", "country"),
    [
        ("https://www.lemonde.fr/", "FR"),  # Le Monde's <html lang="fr"> names no region
        ("https://www.rtbf.be/info", "BE"),
        ("https://www.bbc.co.uk/news", "GB"),
        ("https://www.smh.com.au/", "AU"),
        ("https://WWW.LETEMPS.CH./", "CH"),
        ("https://www.theguardian.com/", None),  # generic
        ("https://www.numerama.io/", None),  # a country code sold as a generic domain
        ("https://www.politico.eu/", None),  # no country
        ("http://127.0.0.1:8080/", None),
        ("http://localhost/", None),
    ],
)
def test_sources_add_reads_the_country_from_the_domain_without_a_locale(url: str, country: str | None) -> None:
    assert host_country(url) == country


def test_the_feed_finder_takes_the_country_of_the_locale_then_of_the_domain() -> None:
    from scrapy.http import HtmlResponse

    from monitor.feedfinder import FeedFinderSpider, Found

    for url, lang, country in [
        ("https://www.quotidien.fr/", "fr", "FR"),
        ("https://www.quotidien.fr/", "fr-BE", "BE"),  # the locale first
        ("https://www.daily.example/", "en", None),
    ]:
        found = Found(url)
        home = HtmlResponse(url, body=f'<html lang="{lang}"><title>Accueil</title><body></body></html>'.encode())
        list(FeedFinderSpider(found).parse_home(home))
        assert found.country == country, url


def test_reextraction_reads_a_naive_time_on_the_clock_it_was_stored_with() -> None:
    stored = datetime(2020, 6, 10, 16, 5, tzinfo=UTC)  # 18:05 in Paris, stored with its +02:00 offset
    current = {"published_at": stored, "published_offset": 120, "title": "Titre", "text": "texte"}
    again = Article(url="https://quotidien.example/1", text="texte", title="Titre")
    again.published_at = datetime(2020, 6, 10, 18, 5)  # as the page prints it
    assert "published_at" not in new_values(again, current, "fr")
    assert "published_offset" not in new_values(again, current, "fr")
    again.published_at = datetime(2020, 6, 10, 19, 5)  # a corrected time: on the same clock
    assert new_values(again, current, "fr")["published_at"] == datetime(2020, 6, 10, 17, 5, tzinfo=UTC)


FRENCH_PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>La CNIL met en demeure une mairie - Le Quotidien</title></head><body><article>
<h1>La CNIL met en demeure une mairie</h1><p class="date">Publié le 10 juin 2020 à 18h05</p>
{paragraphs}</article></body></html>"""


def _french_page() -> bytes:
    paragraphs = "".join(
        f"<p>Paragraphe {i} : la Commission nationale de l'informatique et des libertés a mis en demeure la "
        f"mairie de cesser l'usage de la reconnaissance faciale par sa police municipale, numéro {i * 11}.</p>"
        for i in range(1, 7)
    )
    return FRENCH_PAGE.format(paragraphs=paragraphs).encode("utf-8")


def _undated_page() -> bytes:
    paragraphs = "".join(
        f"<p>Paragraphe {i} : la SNCF teste dans ses gares des caméras qui analysent les comportements des "
        f"voyageurs, une expérimentation que des associations jugent contraire au droit, cas {i * 7}.</p>"
        for i in range(1, 7)
    )
    page = '<html lang="fr"><head><title>Des caméras dans les gares</title></head><body><article>'
    return (page + f"<h1>Des caméras dans les gares</h1>{paragraphs}</article></body></html>").encode()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Q</title>'
        "<item><title>CNIL</title><link>{A}/actu/cnil-mairie</link></item>"
        "<item><title>Gares</title><link>{A}/actu/gares-cameras</link>"
        "<pubDate>Wed, 10 Jun 2020 20:30:00</pubDate></item></channel></rss>"  # no offset: the outlet's clock
    )
    routes = {
        "/robots.txt": Route(b"User-agent: *\nAllow: /\n", "text/plain"),
        "/rss.xml": Route(feed.encode(), "application/rss+xml"),
        "/actu/cnil-mairie": Route(_french_page()),
        "/actu/gares-cameras": Route(_undated_page()),
    }
    with serve(routes) as (server, _other):
        db_url = f"sqlite:///{tmp_path_factory.mktemp('clock') / 'archive.db'}"
        sources = [Source("quotidien", "Le Quotidien", "fr", feeds=(server.base + "/rss.xml",), country="FR")]
        overrides = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "MONITOR_EXTRACT_WORKERS": 0}
        options = CrawlOptions(db_url, sources=sources, all_topics=True, log_level="WARNING", overrides=overrides)
        report = crawl_in_subprocess(options, timeout=120)
        assert report.stats.get("monitor/stored") == 2, report.stats
        yield db_url


def test_a_crawl_reads_a_printed_time_on_the_outlets_clock(crawled: str) -> None:
    database = Database(crawled)
    try:
        with database.session() as session:
            rows = {row.url.rsplit("/", 1)[1]: row for row in session.scalars(select(ArticleRow))}
            printed, from_feed = rows["cnil-mairie"], rows["gares-cameras"]
            assert (printed.published_at, printed.published_offset) == (datetime(2020, 6, 10, 16, 5, tzinfo=UTC), 120)
            # the page prints no date: the feed's, written without an offset, on the outlet's clock too
            assert (from_feed.published_at, from_feed.published_offset) == (
                datetime(2020, 6, 10, 18, 30, tzinfo=UTC),
                120,
            )
        exported = {row["url"].rsplit("/", 1)[1]: row for row in iter_articles(database, ArticleFilter())}
        assert exported["cnil-mairie"]["published_at"] == "2020-06-10T18:05:00+02:00"
        assert exported["gares-cameras"]["published_at"] == "2020-06-10T20:30:00+02:00"
    finally:
        database.dispose()
