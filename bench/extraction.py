"""Extraction quality and speed on the shared corpus: our ``extract_article`` against plain trafilatura.

Run by hand: ``python bench/extraction.py [CORPUS_DIR]`` (default ``../shared/corpus/extraction``
next to the repository). Skips with a message when the corpus is absent.

Scoring (the corpus README's rules):

- body: bag of words, lower-cased, split on non-letters; precision, recall and F1 per page, then the mean;
- title: equal after lower-casing, removing punctuation and collapsing spaces;
- date: same calendar day (the day as the page states it, in its own offset);
- authors: every gold name appears among the extracted author names (case-insensitive); ``authors no extra``
  (not a corpus rule, ours): among the pages where an extractor names anyone, the share where it names no
  one outside the gold list (a related story's byline, a quoted person).

A page where an extractor fails scores 0 on every field it has a ground truth for. The baseline is plain
``trafilatura.bare_extraction(html, url=url)`` with default options: its body and its time per page. With
default options trafilatura returns no title, date or author, so those columns come from a second run with
``with_metadata=True`` (its time is printed too, but the limit is judged against the defaults). ``authors+credits`` also
counts the organisation and agency credits we keep apart from persons (``Article.credits``,
``Article.agency``): the corpus' gold authors include bylines such as "Le Monde" or "Associated Press".

``--without json-ld`` or ``--without metadata`` (JSON-LD, every ``<meta>`` and ``itemprop``) removes the
structured data from every page before both extractors read it: how the fallbacks (headline, printed dates
and bylines) fare on pages that carry less of it than the corpus' large outlets. The limits are not judged
there; the figures are printed side by side the same way.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import resource
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "extraction"
TIME_LIMIT_RATIO = 1.5
ACCEPTANCE = {"title": 0.90, "date": 0.97, "authors": 0.90}
_WORD = re.compile(r"[^\W\d_]+")
_JSON_LD = re.compile(rb"<script[^>]*ld\+json[^>]*>.*?</script\s*>", re.DOTALL | re.IGNORECASE)
_META = re.compile(rb"<meta\s(?![^>]*(?:charset|http-equiv))[^>]*>", re.IGNORECASE)  # the charset stays
_ITEMPROP = re.compile(rb"""\sitemprop\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


@dataclass
class Output:
    """What one extractor gave for one page (``None`` fields: not found)."""

    ok: bool
    text: str = ""
    title: str | None = None
    day: str | None = None
    authors: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    page_type: str = "article"  # ours: what a crawl would not store (liveblog, video, index)


@dataclass
class Case:
    name: str
    lang: str
    url: str
    html: bytes
    gold: dict[str, Any]


def load_corpus(folder: Path) -> list[Case]:
    cases = []
    with (folder / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            base = folder / row["source"] / row["name"]
            gold = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
            cases.append(Case(row["name"], row["lang"], row["url"], base.with_suffix(".html").read_bytes(), gold))
    return cases


def words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.lower()))


def body_prf(predicted: str, gold: str) -> tuple[float, float, float]:
    got, want = words(predicted), words(gold)
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def norm_title(value: str) -> str:
    kept = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in value.lower())
    return " ".join(kept.split())


def norm_name(value: str) -> str:
    return " ".join(value.split()).casefold()


def without(html: bytes, what: str | None) -> bytes:
    """The page without its JSON-LD (``json-ld``), or also its ``<meta>`` tags (but its charset) and
    ``itemprop`` attributes (``metadata``); as served when ``what`` is None."""
    if what is None:
        return html
    html = _JSON_LD.sub(b"", html)
    if what == "metadata":
        html = _ITEMPROP.sub(b"", _META.sub(b"", html))
    return html


def ours(case: Case) -> Output:
    from monitor.extraction import ExtractionError, extract_article

    try:
        article = extract_article(case.html, case.url)
    except ExtractionError:
        return Output(ok=False)
    credits = list(getattr(article, "credits", []) or []) + ([article.agency] if article.agency else [])
    day = article.published_at.date().isoformat() if article.published_at else None
    return Output(True, article.text, article.title, day, list(article.authors), credits, article.page_type)


def trafilatura_defaults(case: Case) -> Output:
    """``bare_extraction`` with default options: body only."""
    import trafilatura

    document = trafilatura.bare_extraction(case.html, url=case.url)
    if document is None:
        return Output(ok=False)
    return Output(True, getattr(document, "text", None) or "")


