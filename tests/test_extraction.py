"""Extraction on the demo pages (written like real outlets' HTML) and on bad input."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from monitor.demo.server import site_root
from monitor.extract_authors import header_byline
from monitor.extraction import ExtractionError, clean_title, extract_article, split_authors
from monitor.language import detect_language


def _page(key: str) -> bytes:
    outlet, _, path = key.partition("/")
    return (site_root() / outlet / path).read_bytes()


def test_demo_pages_title_date_authors_language(demo_truth: dict[str, dict[str, Any]]) -> None:
    for key, truth in demo_truth.items():
        article = extract_article(_page(key), f"http://127.0.0.1:8000/{key.partition('/')[2]}")
        assert article.title == truth["title"], key
        assert article.published_at is not None and article.published_at.isoformat()[:10] == truth["published"][:10]
        if truth["authors"]:
            assert set(truth["authors"]) <= set(article.authors), (key, article.authors)
        assert len(article.text) > 600, key
        assert detect_language(article.text) == truth["language"], key
        assert article.provenance["title"] in ("json-ld", "h1", "meta", "trafilatura")


def test_body_leaves_out_boilerplate(demo_truth: dict[str, dict[str, Any]]) -> None:
    for key in demo_truth:
        text = extract_article(_page(key), "http://127.0.0.1:8000/x.html").text.lower()
        assert "cookie" not in text[:200], key
        assert "newsletter" not in text[-300:], key


def test_accents_survive_a_page_without_declared_charset() -> None:
    html = (
        "<html><body><article><h1>Un titre assez long pour être lu</h1>"
        + ("<p>La reconnaissance faciale inquiète les défenseurs des libertés à Paris et à Marseille.</p>" * 8)
        + "</article></body></html>"
    )
    article = extract_article(html.encode("utf-8"), "https://example.fr/a.html")
    assert "défenseurs" in article.text
    latin = extract_article(
        html.replace("<html>", "<html><head><meta charset='iso-8859-1'></head>").encode("latin-1"),
        "https://example.fr/b.html",
    )
    assert "défenseurs" in latin.text


def test_a_stray_nul_or_a_few_broken_characters_do_not_spoil_a_page() -> None:
    """One NUL in the <title> drops nothing; a UTF-8 page with teasers cut mid-character stays UTF-8
    (decoding it all as Windows-1252 turned every accent into mojibake)."""
    paragraph = "<p>Le préfet a autorisé la reconnaissance faciale à la gare, où les caméras sont déjà là.</p>"
    page = (
        "<html><head><meta charset='utf-8'><title>\x00Le préfet et la reconnaissance faciale</title></head><body>"
        "<article><h1>Le préfet et la reconnaissance faciale</h1>" + paragraph * 6 + "</article></body></html>"
    ).encode()
    assert "préfet" in extract_article(page, "https://example.fr/nul.html").text
    teasers = b"".join(b'<li><a href="/t%d">Le pr\xc3</a></li>' % i for i in range(60))
    cut = page.replace(b"\x00", b"").replace(b"</article>", b"</article><ul>" + teasers + b"</ul>")
    article = extract_article(cut, "https://example.fr/cut.html")
    assert "préfet" in article.text and "prÃ" not in article.text and article.title is not None
    assert "Ã" not in article.title


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x00\x01\x02\xff" * 100, "binary"),
        (b"<html><body></body></html>", "no article"),
    ],
)
def test_bad_input_raises_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(ExtractionError, match=message):
        extract_article(data, "https://example.org/x")


def test_title_cleaning() -> None:
    assert clean_title("Amazon suspend Rekognition - Le Monde", "Le Monde", "https://www.lemonde.fr/a") == (
        "Amazon suspend Rekognition"
    )
    assert (
        clean_title("Amazon halts police use | CBC News", "CBC News", "https://cbc.ca/x") == "Amazon halts police use"
    )
    assert (
        clean_title("Reconnaissance faciale : Amazon gèle", None, "https://x.fr/a")
        == "Reconnaissance faciale : Amazon gèle"
    )


def test_author_splitting() -> None:
    assert split_authors("By Jane Smith and John Doe") == ["Jane Smith", "John Doe"]
    assert split_authors("Par Camille Durand et Léa Martin") == ["Camille Durand", "Léa Martin"]
    assert split_authors("AFP") == []


def test_source_file_reads_in_tests_do_not_need_shared_folder() -> None:
    assert Path(site_root()).is_dir()


# --- stages: dates, bylines, titles, body, robustness -------------------------------------------------


def test_french_and_english_text_dates() -> None:
    from monitor.dates import labelled_dates, parse_text_date

    assert parse_text_date("Publié le 10 juin 2020 à 18h05") == datetime(2020, 6, 10, 18, 5)
    assert parse_text_date("lundi 1er juin 2020") == datetime(2020, 6, 1)
    assert parse_text_date("Publié le 10 janv. 2024 à 18h05") == datetime(2024, 1, 10, 18, 5)  # abbreviated
    assert parse_text_date("1er sept. 2021") == datetime(2021, 9, 1)
    assert parse_text_date("le 3 déc 2023, 9h30") == datetime(2023, 12, 3, 9, 30)
    assert parse_text_date("June 10, 2020 at 6:05 p.m.") == datetime(2020, 6, 10, 18, 5)
    assert parse_text_date("10th June 2020 14:30") == datetime(2020, 6, 10, 14, 30)
    assert parse_text_date("Publié le 10/06/2020 à 18h05") == datetime(2020, 6, 10, 18, 5)
    assert parse_text_date("no date here, 2020 only") is None
    published, updated = labelled_dates("Publié le 10 juin 2020 à 18h05, mis à jour le 11 juin 2020 à 08h00")
    assert (published, updated) == (datetime(2020, 6, 10, 18, 5), datetime(2020, 6, 11, 8, 0))
    assert labelled_dates("Published June 24, 2020 Updated June 25, 2020")[1] == datetime(2020, 6, 25)
    # the time after a dash or a bar; the time before the date (CNN); an update at a time of the same day
    assert parse_text_date("10 juin 2020 - 18:05") == datetime(2020, 6, 10, 18, 5)
    assert parse_text_date("10 juin 2020 | 18h05") == datetime(2020, 6, 10, 18, 5)
    assert parse_text_date("Published 6:05pm, 10 June 2020") == datetime(2020, 6, 10, 18, 5)
    cnn = parse_text_date("Updated 10:12 AM EDT, Wed June 10, 2020")
    assert cnn == datetime(2020, 6, 10, 10, 12, tzinfo=timezone(timedelta(hours=-4)))
    assert parse_text_date("won 2:10 the final, June 10, 2020") == datetime(2020, 6, 10)  # no weekday: no time
    assert parse_text_date("at 18:05:00 on June 10, 2020") == datetime(2020, 6, 10)  # not 05:00
    # 20 Minutes' short year and other separators, after a label only
    published, updated = labelled_dates("Publié le 10/06/20 à 18h05 — Mis à jour le 10/06/20 à 19h30")
    assert (published, updated) == (datetime(2020, 6, 10, 18, 5), datetime(2020, 6, 10, 19, 30))
    assert parse_text_date("publié le 10-06-2020 à 18h05") == datetime(2020, 6, 10, 18, 5)
    assert parse_text_date("le 3/4 des élus") is None and parse_text_date("Publié le 10/06.2020") is None
    published, updated = labelled_dates("Publié le 10 juin 2020 à 18h05, mis à jour à 19h30")
    assert (published, updated) == (datetime(2020, 6, 10, 18, 5), datetime(2020, 6, 10, 19, 30))
    assert labelled_dates("Publié le 10 juin 2020 à 18h05, mis à jour à 08h30")[1] is None  # before: not that day


def test_a_time_zone_printed_after_the_time_is_read() -> None:
    from monitor.dates import parse_text_date

    paris_winter, london_summer = timezone(timedelta(hours=1)), timezone(timedelta(hours=1))
    assert parse_text_date("Feb 3, 2024 2:15 pm CET") == datetime(2024, 2, 3, 14, 15, tzinfo=paris_winter)
    assert parse_text_date("10 June 2020, 18:05 BST") == datetime(2020, 6, 10, 18, 5, tzinfo=london_summer)
    # "ET" is New York's zone: daylight time in June, standard time in January
    june = parse_text_date("Updated June 10, 2020 at 6:05 p.m. ET")
    january = parse_text_date("Jan 5, 2021 11:30 PM (ET)")
    assert june is not None and june.utcoffset() == timedelta(hours=-4)
    assert january is not None and january.utcoffset() == timedelta(hours=-5)
    # a word of the sentence is no zone ("et" in French), nor an ambiguous abbreviation (IST): no offset
    assert parse_text_date("June 10, 2020 2:15 pm et le reste") == datetime(2020, 6, 10, 14, 15)
    assert parse_text_date("June 10, 2020 2:15 pm IST") == datetime(2020, 6, 10, 14, 15)


def test_bylines_keep_persons_apart_from_credits() -> None:
    from monitor.extract_authors import classify

    assert classify("Le Monde avec AFP", {"lemonde"}) == [("Le Monde", False), ("AFP", False)]
    assert classify("By STEVE PEOPLES, THOMAS BEAUMONT and AMELIA THOMSON-DEVEAUX", set()) == [
        ("Steve Peoples", True),
        ("Thomas Beaumont", True),
        ("Amelia Thomson-Deveaux", True),
    ]
    assert classify("Jane Doe, Political Correspondent", set()) == [("Jane Doe", True)]
    assert classify("By Associated PressApril 28, 2023", set()) == [("Associated Press", False)]
    assert classify("Guardian staff reporter", set()) == [("Guardian staff reporter", False)]
    assert classify("Dupont, Marie", set(), per_person=True) == [("Marie Dupont", True)]
    assert classify("https://www.facebook.com/lemonde", set()) == []
    assert split_authors("Par Camille Durand et Léa Martin Publié le 10 juin 2020") == ["Camille Durand", "Léa Martin"]
    assert split_authors("La rédaction") == []


def test_title_cleaning_against_site_name_and_host() -> None:
    assert clean_title("Le Monde.fr - Amazon suspend Rekognition", None, "https://www.lemonde.fr/a") == (
        "Amazon suspend Rekognition"
    )
    assert clean_title(
        "Couple 'won't recover' | Royal | News | Express.co.uk", None, "https://www.express.co.uk/x"
    ) == ("Couple 'won't recover'")
    assert clean_title(
        "A sprint to Election Day - Los Angeles Times", "Los Angeles Times", "https://latimes.com/x"
    ) == ("A sprint to Election Day")
    # a headline that starts with the site's name is no site name: "The Guardian view on …"
    assert clean_title(
        "The Guardian view on Hong Kong: a city on the brink | Editorial", "the Guardian", "https://theguardian.com/x"
    ) == ("The Guardian view on Hong Kong: a city on the brink | Editorial")
    assert clean_title("Le Monde.fr : Amazon suspend Rekognition", None, "https://www.lemonde.fr/a") == (
        "Amazon suspend Rekognition"
    )
    # a site name that ends with the host's name, or whose initials are the host's, without og:site_name
    police = "Police to expand facial recognition"
    assert clean_title(f"{police} | MIT Technology Review", None, "https://www.technologyreview.com/x") == police
    assert clean_title(f"{police} | Electronic Frontier Foundation", None, "https://www.eff.org/x") == police
    assert clean_title(f"{police} | Electronic Frontier Foundation", None, "https://example.org/x") == (
        f"{police} | Electronic Frontier Foundation"
    )
    assert clean_title("Why We Fight - Frontier Foundation Review", None, "https://www.review.com/x") == (
        "Why We Fight - Frontier Foundation Review"  # a short host's name is no suffix of a site name
    )


def test_title_site_name_from_the_canonical_host_of_a_page_served_elsewhere() -> None:
    """A page fetched from a cache, a mirror or an address (no og:site_name) is cleaned against the host of
    its canonical URL; an IP address names no site."""
    page = """<html><head><title>Stadia reviews are here \u2014 and not great - Digg</title>
    <link rel="canonical" href="https://digg.com/2019/stadia-reviews"></head><body><article>
    <h1>Stadia reviews are here \u2014 and not great - Digg</h1>
    <p>Stadia, Google's streaming gaming platform, launches today with fewer games than promised, and the
    first reviews of the service by the technology press are mixed at best, says our round-up.</p>
    <p>Reviewers praise the controller and the picture quality on a fast connection, but regret missing
    features, the price of the founder's edition and a thin catalogue of launch titles.</p>
    </article></body></html>"""
    served = extract_article(page, "http://127.0.0.2:8080/digg/a/1.html")
    assert served.title == "Stadia reviews are here \u2014 and not great"
    assert clean_title("Stadia reviews - Digg", None, "http://10.0.0.1/a", "https://digg.com/a") == "Stadia reviews"
    assert clean_title("Stadia reviews - 127", None, "http://127.0.0.1/a") == "Stadia reviews - 127"


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        ("Facial recognition ban passes | CBC News", "https://www.cbc.ca/news/x-1.1", "Facial recognition ban passes"),
        ("Police use of face recognition - BBC News", "https://www.bbc.com/news/x", "Police use of face recognition"),
        ("Met police expand live cameras - Sky News", "https://news.sky.com/story/x", "Met police expand live cameras"),
        ("Clearview fined again | The Register", "https://www.theregister.com/2022/x/", "Clearview fined again"),
        ("Ce que prévoit la loi - Actualités - francetvinfo", "https://www.francetvinfo.fr/x", "Ce que prévoit la loi"),
        ("Face ID and the news: a review - Tech News", "https://www.example.com/x", None),  # not this site's name
        ("Why the CNIL fined Clearview - Actualités", "https://www.example.com/x", None),  # a section alone stays
    ],
)
def test_title_site_names_with_a_word_around_the_host_and_sections_before_them(
    title: str, url: str, expected: str | None
) -> None:
    assert clean_title(title, None, url) == (expected or title)


def test_headline_vote_prefers_agreement() -> None:
    from monitor.extract_title import choose_title

    candidates = [("json-ld", "Long SEO headline"), ("meta", "Short headline"), ("h1", "Short headline")]
    assert choose_title(candidates) == ("meta", "Short headline")
    assert choose_title([("json-ld", "A"), ("meta", "B")]) == ("json-ld", "A")
    assert choose_title([("title", "Only the title")]) == ("title", "Only the title")


KYIV = "Russia hits Kyiv with ballistic missile, damages buildings and schools"
NEWBORNS = "Newborns left in dustbins, buses, forests: Madhya Pradesh tops India in abandonment cases"


@pytest.mark.parametrize(
    ("meta", "h1", "expected"),
    [
        (f"{KYIV} - National", KYIV, "h1"),  # a section the cleaning does not know, after the headline
        (f"Infant Abandonment In India: {NEWBORNS} | Bhopal News", NEWBORNS, "h1"),  # a kicker, a city's section
        (f"{KYIV} and homes", KYIV, "meta"),  # only starts like the headline: another headline, Open Graph wins
        (f"Kyiv strikes: {KYIV}, officials say", KYIV, "meta"),  # runs on after a comma: not held
        ("Kyiv: Russia hits back", "Russia hits back", "meta"),  # a short fragment is not a headline
    ],
)
def test_a_title_holding_the_headline_between_separators_votes_for_it(meta: str, h1: str, expected: str) -> None:
    from monitor.extract_title import choose_title

    chosen = choose_title([("meta", meta), ("h1", h1)])
    assert chosen is not None and chosen[0] == expected


def test_a_kicker_two_voters_print_stays_in_the_headline() -> None:
    from monitor.extract_title import choose_title

    kicked = f"Ukraine war: {KYIV}"
    assert choose_title([("json-ld", kicked), ("meta", kicked), ("h1", KYIV)]) == ("json-ld", kicked)


def test_boilerplate_lines_and_paywall_notice_are_removed() -> None:
    from monitor.extract_body import remove_boilerplate

    text = "\n".join(
        [
            "Le texte de l'article commence ici.",
            "Lire aussi : un autre article",
            "Read more: another story",
            "Il vous reste 80 % de cet article à lire.",
            "Sign up to our newsletter",
            "Photo : AFP",
            "MORE : The daily cartoon",
            "S’abonner pour 1 €",
            "Follow Metro.co.uk on Twitter and Facebook for the latest news updates.",
            "La suite du texte.",
        ]
    )
    cleaned, notice = remove_boilerplate(text)
    assert cleaned == "Le texte de l'article commence ici.\nLa suite du texte."
    assert notice is True
    assert remove_boilerplate("Une phrase ordinaire sur la newsletter de la CNIL, au milieu.")[1] is False
    for line in ("(Photo AFP)", "Photo AFP / Ludovic Marin", "Vous souhaitez recevoir notre newsletter ?"):
        assert remove_boilerplate(f"Le texte.\n{line}") == ("Le texte.", False), line
    assert remove_boilerplate("Le texte.\nThis article is only available to subscribers") == ("Le texte.", True)
    assert (
        remove_boilerplate("Photo de famille à Nice : les élus réunis.")[0]
        == "Photo de famille à Nice : les élus réunis."
    )


def test_page_tool_and_error_lines_are_removed_but_sentences_about_them_kept() -> None:
    from monitor.extract_body import remove_boilerplate

    tools = [
        "- Order Reprints",
        "- Print Article",
        "This copy is for your personal, non-commercial use only. To order presentation-ready copies…",
        "An error has occurred, please try again later.",
        "Write to Al Root at allen.root@dowjones.com",
        "Imprimer l'article",
        "Offrir cet article",
        "Réutiliser ce contenu",
        "Une erreur s'est produite, veuillez réessayer.",
    ]
    kept = [
        "Print article 12 of the law lets the police keep images for a month.",
        "Police forces can write to the regulator at any time, the minister said.",
    ]
    cleaned, _ = remove_boilerplate("\n".join(tools + kept))
    assert cleaned.split("\n") == kept


def test_comment_newsletter_and_related_story_lines_are_removed() -> None:
    from monitor.extract_body import remove_boilerplate

    noise = [
        "Comments",
        "12 comments",
        "Tell us what YOU think...",
        "DON'T MISS",
        "Also on rt.com Journalists threatened with sedition arrests",
        "Get the latest news from thewest.com.au in your inbox.",
        "Pick Six Newsletter",
        "You must confirm your public display name before commenting",
        "Please logout and then login again, you will then be prompted to enter your display name.",
        "Listen: http://po.st/TP_615",
        "China furious at Macron for Hong Kong protest jibe [INSIGHT]|",
        "Lakers vs Nets: NBA make final decision on game amid China turmoil [VIDEO]",
    ]
    kept = [
        "The comments made by the minister were criticised by the regulator.",
        "Do not miss the point: the cameras were tested on 4,000 people.",
        "The [VIDEO] tag was added by the police to the recordings, the report says.",
        "Readers of the newsletter asked about the new law on facial recognition.",
    ]
    cleaned, _ = remove_boilerplate("\n".join(noise + kept))
    assert cleaned.split("\n") == kept


PARAGRAPH = "<p>La reconnaissance faciale inquiète les défenseurs des libertés à Paris et à Marseille.</p>"


@pytest.mark.parametrize(
    "data",
    [
        b"<html>" + b"<div>" * 50_000 + b"texte" + b"</div>" * 50_000 + b"</html>",  # deep nesting
        b"<html><body><p>" + "é".encode("utf-16") * 2000 + b"</p></body></html>",  # wrong charset
        b"<html><head><meta charset='klingon'></head><body>" + PARAGRAPH.encode() * 10 + b"</body></html>",
        b"<?xml version='1.0'?><rss><channel><item><title>x</title></item></channel></rss>",
        b"plain text, no markup at all " * 100,
        b'<html><head><script>var x = "' + b"a" * 4_000_000 + b'";</script></head><body>' + PARAGRAPH.encode() * 9,
        b"<script type='application/ld+json'>{\"@graph\": [" + b"[" * 5000 + b"]}</script>" + PARAGRAPH.encode() * 9,
    ],
)
def test_hostile_input_gives_an_article_or_extraction_error(data: bytes) -> None:
    try:
        article = extract_article(data, "https://example.org/x")
    except ExtractionError:
        return
    assert article.text


def test_random_bytes_only_raise_extraction_error() -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(max_size=600) | st.text(max_size=600).map(lambda t: f"<html><body><p>{t}</p></body></html>"))
    def check(data: bytes | str) -> None:
        with contextlib.suppress(ExtractionError):
            extract_article(data, "https://example.org/x")

    check()


def test_extraction_is_pure_same_input_same_output() -> None:
    html = ("<html lang='fr'><body><article><h1>Un titre assez long pour être lu</h1>" + PARAGRAPH * 8).encode()
    first = extract_article(html, "https://example.fr/a.html").to_json()
    assert extract_article(html, "https://example.fr/a.html").to_json() == first
    assert first["language"] == "fr" and first["page_type"] == "article"


def test_language_pipeline_keeps_the_extraction_language_and_fills_only_a_gap() -> None:
    from types import SimpleNamespace

    from monitor.article import Article
    from monitor.items import PageItem
    from monitor.pipelines import LanguagePipeline

    source = SimpleNamespace(language="fr")
    crawler: Any = SimpleNamespace(spider=SimpleNamespace(sources_by_name={"quotidien": source}), stats=None)
    pipeline = LanguagePipeline(crawler)
    english = "Police use of facial recognition worries civil liberties groups in London and Leeds. " * 3
    assert detect_language(english) == "en"  # re-detecting would say "en"; what extraction said is kept
    item = PageItem(url="https://q.example/a", source="quotidien", body=b"")
    item.article = Article(url=item.url, text=english, language="fr")
    assert pipeline.process_item(item).article.language == "fr"
    item.article = Article(url=item.url, text="Trop court.", language="und")
    assert pipeline.process_item(item).article.language == "fr"  # the source's language fills "und"
    item.article = Article(url=item.url, text=english, language=None)
    assert pipeline.process_item(item).article.language == detect_language(english)


def test_a_bold_line_of_names_opening_the_body_is_a_byline_but_not_a_bold_intertitle() -> None:
    from lxml import html as lxml_html

    from monitor.extract_authors import text_byline

    tree = lxml_html.fromstring(
        "<html><body><p><strong>Mathatisi Sebusi/Mohalenyane Phakela</strong></p><p><b>Key Points</b></p>"
        "<p>Jane Smith</p></body></html>"
    )
    text = "Mathatisi Sebusi/Mohalenyane Phakela\nA quarry company has come under heavy criticism."
    assert text_byline(tree, text, set()) == (["Mathatisi Sebusi", "Mohalenyane Phakela"], 0)
    assert text_byline(tree, "Key Points\nA long paragraph follows here.", set()) == ([], None)
    assert text_byline(tree, "Jane Smith\nNot in bold: a name alone is not a byline.", set()) == ([], None)
    assert text_byline(tree, "Intro line.\nBy Jane Smith and John Doe\nText.", set()) == (["Jane Smith", "John Doe"], 1)
    assert text_byline(tree, "Le Monde\nText.", {"lemonde"}) == ([], None)  # the outlet: a credit


def test_page_footer_dropped_early_but_an_article_footer_byline_kept() -> None:
    """The site footer goes before trafilatura's page-wide prunes; an article's own footer may sign it."""
    paragraph = (
        "La Commission nationale de l'informatique et des libertés a rappelé mardi que la reconnaissance "
        "faciale dans l'espace public reste interdite sans loi, après l'expérimentation menée à Nice."
    )
    page = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
    <title>La CNIL rappelle ses règles sur la reconnaissance faciale</title></head><body>
    <article><h1>La CNIL rappelle ses règles sur la reconnaissance faciale</h1>
    {"".join(f"<p>{paragraph} ({n})</p>" for n in range(6))}
    <footer class="signature"><p class="author">Par <span class="author-name">Claire Martin</span></p></footer>
    </article>
    <footer id="site-footer"><p>Mentions légales</p><p>Copyright Le Quotidien, tous droits réservés.
    Abonnez-vous à la lettre d'information quotidienne pour recevoir nos articles.</p></footer>
    </body></html>"""
    article = extract_article(page, "https://www.lequotidien.example/societe/2024/05/14/cnil.html")
    assert article.authors == ["Claire Martin"]
    assert "Mentions légales" not in article.text and "lettre d'information" not in article.text
    assert all(f"Nice. ({n})" in article.text for n in range(6))


