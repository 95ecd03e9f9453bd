"""Pure discovery parsers: feeds, sitemaps, section pages, homepages, and hostile or broken input."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.discovery import (
    DiscoveryError,
    Link,
    feed_candidates,
    fresh,
    looks_like_article,
    newest_first,
    parse_feed,
    parse_sitemap,
    section_links,
    sitemap_candidates,
    sniff,
)

FIXTURES = Path(__file__).parent / "fixtures" / "discovery"
A = "http://a.example"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().replace(b"{A}", A.encode()).replace(b"{B}", b"http://b.example")


def test_rss_atom_and_rdf_feeds() -> None:
    rss = parse_feed(fixture("rss.xml"), f"{A}/rss.xml")
    assert rss[0].url.startswith(f"{A}/news/2024/alpha-article-one?utm_source=rss")
    assert rss[0].published == datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    assert rss[1].url == f"{A}/news/relative-article-link", "relative links resolved"
    atom = parse_feed(fixture("atom.xml"), f"{A}/atom.xml")
    assert [(link.url, link.title) for link in atom] == [(f"{A}/news/atom-entry-story", "Atom entry")]
    rdf = parse_feed(fixture("feed.rdf"), "http://b.example/feed.rdf")
    assert [link.url for link in rdf] == ["http://b.example/news/beta-rdf-story"]
    assert rdf[0].published == datetime(2024, 3, 5, 8, 0, tzinfo=UTC)


def test_malformed_feed_keeps_what_parses() -> None:
    links = parse_feed(fixture("malformed.xml"), f"{A}/malformed.xml")
    assert f"{A}/news/kept-from-broken-feed" in [link.url for link in links]


def test_garbage_is_an_error_and_an_empty_feed_is_empty() -> None:
    with pytest.raises(DiscoveryError):
        parse_feed(b"\x00\x01 definitely not a feed", f"{A}/x")
    assert parse_feed(b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>', A) == []


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
"""


def test_entity_expansion_and_external_entities_are_never_expanded() -> None:
    feed = LAUGHS + b'<rss version="2.0"><channel><title>&lol6;</title><item><title>&xxe;x</title>'
    feed += b"<link>http://a.example/news/safe-entry-link</link></item></channel></rss>"
    started = time.perf_counter()
    links = parse_feed(feed, A)
    assert time.perf_counter() - started < 2
    assert [link.url for link in links] == ["http://a.example/news/safe-entry-link"]
    assert "root:" not in (links[0].title or "")
    sitemap = LAUGHS + b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    sitemap += b"<url><loc>http://a.example/&lol6;/x</loc></url><url><loc>http://a.example/news/&xxe;</loc></url>"
    sitemap += b"<url><loc>http://a.example/news/plain-one</loc></url></urlset>"
    _, found = parse_sitemap(sitemap)
    urls = [link.url for link in found]
    assert "http://a.example/news/plain-one" in urls
    assert all(len(url) < 200 and "root:" not in url for url in urls)


@pytest.mark.parametrize("where", ["after a decoy in a comment", "far into the document"])
def test_entity_declarations_are_dropped_wherever_they_are(where: str) -> None:
    """A declaration hidden behind a commented-out DOCTYPE, or after 64 KiB of padding, is not expanded."""
    head = b'<?xml version="1.0"?>\n'
    if where == "after a decoy in a comment":
        head += b"<!-- <!DOCTYPE x [ ]> -->\n"
    else:
        head += b"<!--" + b" padding" * 10_000 + b" -->\n"
    body = LAUGHS.split(b"\n", 1)[1]  # the DOCTYPE and its subset
    feed = head + body + b'<rss version="2.0"><channel><title>t</title><item><title>x&lol6;</title>'
    feed += b"<link>http://a.example/news/safe-entry-link</link></item></channel></rss>"
    links = parse_feed(feed, A)
    assert [link.url for link in links] == ["http://a.example/news/safe-entry-link"]
    assert len(links[0].title or "") < 10 and "lol" not in (links[0].title or "")


