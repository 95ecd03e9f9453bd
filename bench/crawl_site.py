"""Generated news outlets for ``bench/crawl.py``: N outlets x M articles, in the layout of the demo site.

Each outlet folder has ``outlet.toml``, ``robots.txt`` (Disallow: /private/), an RSS feed of its newest
articles (links with tracking parameters), a Google News sitemap of all of them, a section page (with
tag, author and pagination links a crawl must not follow) and the article pages. Pages carry the
markup of real news sites around the text: a cookie banner, a navigation menu, JSON-LD and Open Graph
metadata, inline styles and scripts, a byline with a written date, "read also" links, related
articles, comments and a footer; their bodies run from a few paragraphs to long features. Half the
outlets write in French, half in English; one article in ten is a wire story republished by another
outlet of the same language. Deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from html import escape
from pathlib import Path

FR_SENTENCES = [
    "La reconnaissance faciale s'invite dans le débat sur la sécurité des grands événements sportifs.",
    "Le ministère de l'Intérieur a confirmé l'expérimentation de caméras dites augmentées à {city}.",
    "La CNIL rappelle que le traitement de données biométriques reste interdit sauf exception prévue par la loi.",
    "Selon {org}, près de {n} caméras ont été installées dans l'agglomération depuis {year}.",
    "Les associations de défense des libertés publiques dénoncent une surveillance de masse.",
    "Le conseil municipal de {city} a voté une enveloppe de {n} millions d'euros pour la vidéoprotection.",
    "Les députés examineront le texte en deuxième lecture avant la fin de la session parlementaire.",
    "« Nous ne voulons pas d'une société où chacun est identifié en permanence », a déclaré une porte-parole de {org}.",
    "La préfecture assure que les images ne seront conservées que pendant trente jours.",
    "Plusieurs entreprises françaises développent des algorithmes d'analyse automatique des images.",
    "Le Conseil d'État doit se prononcer dans les prochaines semaines sur la légalité du dispositif.",
    "À {city}, les commerçants se disent plutôt favorables à l'extension du réseau de caméras.",
    "Les chercheurs pointent des taux d'erreur plus élevés pour certaines catégories de population.",
    "Le gouvernement promet un encadrement strict et une évaluation indépendante de l'expérimentation.",
    "La Commission européenne a proposé d'encadrer les usages de l'intelligence artificielle jugés à haut risque.",
    "Le budget de la région prévoit aussi des investissements dans les transports et les lycées.",
    "La rencontre s'est terminée sur un score nul, au terme d'une seconde période très disputée.",
    "Les prix de l'énergie devraient rester élevés jusqu'à la fin de l'hiver, selon {org}.",
    "Le tribunal administratif de {city} a suspendu l'arrêté municipal contesté par {org}.",
    "Une pétition réclamant un moratoire a recueilli plus de {n} signatures en quelques jours.",
]
EN_SENTENCES = [
    "Facial recognition has become a flashpoint in the debate over policing and privacy.",
    "The city council in {city} voted to approve a pilot of live facial recognition cameras.",
    "Civil liberties groups, including {org}, said the technology was error-prone and intrusive.",
    "According to {org}, about {n} cameras have been installed across the metropolitan area since {year}.",
    "The police department said images would be deleted after thirty days unless they were needed as evidence.",
    "Lawmakers are expected to take up the bill again before the end of the legislative session.",
    '"We do not want a society where everyone is identified all the time," a spokeswoman for {org} said.',
    "Researchers have found higher error rates for women and people with darker skin.",
    "The company said its algorithm had been audited by an independent laboratory.",
    "A federal judge in {city} declined to dismiss the lawsuit brought by {org}.",
    "The proposal would require a warrant before police could run a search against the database.",
    "Retailers in {city} have quietly tested the systems to spot shoplifters, according to the report.",
    "The European Commission has proposed rules for artificial intelligence it considers high risk.",
    "Officials said the budget also includes new spending on roads, schools and public transport.",
    "The match ended in a draw after a tense second half in front of a sellout crowd.",
    "Energy prices are expected to stay high through the winter, {org} said in its outlook.",
    "A petition calling for a moratorium gathered more than {n} signatures within days.",
    "The mayor of {city} said the cameras had helped solve several cases, without giving figures.",
    "Privacy regulators have opened an inquiry into how the images were collected and stored.",
    "The vendor declined to say how many police departments use its software.",
]
FR = {
    "cities": ["Nice", "Marseille", "Lyon", "Toulouse", "Bordeaux", "Lille", "Nantes", "Rennes"],
    "orgs": ["la Quadrature du Net", "la Ligue des droits de l'homme", "l'Insee", "Amnesty International"],
    "sentences": FR_SENTENCES,
    "by": "Par",
    "published": "Publié le",
    "months": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "read_also": "Lire aussi",
    "section": "Société",
}
EN = {
    "cities": ["Detroit", "London", "Portland", "Chicago", "Manchester", "Boston", "Toronto", "Cardiff"],
    "orgs": ["the ACLU", "Big Brother Watch", "the Electronic Frontier Foundation", "Liberty"],
    "sentences": EN_SENTENCES,
    "by": "By",
    "published": "Published",
    "months": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "read_also": "Read more",
    "section": "Technology",
}
FIRST_NAMES = ["Claire", "Thomas", "Nadia", "Julien", "Sarah", "David", "Amina", "Paul", "Emma", "Lucas"]
LAST_NAMES = ["Martin", "Bernard", "Nguyen", "Okafor", "Dubois", "Walker", "Rossi", "Haddad", "Smith", "Moreau"]
PARAGRAPHS = [2, 3, 4, 6, 8, 12, 18, 30]  # paragraphs per article: briefs to long features
STYLE = "body{font-family:Georgia,serif;margin:0}" + "".join(
    f".c{i}{{margin:{i}px;padding:{i % 7}px;color:#{i:06x}}}" for i in range(400)
)
SCRIPT = "window.dataLayer=window.dataLayer||[];" + "".join(
    f"dataLayer.push({{event:'e{i}',value:{i},label:'tracking-{i}'}});" for i in range(450)
)


def _fill(rng: random.Random, lang: dict[str, object], template: str) -> str:
    cities, orgs = lang["cities"], lang["orgs"]
    assert isinstance(cities, list) and isinstance(orgs, list)
    return template.format(
        city=rng.choice(cities), org=rng.choice(orgs), n=rng.randint(12, 9000), year=rng.randint(2015, 2023)
    )


def _paragraphs(rng: random.Random, lang: dict[str, object]) -> list[str]:
    sentences = lang["sentences"]
    assert isinstance(sentences, list)
    count = rng.choice(PARAGRAPHS)
    return [" ".join(_fill(rng, lang, rng.choice(sentences)) for _ in range(rng.randint(2, 6))) for _ in range(count)]


def _written_date(when: datetime, lang: dict[str, object]) -> str:
    months = lang["months"]
    assert isinstance(months, list)
    if lang is FR:
        return f"{when.day} {months[when.month - 1]} {when.year} à {when.hour}h{when.minute:02d}"
    return f"{months[when.month - 1]} {when.day}, {when.year} {when.hour}:{when.minute:02d} UTC"


def _menu(count: int, prefix: str) -> str:
    return "".join(f'<li><a href="/{prefix}/{i}/">{prefix.title()} {i}</a></li>' for i in range(count))


def article_page(outlet: dict[str, str], article: dict[str, object], related: list[dict[str, object]]) -> str:
    lang = FR if outlet["language"] == "fr" else EN
    title, slug, author = str(article["title"]), str(article["slug"]), str(article["author"])
    when = article["when"]
    assert isinstance(when, datetime)
    paragraphs = article["paragraphs"]
    assert isinstance(paragraphs, list)
    url = f"{{{{BASE}}}}/articles/{slug}.html"
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "datePublished": when.isoformat(),
        "author": [{"@type": "Person", "name": author}],
        "publisher": {"@type": "Organization", "name": outlet["title"]},
        "inLanguage": outlet["language"],
        "mainEntityOfPage": url,
    }
    body = []
    for i, text in enumerate(paragraphs):
        body.append(f"<p>{escape(str(text))}</p>")
        if i == 1 and related:
            body.append(f'<p class="read-also"><strong>{lang["read_also"]}</strong> <a href="/articles/')
            body[-1] += f'{related[0]["slug"]}.html">{escape(str(related[0]["title"]))}</a></p>'
        if i and i % 6 == 0:
            body.append(f"<h2>{escape(str(text).split('.')[0][:60])}</h2>")
    teasers = "".join(f'<li><a href="/articles/{r["slug"]}.html">{escape(str(r["title"]))}</a></li>' for r in related)
    comments = "".join(
        f'<li class="comment"><b>{n}</b> <p>{escape(str(paragraphs[0])[:140])}</p></li>' for n in FIRST_NAMES[:4]
    )
    return f"""<!doctype html>
