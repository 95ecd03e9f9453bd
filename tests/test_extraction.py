"""Extraction on the demo pages (written like real outlets' HTML) and on bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from monitor.demo.server import site_root
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