def test_a_broken_tag_does_not_lose_the_well_formed_items_after_it() -> None:
    items = [f"<item><title>i{i}</title><link>http://a.example/news/item-number-{i}</link></item>" for i in range(5)]
    items[2] = "<item><title>i2 </titel><link>http://a.example/news/item-number-2</link></item>"
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{"".join(items)}</channel></rss>'
    urls = [link.url for link in parse_feed(feed.encode(), A)]
    assert {f"http://a.example/news/item-number-{i}" for i in (0, 1, 3, 4)} <= set(urls)
    assert len(urls) == len(set(urls))


def test_a_sitemap_cut_in_an_address_does_not_give_the_part_as_an_address() -> None:
    whole = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    whole += b"<url><loc>http://a.example/news/first-story</loc></url>"
    cut = whole + b"<url><loc>http://a.example/news/second-sto"
    _, found = parse_sitemap(cut)
    assert [link.url for link in found] == ["http://a.example/news/first-story"]
    _, found = parse_sitemap(whole + b"<url><loc>http://a.example/news/second-story</loc><lastmod>2024")
    assert [link.url for link in found][-1] == "http://a.example/news/second-story"  # cut after its address


def test_feed_served_as_html_is_still_a_feed() -> None:
    assert sniff(fixture("feed.rdf")) == "feed"
    assert sniff(fixture("section.html")) == "html"
    assert sniff(fixture("sitemap-index.xml")) == "sitemap"


