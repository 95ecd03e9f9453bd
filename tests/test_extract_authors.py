"""Authors: persons first; the organisation byline ("BBC News", "Associated Press") only when no person is named."""

from __future__ import annotations

import json

import pytest

from monitor.extract_authors import classify, is_generic, organisation_byline
from monitor.extraction import extract_article

PARAGRAPHS = "".join(
    f"<p>{sentence} The council will vote on the proposal next month after a public consultation.</p>"
    for sentence in (
        "The city council has approved a pilot of live facial recognition cameras in the main shopping streets.",
        "Campaigners said the cameras would turn every shopper into a suspect and asked for an independent review.",
        "The police said the images of people who do not match a watch list would be deleted within seconds.",
        "Two councillors voted against the pilot, saying the accuracy figures had not been published in full.",
        "A report on the first six months will be presented to the committee before any extension is decided.",
    )
)


def _page(head: str = "", byline: str = "", jsonld_authors: list[dict[str, str]] | None = None) -> str:
    script = ""
    if jsonld_authors is not None:
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "author": jsonld_authors}
        script = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    return (
        f"<html><head><title>Cameras</title>{head}{script}</head><body><article><h1>Cameras</h1>"
        f"{byline}{PARAGRAPHS}</article></body></html>"
    )


def _org(name: str) -> dict[str, str]:
    return {"@type": "Organization", "name": name}


def test_an_outlet_byline_without_a_person_is_the_author_marked_as_organisation() -> None:
    article = extract_article(_page(jsonld_authors=[_org("BBC News")]), "https://www.bbc.example/news/1")
    assert article.authors == ["BBC News"]
    assert article.provenance["authors"] == "json-ld:organisation"
    article = extract_article(_page(byline='<p class="byline">By MND Staff April 16, 2025</p>'), "https://m.example/a")
    assert (article.authors, article.provenance["authors"]) == (["MND Staff"], "byline:organisation")
    article = extract_article(_page('<meta name="author" content="Guardian staff reporter">'), "https://g.example/a")
    assert (article.authors, article.provenance["authors"]) == (["Guardian staff reporter"], "meta:organisation")


def test_an_agency_byline_is_the_author_once_in_its_printed_long_form_and_the_agency_is_normalised() -> None:
    page = _page(
        '<meta name="author" content="Associated Press">',
        byline='<p class="byline">By AP</p>',
        jsonld_authors=[_org("The Associated Press"), _org("AP")],
    )
    article = extract_article(page, "https://n.example/a")
    assert article.authors == ["The Associated Press"]
    assert article.agency == "AP"
    assert "The Associated Press" in article.credits


def test_a_person_named_anywhere_wins_over_the_organisation() -> None:
    page = _page(byline='<p class="byline">Par Marie Dupont</p>', jsonld_authors=[_org("Le Quotidien")])
    article = extract_article(page, "https://lequotidien.example/a")
    assert article.authors == ["Marie Dupont"]
    assert article.provenance["authors"] == "byline"
    assert article.credits == ["Le Quotidien"]


@pytest.mark.parametrize("desk", ["Staff", "La rédaction", "Rédaction", "The Editors", "Newsroom", "Staff Reports"])
def test_a_generic_desk_word_alone_is_never_an_author(desk: str) -> None:
    page = _page(f'<meta name="author" content="{desk}">', byline=f'<p class="byline">By {desk}</p>')
    article = extract_article(page, "https://d.example/a")
    assert article.authors == []
    assert "authors" not in article.provenance


@pytest.mark.parametrize(
    ("byline", "agency"),
    [("Le Monde avec AFP", "AFP"), ("Le Figaro et AFP", "AFP"), ("Staff and agencies", None)],
)
def test_a_joint_credit_gives_the_agency_and_no_author(byline: str, agency: str | None) -> None:
    page = _page(f'<meta name="author" content="{byline}">', byline=f'<p class="byline">{byline}</p>')
    article = extract_article(page, "https://www.lemonde.example/a")
    assert article.authors == []
    assert article.agency == agency