def trafilatura_metadata(case: Case) -> Output:
    """``bare_extraction`` with ``with_metadata=True``: title, date and authors."""
    import trafilatura

    document = trafilatura.bare_extraction(case.html, url=case.url, with_metadata=True)
    if document is None:
        return Output(ok=False)
    authors = [a.strip() for a in (getattr(document, "author", None) or "").split(";") if a.strip()]
    date = getattr(document, "date", None)
    return Output(
        True, getattr(document, "text", None) or "", getattr(document, "title", None), date and date[:10], authors
    )


@dataclass
class Scores:
    """Per-field lists of per-page scores, keyed by language (``all`` too)."""

    values: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    pages: int = 0
    failures: int = 0
    lang_seconds: Counter[str] = field(default_factory=Counter)
    lang_pages: Counter[str] = field(default_factory=Counter)
    page_types: Counter[str] = field(default_factory=Counter)  # of the pages extracted

    def ms_per_page(self, lang: str = "all") -> float:
        if lang == "all":
            return 1000 * self.seconds / max(self.pages, 1)
        return 1000 * self.lang_seconds[lang] / max(self.lang_pages[lang], 1)

    def add(self, lang: str, name: str, value: float) -> None:
        for key in ((lang, name), ("all", name)):
            self.values.setdefault(key, []).append(value)

    def mean(self, lang: str, name: str) -> float | None:
        found = self.values.get((lang, name))
        return sum(found) / len(found) if found else None

    def count(self, lang: str, name: str) -> int:
        return len(self.values.get((lang, name), []))


def score(cases: Iterable[Case], extractor: Callable[[Case], Output]) -> Scores:
    return score_side_by_side(cases, [extractor])[0]


def score_side_by_side(cases: Iterable[Case], extractors: list[Callable[[Case], Output]]) -> list[Scores]:
    """Each page goes through every extractor in turn (so a busy machine slows them alike); the time is
    the process's CPU time, which other processes on the machine do not inflate."""
    results = [Scores() for _ in extractors]
    for case in cases:
        for extractor, scores in zip(extractors, results, strict=True):
            started = time.process_time()
            output = extractor(case)
            elapsed = time.process_time() - started
            scores.seconds += elapsed
            scores.pages += 1
            scores.lang_seconds[case.lang] += elapsed
            scores.lang_pages[case.lang] += 1
            _score_page(scores, case, output)
    return results


def _score_page(scores: Scores, case: Case, output: Output) -> None:
    scores.failures += not output.ok
    if output.ok:
        scores.page_types[output.page_type] += 1
    gold = case.gold
    if gold.get("body"):
        precision, recall, f1 = body_prf(output.text, gold["body"])
        scores.add(case.lang, "body P", precision)
        scores.add(case.lang, "body R", recall)
        scores.add(case.lang, "body F1", f1)
    if gold.get("title"):
        matched = bool(output.title) and norm_title(output.title or "") == norm_title(gold["title"])
        scores.add(case.lang, "title", float(matched))
    if gold.get("date"):
        scores.add(case.lang, "date", float(output.day == gold["date"][:10]))
    if gold.get("authors"):
        names = {norm_name(n) for n in output.authors}
        wanted = [norm_name(n) for n in gold["authors"]]
        scores.add(case.lang, "authors", float(all(n in names for n in wanted)))
        with_credits = names | {norm_name(n) for n in output.credits}
        scores.add(case.lang, "authors+credits", float(all(n in with_credits for n in wanted)))
        # no name that is not the gold's (a related story's byline, a quoted person): pages with an answer
        if names:
            scores.add(case.lang, "authors no extra", float(all(any(w in n or n in w for w in wanted) for n in names)))


BODY_FIELDS = ("body P", "body R", "body F1")
FIELDS = (*BODY_FIELDS, "title", "date", "authors", "authors+credits", "authors no extra")