def test_a_feed_of_ten_thousand_items_is_read_quickly() -> None:
    items = "".join(
        f"<item><title>T {i}</title><link>/news/{i}-item-of-the-big-feed</link>"
        f"<pubDate>Mon, 01 Jun 2020 10:{i % 60:02d}:00 GMT</pubDate></item>"
        for i in range(10_000)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'.encode()
    started = time.perf_counter()
    links = parse_feed(body, f"{A}/rss")
    assert len(links) == 10_000 and links[5].url == f"{A}/news/5-item-of-the-big-feed"
    assert time.perf_counter() - started < 10


def test_sitemap_index_news_sitemap_and_text_sitemap() -> None:
    kind, children = parse_sitemap(fixture("sitemap-index.xml"))
    assert kind == "index" and len(children) == 3
    assert children[2].published == datetime(2001, 1, 1, tzinfo=UTC), "dates without a zone are UTC"
    kind, pages = parse_sitemap(fixture("news-sitemap.xml").replace(b"TODAY", b"2024-03-05T10:00:00+01:00"))
    assert kind == "urlset"
    assert pages[0] == Link(
        f"{A}/news/2024/alpha-article-one", "Alpha article one", datetime(2024, 3, 5, 9, tzinfo=UTC), "en"
    )
    kind, lines = parse_sitemap(b"https://a.example/news/one-two-three\n\nhttps://a.example/news/four-five-six\n")
    assert kind == "urlset" and [link.url for link in lines][1] == "https://a.example/news/four-five-six"
    with pytest.raises(DiscoveryError):
        parse_sitemap(b"<html><body>not a sitemap</body></html>")


def test_horizon_and_newest_first() -> None:
    now = datetime(2024, 3, 10, tzinfo=UTC)
    links = [Link("u1", published=now - timedelta(days=30)), Link("u2"), Link("u3", published=now - timedelta(days=1))]
    assert [link.url for link in fresh(links, now - timedelta(days=7))] == ["u2", "u3"]
    assert [link.url for link in newest_first(links)] == ["u3", "u1", "u2"]


def test_section_links_keep_articles_on_the_source_hosts() -> None:
    links = section_links(fixture("section.html"), f"{A}/tech/", ["a.example"])
    assert [link.url for link in links] == [f"{A}/news/section-linked-story-here"]


def test_section_links_leave_out_the_menus_header_and_footer_but_not_a_story_cards_header() -> None:
    page = """<html><body>
    <header class="site"><a href="/a-propos-de-la-redaction-du-quotidien">La rédaction du Quotidien</a></header>
    <nav><a href="/societe/pays-de-la-loire-toute-l-actualite">Pays de la Loire</a></nav>
    <main>
      <article><header><h2><a href="/societe/la-cnil-sanctionne-une-commune-pour-ses-cameras">La CNIL</a></h2>
      </header></article>
      <a href="/societe/des-associations-saisissent-le-conseil-d-etat">Des associations</a>
      <div class="post"><header class="entry-header"><h2 class="entry-title">
        <a href="/societe/une-carte-de-la-videosurveillance-en-france">Une carte</a></h2></header></div>
    </main>
    <footer><a href="/conditions-d-utilisation-du-service-en-ligne">Conditions d'utilisation</a></footer>
    </body></html>"""
    links = section_links(page.encode(), f"{A}/societe/", ["a.example"])
    assert [link.url for link in links] == [
        f"{A}/societe/la-cnil-sanctionne-une-commune-pour-ses-cameras",
        f"{A}/societe/des-associations-saisissent-le-conseil-d-etat",
        f"{A}/societe/une-carte-de-la-videosurveillance-en-france",  # a WordPress card: <header><h2><a>
    ]


@pytest.mark.parametrize(
    ("url", "article"),
    [
        ("https://www.lemonde.fr/pixels/article/2020/06/11/amazon-suspend-rekognition_6042.html", True),
        ("https://www.bbc.com/news/technology-52978191", True),
        ("https://www.bbc.co.uk/news/articles/c4nn0rzn0k9o", True),  # an id alone, letters and digits
        ("https://www.example.com/articles/technology", False),
        ("https://www.example.com/news/articles", False),
        ("https://www.example.com/tag/police/", False),
        ("https://www.example.com/auteur/jean-dupont/", False),
        ("https://www.example.com/author/jane-doe", False),
        ("https://www.example.com/tech/page/2", False),
        ("https://www.example.com/news?page=3", False),
        ("https://www.example.com/video/the-council-debate-on-cameras", False),
        ("https://www.bbc.com/news/av/technology-52978191", False),  # the BBC's audio and video pages
        ("https://www.example.com/galerie/photos-de-la-manifestation", False),
        ("https://www.example.com/category/tech/", False),
        ("https://www.example.com/tech/", False),
        ("https://www.example.fr/plan-du-site/", False),
        ("https://www.example.com/terms-and-conditions/", False),
        ("https://www.example.fr/section/pays-de-la-loire/", False),
    ],
)
def test_looks_like_article(url: str, article: bool) -> None:
    assert looks_like_article(url) is article


def test_feed_and_sitemap_candidates_of_a_homepage() -> None:
    candidates = feed_candidates(fixture("section.html"), f"{A}/tech/")
    assert candidates[:2] == [f"{A}/rss.xml", f"{A}/atom.xml"]
    assert f"{A}/feed" in candidates
    robots = fixture("robots.txt").decode() + "Sitemap: /sitemap_news.xml\n"
    sitemaps = sitemap_candidates(robots, f"{A}/robots.txt")
    assert sitemaps[0] == f"{A}/sitemap_news.xml" and f"{A}/sitemap-index.xml" in sitemaps


def test_feed_dates_are_read_without_feedparsers_deprecated_fallback() -> None:
    import warnings

    from monitor.discovery import parse_feed

    rss = (
        b'<rss version="2.0"><channel><item><title>a</title><link>https://a.example/x</link></item>'
        b"<item><title>b</title><link>https://a.example/y</link>"
        b"<pubDate>Mon, 02 Nov 2026 09:00:00 +0000</pubDate></item>"
        b"<item><title>c</title><link>https://a.example/w</link><pubDate>sometime soon</pubDate></item>"
        b"</channel></rss>"
    )
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>u</title><link href="https://a.example/z"/>'
        b"<updated>2026-11-02T09:00:00Z</updated></entry></feed>"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # feedparser warned for each entry without an updated date
        undated, dated, unreadable = parse_feed(rss, "https://a.example/rss")
        [updated] = parse_feed(atom, "https://a.example/atom")
    assert undated.published is None and unreadable.published is None
    assert dated.published is not None and dated.published.isoformat() == "2026-11-02T09:00:00+00:00"
    assert updated.published is not None and updated.published.isoformat() == "2026-11-02T09:00:00+00:00"


def test_feedburner_original_link_is_the_article() -> None:
    """FeedBurner feeds link each item through feeds.feedburner.com, off the source's hosts; the item's
    ``feedburner:origLink`` is the article, also in a feed too broken for feedparser."""
    rss = (
        b'<?xml version="1.0"?><rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">'
        b"<channel><item><title>A</title><link>http://feeds.feedburner.com/~r/x/~3/abc/</link>"
        b"<feedburner:origLink>https://www.site.fr/a/article-1.html</feedburner:origLink></item>"
        b"<item><title>B</title><link>https://www.site.fr/b.html</link></item></channel></rss>"
    )
    assert [link.url for link in parse_feed(rss, "https://www.site.fr/rss")] == [
        "https://www.site.fr/a/article-1.html",
        "https://www.site.fr/b.html",
    ]
    broken = rss.replace(b"<channel>", b"<channel><oops>&nbsp;").replace(b"</channel></rss>", b"")
    assert "https://www.site.fr/a/article-1.html" in [
        link.url for link in parse_feed(broken, "https://www.site.fr/rss")
    ]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("mer., 10 juin 2020 18:05:00 +0200", "2020-06-10T16:05:00+00:00"),  # French names: feedparser reads none
        ("mer., 10 juil. 2024 08:00:00 +0100", "2024-07-10T07:00:00+00:00"),
        ("Wed, 10 Jun 2020 18:05:00 CEST", "2020-06-10T16:05:00+00:00"),  # feedparser: 18:05 UTC
        ("Wed, 10 Jun 2020 18:05:00 BST", "2020-06-10T17:05:00+00:00"),
        ("Wed, 10 Jun 2020 18:05:00 EDT", "2020-06-10T22:05:00+00:00"),  # feedparser's own, as before
        ("Wednesday, June 10, 2020 - 18:05", "2020-06-10T18:05:00+00:00"),
        ("2020-06-10T18:05:00+02:00", "2020-06-10T16:05:00+00:00"),
        ("sometime soon", None),
    ],
)
def test_feed_dates_in_french_and_with_european_zones(written: str, expected: str | None) -> None:
    rss = (
        '<rss version="2.0"><channel><item><title>a</title><link>https://a.example/x</link>'
        f"<pubDate>{written}</pubDate></item></channel></rss>"
    ).encode()
    [link] = parse_feed(rss, "https://a.example/rss")
    assert (link.published.astimezone(UTC).isoformat() if link.published else None) == expected