def test_split_body_chunks_are_joined_but_teaser_lists_are_not() -> None:
    from lxml import html

    from monitor.extract_body import join_split_body

    sentence = "Regulators in five countries have now fined the facial recognition company for its database."
    chunk = f'<div class="body__container"><p>{sentence}</p><p>{sentence}</p></div>'
    page = html.fromstring(
        f"<html><body><article>"
        f'<div class="chunk">{chunk}<div class="ad">Advertisement</div></div>'
        f'<div class="chunk">{chunk}<div class="ad">Advertisement</div></div>'
        f'<div class="chunk">{chunk}</div>'
        f"</article></body></html>"
    )
    assert join_split_body(page) == 2
    containers = page.xpath('//div[@class="body__container"]')
    assert [len(c.findall("p")) for c in containers] == [6, 0, 0]
    teasers = html.fromstring(
        "<html><body>"
        + "".join(f'<div class="teaser"><p>{sentence} ({n})</p><a href="/a{n}">Read</a></div>' for n in range(8))
        + "</body></html>"
    )
    assert join_split_body(teasers) == 0  # one paragraph each: a list of stories, not a body in chunks


def test_linked_paragraphs_in_their_own_wrappers_survive_precision_mode() -> None:
    """trafilatura's precision mode drops a wrapper <div> of under 200 characters holding a link: on pages
    that wrap each paragraph in its own <div> chain, every paragraph with an inline link. They come back,
    in place; a list of links and a teaser after the article's last paragraph do not."""
    from lxml import html

    from monitor.extract_body import _precise, readmit_linked_paragraphs

    def block(inner: str) -> str:
        return f'<div class="text-block"><div class="w1"><div class="w2"><p class="para">{inner}</p></div></div></div>'

    plain = [
        f"The regulator said on Tuesday that the police trial of live facial recognition breached the law ({n})."
        for n in range(6)
    ]
    linked = 'The <a href="https://ico.example/report">full report</a> lists the cameras used in each of the towns.'
    link_list = '<a href="/a">Police</a> <a href="/b">Cameras</a> <a href="/c">Privacy law</a> and more'
    teaser = 'Read our <a href="/older">earlier coverage of the camera trials</a> in the northern towns here.'
    body = [block(p) for p in plain[:3]] + [block(linked), block(link_list)] + [block(p) for p in plain[3:]]
    page = (
        "<!doctype html><html lang='en'><head><title>Police cameras ruled unlawful</title></head><body>"
        f"<main><h1>Police cameras ruled unlawful</h1>{''.join(body)}"
        f"<section class='more'>{block(teaser)}</section></main></body></html>"
    )
    url = "https://news.example/uk/2024/05/14/police-cameras-ruled-unlawful"
    precise = _precise(html.fromstring(page), url, fast=True)
    assert plain[0] in precise and "full report" not in precise  # what precision mode does on its own

    text = readmit_linked_paragraphs(html.fromstring(page), precise)
    lines = text.split("\n")
    assert lines.index("The full report lists the cameras used in each of the towns.") == lines.index(plain[2]) + 1
    assert "Privacy law" not in text and "earlier coverage" not in text
    article = extract_article(page, url)
    assert "The full report lists the cameras" in article.text and "earlier coverage" not in article.text