def report(ours_scores: Scores, base: Scores, meta: Scores, langs: list[str]) -> list[str]:
    """One line per language and field, ours and trafilatura side by side, then ms per page."""
    lines = [f"{'lang':<5}{'field':<17}{'n':>5}{'ours':>9}{'trafilatura':>13}{'delta':>9}"]
    for lang in langs:
        for name in FIELDS:
            mine = ours_scores.mean(lang, name)
            theirs = (base if name in BODY_FIELDS else meta).mean(lang, name)
            if mine is None or theirs is None:
                continue
            count = ours_scores.count(lang, name)
            lines.append(f"{lang:<5}{name:<17}{count:>5}{mine:>9.3f}{theirs:>13.3f}{mine - theirs:>+9.3f}")
        mine_ms, base_ms = ours_scores.ms_per_page(lang), base.ms_per_page(lang)
        lines.append(
            f"{lang:<5}{'ms/page':<17}{ours_scores.lang_pages[lang] if lang != 'all' else ours_scores.pages:>5}"
            f"{mine_ms:>9.1f}{base_ms:>13.1f}{mine_ms / base_ms:>8.2f}x"
            f"   (trafilatura with metadata {meta.ms_per_page(lang):.1f})"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument(
        "--show-misses",
        choices=["title", "date", "authors", "body"],
        help="list the pages we miss (body: F1 below 0.9)",
    )
    parser.add_argument(
        "--without",
        choices=["json-ld", "metadata"],
        help="remove the pages' JSON-LD (or JSON-LD, <meta> and itemprop) before extracting: the fallbacks alone",
    )
    args = parser.parse_args(argv)
    if not (args.corpus / "manifest.csv").is_file():
        print(f"skipped: no extraction corpus at {args.corpus} (needs ../shared/corpus/extraction)")
        return 0
    cases = load_corpus(args.corpus)
    if args.limit:
        cases = cases[: args.limit]
    if args.without:
        cases = [Case(c.name, c.lang, c.url, without(c.html, args.without), c.gold) for c in cases]
    for case in cases[:3]:  # warm up imports and langdetect profiles outside the timings
        ours(case)
        trafilatura_defaults(case)
        trafilatura_metadata(case)
    mine, base, meta = score_side_by_side(cases, [ours, trafilatura_defaults, trafilatura_metadata])
    langs = ["all", *sorted({c.lang for c in cases})]
    per_lang = ", ".join(f"{lang}: {sum(c.lang == lang for c in cases)}" for lang in langs[1:])
    removed = f", without their {'JSON-LD' if args.without == 'json-ld' else 'JSON-LD, <meta> and itemprop'}"
    print(f"extraction corpus: {len(cases)} pages ({per_lang}){removed if args.without else ''}")
    print("\n".join(report(mine, base, meta, langs)))
    ms_ours, ms_base, ms_meta = mine.ms_per_page(), base.ms_per_page(), meta.ms_per_page()
    print(f"failures: ours {mine.failures}, trafilatura {base.failures}")
    others = Counter({kind: n for kind, n in mine.page_types.items() if kind != "article"})
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(others.items())) or "none"
    print(f"not stored by a crawl as articles (every corpus page is one, live blogs aside): {kinds}")
    print(
        f"speed (CPU time): ours {1000 / ms_ours:.1f} pages/s ({ms_ours:.1f} ms/page), "
        f"trafilatura defaults {1000 / ms_base:.1f} pages/s ({ms_base:.1f} ms/page), "
        f"with metadata {ms_meta:.1f} ms/page; time ratio to the defaults {ms_ours / ms_base:.2f} "
        f"(limit {TIME_LIMIT_RATIO}), to with-metadata {ms_ours / ms_meta:.2f}"
    )
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    f1_delta = (mine.mean("all", "body F1") or 0) - (base.mean("all", "body F1") or 0)
    checks = [f"body F1 delta {f1_delta:+.4f} (target >= +0.010)"]
    checks += [f"{name} {mine.mean('all', name) or 0:.3f} (target >= {limit})" for name, limit in ACCEPTANCE.items()]
    checks.append(f"authors+credits {mine.mean('all', 'authors+credits') or 0:.3f}")
    checks.append(f"time ratio {ms_ours / ms_base:.2f} (limit {TIME_LIMIT_RATIO})")
    print("acceptance: " + "; ".join(checks))
    if args.show_misses:
        _show_misses(cases, args.show_misses)
    return 0


def _show_misses(cases: list[Case], name: str) -> None:
    if name == "body":
        for case in cases:
            if case.gold.get("body"):
                precision, recall, f1 = body_prf(ours(case).text, case.gold["body"])
                if f1 < 0.9:
                    print(f"MISS {case.name}: body P={precision:.3f} R={recall:.3f} F1={f1:.3f}")
        return
    for case in cases:
        wanted = case.gold.get(name)
        if not wanted:
            continue
        single = score([case], ours)
        if (single.mean(case.lang, name) or 0) < 1:
            output = ours(case)
            got = {"title": output.title, "date": output.day, "authors": [output.authors, output.credits]}[name]
            print(f"MISS {case.name}: gold={wanted!r} got={got!r}")


if __name__ == "__main__":
    sys.exit(main())