def _feeds_dated(written: str) -> tuple[bytes, bytes]:
    """An RSS feed and an Atom feed of one entry dated ``written``."""
    rss = (
        '<rss version="2.0"><channel><item><title>a</title><link>https://a.example/x</link>'
        f"<pubDate>{written}</pubDate></item></channel></rss>"
    ).encode()
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>u</title><link href="https://a.example/z"/>'
        f"<updated>{written}</updated></entry></feed>"
    ).encode()
    return rss, atom


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Wed, 10 Jun 2020 18:05:00 +0200", "2020-06-10T18:05:00+02:00"),
        ("2020-06-10T18:05:00+02:00", "2020-06-10T18:05:00+02:00"),
        ("2020-06-10T18:05:00-03:30", "2020-06-10T18:05:00-03:30"),
        ("2020-06-10T18:05:00Z", "2020-06-10T18:05:00+00:00"),
        ("Wed, 10 Jun 2020 18:05:00 EDT", "2020-06-10T22:05:00+00:00"),  # a name: the instant, in UTC
    ],
)
def test_feed_dates_keep_the_offset_the_feed_wrote(written: str, expected: str) -> None:
    """The date of a feed entry is on the publisher's clock, as the archive keeps a page's (it is the
    article's date when the page gives none)."""
    rss, atom = _feeds_dated(written)
    for feed in (rss, atom):
        [link] = parse_feed(feed, "https://a.example/feed")
        assert link.published is not None and link.published.isoformat() == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Wed, 10 Jun 2020 18:05:00", "2020-06-10T18:05:00+02:00"),  # feedparser: 18:05 UTC
        ("2020-06-10T18:05:00", "2020-06-10T18:05:00+02:00"),
        ("2020-06-10 18:05", "2020-06-10T18:05:00+02:00"),
        ("mer., 10 juin 2020 18:05:00", "2020-06-10T18:05:00+02:00"),
        ("10 Dec 2020 18:05:00", "2020-12-10T18:05:00+01:00"),  # winter time
        ("Wed, 10 Jun 2020 18:05:00 +0000", "2020-06-10T18:05:00+00:00"),  # an offset stays the feed's
        ("Wed, 10 Jun 2020 18:05:00 GMT", "2020-06-10T18:05:00+00:00"),
        ("2020-06-10T18:05:00Z", "2020-06-10T18:05:00+00:00"),
        ("Wed, 10 Jun 2020 18:05:00 CEST", "2020-06-10T18:05:00+02:00"),
        ("sometime soon", None),
    ],
)
def test_feed_dates_without_an_offset_are_on_the_sources_clock(written: str, expected: str | None) -> None:
    """A feed that writes its times without an offset writes them on its outlet's clock: 18:05 in a French
    outlet's feed is 16:05 UTC in June, not 18:05 UTC as feedparser reads it (the date is the article's
    when its page gives none). Without the source's clock, UTC, as before."""
    paris = ZoneInfo("Europe/Paris")
    rss, atom = _feeds_dated(written)
    for feed in (rss, atom):
        [link] = parse_feed(feed, "https://a.example/feed", paris)
        assert (link.published.isoformat() if link.published else None) == expected, feed
    [utc] = parse_feed(rss, "https://a.example/feed")
    if expected is not None and expected.endswith("+02:00") and "CEST" not in written:
        assert utc.published is not None and utc.published.isoformat() == expected[:-6] + "+00:00"