@pytest.mark.parametrize(
    ("url", "head", "expected"),
    [
        ("https://www.bbc.example/news/live-facial-recognition-trial-123", "", "article"),
        ("https://news.example/uk/direct-action-groups-protest-cameras", "", "article"),
        ("https://www.theguardian.example/politics/live/2024/may/10/cameras", "", "liveblog"),
        ("https://www.info.example/societe/en-direct-jo-2024-cameras.html", "", "liveblog"),
        (
            "https://www.games.example/articles/2019/11/18/deals",
            '<meta property="og:type" content="video.other">',
            "article",
        ),
        ("https://www.tv.example/replay/cameras.html", '<meta property="og:type" content="video.other">', "video"),
    ],
)
def test_page_type_trusts_article_data_over_a_live_or_video_hint(url: str, head: str, expected: str) -> None:
    import json

    paragraphs = "".join(
        f"<p>Paragraph {n}: the police tested live facial recognition in town {n} as campaigners protested.</p>"
        for n in range(12)
    )
    data = {"@context": "https://schema.org", "@type": "Article", "headline": "Police cameras scan shoppers"}
    ld = f'<script type="application/ld+json">{json.dumps(data)}</script>' if "games" in url else ""
    body = paragraphs if "replay" not in url else "<p>The report on the police cameras, in pictures.</p>"
    page = (
        f"<html><head>{head}{ld}<title>Cameras</title></head><body><article>"
        f"<h1>Police cameras scan shoppers</h1>{body}</article></body></html>"
    )
    assert extract_article(page, url).page_type == expected


