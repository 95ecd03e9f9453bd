"""Golden files: tests/fixtures/extraction/<outlet>/<case>/{page.html, expected.json}, pages written by us.

``expected.json`` lists only the fields a case checks: article fields compared for equality (dates by
their ISO prefix, so "2020-06-11" checks the day and a full stamp checks the time and offset),
``provenance`` entries, and ``text_contains`` / ``text_excludes`` (case-insensitive) for the body.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from monitor.extraction import extract_article

GOLDEN = Path(__file__).parent / "fixtures" / "extraction"
CASES = sorted(p.parent for p in GOLDEN.glob("*/*/expected.json"))


def test_there_are_golden_cases_for_both_languages() -> None:
    languages = {json.loads((c / "expected.json").read_text(encoding="utf-8")).get("language") for c in CASES}
    assert len(CASES) >= 12 and {"fr", "en"} <= languages


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden_page(case: Path) -> None:
    expected: dict[str, Any] = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    url = expected.pop("url", f"https://{case.parent.name}.example/{case.name}.html")
    article = extract_article((case / "page.html").read_bytes(), url)
    got = article.to_json()
    for needle in expected.pop("text_contains", []):
        assert needle.lower() in article.text.lower(), needle
    for needle in expected.pop("text_excludes", []):
        assert needle.lower() not in article.text.lower(), (needle, article.text)
    for key, value in expected.pop("provenance", {}).items():
        assert article.provenance.get(key) == value, (key, article.provenance)
    for key, value in expected.items():
        if key in ("published_at", "updated_at") and value is not None:
            assert got[key] is not None and got[key].startswith(value), (key, got[key])
        else:
            assert got[key] == value, (key, got[key])


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_narrowing_to_the_main_article_changes_no_body(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """trafilatura reads the page's one ``<article>`` alone when it holds nearly all ``<p>`` words: a
    saving of time only, never of text (checked against the whole page on every golden layout)."""
    from monitor import extract_body

    page = (case / "page.html").read_bytes()
    narrowed = extract_article(page, "https://www.example.org/a.html")
    monkeypatch.setattr(extract_body, "MAIN_ARTICLE_SHARE", 2.0)  # never narrow
    whole = extract_article(page, "https://www.example.org/a.html")
    assert narrowed.to_json() == whole.to_json()


def test_some_golden_layouts_are_narrowed() -> None:
    from trafilatura.utils import load_html

    from monitor.extract_body import _drop_first, _main_article

    narrowed = 0
    for case in CASES:
        tree = load_html((case / "page.html").read_bytes().decode("utf-8", "replace"))
        _drop_first(tree)
        narrowed += _main_article(tree) is not None
    assert 0 < narrowed < len(CASES)


def test_a_pages_main_is_read_alone_when_it_has_no_article(monkeypatch: pytest.MonkeyPatch) -> None:
    from lxml import html as lxml_html

    from monitor import extract_body

    paragraphs = "".join(
        f"<p>Paragraphe {i} : la reconnaissance faciale testée par la police municipale de Nice, "
        "selon la CNIL qui demande un encadrement strict de ces expérimentations.</p>"
        for i in range(8)
    )
    page = (
        "<html><head><title>Nice teste la reconnaissance faciale</title></head><body>"
        "<header><nav><a href='/'>Accueil</a> <a href='/tech'>Tech</a></nav></header>"
        f"<main><h1>Nice teste la reconnaissance faciale</h1>{paragraphs}</main>"
        "<aside><a href='/autre'>Lire aussi : un autre sujet</a></aside></body></html>"
    ).encode()
    tree = lxml_html.fromstring(page)
    focus = extract_body._main_article(tree)
    assert focus is not None and [e.tag for e in focus.iter("main")] == ["main"]
    narrowed = extract_article(page, "https://www.example.org/a.html")
    monkeypatch.setattr(extract_body, "MAIN_ARTICLE_SHARE", 2.0)  # never narrow
    assert narrowed.to_json() == extract_article(page, "https://www.example.org/a.html").to_json()
    assert "Paragraphe 7" in narrowed.text