def test_sitemap_and_json_feed_dates_without_an_offset_are_on_the_sources_clock() -> None:
    paris = ZoneInfo("Europe/Paris")
    sitemap = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        b"<url><loc>https://a.example/one</loc><news:news><news:publication_date>2020-06-10T18:05:00"
        b"</news:publication_date></news:news></url>"
        b"<url><loc>https://a.example/two</loc><lastmod>2020-06-10</lastmod></url>"
        b"<url><loc>https://a.example/three</loc><lastmod>2020-06-10T18:05:00+00:00</lastmod></url></urlset>"
    )
    _, (one, two, three) = parse_sitemap(sitemap, "https://a.example/sitemap.xml", paris)
    assert one.published is not None and one.published.isoformat() == "2020-06-10T18:05:00+02:00"
    assert two.published is not None and two.published.isoformat() == "2020-06-10T00:00:00+02:00"  # that day
    assert three.published is not None and three.published.isoformat() == "2020-06-10T18:05:00+00:00"
    _, (utc, _, _) = parse_sitemap(sitemap, "https://a.example/sitemap.xml")
    assert utc.published is not None and utc.published.isoformat() == "2020-06-10T18:05:00+00:00"
    feed = b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"url": "https://a.example/j", '
    feed += b'"date_published": "2020-06-10T18:05:00"}]}'
    [item] = parse_feed(feed, "https://a.example/feed.json", paris)
    assert item.published is not None and item.published.isoformat() == "2020-06-10T18:05:00+02:00"


def test_only_an_offset_after_a_time_is_the_publishers_clock() -> None:
    from monitor.dates import on_written_clock

    instant = datetime(2020, 6, 10, 16, 5, tzinfo=UTC)
    assert on_written_clock(instant, "2020-06-10T18:05:00.123-0530").isoformat() == "2020-06-10T10:35:00-05:30"
    for written in ("10-06-2020", "2020-06-10", "2020-06-10T18:05:00+15:00", "2020-06-10T18:05:00Z", None):
        assert on_written_clock(instant, written) is instant, written  # a year, a date, no zone so far, UTC