@pytest.mark.parametrize(
    ("headline", "expected"),
    [
        ("EN DIRECT - Reconnaissance faciale : suivez le débat à l'Assemblée", "liveblog"),
        ("DIRECT. Reconnaissance faciale : suivez le débat", "liveblog"),
        ("UK riots LIVE: police deploy facial recognition vans", "liveblog"),
        ("Live facial recognition: Met Police expands its use", "article"),  # the technology, not a live blog
        ("LIVE FACIAL RECOGNITION IN CROYDON", "article"),
        ("Direct Line profits rise as claims fall", "article"),
    ],
)
def test_a_live_headline_makes_a_live_blog_of_a_page_without_article_data(headline: str, expected: str) -> None:
    paragraphs = "".join(
        f"<p>Paragraph {n}: the police tested live facial recognition in town {n} as campaigners protested.</p>"
        for n in range(12)
    )
    page = f"<html><head><title>{headline}</title></head><body><article><h1>{headline}</h1>{paragraphs}</article>"
    assert extract_article(page, "https://news.example/uk/cameras-123456").page_type == expected


def test_photo_credits_tools_teasers_and_reading_times_are_removed_but_sentences_about_them_kept() -> None:
    from monitor.extract_body import remove_boilerplate

    noise = [
        "(Photo by Leon Neal/Getty Images)",
        "AP Photo/Jeff Chiu",
        "THOMAS SAMSON / AFP",
        "REUTERS/Dado Ruvic/Illustration",
        "Image source, Getty Images",
        "Image caption, Campaigners say the cameras are intrusive",
        "Getty Images",
        "Partager",
        "Share",
        "Copy link",
        "Temps de lecture : 3 min",
        "5 min read",
        "Écouter cet article",
        "Listen to this article",
        "Vous pouvez partager un article en cliquant sur les icônes de partage en haut à droite de celui-ci.",
        "La reproduction totale ou partielle d’un article, sans l’autorisation écrite du Monde, est interdite.",
        "Contenus sponsorisés",
        "Tous droits réservés",
        "Suivez toute l'actualité de franceinfo",
        "Most Popular",
        "Get the best of The Verge in your inbox",
        "VIDÉO - La CNIL sanctionne Clearview",
        "EN IMAGES - Les caméras de Nice",
        "Voir les commentaires",
        "Réagissez à cet article",
        "Les plus lus",
        "Article réservé à nos abonnés",
        "Story continues below advertisement",
        "WATCH: Police cameras in Croydon",
        "More from Tech",
    ]
    kept = [
        "AFP",  # an agency alone on its line credits the text: agency_credit reads it
        "Vidéo - la police a filmé la manifestation.",
        "Les associations ont lu le rapport et réagi.",
        "More from the report suggests the cameras failed to identify anyone at all.",
        "More from the council soon.",
        "The police said the photos by the cameras were deleted.",
        "Share prices fell 5% after the announcement.",
        "Most popular apps use face unlock, the study says.",
        "Getty Images was asked for comment.",
        "The AFP/Reuters report said the ban applies to police.",
        "Lecture publique du rapport prévue jeudi.",
    ]
    cleaned, _ = remove_boilerplate("\n".join(noise + kept))
    assert cleaned.split("\n") == kept


