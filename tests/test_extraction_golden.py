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