def test_an_outlet_and_an_agency_listed_apart_are_a_joint_credit_too() -> None:
    article = extract_article(_page(jsonld_authors=[_org("Le Figaro"), _org("AFP")]), "https://lefigaro.example/a")
    assert (article.authors, article.agency) == ([], "AFP")


def test_organisation_byline_rules() -> None:
    assert organisation_byline(["Associated Press", "AP"]) == ["Associated Press"]
    assert organisation_byline(["AP", "The Associated Press"]) == ["The Associated Press"]
    assert organisation_byline(["BBC News", "BBC Sport"]) == ["BBC News", "BBC Sport"]
    assert organisation_byline(["Le Monde", "AFP"]) == []
    assert organisation_byline(["Staff", "La rédaction"]) == []
    assert is_generic("L'équipe éditoriale") is False  # "éditoriale" is not a desk word: kept
    assert is_generic("La Rédaction Web") and is_generic("The Editorial Board") and not is_generic("Team Snopes")


def test_byline_cleaning_dates_places_and_glued_agencies() -> None:
    assert classify("By Jane Wilson 12 March 2024", set()) == [("Jane Wilson", True)]
    assert classify("JERUSALEM POST STAFF NOVEMBER 13, 2023", set()) == [("JERUSALEM POST STAFF", False)]
    assert classify("Associated Press in Valencia", set()) == [("Associated Press", False)]
    assert classify("Jon Henley in Paris", set()) == [("Jon Henley", True)]
    assert classify("Tom Davies Associated Press", set()) == [("Tom Davies", True), ("Associated Press", False)]
    assert classify("Admin", set(), per_person=True) == []


@pytest.mark.parametrize(
    ("byline", "url", "authors", "credits", "agency"),
    [
        ('<p class="byline">Par Jean Dupont (avec AFP)</p>', "https://www.ex.fr/a", ["Jean Dupont"], ["AFP"], "AFP"),
        ('<p class="byline">By Jane Doe<br>Updated June 10, 2020</p>', "https://ex.com/a", ["Jane Doe"], [], None),
        ('<p class="byline">By Jeff Foust Monday, November 18</p>', "https://ex.com/a", ["Jeff Foust"], [], None),
        (
            '<p class="byline">Kevin Johnson and Kevin McCoy USA TODAY</p>',
            "https://www.usatoday.com/story/news/a",
            ["Kevin Johnson", "Kevin McCoy"],
            ["USA TODAY"],
            None,
        ),
    ],
)
def test_byline_elements_agency_in_parentheses_line_breaks_weekdays_and_a_glued_site_name(
    byline: str, url: str, authors: list[str], credits: list[str], agency: str | None
) -> None:
    article = extract_article(_page(byline=byline), url)
    assert (article.authors, article.credits, article.agency) == (authors, credits, agency)


def test_a_site_credited_beside_a_person_is_a_credit_not_a_person() -> None:
    cnn = {"cnn", "cnncom"}
    assert classify("By Jill Disis, CNN Business", cnn) == [("Jill Disis", True), ("CNN Business", False)]
    assert classify("Troy L. Smith, Cleveland.com", set()) == [("Troy L. Smith", True), ("Cleveland.com", False)]
    assert classify("Jane Smith, news.sky.com", set()) == [("Jane Smith", True), ("news.sky.com", False)]
    assert classify("Cnnie Lopez", cnn) == [("Cnnie Lopez", True)]  # the site's name is a whole first word
    page = _page('<meta name="author" content="Jill Disis, CNN Business">')
    article = extract_article(page, "https://edition.cnn.com/2019/11/19/investing/asia-markets")
    assert (article.authors, article.credits) == (["Jill Disis"], ["CNN Business"])