@pytest.mark.parametrize(
    ("h1", "expected"),
    [
        (
            "<h1><span class='kicker'>Exclusif</span>La CNIL sanctionne Clearview</h1>",
            "Exclusif La CNIL sanctionne Clearview",
        ),
        ("<h1>La CNIL sanctionne<br>Clearview AI</h1>", "La CNIL sanctionne Clearview AI"),
        ("<h1>Clear<b>view</b> fined by the CNIL again</h1>", "Clearview fined by the CNIL again"),
        ("<h1>L'<em>IA</em> et la police : un rapport</h1>", "L'IA et la police : un rapport"),
    ],
)
def test_a_heading_split_by_elements_or_a_line_break_keeps_its_words_apart(h1: str, expected: str) -> None:
    from lxml import html

    from monitor.extract_title import heading_text

    assert heading_text(html.fragment_fromstring(h1)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-06-10T18:05:00+0200", "2020-06-10T18:05:00+02:00"),
        ("Wed, 10 Jun 2020 18:05:00 +0200", "2020-06-10T18:05:00+02:00"),  # RFC 822, as in feeds
        ("10 Jun 2020 18:05:00 GMT", "2020-06-10T18:05:00+00:00"),
        ("1591805100", "2020-06-10T16:05:00+00:00"),  # Unix time
        ("1591805100000", "2020-06-10T16:05:00+00:00"),  # in milliseconds
        ("Wed, 99 Jun 2020 18:05:00 +0200", None),
        ("Mon, 10 Jun 1850 10:00:00 GMT", None),  # implausible
        ("12345", None),
        ("2020-06-10T18:05:00-04:00[America/New_York]", "2020-06-10T18:05:00-04:00"),  # RFC 9557's zone name
        ("2020-06-10T9:05:00+02:00", "2020-06-10T09:05:00+02:00"),  # an hour without its zero
        ("2020-06-10T09:05:00CEST", "2020-06-10T09:05:00+02:00"),  # an abbreviation for the offset
        ("2020-06-10 09:05 CET", "2020-06-10T09:05:00+01:00"),
    ],
)
def test_machine_dates_in_meta_and_json_ld(value: str, expected: str | None) -> None:
    from monitor.dates import parse_iso

    parsed = parse_iso(value)
    assert (parsed.isoformat() if parsed else None) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Il vous reste 71% à découvrir.",
        "Vous souhaitez lire la suite ?",
        "You've reached your limit of free articles.",
        "Subscribe now to keep reading",
        "To read the full story, subscribe",
    ],
)
def test_more_paywall_notices_are_removed_and_flagged(line: str) -> None:
    from monitor.extract_body import remove_boilerplate

    text = f"Le texte de l'article commence ici.\n{line}"
    assert remove_boilerplate(text) == ("Le texte de l'article commence ici.", True)
    assert remove_boilerplate("Il vous reste 3 jours pour répondre à la consultation publique.")[1] is False


def _paragraphs(sentence: str, count: int) -> str:
    """``count`` paragraphs of an article, each ``sentence`` with its own number (``{i}``)."""
    return "".join(f"<p>{sentence.format(i=i)}</p>" for i in range(1, count + 1))


def test_a_headline_printed_inside_the_article_is_not_the_first_paragraph() -> None:
    """AP News and Le Parisien print the ``<h1>`` inside the article container: trafilatura keeps it as the
    body's first line. A first line that merely starts like the headline stays."""
    paragraphs = _paragraphs(
        "THE HAGUE, Netherlands (AP) — Paragraph {i}: the Dutch data protection authority fined Clearview AI "
        "for building an illegal database of billions of photos of faces, number {i}.",
        5,
    )
    html = (
        '<html lang="en"><head><title>Dutch regulator fines Clearview AI | AP News</title>'
        '<meta property="og:title" content="Dutch regulator fines Clearview AI"></head><body><main>'
        f"<article><h1>Dutch regulator fines Clearview AI</h1>{paragraphs}</article></main></body></html>"
    )
    article = extract_article(html, "https://apnews.com/article/clearview-fine-netherlands")
    assert article.title == "Dutch regulator fines Clearview AI"
    assert article.text.startswith("THE HAGUE, Netherlands (AP) — Paragraph 1")
    kept = html.replace(
        "<h1>Dutch regulator fines Clearview AI</h1>", "<p>Dutch regulator fines Clearview AI again.</p>"
    )
    assert extract_article(kept, "https://apnews.com/article/x").text.startswith("Dutch regulator fines Clearview AI")


def test_a_paywall_box_outside_the_body_flags_the_teaser_but_subscriber_badges_do_not() -> None:
    paragraphs = _paragraphs(
        "Paragraphe {i} : la CNIL a mis en demeure une commune qui utilisait la reconnaissance faciale "
        "dans ses caméras de vidéosurveillance, sans base légale, selon la décision numéro {i}.",
        3,
    )
    related = '<aside><ul><li><a href="/a">Un autre sujet</a> <span>Réservé aux abonnés</span></li></ul></aside>'
    free = (
        '<html lang="fr"><head><title>La CNIL met en demeure une commune</title></head><body>'
        f"<article><h1>La CNIL met en demeure une commune</h1>{paragraphs}</article>{related}</body></html>"
    )
    assert not extract_article(free, "https://www.leparisien.fr/high-tech/cnil.php").is_paywalled
    box = '<div class="paywall"><p class="paywall_title">La suite est réservée aux abonnés.</p></div>'
    teaser = free.replace("</article>", f"</article>{box}")
    article = extract_article(teaser, "https://www.leparisien.fr/high-tech/cnil.php")
    assert article.is_paywalled
    assert "réservée aux abonnés" not in article.text


def test_agency_printed_beside_the_byline_and_agency_cited_in_the_text() -> None:
    paragraphs = _paragraphs(
        "Paragraphe {i} : la police londonienne installe des caméras de reconnaissance faciale fixes à "
        "Croydon, une première en Europe, selon un communiqué publié mercredi, numéro {i}.",
        4,
    )
    ld = (
        '{"@type": "NewsArticle", "headline": "Caméras fixes à Croydon", '
        '"author": {"@type": "Person", "name": "Théo Bernard"}}'
    )
    html = (
        f'<html lang="fr"><head><title>Caméras fixes à Croydon</title><script type="application/ld+json">{ld}</script>'
        '</head><body><article><h1>Caméras fixes à Croydon</h1><div class="author_info">'
        '<span class="author_name">Théo Bernard</span> avec AFP</div>'
        f"{paragraphs}</article></body></html>"
    )
    article = extract_article(html, "https://www.bfmtv.com/tech/croydon_AV-202501150312.html")
    assert article.authors == ["Théo Bernard"] and article.agency == "AFP"
    cited = html.replace(" avec AFP", "").replace("Paragraphe 1 :", "Contactée par l'AFP, la police indique :")
    assert extract_article(cited, "https://www.bfmtv.com/tech/croydon_AV-202501150312.html").agency is None


def test_broadcasters_and_groups_are_not_persons() -> None:
    assert split_authors("France Télévisions") == []
    assert split_authors("Jean Dupont, Radio France") == ["Jean Dupont"]


def test_affiliate_disclaimers_newsletter_pitches_and_link_hints_are_removed() -> None:
    from monitor.extract_body import remove_boilerplate

    noise = [
        "Quand vous achetez via nos liens, Les Numériques peut percevoir une commission d’affiliation. En savoir plus",
        "Cet article contient des liens affiliés.",
        "When you purchase through links on our site, we may earn an affiliate commission.",
        "If you buy something from a Verge link, Vox Media may earn a commission.",
        "Recevez chaque semaine nos derniers tests, guides d’achat et bons plans.",
        "Article original publié sur BFMTV.com",
    ]
    kept = [
        "Amazon.com Inc is extending a moratorium on police use of its facial recognition software.",
        "The commission may earn the right to audit the police cameras, the minister said.",
        "Les habitants reçoivent chaque semaine un courrier de la mairie sur les caméras.",
        "The victims may receive compensation from the city, the court ruled on Tuesday.",
        "Users can open a new window to see the camera feed, the company said.",
    ]
    text = "\n".join([*noise, kept[0].replace("Inc", "Inc, opens new tab"), *kept[1:]])
    cleaned, _ = remove_boilerplate(text)
    assert cleaned.split("\n") == kept
    assert remove_boilerplate("Voir le rapport de la CNIL (nouvelle fenêtre) publié jeudi.")[0] == (
        "Voir le rapport de la CNIL publié jeudi."
    )


