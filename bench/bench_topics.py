"""Watchlist matching speed: articles/s with 1 and with 50 watchlists, on realistic article lengths.

    taskset -c 0 python bench/bench_topics.py [--seconds 3]

Articles: the real news bodies of ../shared/corpus/extraction (median ~650 words) when present, and
articles of ~700 words assembled from our hand-written test sentences. Each figure is the full
``Matcher.match`` (folding, scanning, evaluating every watchlist, scores) in one process, on one core.

Two figures per line: articles per second of CPU time (what one core does, even when other processes
share it) and per second of wall-clock time (lower when the core is shared: the "share" column says
how much of it this process got). The ratio to the limit is taken on the CPU-time figure.

Limit named here (issue 5): 50 watchlists at >= 2,000 articles/s on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

from monitor.topics import DEFAULT_WATCHLIST, Matcher, Watchlist, load_watchlists

LIMIT_ARTICLES_PER_S = 2000.0
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "extraction"
FIXTURES = ROOT / "tests" / "fixtures" / "topics"

# 49 watchlists a newsroom might follow besides facial recognition: words, phrases, wildcards, NEAR, NOT
SUBJECTS = [
    ("drones", '(drone* OR "aeronef sans pilote") NEAR/8 (police OR gendarm* OR surveill* OR militar*)'),
    ("spyware", 'pegasus OR predator OR spyware OR "logiciel espion" OR "nso group"'),
    ("encryption", 'chiffrement OR encryption OR "end-to-end" OR backdoor* OR "porte derobee"'),
    ("data-retention", '"conservation des donnees" OR "data retention" OR metadata NEAR/5 (police OR court)'),
    ("ai-act", '"ai act" OR "reglement sur l\'intelligence artificielle" OR "artificial intelligence act"'),
    ("predictive-policing", '"predictive policing" OR "police predictive" OR (algorithm* NEAR/5 crime*)'),
    ("smart-city", '"smart city" OR "ville intelligente" OR "safe city" OR "safe cities"'),
    ("border-tech", "(frontex OR frontier* OR frontiere* OR border*) NEAR/6 (biometri* OR drone* OR algorithm*)"),
    ("gdpr", 'gdpr OR rgpd OR "data protection" OR "protection des donnees" -football'),
    ("cnil", 'cnil OR ico OR edpb OR "data protection authority"'),
    ("deepfakes", 'deepfake* OR "hypertrucage" OR (synthetic NEAR/3 (video* OR voice*))'),
    ("chatbots", 'chatgpt OR openai OR "large language model" OR llm OR chatbot*'),
    ("ransomware", 'ransomware OR rancongiciel* OR "cyber attack" OR cyberattaque*'),
    ("elections", "election* OR scrutin OR vote* NEAR/4 (fraud* OR fraude*)"),
    ("protests", "(protest* OR manifest*) NEAR/6 (police OR arrest* OR interpell*)"),
    ("prisons", "prison* OR detenu* OR inmate* OR incarcer*"),
    ("police-violence", "(violence* OR brutalit*) ONEAR/3 polic*"),
    ("immigration", 'migrant* OR asylum OR "demandeur d\'asile" OR refugee* OR refugie*'),
    ("climate", 'climat* OR "global warming" OR "rechauffement climatique" OR emission* NEAR/3 carbon*'),
    ("energy", 'nucleaire OR nuclear OR "energy price*" OR electricit* NEAR/3 (prix OR price*)'),
    ("housing", "logement* OR housing OR loyer* OR rent* NEAR/3 (rise* OR hausse)"),
    ("health", 'hopital OR hospital* OR nhs OR "waiting list*" OR urgences'),
    ("vaccines", "vaccin* OR vaccine* OR immunis* OR immuniz*"),
    ("education", "school* OR ecole* OR universit* OR teacher* OR enseignant*"),
    ("transport", 'train* OR sncf OR rail* OR tram* OR metro -"train de vie"'),
    ("strikes", 'strike* OR greve* OR walkout OR "industrial action"'),
    ("inflation", 'inflation OR "cost of living" OR "pouvoir d\'achat" OR prix NEAR/3 hausse'),
    ("central-banks", '"central bank" OR "banque centrale" OR "interest rate*" OR "taux directeur*"'),
    ("football", 'football OR "premier league" OR "ligue 1" OR striker* OR goal* NEAR/3 scored'),
    ("rugby", 'rugby OR "six nations" OR "six nations" OR "xv de france"'),
    ("tennis", 'tennis OR wimbledon OR "roland-garros" OR "us open"'),
    ("cinema", 'film* OR cinema OR "box office" OR oscar* OR cesar'),
    ("music", "concert* OR album* OR singer* OR chanteu* OR tour* NEAR/3 (cancel* OR annul*)"),
    ("books", 'novel* OR roman* OR "prix goncourt" OR booker'),
    ("weather", "storm* OR tempete* OR heatwave OR canicule OR flood* OR inondation*"),
    ("wildfires", 'wildfire* OR "feu de foret" OR "incendie de foret" OR blaze NEAR/5 firefighter*'),
    ("earthquakes", "earthquake* OR seisme* OR tsunami*"),
    ("space", "nasa OR esa OR telescope* OR satellite* OR galax*"),
    ("ukraine-war", "ukrain* OR kyiv OR kiev OR zelensky*"),
    ("middle-east", "gaza OR israel* OR palestin* OR hamas OR hezbollah"),
    ("china", 'china OR chine OR beijing OR pekin OR "xi jinping"'),
    ("us-politics", 'congress OR senate OR "white house" OR "maison blanche" OR trump OR biden'),
    ("uk-politics", '"prime minister" OR downing OR labour OR tory OR tories OR westminster'),
    ("fr-politics", '"assemblee nationale" OR senat OR matignon OR elysee OR "premier ministre"'),
    ("eu", '"european commission" OR "commission europeenne" OR brussels OR bruxelles'),
    ("tech-giants", "google OR apple OR amazon OR meta OR microsoft OR alphabet -fruit*"),
    ("social-media", 'tiktok OR facebook OR instagram OR twitter OR "reseaux sociaux" OR "social media"'),
    ("courts", "court* OR tribunal OR judge* OR juge* OR trial NEAR/4 (verdict* OR guilty OR coupable)"),
    ("crime", "murder* OR meurtre* OR homicid* OR stabbing* OR (arrest* NEAR/5 suspect*)"),
]


def real_articles() -> list[tuple[str | None, str, str | None]]:
    found = []
    for path in sorted(CORPUS.glob("*/*.json")):
        data = json.loads(path.read_text("utf-8"))
        if data.get("body"):
            found.append((data.get("title"), data["body"], data.get("lang")))
    return found


def assembled_articles(count: int = 300, words: int = 700) -> list[tuple[str | None, str, str | None]]:
    rng = random.Random(5)
    pools = {lang: (FIXTURES / f"offtopic_{lang}.txt").read_text("utf-8").splitlines() for lang in ("fr", "en")}
    relevant = [json.loads(line) for line in (FIXTURES / "relevant.jsonl").read_text("utf-8").splitlines()]
    articles = []
    for index in range(count):
        lang = "fr" if index % 2 else "en"
        sentences: list[str] = []
        while sum(len(s.split()) for s in sentences) < words:
            sentences.append(rng.choice(pools[lang]))
        if index % 20 == 0:  # one in twenty on topic
            on_topic = rng.choice(relevant)
            sentences.insert(rng.randrange(len(sentences)), f"{on_topic['title']}. {on_topic['text']}")
        articles.append((sentences[0], " ".join(sentences[1:]), lang))
    return articles


def rate(
    matcher: Matcher, articles: list[tuple[str | None, str, str | None]], seconds: float
) -> tuple[float, float, int]:
    """Articles/s of CPU time and of wall-clock time over at least ``seconds`` of CPU, and how many matched."""
    matched = done = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while time.process_time() - cpu < seconds:
        for title, text, lang in articles:
            matched += bool(matcher.match(title, text, language=lang))
            done += 1
    cpu_elapsed, wall_elapsed = time.process_time() - cpu, time.perf_counter() - wall
    return done / cpu_elapsed, done / wall_elapsed, matched * len(articles) // max(done, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="CPU seconds per figure")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"pinned to {cores} core(s)" + ("" if cores == 1 else " (run it under `taskset -c 0` for one core)"))
    default = [w for w in load_watchlists() if w.name == DEFAULT_WATCHLIST]
    many = default + [Watchlist(name, query) for name, query in SUBJECTS]
    assert len(many) == 50
    for label, articles in (
        ("real news pages", real_articles()),
        ("assembled from test sentences", assembled_articles()),
    ):
        if not articles:
            print(f"{label}: none found, skipped")
            continue
        lengths = sorted(len(text.split()) for _, text, _ in articles)
        print(
            f"{label}: {len(articles)} articles, median {lengths[len(lengths) // 2]} words, "
            f"mean {sum(lengths) / len(lengths):.0f}"
        )
        for watchlists in (default, many):
            matcher = Matcher(watchlists)
            per_cpu_s, per_wall_s, matched = rate(matcher, articles, args.seconds)
            line = (
                f"  {len(watchlists):>2} watchlist(s): {per_cpu_s:7.0f} articles/s of CPU, {per_wall_s:7.0f} of wall "
                f"clock (share {per_wall_s / per_cpu_s:.0%}), {matched} of {len(articles)} matched"
            )
            if len(watchlists) == 50:
                line += f"; {per_cpu_s / LIMIT_ARTICLES_PER_S:.2f}x the limit of {LIMIT_ARTICLES_PER_S:.0f} articles/s"
            print(line)
        words_per_s = sum(lengths) * rate(Matcher(many), articles, 1.0)[0] / len(articles)
        print(f"  50 watchlists: {words_per_s / 1e6:.2f} million words/s of CPU")


if __name__ == "__main__":
    main()