def _linked_page(before: str, after: str) -> str:
    return (
        f"<html><head><title>Cameras</title></head><body>{before}<article><h1>Cameras in the high street</h1>"
        f"{after}{PARAGRAPHS}</article></body></html>"
    )


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # a name linked to the author's page it spells, after the headline
        (
            "",
            '<div class="x1"><a href="/author/angus-thompson">Angus Thompson</a><div>Friday 22 Nov</div></div>',
            ["Angus Thompson"],
        ),
        # several, in one byline block; a job title beside each is not a name
        (
            "",
            '<p>By <a href="/staff/matthew-digby/">Matthew Digby</a>, <a href="/staff/minh-do/">Minh Do</a></p>',
            ["Matthew Digby", "Minh Do"],
        ),
        (
            "",
            '<div><a href="/authors/emma-mackenzie/">Emma Mackenzie</a><span>Lifestyle Writer</span></div>',
            ["Emma Mackenzie"],
        ),
        # the author's page under a number, in English ("/journalist/…")
        (
            "",
            '<div class="author main-author"> By <a href="/journalist/123131/Jon-King"><span>Jon King</span></a>, '
            "News Reporter</div>",
            ["Jon King"],
        ),
        # an author's number
        ("", '<div class="c-contributors">By <a href="/profiles/47">Stefan Grobe</a></div>', ["Stefan Grobe"]),
        # a "most read" list before the headline does not name this article's author
        (
            '<ul><li><a href="/author/jane-doe">Jane Doe</a></li></ul>',
            '<div><a href="/author/john-smith">John Smith</a></div>',
            ["John Smith"],
        ),
        # not bylines: a name linked in a sentence, a link that does not spell its text, a licence, an aside
        (
            "",
            '<p>The minister <a href="/author/jane-doe">Jane Doe</a> said the cameras would be tested in the '
            "high street for six months before any decision on a wider roll-out.</p>",
            [],
        ),
        ("", '<div><a href="/author/jane-doe">Read More Here</a></div>', []),
        (
            "",
            '<div><a rel="license" href="https://creativecommons.org/licenses/by/3.0/">Creative Commons</a></div>',
            [],
        ),
        ("", '<aside><div><a href="/author/jane-doe">Jane Doe</a></div></aside>', []),
    ],
)
def test_a_byline_of_links_to_author_pages(before: str, after: str, expected: list[str]) -> None:
    article = extract_article(_linked_page(before, after), "https://www.example.com/news/cameras-high-street")
    assert article.authors == expected
    if expected:  # an element of class "author" is a byline in its own right
        assert article.provenance["authors"] == ("byline" if 'class="author ' in after else "author-link")


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By Dolores Chang For Dailymail.Com", [("Dolores Chang", True), ("Dailymail.Com", False)]),
        ("By Jane Doe For MailOnline", [("Jane Doe", True)]),
        ("Xiaoying You Xiaoying You", [("Xiaoying You", True)]),  # printed twice in one element
        ("Jean Jean Dupont", [("Jean Jean Dupont", True)]),  # not halves of one another
    ],
)
def test_a_person_writing_for_an_outlet_and_a_name_printed_twice(byline: str, expected: list[tuple[str, bool]]) -> None:
    assert classify(byline, set()) == expected


def test_a_byline_marked_by_its_test_id() -> None:
    """The BBC marks its byline only with ``data-testid`` (its classes are generated: "sc-e56a85d5-8")."""
    byline = (
        '<span data-testid="byline-contributors" class="sc-e56a85d5-11"><div class="sc-e56a85d5-7">'
        '<span class="sc-e56a85d5-8">Duncan Walker</span></div></span>'
    )
    article = extract_article(_page(byline=byline), "https://www.bbc.com/news/articles/c4nn0rzn0k9o")
    assert article.authors == ["Duncan Walker"] and article.provenance["authors"] == "byline"