<html lang="{outlet["language"]}"><head><meta charset="utf-8">
<title>{escape(title)} - {escape(outlet["title"])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{escape(str(paragraphs[0])[:200])}">
<meta property="og:type" content="article"><meta property="og:title" content="{escape(title)}">
<meta property="og:site_name" content="{escape(outlet["title"])}">
<meta property="article:published_time" content="{when.isoformat()}">
<link rel="canonical" href="{url}">
<link rel="alternate" type="application/rss+xml" href="{{{{BASE}}}}/rss.xml">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
<style>{STYLE}</style><script>{SCRIPT}</script></head>
<body><div class="cookie-banner"><p>Nous utilisons des cookies / We use cookies.</p><button>OK</button></div>
<header><a class="logo" href="/">{escape(outlet["title"])}</a><nav><ul>{_menu(40, "rubrique")}</ul></nav></header>
<main><article><p class="kicker">{lang["section"]}</p><h1>{escape(title)}</h1>
<p class="byline">{lang["by"]} <a href="/author/{author.lower().replace(" ", "-")}/">{escape(author)}</a>
<time datetime="{when.isoformat()}">{lang["published"]} {_written_date(when, lang)}</time></p>
<div class="article-body">{"".join(body)}</div>
<div class="tags"><a href="/tag/surveillance/">surveillance</a> <a href="/tag/police/">police</a></div></article>
<aside class="related"><h3>{lang["read_also"]}</h3><ul>{teasers}</ul></aside>
<section class="comments"><ul>{comments}</ul></section></main>
<footer><ul>{_menu(60, "service")}</ul><p>© {outlet["title"]} {when.year}. Tous droits réservés.</p></footer>
<script>{SCRIPT}</script></body></html>
"""


def generate_site(root: Path, outlets: int, articles: int, newest: datetime, seed: int = 1) -> int:
    """Write ``outlets`` outlets of ``articles`` articles each under ``root``; returns the article count."""
    rng = random.Random(seed)
    wires: dict[str, list[list[str]]] = {"fr": [], "en": []}  # stories of the outlets written so far
    total = 0
    for o in range(outlets):
        language = "fr" if o % 2 == 0 else "en"
        lang = FR if language == "fr" else EN
        masthead = "Le Courrier" if language == "fr" else "The Herald"
        outlet = {"name": f"{language}-outlet-{o}", "title": f"{masthead} {o}", "language": language}
        folder = root / outlet["name"]
        (folder / "articles").mkdir(parents=True, exist_ok=True)
        items = []
        own: list[list[str]] = []
        for a in range(articles):
            if a % 10 == 9 and wires[language]:
                paragraphs = rng.choice(wires[language])  # a wire story another outlet ran
            else:
                paragraphs = _paragraphs(rng, lang)
                own.append(paragraphs)
            first = str(paragraphs[0]).split(".")[0].split(",")[0]
            title = f"{first[:90]} ({o}-{a})"
            author = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            when = newest - timedelta(minutes=37 * a + 11 * o)
            items.append({"slug": f"{o}-{a}", "title": title, "author": author, "when": when, "paragraphs": paragraphs})
        for i, item in enumerate(items):
            related = [items[(i + k) % len(items)] for k in range(1, 6)]
            (folder / "articles" / f"{item['slug']}.html").write_text(article_page(outlet, item, related), "utf-8")
        wires[language].extend(own)
        _write_discovery(folder, outlet, items)
        total += len(items)
    return total


def _write_discovery(folder: Path, outlet: dict[str, str], items: list[dict[str, object]]) -> None:
    name, language = outlet["name"], outlet["language"]
    (folder / "outlet.toml").write_text(
        f'name = "{name}"\ntitle = "{outlet["title"]}"\nlanguage = "{language}"\nfeeds = ["/rss.xml"]\n'
        'sitemaps = ["/news-sitemap.xml"]\nsections = ["/section/"]\nevery = "1h"\n',
        "utf-8",
    )
    (folder / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", "utf-8")
    rss = [f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{outlet["title"]}</title>']
    rss.append(f"<link>{{{{BASE}}}}/</link><language>{language}</language>")
    for item in items[:20]:
        when = item["when"]
        assert isinstance(when, datetime)
        link = f"{{{{BASE}}}}/articles/{item['slug']}.html?utm_source=rss&amp;utm_medium=feed"
        rss.append(f"<item><title>{escape(str(item['title']))}</title><link>{link}</link>")
        rss.append(f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>")
    rss.append("</channel></rss>\n")
    (folder / "rss.xml").write_text("".join(rss), "utf-8")
    news = ['<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"']
    news.append(' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">')
    for item in items:
        when = item["when"]
        assert isinstance(when, datetime)
        news.append(f"<url><loc>{{{{BASE}}}}/articles/{item['slug']}.html</loc><news:news><news:publication>")
        news.append(f"<news:name>{outlet['title']}</news:name><news:language>{language}</news:language>")
        news.append(f"</news:publication><news:publication_date>{when.isoformat()}</news:publication_date>")
        news.append(f"<news:title>{escape(str(item['title']))}</news:title></news:news></url>")
    news.append("</urlset>\n")
    (folder / "news-sitemap.xml").write_text("".join(news), "utf-8")
    links = "".join(f'<li><a href="/articles/{i["slug"]}.html">{escape(str(i["title"]))}</a></li>' for i in items)
    (folder / "section").mkdir(exist_ok=True)
    (folder / "section" / "index.html").write_text(
        f"<!doctype html><html><body><h1>{outlet['title']}</h1><ul>{links}</ul>"
        '<a href="/tag/police/">police</a> <a href="/author/claire-martin/">Claire Martin</a> '
        '<a href="/section/page/2/">2</a> <a href="/private/drafts.html">drafts</a></body></html>\n',
        "utf-8",
    )
    (folder / "index.html").write_text(f"<!doctype html><html><body><a href='/section/'>{name}</a></body></html>\n")