def test_interview_credits_and_double_underscore_byline_classes() -> None:
    assert split_authors("Recueilli par Marie Lemaire") == ["Marie Lemaire"]
    assert split_authors("Propos recueillis par Jean Dupont et Anne Martin") == ["Jean Dupont", "Anne Martin"]
    assert split_authors("Entretien réalisé par Paul Durand") == ["Paul Durand"]
    paragraphs = _paragraphs(
        "Paragraphe {i} : la reconnaissance faciale dans les stades inquiète la Défenseure des droits, "
        "qui demande un débat public avant toute expérimentation, numéro {i}.",
        4,
    )
    html = (
        '<html lang="fr"><head><title>Reconnaissance faciale dans les stades</title></head><body><article>'
        '<h1>Reconnaissance faciale dans les stades</h1><div class="article__author">Recueilli par '
        f'<a href="/auteur/marie-lemaire">Marie Lemaire</a></div>{paragraphs}</article></body></html>'
    )
    assert extract_article(html, "https://www.la-croix.com/france/stades").authors == ["Marie Lemaire"]


def test_a_date_printed_without_label_keeps_its_time() -> None:
    paragraphs = _paragraphs(
        "Paragraphe {i} : la mairie renonce aux caméras de reconnaissance faciale après l'avis de la CNIL, "
        "qui rappelle l'absence de cadre légal, selon le conseil municipal, numéro {i}.",
        4,
    )
    html = (
        '<html lang="fr"><head><title>La mairie renonce aux caméras</title></head><body><article>'
        '<h1>La mairie renonce aux caméras</h1><div class="article__date">Le 03/03/2025 à 17:29</div>'
        f"{paragraphs}</article></body></html>"
    )
    article = extract_article(html, "https://www.la-croix.com/france/mairie-cameras")
    assert article.published_at is not None
    assert (article.published_at.date().isoformat(), article.published_at.hour, article.published_at.minute) == (
        "2025-03-03",
        17,
        29,
    )


@pytest.mark.parametrize("printed", ["il y a 3 jours, 14h04", "Updated: 16th of the 4th month 2026"])
def test_no_date_guessed_from_loose_text(printed: str) -> None:
    """htmldate's extensive search reads such text with dateparser in every language it knows (205 locales
    loaded: ~2 s of CPU the first time) and guessed "2026-01-01" from the second; a page that prints no real
    date has none, and no locale is loaded for it."""
    from dateparser.languages.loader import default_loader

    body = "<p>" + "Les caméras de surveillance se multiplient dans les villes, les associations s'inquiètent. " * 8
    page = (
        "<html><head><title>x</title></head><body><article><h1>Un titre assez long pour une page</h1>"
        f"<div class='article-date'>{printed}</div>{body}</p></article></body></html>"
    )
    loaded = set(getattr(default_loader, "_loaded_locales", {}))
    article = extract_article(page, "https://www.example.fr/societe/un-titre")
    assert article.published_at is None
    assert set(getattr(default_loader, "_loaded_locales", {})) <= loaded | {"fr", "en"}


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        (  # an author credited after the site name, with " * " as separator too
            "Roommate Agrees to Interview | The Gateway Pundit | by Cristina Laila",
            "https://www.thegatewaypundit.com/2023/04/x/",
            "Roommate Agrees to Interview",
        ),
        (
            "Zelensky Considers Firing * The Gateway Pundit * by Paul Serran",
            "https://www.thegatewaypundit.com/x",
            "Zelensky Considers Firing",
        ),
        ("Un titre - Le Monde - par Jean Dupont", "https://www.lemonde.fr/x", "Un titre"),
        # "by" followed by no name is the headline's
        ("Election 2024 - by the numbers", "https://www.example.com/x", "Election 2024 - by the numbers"),
        ("Murder - By Design", "https://www.example.com/x", "Murder - By Design"),
    ],
)
def test_an_author_credit_after_the_headline_goes(title: str, url: str, expected: str) -> None:
    assert clean_title(title, None, url) == expected


def test_a_labelled_date_printed_after_the_articles_header_is_read() -> None:
    """Les Échos prints "Publié le 18 juil. 2024 à 08:01" below the picture that follows the article's
    ``<header>``; without structured data, that line gives the date (and its time)."""
    body = "<p>" + "Les ventes de voitures neuves ont progressé au premier semestre dans toute l'Union. " * 6 + "</p>"
    page = (
        "<html><head><title>x</title></head><body><article><header><h1>Europe : les ventes de voitures neuves"
        "</h1><p>Les ventes affichent en juin un pic depuis juillet 2019.</p></header><figure>photo</figure>"
        f"<div>Par Les Echos</div><div>Publié le 18 juil. 2024 à 08:01 Mis à jour le 18 juil. 2024 à 09:06</div>"
        f"{body}</article></body></html>"
    )
    article = extract_article(page, "https://www.lesechos.fr/industrie-services/automobile/europe-ventes-2110000")
    assert article.published_at == datetime(2024, 7, 18, 8, 1)
    assert article.updated_at == datetime(2024, 7, 18, 9, 6)
    assert article.provenance["published_at"] == "text"


def test_no_date_from_an_apps_state_in_a_script() -> None:
    """An inline script holding the page template's state ("j_createdAt": "2022-12-21T07:28:46Z") is not the
    article's date: the date printed under the byline is."""
    body = "<p>" + "The army raised the spectre of digital terrorism as netizens were being walled off. " * 6 + "</p>"
    page = (
        '<html><head><title>x</title><script>window.__STATE__={"revenue":{"j_createdAt":"2022-12-21T07:28:46.677Z",'
        '"j_updatedAt":"2022-12-21T07:28:46.677Z"}}</script></head><body><h1>Anti-terror op turns sinister</h1>'
        f"<div>Aashish Saxena / TIMESOFINDIA.COM / Sep 2, 2024, 17:07 IST</div>{body}</body></html>"
    )
    article = extract_article(page, "https://timesofindia.indiatimes.com/world/pakistan/x/articleshow/112898501.cms")
    assert article.published_at is not None and article.published_at.date().isoformat() == "2024-09-02"


def test_a_hostile_json_ld_is_skipped_and_the_page_still_read() -> None:
    """JSON-LD nested 5,000 deep raised RecursionError in json.loads: the whole page failed to extract."""
    body = "<p>" + "The council approved a pilot of facial recognition cameras in the main streets. " * 8 + "</p>"
    nested = '{"@type": "NewsArticle", "headline": "Nested", "x": ' + "[" * 5_000 + "]" * 5_000 + "}"
    page = (
        f'<html><head><title>T</title><script type="application/ld+json">{nested}</script></head><body>'
        f"<article><h1>Cameras approved for the main streets</h1>{body}</article></body></html>"
    )
    article = extract_article(page, "https://www.example.com/news/cameras")
    assert article.title == "Cameras approved for the main streets" and "pilot" in article.text


def _cards(count: int, teaser: str = "A short teaser of the related story.") -> str:
    return "".join(
        f'<article class="card"><h3><a href="/news/2024/05/related-story-{n}.html">Related story {n}</a></h3>'
        f"<p>{teaser}</p></article>"
        for n in range(count)
    )


BODY = "".join(
    f"<p>Paragraph {n}: the city council approved a pilot of live facial recognition cameras in the main "
    "shopping streets, and campaigners asked for an independent review of its accuracy.</p>"
    for n in range(12)
)


TEASER = "Un résumé de dix mots de cet article sur les caméras."