def test_a_byline_marked_by_a_ui_test_id_with_an_agency() -> None:
    """Nine News marks its byline with ``data-ui-testid="header-byline"``: "Adam Vidler and AP"."""
    byline = (
        '<div data-ui-testid="header-byline" class="sc-czxEME"><a class="sc-zrjhI" href="/meet-the-team/adam-v">'
        'Adam Vidler</a> and <span class="_0b53bae1">AP</span></div>'
    )
    article = extract_article(_page(byline=byline), "https://www.9news.com.au/world/court-ruling/abc")
    assert article.authors == ["Adam Vidler"] and article.agency == "AP"


@pytest.mark.parametrize("mark", ['class="byline"', 'itemprop="author"'])
def test_related_stories_bylines_are_not_the_articles(mark: str) -> None:
    """A "more stories" list carries each story's byline (the Telegraph's ``itemprop="author"`` cards, City
    A.M.'s author names): the article's authors are those of its own byline block, the first after the
    headline, not every byline on the page."""
    cards = "".join(
        f'<li><div class="card"><h3><a href="/news/story-{n}">Story {n}</a></h3><div {mark}>{name}</div></div></li>'
        for n, name in enumerate(["Rebecca Astill", "Jack Rear", "John Percy"])
    )
    page = (
        "<html><head><title>Cameras</title></head><body><ul class='top'><li><div "
        f"{mark}>Vivian Song</div></li></ul><article><h1>Cameras in the high street</h1>"
        f'<div class="meta"><span {mark}>Madeleine Howell</span><time>12 Aug</time></div>{PARAGRAPHS}'
        f"</article><section><h2>More stories</h2><ul>{cards}</ul></section></body></html>"
    )
    article = extract_article(page, "https://www.example.co.uk/news/cameras-high-street")
    assert article.authors == ["Madeleine Howell"]


def test_two_authors_of_one_byline_block_are_both_read() -> None:
    byline = (
        '<div class="byline-wrapper"><span class="byline">By</span><span class="byline__name">Lisa Kubota</span>'
        '<span class="byline__name">Ben Gutierrez</span></div>'
    )
    article = extract_article(_page(byline=byline), "https://www.example.com/news/cameras")
    assert article.authors == ["Lisa Kubota", "Ben Gutierrez"]


def test_a_byline_printed_above_the_headline_is_the_articles() -> None:
    """Wired prints the byline above the ``<h1>``, in the same header; its related stories' bylines follow
    the body: the byline sharing the headline's container is the article's."""
    cards = "".join(
        f'<div class="summary-item"><p class="byline">{name}</p></div>' for name in ("Matt Jancer", "David Nield")
    )
    page = (
        '<html><head><title>Bags</title></head><body><header class="article-header"><div class="bylines">'
        '<p class="byline"><span class="byline__name">Scott Gilbertson</span></p></div>'
        f"<h1>The Best Sleeping Bags for Every Adventure</h1></header><div class='body'>{PARAGRAPHS}</div>"
        f"<section class='related'>{cards}</section></body></html>"
    )
    assert extract_article(page, "https://www.wired.example/gallery/best-sleeping-bags").authors == ["Scott Gilbertson"]


def test_a_most_read_list_in_the_bylines_block_is_not_the_articles() -> None:
    """The Intercept's byline and its "most read" list share a wrapper: the list's bylines come dozens of
    elements after the article's and are not read with it."""
    filler = "".join(f"<div><span>share {n}</span></div>" for n in range(10))
    most_read = "".join(
        f'<li><div class="most-read__author">{name}</div></li>' for name in ("Alice Speri", "Ryan Grim")
    )
    page = (
        "<html><head><title>x</title></head><body><div class='wrap'><div class='col'><h1>Hackers</h1>"
        '<div class="article-byline"><div class="article-byline__authors"><a href="/staff/nikita-mazurov/">'
        f"Nikita Mazurov</a></div></div>{filler}<ol>{most_read}</ol></div></div>"
        f"<div class='body'>{PARAGRAPHS}</div></body></html>"
    )
    assert extract_article(page, "https://theintercept.example/2024/02/28/hackers/").authors == ["Nikita Mazurov"]


