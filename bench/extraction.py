"""Extraction quality and speed on the shared corpus: our ``extract_article`` against plain trafilatura.

Run by hand: ``python bench/bench_extraction.py [CORPUS_DIR]`` (default ``../shared/corpus/extraction``
next to the repository). Skips with a message when the corpus is absent.

Scoring (the corpus README's rules):

- body: bag of words, lower-cased, split on non-letters; precision, recall and F1 per page, then the mean;
- title: equal after lower-casing, removing punctuation and collapsing spaces;
- date: same calendar day (the day as the page states it, in its own offset);
- authors: every gold name appears among the extracted author names (case-insensitive).

A page where an extractor fails scores 0 on every field it has a ground truth for. The baseline is
``trafilatura.bare_extraction(html, url=url, with_metadata=True)``: default options, plus metadata (without
it trafilatura returns no title, date or author at all; the body is the same). ``authors+credits`` also
counts the organisation and agency credits we keep apart from persons (``Article.credits``,
``Article.agency``): the corpus' gold authors include bylines such as "Le Monde" or "Associated Press".
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


@dataclass
class Output:
    """What one extractor gave for one page (``None`` fields: not found)."""

    ok: bool
    text: str = ""
    title: str | None = None
    day: str | None = None
    authors: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)


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


def ours(case: Case) -> Output:
    from monitor.extraction import ExtractionError, extract_article

    try:
        article = extract_article(case.html, case.url)
    except ExtractionError:
        return Output(ok=False)
    credits = list(getattr(article, "credits", []) or []) + ([article.agency] if article.agency else [])
    day = article.published_at.date().isoformat() if article.published_at else None
    return Output(True, article.text, article.title, day, list(article.authors), credits)


def trafilatura_defaults(case: Case) -> Output:
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

    def add(self, lang: str, name: str, value: float) -> None:
        for key in ((lang, name), ("all", name)):
            self.values.setdefault(key, []).append(value)

    def mean(self, lang: str, name: str) -> float | None:
        found = self.values.get((lang, name))
        return sum(found) / len(found) if found else None

    def count(self, lang: str, name: str) -> int:
        return len(self.values.get((lang, name), []))


def score(cases: Iterable[Case], extractor: Callable[[Case], Output]) -> Scores:
    scores = Scores()
    for case in cases:
        started = time.perf_counter()
        output = extractor(case)
        scores.seconds += time.perf_counter() - started
        scores.pages += 1
        scores.failures += not output.ok
        gold = case.gold
        if gold.get("body"):
            precision, recall, f1 = body_prf(output.text, gold["body"])
            scores.add(case.lang, "body P", precision)
            scores.add(case.lang, "body R", recall)
            scores.add(case.lang, "body F1", f1)
        if gold.get("title"):
            scores.add(
                case.lang,
                "title",
                float(bool(output.title) and norm_title(output.title or "") == norm_title(gold["title"])),
            )
        if gold.get("date"):
            scores.add(case.lang, "date", float(output.day == gold["date"][:10]))
        if gold.get("authors"):
            names = {norm_name(n) for n in output.authors}
            wanted = [norm_name(n) for n in gold["authors"]]
            scores.add(case.lang, "authors", float(all(n in names for n in wanted)))
            with_credits = names | {norm_name(n) for n in output.credits}
            scores.add(case.lang, "authors+credits", float(all(n in with_credits for n in wanted)))
    return scores


FIELDS = ("body P", "body R", "body F1", "title", "date", "authors", "authors+credits")


def report(ours_scores: Scores, base: Scores, langs: list[str]) -> list[str]:
    lines = [f"{'lang':<5}{'field':<17}{'n':>5}{'ours':>9}{'trafilatura':>13}{'delta':>9}"]
    for lang in langs:
        for name in FIELDS:
            mine, theirs = ours_scores.mean(lang, name), base.mean(lang, name)
            if mine is None or theirs is None:
                continue
            count = ours_scores.count(lang, name)
            lines.append(f"{lang:<5}{name:<17}{count:>5}{mine:>9.3f}{theirs:>13.3f}{mine - theirs:>+9.3f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--show-misses", choices=["title", "date", "authors"], help="list the pages we miss")
    args = parser.parse_args(argv)
    if not (args.corpus / "manifest.csv").is_file():
        print(f"skipped: no extraction corpus at {args.corpus} (needs ../shared/corpus/extraction)")
        return 0
    cases = load_corpus(args.corpus)
    if args.limit:
        cases = cases[: args.limit]
    for case in cases[:3]:  # warm up imports and langdetect profiles outside the timings
        ours(case)
        trafilatura_defaults(case)
    mine = score(cases, ours)
    rss_after_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base = score(cases, trafilatura_defaults)
    langs = ["all", *sorted({c.lang for c in cases})]
    per_lang = ", ".join(f"{lang}: {sum(c.lang == lang for c in cases)}" for lang in langs[1:])
    print(f"extraction corpus: {len(cases)} pages ({per_lang})")
    print("\n".join(report(mine, base, langs)))
    ms_ours, ms_base = 1000 * mine.seconds / mine.pages, 1000 * base.seconds / base.pages
    print(f"failures: ours {mine.failures}, trafilatura {base.failures}")
    print(
        f"speed: ours {mine.pages / mine.seconds:.1f} pages/s ({ms_ours:.1f} ms/page), "
        f"trafilatura {base.pages / base.seconds:.1f} pages/s ({ms_base:.1f} ms/page); "
        f"time ratio {ms_ours / ms_base:.2f} (limit {TIME_LIMIT_RATIO})"
    )
    rss_end = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {rss_after_ours:.0f} MiB after ours, {rss_end:.0f} MiB at the end")
    f1_delta = (mine.mean("all", "body F1") or 0) - (base.mean("all", "body F1") or 0)
    checks = [f"body F1 delta {f1_delta:+.3f} (target >= +0.010)"]
    checks += [f"{name} {mine.mean('all', name) or 0:.3f} (target >= {limit})" for name, limit in ACCEPTANCE.items()]
    print("acceptance: " + "; ".join(checks))
    if args.show_misses:
        _show_misses(cases, args.show_misses)
    return 0


def _show_misses(cases: list[Case], name: str) -> None:
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