@pytest.mark.parametrize(
    ("url", "page", "expected"),
    [
        # an article followed by its related stories' cards, without any Open Graph or JSON-LD data
        (
            "https://www.example.com/news/2024/05/cameras.html",
            f"<h1>Cameras approved</h1>{BODY}<section>{_cards(8)}</section>",
            "article",
        ),
        # the article inside an <article> that holds a linked heading ("Read more") and the cards around it
        (
            "https://www.example.com/news/2024/05/cameras.html",
            f"<article><h1>Cameras approved</h1>{BODY}<h3><a href='/more'>Read more</a></h3></article>{_cards(7)}",
            "article",
        ),
        # an article's number under an index-like segment
        (
            "https://www.example.com/News/front/archives/2024/10/16/2003825372",
            f"<h1>Cameras approved</h1>{BODY}",
            "article",
        ),
        # a topic page: the cards hold the text, or there is none but theirs
        (
            "https://www.example.com/reconnaissance-faciale/",
            f"<h1>Reconnaissance faciale</h1><p>Nos articles.</p>{_cards(10, TEASER)}",
            "index",
        ),
        ("https://www.example.com/archives/2024/", f"<h1>Archives</h1>{BODY[:400]}</p>", "index"),
    ],
)
def test_page_type_without_structured_data(url: str, page: str, expected: str) -> None:
    html = f"<html><head><title>Page</title></head><body>{page}</body></html>"
    try:
        article = extract_article(html, url)
    except ExtractionError:
        assert expected == "index"  # no body at all: not stored either
        return
    assert article.page_type == expected


@pytest.mark.parametrize(
    "credit",
    [
        '<div class="x1"><span>By Jane Doe</span> <span>June 10, 2020</span></div>',
        '<div class="x1"><span>By Jane Doe</span> <span>Sept. 3, 2020</span></div>',
    ],
)
def test_a_byline_followed_by_a_date_in_its_own_element_ends_before_the_month(credit: str) -> None:
    """The month of the date printed after the name is no part of it ("Jane Doe June"); a name that is a
    month's, not followed by a day, stays ("By June Smith")."""
    page = f"""<html><head><title>Police trial</title></head><body><div class="x3">
    <div class="x2"><h1>Police trial live facial recognition in the city centre</h1>{credit}</div>
    <div class="x4"><p>The police tested live facial recognition cameras in the city centre on Saturday,
    scanning the faces of thousands of shoppers against a watchlist of wanted people, the force said.</p>
    <p>Civil liberties groups called the trial unlawful and asked the council to stop it until a law governs
    the use of the technology in public spaces.</p></div></div></body></html>"""
    article = extract_article(page, "https://news.example/2020/police-trial")
    assert article.authors == ["Jane Doe"]
    assert header_byline("By June Smith | 10 June 2020", set()) == ["June Smith"]


def test_a_live_blogs_large_json_ld_is_read_whole() -> None:
    """A live blog's JSON-LD holds every update (hundreds of kB): read whole, it gives the blog's start date
    and type, where a script cut short would not parse and the page would pass for an article of its last
    update's date."""
    updates = [
        {
            "@type": "BlogPosting",
            "headline": f"Update {n}: police cameras scanned the crowd again",
            "datePublished": f"2024-08-05T{n % 24:02d}:00:00Z",
            "articleBody": "Officers said the live facial recognition van stayed in the high street. " * 20,
        }
        for n in range(400)
    ]
    blog = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": "Facial recognition at the carnival LIVE: every update",
        "datePublished": "2024-08-04T13:23:00Z",
        "coverageStartTime": "2024-08-04T13:23:00Z",
        "liveBlogUpdate": updates,
    }
    script = json.dumps(blog)
    assert len(script) > 600_000
    page = f"""<html><head><title>Carnival LIVE</title>
    <meta property="article:published_time" content="2024-08-05T19:49:50Z">
    <script type="application/ld+json">{script}</script></head><body><article>
    <h1>Facial recognition at the carnival LIVE: every update</h1>
    <p>Police used live facial recognition cameras at the carnival on Sunday, scanning the faces of revellers
    against a watchlist, and said two people were arrested after the system flagged them in the crowd.</p>
    <p>Campaigners who watched the van said the technology had no place at a festival and asked the force to
    publish how many people it scanned and how many alerts were wrong.</p></article></body></html>"""
    article = extract_article(page, "https://news.example/2024/08/04/carnival-live")
    assert article.published_at == datetime(2024, 8, 4, 13, 23, tzinfo=UTC)
    assert article.provenance["published_at"] == "json-ld" and article.page_type == "liveblog"


def _long_text(words: int) -> str:
    """About ``words`` words in paragraphs that differ (a repeated paragraph is removed as boilerplate)."""
    paragraph = (
        "In district {n} the police tested live facial recognition cameras for {n} days, scanning about {k} "
        "faces an hour, while campaigners from group {n} protested and the council asked for audit number {k}."
    )
    per = len(paragraph.split())
    return "".join(f"<p>{paragraph.format(n=n, k=n * 37 + 11)}</p>" for n in range(1, words // per + 1))


def _teasers(count: int) -> str:
    return "".join(
        f'<li><h3><a href="/news/other-story-{n}-1234567.html">Other story number {n} about cameras</a></h3></li>'
        for n in range(count)
    )


@pytest.mark.parametrize(
    ("url", "og_type", "words", "related", "expected"),
    [
        # Open Graph says video, no JSON-LD: a long text is an article's (IGN), a short or middling one a video's
        ("https://www.games.example/articles/2019/11/18/deals", "video.other", 600, 0, "article"),
        ("https://www.games.example/articles/2019/11/18/deals", "video.other", 300, 0, "video"),
        ("https://www.tv.example/replay/cameras", "video.other", 40, 0, "video"),
        # Open Graph says website, with a list of linked headlines: a long text at an article's address is an
        # article (Moneycontrol: "…-4656421.html"), a topic page stays an index
        ("https://www.money.example/news/economy-in-stress-4656421.html", "website", 600, 8, "article"),
        ("https://www.money.example/news/2019/11/20/economy-in-stress", "website", 600, 8, "article"),
        ("https://www.money.example/topics/facial-recognition/", "website", 600, 8, "index"),
        ("https://www.money.example/news/economy-in-stress-4656421.html", "website", 300, 8, "index"),
    ],
)
def test_page_type_from_open_graph_gives_way_to_a_long_text_at_an_articles_address(
    url: str, og_type: str, words: int, related: int, expected: str
) -> None:
    page = (
        f'<html><head><meta property="og:type" content="{og_type}"><title>Cameras</title></head><body>'
        f"<article><h1>Police cameras scan shoppers</h1>{_long_text(words)}</article>"
        f"<aside><ul>{_teasers(related)}</ul></aside></body></html>"
    )
    article = extract_article(page, url)
    assert abs(len(article.text.split()) - words) < 40 or words < 100
    assert article.page_type == expected


@pytest.mark.parametrize(
    ("structured", "expected"),
    [
        ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "June 10, 2020 6:05 PM"}'
         "</script>", "2020-06-10T18:05:00"),
        ('<meta property="article:published_time" content="10 juin 2020 à 18h05">', "2020-06-10T18:05:00"),
        ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "not a date"}</script>', None),
    ],
)  # fmt: skip
def test_a_structured_date_written_in_words_is_read(structured: str, expected: str | None) -> None:
    """Some JSON-LD and meta values give the date in words: read as such, not skipped for a weaker source."""
    paragraphs = "".join(f"<p>Paragraph {i} of an article about facial recognition in a city.</p>" for i in range(12))
    page = f"<html><head><title>Cameras</title>{structured}</head><body><article><h1>Cameras</h1>{paragraphs}"
    page += "</article></body></html>"
    article = extract_article(page, "https://www.news.example/cameras")
    assert (article.published_at.isoformat() if article.published_at else None) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Ce contenu est bloqué car vous n'avez pas accepté les cookies et autres traceurs.",  # a blocked embed
        'Vous avez choisi de ne pas accepter le dépôt de "cookies" sur votre navigateur.',
        "Ajouter à vos sélections",
        "Pour ajouter l’article à vos sélections identifiez-vous",
        "Vous pouvez lire Le Monde sur un seul appareil à la fois",
        "Découvrez l'offre",
        "Télécharger l'application",
        "Continue reading the main story",
        "Skip Advertisement",
        "This content is not available due to your privacy preferences.",
        "Listen · 4:32 min",
        "Download our app",
    ],
)
def test_embed_placeholders_and_reading_tools_are_removed(line: str) -> None:
    from monitor.extract_body import remove_boilerplate

    assert remove_boilerplate(f"Le texte.\n{line}\nLa suite.") == ("Le texte.\nLa suite.", False)


