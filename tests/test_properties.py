"""Property-based tests (hypothesis) of the pure parts: URL forms, the query parser, CSV export, extraction."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from monitor.export import FORMULA_STARTS, write_csv
from monitor.extraction import ExtractionError, extract_article
from monitor.query import QueryError, parse
from monitor.urls import canonical_url

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# URLs ---------------------------------------------------------------------------------------------------
LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
HOST = st.one_of(
    st.builds(
        lambda prefix, labels, tld: ".".join([*prefix, *labels, tld]),
        st.lists(st.sampled_from(["www", "amp", "m", "mobile", "WWW", "news"]), max_size=2),
        st.lists(LABEL, min_size=1, max_size=2),
        st.sampled_from(["fr", "com", "org", "co.uk", "FR"]),
    ),
    st.builds(lambda a, b: f"{a}-{b}.cdn.ampproject.org", LABEL, LABEL),
    st.just("127.0.0.1"),
)
SEGMENT = st.one_of(
    LABEL,
    st.sampled_from(["amp", "AMP", "story.amp.html", "amp.html", "a%20b", "%C3%A9t%C3%A9", "c", "s", ".", ".."]),
    st.text(min_size=1, max_size=8).map(lambda t: quote(t, safe="")),
    st.text(alphabet="éàç€ -_~!$&'()*+,;=:@%", min_size=1, max_size=6),
)
PARAM = st.one_of(
    st.sampled_from(["utm_source", "utm_medium", "fbclid", "xtor", "amp", "outputType", "id", "page", "q", "ref"]),
    LABEL,
    st.text(min_size=1, max_size=6),
)
QUERY = st.lists(st.tuples(PARAM, st.one_of(st.just(""), LABEL, st.text(max_size=6))), max_size=4).map(
    lambda pairs: "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
)
URL = st.builds(
    lambda scheme, host, port, segments, trailing, query, fragment: (
        f"{scheme}://{host}{port}/{'/'.join(segments)}{'/' if trailing else ''}"
        f"{'?' + query if query else ''}{'#' + fragment if fragment else ''}"
    ),
    st.sampled_from(["http", "https", "HTTPS", "Http"]),
    HOST,
    st.sampled_from(["", ":80", ":443", ":8080", ":0443"]),
    st.lists(SEGMENT, max_size=5),
    st.booleans(),
    QUERY,
    st.one_of(st.just(""), LABEL),
)


@SETTINGS
@given(URL)
@example("HTTPS://WWW.Example.com:443/a/b.amp.html?utm_source=x&id=3#top")
@example("https://www-lemonde-fr.cdn.ampproject.org/c/s/www.lemonde.fr/amp/article.html")
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert "#" not in once and "utm_" not in once.lower()


@pytest.mark.parametrize("url", ["http://127.0.0.1/./amp/0", "http://h.fr/a/../amp/story", "http://h.fr/a/b/../../c/."])
def test_canonical_url_is_idempotent_with_dot_segments(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@SETTINGS
@given(st.text(max_size=80))
def test_canonical_url_of_any_text_is_a_string_or_a_value_error(text: str) -> None:
    try:
        once = canonical_url(text)
    except ValueError:  # urlsplit refuses some (bad port, bad IPv6 brackets): the caller's clear error
        return
    assert isinstance(once, str)


# the watchlist query language ---------------------------------------------------------------------------
QUERY_TOKENS = st.sampled_from(
    [
        "reconnaissance", "faciale", "facial recognition", "Clearview", "police", "é", "biométrie*", "*",
        "AND", "OR", "NOT", "and", "-", "+", "NEAR", "NEAR/3", "ONEAR/2", "NEAR/", "NEAR/x",
        "(", ")", '"', '"phrase exacte"', "title:", "text:", "lang:", "lang:fr", "source:", "source:lemonde",
        "foo:", ":", "#", "# commentaire\n", "\n", "\t", " ", "  ", "\\", "'", "?", "~",
    ]
)  # fmt: skip
QUERIES = st.one_of(
    st.lists(QUERY_TOKENS, max_size=14).map(" ".join),
    st.lists(QUERY_TOKENS, max_size=14).map("".join),
    st.text(max_size=60),
    st.integers(1, 120).map(lambda n: "(" * n + "x" + ")" * (n % 3)),
)


@SETTINGS
@given(QUERIES)
@example("(" * 200 + "x")
@example("x" * 20_001)
@example('"unterminated phrase')
def test_the_query_parser_never_crashes_and_its_errors_carry_a_position(query: str) -> None:
    try:
        parse(query)
    except QueryError as error:
        assert 0 <= error.position <= len(query), (error.position, len(query))
        assert error.message and str(error).endswith(f"(at character {error.position + 1})")
        assert error.pointer().splitlines()[-1].endswith("^")


# CSV export ---------------------------------------------------------------------------------------------
CELLS = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["=1+1", "+33 1 23", "-2", "@SUM(A1)", "\tx", "\rx", '"', '""', ";", ",", "\r\n", "\ufeff", "é\u0301", "\x00"]
)


@SETTINGS
@given(st.lists(st.lists(CELLS, min_size=3, max_size=3), min_size=1, max_size=5), st.booleans())
@example([["", "", "'="]], False)  # already quoted: written as it is, read back as it is
def test_csv_export_round_trips_any_text(rows: list[list[str]], excel: bool) -> None:
    columns = ["title", "authors", "text"]
    out = io.BytesIO()
    with io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True) as handle:
        count = write_csv(handle, columns, [dict(zip(columns, row, strict=True)) for row in rows], excel=excel)
        raw = out.getvalue()
    assert count == len(rows)
    text = raw.decode("utf-8-sig" if excel else "utf-8")
    read = list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if excel else ","))
    assert read[0] == columns
    # each cell as written, a formula start behind a quote (a cell that already began with "'=" keeps it)
    assert read[1:] == [["'" + cell if cell.startswith(FORMULA_STARTS) else cell for cell in row] for row in rows]
    for row_in, row_out in zip(rows, read[1:], strict=True):  # a formula never reaches the spreadsheet as one
        for value, cell in zip(row_in, row_out, strict=True):
            assert not cell.startswith(FORMULA_STARTS) or not value


# extraction ---------------------------------------------------------------------------------------------
TAGS = ["p", "div", "article", "h1", "script", "style", "a", "span", "table", "td", "title", "meta", "br"]
HTML_PIECES = st.one_of(
    st.sampled_from(TAGS).map(lambda t: f"<{t}>"),
    st.sampled_from(TAGS).map(lambda t: f"</{t}>"),
    st.sampled_from(
        [
            '<meta charset="utf-8">', '<meta charset="klingon">', "<meta http-equiv='Content-Type' content='x'>",
            '<script type="application/ld+json">{"@type":"NewsArticle","headline":', "]]>", "<!--", "-->",
            "<![CDATA[", "&amp;", "&#0;", "&#xD800;", "&eacute;", "&", "<", ">", "\x00", "\ufeff", "<?xml ?>",
            '<html lang="fr">', "<body>", "</html>", '<link rel="canonical" href="javascript:x">',
            '<time datetime="2024-13-45T99:99">', "Publié le 31 février 2024",
        ]
    ),
    st.text(max_size=80),
)  # fmt: skip
HTML = st.lists(HTML_PIECES, max_size=40).map("".join)
ENCODED = st.tuples(HTML, st.sampled_from(["utf-8", "latin-1", "utf-16", "cp1252", "utf-8-sig"])).map(
    lambda pair: pair[0].encode(pair[1], "replace")
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000), HTML, ENCODED))
def test_extract_article_raises_only_extraction_error(data: bytes | str) -> None:
    try:
        article = extract_article(data, "https://example.fr/2024/03/05/article")
    except ExtractionError as error:
        assert str(error)
        return
    assert article.text.strip()
    assert "\x00" not in article.text


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
@given(st.text(alphabet="éèàçôûïÉÀ«» abcdefghij", min_size=20, max_size=200))
@settings(max_examples=40, deadline=None)
def test_single_byte_pages_declared_utf8_keep_their_accents(encoding: str, words: str) -> None:
    assume(any(c not in " abcdefghij" for c in words))
    paragraph = f"La reconnaissance faciale en débat : {words.strip()} fin du paragraphe."
    html = (
        '<html><head><meta charset="utf-8"><title>Un titre</title></head><body><article><h1>Un titre</h1>'
        + f"<p>{paragraph}</p>" * 8
        + "</article></body></html>"
    )
    article = extract_article(html.encode(encoding), "https://example.fr/a")
    assert "\ufffd" not in article.text
    assert " ".join(paragraph.split()) in " ".join(article.text.split())


# decoding a fetched page ---------------------------------------------------------------------------------
FRENCH_WORDS = ["été", "l’été", "déjà", "CAFÉ", "À", "Ça", "œuvre", "«", "»", "€", "reconnaissance", "faciale", "nº"]


@SETTINGS
@given(st.text(min_size=1, max_size=200), st.sampled_from(["cp1252", "iso-8859-1", "iso-8859-15", "utf-8", "ascii"]))
def test_utf8_bytes_decode_as_utf8_whatever_charset_is_declared(text: str, declared: str) -> None:
    from monitor.workers import decoded

    body = text.encode("utf-8")
    assume(not body.isascii())
    assert decoded(body, declared) == text


@SETTINGS
@given(st.lists(st.sampled_from(FRENCH_WORDS), min_size=1, max_size=30), st.sampled_from(" ,.:'-\n"))
def test_french_single_byte_text_keeps_its_declared_charset(words: list[str], separator: str) -> None:
    """Latin-1 / Windows-1252 French is not valid UTF-8: an accented letter is followed by ASCII, a lone
    ``«``, ``€`` or ``’`` byte is no UTF-8 lead. (A page whose only non-ASCII bytes are, say, ``É`` before a
    non-breaking space would be valid UTF-8 and read as such: not seen in practice.)"""
    from monitor.workers import decoded

    text = separator.join(words)
    assume(not text.isascii())
    assert decoded(text.encode("cp1252"), "cp1252") == text
    latin9 = text.replace("’", "'")
    assert decoded(latin9.encode("iso-8859-15"), "iso-8859-15") == latin9
