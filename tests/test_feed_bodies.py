"""Feeds are read without their entries' HTML bodies: the same links, titles, dates and languages as with them."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.discovery import _read_feed, _without_entry_bodies, parse_feed
from tests.faultserver import rss

FIXTURES = Path(__file__).parent / "fixtures" / "discovery"
BASE = "https://www.example.fr/rubrique/"
DC_DATE = "<dc:date>2026-11-29T08:00:00Z</dc:date>"
PARAGRAPHS = "<p>La reconnaissance faciale &amp; la CNIL : <a href='/x'>lien</a>, déjà « débattue ».</p>" * 20

_text = st.text(
    alphabet=st.sampled_from(list("abcdeéàz XYZ0129-'’&<>\"]]/")), min_size=0, max_size=30
)  # characters feeds escape, and the "]]" that ends a CDATA section


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def _body(draw: st.DrawFn, name: str) -> str:
    """An entry body in one of the ways feeds write one (or none)."""
    html = draw(st.sampled_from([PARAGRAPHS, "<p>court</p>", "", "<b>]]</b> x"]))
    forms = ["cdata", "escaped", "markup", "two-cdata", "cdata-then-text", "empty", "self-closing", "absent"]
    form = draw(st.sampled_from(forms))
    attributes = draw(st.sampled_from(["", ' type="html"', ' type="xhtml"', ' xml:lang="fr"']))
    if form == "absent":
        return ""
    if form == "self-closing":
        return f"<{name}{attributes}/>"
    inner = {
        "cdata": f"<![CDATA[{html.replace(']]>', '')}]]>",
        "escaped": _escape(html),
        "markup": '<div xmlns="http://www.w3.org/1999/xhtml"><p>Texte <b>gras</b></p></div>',
        "two-cdata": "<![CDATA[<p>un</p>]]> et <![CDATA[<p>deux</p>]]>",
        "cdata-then-text": "<![CDATA[<p>un</p>]]> suite",
        "empty": "",
    }[form]
    return f"<{name}{attributes}>{inner}</{name}>"


@st.composite
def _rss(draw: st.DrawFn) -> bytes:
    items = []
    for index in range(draw(st.integers(0, 4))):
        title = draw(_text)
        link = draw(st.sampled_from([f"https://www.example.fr/a-{index}.html", f"/relatif-{index}", "", " "]))
        parts = [
            draw(st.sampled_from([f"<title>{_escape(title)}</title>", f"<title><![CDATA[{title}]]></title>", ""])),
            f"<link>{link}</link>" if link else "",
            draw(st.sampled_from(["", f"<guid>https://www.example.fr/g-{index}</guid>", f"<guid>id-{index}</guid>"])),
            draw(st.sampled_from(["", "<pubDate>Mon, 30 Nov 2026 10:05:00 +0100</pubDate>", DC_DATE])),
            draw(st.sampled_from(["", "<dc:language>fr-FR</dc:language>"])),
            draw(_body("description")),
            draw(_body("content:encoded")),
        ]
        draw(st.randoms()).shuffle(parts)
        items.append(f"<item>{''.join(parts)}</item>")
    channel_description = draw(_body("description"))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>Exemple</title><link>https://www.example.fr/</link>{channel_description}"
        f"{''.join(items)}</channel></rss>"
    ).encode()


@st.composite
def _atom(draw: st.DrawFn) -> bytes:
    entries = []
    for index in range(draw(st.integers(0, 4))):
        parts = [
            draw(st.sampled_from([f'<title type="html">{_escape(_escape(draw(_text)))}</title>', ""])),
            draw(
                st.sampled_from(
                    [
                        f'<link href="https://www.example.fr/e-{index}"/>',
                        f'<link rel="alternate" type="text/html" href="/rel-{index}"/>',
                        f'<link rel="enclosure" href="https://cdn.example.fr/{index}.mp3"/>',
                        "",
                    ]
                )
            ),
            f"<id>https://www.example.fr/id-{index}</id>",
            draw(st.sampled_from(["", "<updated>2026-11-30T09:00:00+01:00</updated>"])),
            draw(st.sampled_from(["", "<published>2026-11-28T07:30:00Z</published>"])),
            draw(_body("summary")),
            draw(_body("content")),
        ]
        draw(st.randoms()).shuffle(parts)
        entries.append(f"<entry>{''.join(parts)}</entry>")
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">'
        f'<title>Exemple</title><link href="https://www.example.fr/"/>{"".join(entries)}</feed>'
    ).encode()


def _same_reading(feed: bytes) -> None:
    stripped = _without_entry_bodies(feed)
    assert _read_feed(stripped, BASE) == _read_feed(feed, BASE)
    paris = ZoneInfo("Europe/Paris")  # dates written without an offset read on a source's clock
    assert _read_feed(stripped, BASE, paris) == _read_feed(feed, BASE, paris)


@settings(max_examples=150, deadline=None)
@given(_rss())
def test_an_rss_feed_reads_the_same_without_its_entry_bodies(feed: bytes) -> None:
    _same_reading(feed)


@settings(max_examples=150, deadline=None)
@given(_atom())
def test_an_atom_feed_reads_the_same_without_its_entry_bodies(feed: bytes) -> None:
    _same_reading(feed)


def test_the_test_fixtures_feeds_read_the_same() -> None:
    for name in ("rss.xml", "atom.xml", "feed.rdf", "malformed.xml"):
        _same_reading((FIXTURES / name).read_bytes())
    _same_reading(rss([("https://www.example.fr/un.html", "Un titre"), ("/deux.html", "Deux")]))


def test_a_body_is_never_cut_past_its_own_cdata_section() -> None:
    feed = (
        b"<rss><channel><item><description><![CDATA[a]]> suite</description><title>Le titre</title>"
        b"<link>https://www.example.fr/a.html</link><description><![CDATA[b]] ]>c]]></description>"
        b"</item></channel></rss>"
    )
    stripped = _without_entry_bodies(feed)
    assert b"<title>Le titre</title>" in stripped and b"<link>" in stripped  # not taken for a body's inside
    assert b"<![CDATA[b]]" not in stripped  # the whole second body went
    _same_reading(feed)


def test_bodies_go_and_what_discovery_reads_stays() -> None:
    feed = (
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        "<link>https://www.example.fr/</link><item><title>Moratoire sur Rekognition</title>"
        f"<link>/moratoire.html</link><description><![CDATA[{PARAGRAPHS}]]></description>"
        f"<content:encoded><![CDATA[{PARAGRAPHS}]]></content:encoded>"
        "<pubDate>Wed, 10 Jun 2020 18:05:00 +0200</pubDate></item></channel></rss>"
    ).encode()
    stripped = _without_entry_bodies(feed)
    assert b"CDATA" not in stripped and b"<title>Moratoire sur Rekognition</title>" in stripped
    assert len(stripped) < len(feed) / 5
    [link] = parse_feed(feed, BASE)
    assert (link.url, link.title) == ("https://www.example.fr/moratoire.html", "Moratoire sur Rekognition")
    assert link.published is not None and link.published.isoformat() == "2020-06-10T18:05:00+02:00"