@pytest.mark.parametrize(
    "sentence",
    [
        "Découvrez l'offre de la police municipale de Nice, qui a déployé 2 000 caméras.",
        "Continue reading to learn how the police used the system for the first time in 2019.",
        "Listen to the recording, which the ACLU published on Tuesday.",
        "La CNIL reproche à Google d'avoir déposé des cookies sans que vous n'ayez rien accepté.",
    ],
)
def test_sentences_that_open_like_those_tools_are_kept(sentence: str) -> None:
    from monitor.extract_body import remove_boilerplate

    assert remove_boilerplate(f"Le texte.\n{sentence}")[0] == f"Le texte.\n{sentence}"


@pytest.mark.parametrize(
    "line",
    [
        "A lire aussi : Amazon suspend Rekognition",
        ">> A LIRE AUSSI : la CNIL et les caméras",
        "À lire également : Reconnaissance faciale, le débat",
        "A voir aussi",
        "→ À LIRE. Les caméras augmentées aux JO",
        "À voir également sur Le HuffPost: le débat",
        "Crédit photo de la une : Amazon",
        "Accédez à tous nos contenus en illimité à partir de 1 €.",
        "Our Standards: The Thomson Reuters Trust Principles.",
        "Reuse this content",
    ],
)
def test_more_related_article_and_footer_lines_are_boilerplate(line: str) -> None:
    from monitor.extract_body import _BOILERPLATE

    assert _BOILERPLATE.search(line)


@pytest.mark.parametrize(
    "sentence",
    ["À lire les conclusions de la CNIL, on comprend que le dispositif est illégal.", "A voir le nombre de caméras"],
)
def test_a_sentence_that_starts_with_a_lire_is_text(sentence: str) -> None:
    from monitor.extract_body import _BOILERPLATE

    assert not _BOILERPLATE.search(sentence)


def test_canadian_and_swiss_wire_credits_are_agencies() -> None:
    from monitor.dedup import agencies_named

    assert agencies_named("Par La Presse Canadienne") == ["La Presse Canadienne"]
    assert agencies_named("By The Canadian Press") == ["La Presse Canadienne"]
    assert agencies_named("Jean Dupont (avec ATS)") == ["ATS"]


def test_a_news_tickers_or_related_cards_time_is_not_the_articles_date() -> None:
    """Without structured dates, the first <time datetime> of the page was taken: a ticker's, a related card's."""
    paragraphs = fr_paragraphs(" et les libertés publiques")
    page = (
        '<html lang="fr"><body><div class="fil-info"><time datetime="2020-06-14T07:12:00+02:00">07:12</time>'
        '<a href="/a">Le point</a></div><main><article><h1>Amazon suspend Rekognition</h1>'
        f'<div class="dateTime">publié le 10 juin 2020 à 18h05</div>{paragraphs}</article>'
        '<section class="related"><article><h3><a href="/x">IBM renonce</a></h3>'
        '<time datetime="2020-06-08T09:00:00+02:00">8 juin</time></article></section></main></body></html>'
    )
    article = extract_article(page, "https://www.liberation.fr/economie/amazon-suspend-rekognition/")
    assert article.published_at is not None and article.published_at.isoformat().startswith("2020-06-10T18:05")


@pytest.mark.parametrize(
    ("line", "dropped"),
    [
        ("Publié le 13/06/2020 07:20", True),
        ("Publié le : Modifié le :", True),
        ("Mis à jour le 11 juin 2020 à 09h12", True),
        ("Updated June 11, 2020 at 9:12", True),
        ("Article rédigé par Jean Martin - Radio France Temps de lecture : 3 min.", True),
        ("Publié le 10 juin, le rapport de la CNIL montre que la ville a enfreint la loi.", False),
        ("Modifié par le gouvernement, le texte autorise les caméras augmentées.", False),
        ("Le Devoir a besoin de votre soutien. Faites un don pour un journalisme indépendant.", True),
        ("Le Parisien : l'info en continu, abonnez-vous dès 1 € le premier mois.", True),
        ("Offre d'abonnement : profitez de 1 mois offert. Abonnez-vous à L'Express dès maintenant.", True),
        ("Notre dossier sur la reconnaissance faciale", True),
        ("Reporting by Jeffrey Dastin in San Francisco; Editing by Leslie Adler", True),
        ("Le maire a besoin de votre soutien, a-t-il dit aux électeurs lors du conseil municipal.", False),
        ("Notre dossier montre que la police a utilisé le logiciel sans autorisation.", False),
    ],
)
def test_date_label_lines_pitches_and_wire_footers_are_boilerplate(line: str, dropped: bool) -> None:
    from monitor.extract_body import remove_boilerplate

    kept, _ = remove_boilerplate(f"Amazon a suspendu Rekognition pour un an.\n{line}")
    assert (line not in kept) is dropped


@pytest.mark.parametrize(
    ("text", "published", "updated"),
    [
        ("Publié le 10/06/2020 à 18:05 | Actualisé 11/06/2020 09:12", "2020-06-10T18:05", "2020-06-11T09:12"),
        ("Issued on: 10/06/2020 - 18:05 Modified: 11/06/2020 - 09:12", "2020-06-10T18:05", "2020-06-11T09:12"),
        ("Publié le 10 juin 2020 à 18h05 Mis à jour : 11/06/2020 09:12", "2020-06-10T18:05", "2020-06-11T09:12"),
    ],
)
def test_numeric_dates_right_after_their_labels(text: str, published: str, updated: str) -> None:
    from monitor.dates import labelled_dates

    found = labelled_dates(text)
    assert [d.isoformat()[:16] if d else None for d in found] == [published, updated]


def test_a_utc_json_ld_date_takes_the_pages_offset_for_the_same_instant() -> None:
    """JSON-LD "2020-06-10T22:30:00Z", meta "2020-06-11T00:30:00+02:00": the same instant, but the
    publisher's day is the 11th; the offset kept says so (monitor sql's day, exports)."""
    import json

    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Amazon suspend Rekognition",
          "datePublished": "2020-06-10T22:30:00Z"}  # fmt: skip
    paragraphs = fr_paragraphs("")
    page = (
        f'<html lang="fr"><head><script type="application/ld+json">{json.dumps(ld)}</script>'
        '<meta property="article:published_time" content="2020-06-11T00:30:00+02:00"></head>'
        f"<body><article><h1>Amazon suspend Rekognition</h1>{paragraphs}</article></body></html>"
    )
    article = extract_article(page, "https://www.francetvinfo.fr/internet/amazon-suspend-rekognition.html")
    assert article.published_at is not None and article.published_at.isoformat() == "2020-06-11T00:30:00+02:00"


def test_a_credit_line_at_the_end_leaves_the_text_but_names_the_agency() -> None:
    paragraphs = fr_paragraphs(" et les libertés")
    page = (
        '<html lang="fr"><body><article><h1>Amazon suspend Rekognition</h1>'
        f"{paragraphs}<p>(Avec AFP)</p></article></body></html>"
    )
    article = extract_article(page, "https://www.france24.com/fr/20200611-amazon-suspend-rekognition")
    assert "Avec AFP" not in article.text and article.agency == "AFP"


def fr_paragraphs(tail: str) -> str:
    """Six paragraphs of a French article on Amazon's moratorium (``tail`` ends each sentence)."""
    return "".join(
        f"<p>Amazon a annoncé un moratoire d'un an sur l'usage policier de Rekognition, point {i} du dossier"
        f"{' sur la reconnaissance faciale' if tail else ''}{tail}.</p>"
        for i in range(6)
    )