def test_a_byline_class_in_camel_case() -> None:
    """CNBC's byline is an ``Author-authorName`` link; its related cards' ``Card-byline`` come far below."""
    byline = (
        '<div class="Author-authorNameAndSocial"><a href="https://www.cnbc.example/greg-iacurci/" '
        'class="Author-authorName">Greg Iacurci</a></div>'
    )
    article = extract_article(_page(byline=byline), "https://www.cnbc.example/2023/04/28/crypto-buyers.html")
    assert article.authors == ["Greg Iacurci"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("<span>Published: 5 hours ago |</span> <span>Written by Eliaser Ndeyanale</span>", ["Eliaser Ndeyanale"]),
        ("<div>Par Jean Dupont et Marie Martin | Publié le 3 mars 2024</div>", ["Jean Dupont", "Marie Martin"]),
        ("<div>Written by Rachael Link, MS, RD on November 14, 2019</div>", ["Rachael Link"]),
        ("<figure><figcaption>Photo by John Smith - Getty</figcaption></figure>", []),
        ("<p>Stand By Me Tonight is the song of the summer</p>", []),
    ],
)
def test_a_byline_printed_without_byline_markup(header: str, expected: list[str]) -> None:
    """Small outlets print "Written by …" or "Par …" in a plain ``<span>`` near the headline."""
    page = (
        "<html><head><title>Cameras</title></head><body><article><header><h1>Cameras in the high street</h1>"
        f"{header}</header>{PARAGRAPHS}</article></body></html>"
    )
    article = extract_article(page, "https://www.example.com/news/cameras-high-street")
    assert article.authors == expected


def test_a_printed_byline_does_not_override_an_organisation_byline() -> None:
    page = _page(
        head='<meta name="author" content="Les Echos">', byline="<div>Par Les EchosPublié le 18 juil. 2024</div>"
    )
    article = extract_article(page, "https://www.lesechos.example/x-2110000")
    assert article.authors == ["Les Echos"]


def test_a_menu_before_the_headline_names_no_author() -> None:
    """A page without ``<article>`` or ``<main>``: its menus ("Shop By Department Home |") come before the
    headline and name no one; the "Written by" line after the headline does."""
    page = (
        "<html><head><title>Tips</title></head><body><div class='menu'>Shop By Department Home | Deals</div>"
        f"<div class='content'><h1>Fifteen tips for the cameras</h1><div>Written by Rachael Link, MS, RD on "
        f"November 14, 2019</div>{PARAGRAPHS}</div></body></html>"
    )
    assert extract_article(page, "https://www.example.com/tips").authors == ["Rachael Link"]
    without = page.replace("Written by Rachael Link, MS, RD on", "Updated on")
    assert extract_article(without, "https://www.example.com/tips").authors == []


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By Sarah Lazare Twitter", ["Sarah Lazare"]),  # the label of a social link beside the name
        ("Jane Doe Email Follow", ["Jane Doe"]),
        ("Steffan Rhys Deputy Content Hub Director", ["Steffan Rhys"]),  # a job title after the name
        ("Thabo Mokone Parliamentary Editor", ["Thabo Mokone"]),
        ("Par Jean DUPONT et Pierre LE HIR", ["Jean Dupont", "Pierre Le Hir"]),  # French capitals: one spelling
        ("Par Jean-Marc DE LA ROCHE", ["Jean-Marc De La Roche"]),
        ("By AJ Smith", ["AJ Smith"]),  # initials stay
        ("Mary Ann Smith Senior Reporter", ["Mary Ann Smith"]),  # a word that opens a job title: the name is whole
        ("Mary Ann Smith Chief Correspondent", ["Mary Ann Smith"]),
        ("Jane Doe Chief Political Correspondent", ["Jane Doe"]),
        ("Daily Mail Chief Reporter", []),
        ("Par Anne van der Berg Rédactrice en chef", ["Anne van der Berg"]),
        ("Senior Reporter", []),  # a job title alone names no one
        ("Par Jean Dupont Directeur de la rédaction", ["Jean Dupont"]),  # a desk word in the title
        ("Jane Doe Staff Writer", ["Jane Doe"]),
        ("Associated Press Writer", []),  # an agency's writer is no person
        ("Daily Mail Reporter", []),
        ("Los Angeles Times Staff Writer", []),  # an outlet named before the title
        ("Travel By Sophie Foster Travel News Reporter", []),  # a section label glued before the byline
        ("Lucy Thornton News Reporter Tim Hanlon News Reporter Phoebe Tonks", []),  # several, glued: not the first
    ],
)
def test_what_follows_a_name_in_a_byline_is_not_part_of_it(byline: str, expected: list[str]) -> None:
    from monitor.extract_authors import split_authors

    assert split_authors(byline) == expected