def test_usual_paths_are_tried_under_the_homepages_folder_first() -> None:
    from monitor.discovery import feed_candidates, sitemap_candidates, under_home

    feeds = feed_candidates(b"<html><body></body></html>", "http://127.0.0.1:8080/alpha/")
    assert feeds.index("http://127.0.0.1:8080/alpha/rss.xml") < feeds.index("http://127.0.0.1:8080/rss.xml")
    assert feed_candidates(b"<html></html>", "https://www.site.fr/")[0] == "https://www.site.fr/feed"
    robots = "Sitemap: https://h.example/sitemap-index.xml\n"
    found = sitemap_candidates(robots, "https://h.example/robots.txt", "https://h.example/alpha/")
    assert found[0] == "https://h.example/alpha/sitemap_news.xml"
    assert found.index("https://h.example/sitemap-index.xml") < found.index("https://h.example/sitemap.xml")
    assert sitemap_candidates(robots, "https://h.example/robots.txt")[0] == "https://h.example/sitemap-index.xml"
    assert under_home("https://h.example/alpha/news-sitemap.xml", "https://h.example/alpha/")
    assert not under_home("https://h.example/beta/news-sitemap.xml", "https://h.example/alpha/")
    assert not under_home("https://other.example/alpha/x.xml", "https://h.example/alpha/")
    assert under_home("https://h.example/any/x.xml", "https://h.example/")


def test_json_feed() -> None:
    """JSON Feed 1.0/1.1 (jsonfeed.org): ``url``, else ``external_url``, else an ``id`` that is an address;
    an ``id`` that is not one is no link; the feed's language unless the item gives its own."""
    import json

    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Le Site",
        "language": "fr-FR",
        "items": [
            {"id": "1", "url": "/a/article-un.html", "title": " Un ", "date_published": "2024-06-10T18:05:00+02:00"},
            {"id": "https://www.site.fr/b.html", "title": "Deux", "language": "en"},
            {"id": "tag:site.fr,2024:3", "title": "Trois"},
            {"id": "4", "external_url": "https://www.site.fr/d.html", "date_modified": "2024-06-11T10:00:00"},
            "not an item",
        ],
    }
    body = b"\xef\xbb\xbf" + json.dumps(feed).encode()
    assert sniff(body) == "feed"
    links = parse_feed(body, "https://www.site.fr/feed.json")
    assert [(link.url, link.title, link.language) for link in links] == [
        ("https://www.site.fr/a/article-un.html", "Un", "fr"),
        ("https://www.site.fr/b.html", "Deux", "en"),
        ("https://www.site.fr/d.html", None, "fr"),
    ]
    assert links[0].published == datetime(2024, 6, 10, 16, 5, tzinfo=UTC)
    assert links[2].published == datetime(2024, 6, 11, 10, 0, tzinfo=UTC)  # no offset: read as UTC
    nested = b'{"version": "https://jsonfeed.org/version/1", "items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    for broken in (
        b'{"version": "https://jsonfeed.org/version/1", "items": [',
        b'{"version": "1", "items": []}',
        nested,
    ):
        with pytest.raises(DiscoveryError):
            parse_feed(broken, "https://www.site.fr/feed.json")
    assert parse_feed(b'{"version": "https://jsonfeed.org/version/1", "items": []}', "https://www.site.fr/f") == []


_DATE_PARTS = st.lists(
    st.sampled_from(
        [
            *("Wed,", "mer.,", "Wednesday,", "10", "1er", "31", "2020", "24", "juin", "Jun", "June", "déc.", "Dec"),
            *("18:05:00", "18:05", "18h05", "00:30:00", "T", "-", "/", "+0200", "-0500", "+02:00", "GMT", "CEST"),
            *("EDT", "Z", "UT", "IST", "XYZ", "2020-06-10T18:05:00", "2020-12-10", "10/06/2020", "à"),
        ]
    ),
    min_size=1,
    max_size=7,
)


@settings(max_examples=300, deadline=None)
@given(_DATE_PARTS)
def test_a_feed_date_read_on_a_sources_clock_is_the_same_instant_or_the_same_wall_time(parts: list[str]) -> None:
    """Whatever a feed writes as a date, reading it on a source's clock raises nothing and gives an aware
    date-time (or none); the instant is the one read without a clock, or, for a time written without an
    offset, the same wall time on the source's clock."""
    written = " ".join(parts)
    rss, _ = _feeds_dated(written.replace("&", "&amp;").replace("<", "&lt;"))
    paris = ZoneInfo("Europe/Paris")
    [on_clock] = parse_feed(rss, "https://a.example/feed", paris)
    [on_utc] = parse_feed(rss, "https://a.example/feed")
    assert (on_clock.published is None) == (on_utc.published is None), written
    if on_clock.published is None or on_utc.published is None:
        return
    assert on_clock.published.tzinfo is not None and on_utc.published.tzinfo is not None
    same_wall_time = on_clock.published.replace(tzinfo=None) == on_utc.published.replace(tzinfo=None)
    assert on_clock.published == on_utc.published or (same_wall_time and on_clock.published.tzinfo is paris), written


def test_a_sitemap_entrys_image_and_video_say_nothing_of_the_article() -> None:
    """Google's image and video extensions carry their own ``loc``, ``title`` and ``publication_date``:
    before the entry's ``<loc>`` or ``<news:news>`` they were taken for the article's address, title, date."""
    sitemap = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
        b'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" '
        b'xmlns:video="http://www.google.com/schemas/sitemap-video/1.1"><url>'
        b"<image:image><image:loc>https://cdn.example.fr/photo.jpg</image:loc>"
        b"<image:title>Une photo</image:title></image:image>"
        b"<loc>https://www.example.fr/a/article-1.html</loc>"
        b"<video:video><video:title>Une video</video:title>"
        b"<video:publication_date>2019-01-01T00:00:00+00:00</video:publication_date></video:video>"
        b"<news:news><news:publication><news:name>Exemple</news:name><news:language>fr</news:language>"
        b"</news:publication><news:publication_date>2024-06-10T18:05:00+02:00</news:publication_date>"
        b"<news:title>Le vrai titre</news:title></news:news></url></urlset>"
    )
    _, [link] = parse_sitemap(sitemap, "https://www.example.fr/sitemap.xml")
    assert link.url == "https://www.example.fr/a/article-1.html" and link.title == "Le vrai titre"
    assert link.published is not None and link.published.isoformat() == "2024-06-10T18:05:00+02:00"
    assert link.language == "fr"


def test_an_atom_entry_link_without_xml_base_is_read_against_the_feeds_address() -> None:
    """RFC 4287: a relative IRI resolves against xml:base, else the document's URI, not the alternate link."""
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link href="https://x.test/" rel="alternate"/>'
        b'<entry><title>e</title><link href="2026/11/30/a-story-of-cameras"/><id>1</id>'
        b"<updated>2026-11-30T10:00:00Z</updated></entry></feed>"
    )
    links = parse_feed(atom, "https://x.test/blog/atom.xml")
    assert [link.url for link in links] == ["https://x.test/blog/2026/11/30/a-story-of-cameras"]
    based = atom.replace(b"<feed ", b'<feed xml:base="https://x.test/other/" ')
    assert [link.url for link in parse_feed(based, "https://x.test/blog/atom.xml")] == [
        "https://x.test/other/2026/11/30/a-story-of-cameras"
    ]


def test_an_html_feed_title_is_read_as_text() -> None:
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title type="html">AT&amp;amp;T '
        b"&amp;lt;b&amp;gt;teste&amp;lt;/b&amp;gt; la reconnaissance faciale</title>"
        b'<link href="https://x.test/a-story-of-cameras"/><id>1</id><updated>2026-11-30T10:00:00Z</updated></entry></feed>'
    )
    assert [link.title for link in parse_feed(atom, "https://x.test/atom.xml")] == [
        "AT&T teste la reconnaissance faciale"
    ]