QUOTE = (
    '<blockquote><p>"If we act wisely, we can be sure that the fish will come back."</p></blockquote>'
    '<cite class="widget__author"><div class="widget__authorText">Javier López</div>'
    '<div class="widget__author_descriptionText">Oceana</div></cite>'
)


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("", []),  # the quotation's author is no byline (Euronews' quote widget)
        ('<p class="byline">By Denis Loctier</p>', ["Denis Loctier"]),
        ('<figure><img src="a.jpg"><figcaption><span class="author">Jane Roe</span></figcaption></figure>', []),
        ('<blockquote><p>"Never."</p><footer class="quote-author">Jane Roe</footer></blockquote>', []),
    ],
)
def test_the_author_of_a_quotation_or_a_picture_is_not_the_articles(byline: str, expected: list[str]) -> None:
    page = _page(byline=byline).replace(PARAGRAPHS, PARAGRAPHS[: len(PARAGRAPHS) // 2] + QUOTE + PARAGRAPHS)
    article = extract_article(page, "https://www.news.example/2024/04/30/hake")
    assert article.authors == expected


def test_the_copyright_holder_named_as_the_pages_author_is_the_publisher() -> None:
    """Condé Nast's titles (Wired, The New Yorker) give ``<meta name="author" content="Condé Nast">`` beside
    the writers; the copyright notice names the publisher."""
    head = (
        '<meta name="author" content="Condé Nast"><meta name="copyright" content="Copyright (c) Condé Nast 2024">'
        '<meta property="article:author" content="Scott Gilbertson">'
    )
    article = extract_article(_page(head=head), "https://www.wired.example/gallery/best-sleeping-bags/")
    assert article.authors == ["Scott Gilbertson"]
    alone = head.replace('<meta property="article:author" content="Scott Gilbertson">', "")
    article = extract_article(_page(head=alone), "https://www.wired.example/gallery/x/")
    assert article.authors == ["Condé Nast"] and article.provenance["authors"].endswith(":organisation")


def test_copyright_holders() -> None:
    from monitor.extract_title import copyright_holder

    assert copyright_holder("Copyright (c) Condé Nast 2024") == "Condé Nast"
    assert copyright_holder("© 2024 Le Monde. Tous droits réservés.") == "Le Monde"
    assert copyright_holder("Copyright 2019-2024 NYP Holdings. All rights reserved.") == "NYP Holdings"
    assert copyright_holder("Copyright (c) 2017 ") is None
    assert copyright_holder("This material may not be published, broadcast, rewritten or redistributed") is None


@pytest.mark.parametrize(
    ("name", "authors", "agency"),
    [
        ("By TOM KRISHER, AP Auto Writer", ["Tom Krisher"], "AP"),  # Hearst's papers, an AP story (JSON-LD)
        ("By STEVE PEOPLES, AP National Political Writer", ["Steve Peoples"], "AP"),
        ("Jean Dupont, AFP correspondent", ["Jean Dupont"], "AFP"),
        ("Efe Kerem Sözeri", ["Efe Kerem Sözeri"], None),  # a first name, not the agency EFE
    ],
)
def test_an_agency_desk_or_job_title_is_a_credit(name: str, authors: list[str], agency: str | None) -> None:
    article = extract_article(_page(jsonld_authors=[{"@type": "Person", "name": name}]), "https://www.ctpost.example/a")
    assert article.authors == authors
    assert article.agency == agency


@pytest.mark.parametrize(
    ("author", "kind"),
    [
        ("Le Monde avec AFP", "Organization"),
        ("FRANCE 24 avec AFP", "Organization"),
        ("20 Minutes avec AFP", "Person"),
        ("Europe 1 avec AFP", "Person"),
    ],
)
def test_an_outlet_with_an_agency_in_json_ld_gives_the_agency_not_an_author(author: str, kind: str) -> None:
    """A joint credit is no author, whether typed Organization and whatever digits the outlet's name holds."""
    import json

    from monitor.extraction import extract_article

    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Amazon suspend Rekognition",
          "author": [{"@type": kind, "name": author}], "datePublished": "2020-06-11T08:00:00+02:00"}  # fmt: skip
    paragraphs = "".join(
        f"<p>Le géant américain Amazon a annoncé un moratoire d'un an sur l'usage par la police de son logiciel de "
        f"reconnaissance faciale Rekognition, paragraphe {i}.</p>"
        for i in range(6)
    )
    page = (
        f'<html lang="fr"><head><script type="application/ld+json">{json.dumps(ld)}</script></head>'
        f"<body><article><h1>Amazon suspend Rekognition</h1>{paragraphs}</article></body></html>"
    )
    article = extract_article(page, "https://www.example.fr/tech/amazon-suspend-rekognition")
    assert article.authors == [] and article.agency == "AFP"


def test_the_word_that_introduces_the_date_is_not_part_of_the_name() -> None:
    from monitor.extract_authors import header_byline, split_authors

    assert header_byline("Par Pierre Martin Le 10 juin 2020 à 18h05", set()) == ["Pierre Martin"]
    assert split_authors("Jane Doe on 10 June 2020") == ["Jane Doe"]
    assert header_byline("Par Marine Le Pen", set()) == ["Marine Le Pen"]


def test_an_interview_label_before_the_name_is_not_part_of_it() -> None:
    from monitor.extract_authors import split_authors

    assert split_authors("Interview: Jean Dupont") == ["Jean Dupont"]
    assert split_authors("Entretien : Jean Dupont") == ["Jean Dupont"]


def test_an_interviews_credit_in_the_header_names_the_journalist() -> None:
    from monitor.extract_authors import header_byline

    assert header_byline("Propos recueillis par Laure Beaudonnet Publié le 12/06/20", set()) == ["Laure Beaudonnet"]


def test_a_desk_named_by_its_beat_is_no_author() -> None:
    from monitor.extract_authors import is_generic

    assert is_generic("Service Société") and is_generic("Le service Économie") and is_generic("Rubrique Monde")
    assert not is_generic("BBC News") and not is_generic("Jean Service")


def test_a_plain_author_class_is_a_byline() -> None:
    paragraphs = "".join(
        f"<p>Amazon a annoncé un moratoire d'un an sur l'usage policier de Rekognition, point {i} du dossier "
        f"sur la reconnaissance faciale.</p>"
        for i in range(6)
    )
    page = (
        '<html lang="fr"><body><article><h1>Amazon suspend Rekognition</h1><div class="author-container">'
        f'<span class="author">Par Pierre Martin et Claire Durand</span></div>{paragraphs}</article></body></html>'
    )
    article = extract_article(page, "https://www.liberation.fr/economie/amazon-suspend-rekognition/")
    assert article.authors == ["Pierre Martin", "Claire Durand"] and article.provenance["authors"] == "byline"
