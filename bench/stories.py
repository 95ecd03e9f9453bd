"""Story grouping and copy detection as the archive grows: articles/s, per-article latency, peak RSS, BCubed.

    python bench/stories.py                             # 1k, 10k, 100k archived articles
    python bench/stories.py --sizes 1000,10000,50000 --sample 500 --skip-archive

A generated stream of French and English articles (about 120 a day, events covered by 1 to 8 outlets
over up to four days, 5 % republished wire copies) goes, in publication order:

1. through the grouping alone (features, story index, copy index: what ``monitor regroup`` runs);
2. through the whole ``Archive`` on a fresh SQLite file (dedup, copies, stories, one transaction each).

At each size N the next ``--sample`` articles are timed: their cost is the cost per article once N are
archived. Limit named here (issue 6): per-article cost at the largest size / at 1k <= 1.5. The BCubed
scores are printed for the generated stream and for our labelled set (tests/fixtures/stories).

Real pages (when ``../shared/corpus/extraction`` is there; ``--real-only`` for this part alone): the
corpus's pages of November 2019 (133 pages of as many outlets, 15 events covered by 2 to 4 of them,
labelled by hand in ``bench/data/story_events_2019_11.json``) are extracted with ``extract_article`` and
grouped in publication order, in crawl-like shuffled orders, and mixed with the corpus's pages of other
years (2010–2026) with the index expired after every article, as a first crawl of real outlets would mix
them. BCubed is printed for the November pages.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.archive import Archive, SourceRef
from monitor.article import Article
from monitor.dates import as_aware
from monitor.db import Database
from monitor.dedup import CopyIndex
from monitor.story_eval import Labelled, bcubed, load_labelled, run_pipeline
from monitor.story_features import FeatureExtractor, load_lexicon
from monitor.story_index import StoryIndex

LIMIT_RATIO = 1.5
LABELLED = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "stories" / "labelled.jsonl"
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "extraction"
REAL_EVENTS = Path(__file__).resolve().parent / "data" / "story_events_2019_11.json"
REAL_MONTH = (datetime(2019, 11, 1, tzinfo=UTC), datetime(2019, 12, 1, tzinfo=UTC))

_COMPANIES = """Amazon IBM Microsoft Clearview Idemia Thales NEC Google Meta Apple Axon Palantir Cognitec PimEyes
Anyvision Oosto Briefcam Hikvision Dahua Megvii SenseTime Veridas Onfido Yoti Facewatch Gemalto Safran Sopra
Atos Capgemini Ubisoft Orange Bouygues Vinci Alstom Valeo Renault Carrefour Auchan Decathlon Fnac Darty Ikea
Tesco Sainsbury Morrisons Boots Argos Serco Capita Motorola Verint Genetec Avigilon Milestone Bosch Siemens
Nvidia Intel Qualcomm Samsung Huawei Xiaomi Tencent Alibaba Baidu Yandex Kaspersky Darktrace Sophos"""
COMPANIES = _COMPANIES.split()
PLACES = [
    ("Paris", "Paris"),
    ("Londres", "London"),
    ("Nice", "Nice"),
    ("Marseille", "Marseille"),
    ("Lyon", "Lyon"),
    ("Bruxelles", "Brussels"),
    ("Berlin", "Berlin"),
    ("Madrid", "Madrid"),
    ("Montréal", "Montreal"),
    ("New York", "New York"),
    ("Chicago", "Chicago"),
    ("Détroit", "Detroit"),
    ("Toulouse", "Toulouse"),
    ("Bordeaux", "Bordeaux"),
    ("Lille", "Lille"),
    ("Cardiff", "Cardiff"),
    ("Manchester", "Manchester"),
    ("Genève", "Geneva"),
    ("Milan", "Milan"),
    ("Amsterdam", "Amsterdam"),
    ("Dublin", "Dublin"),
]
ACTORS = [
    "CNIL",
    "ICO",
    "ACLU",
    "EFF",
    "EDPB",
    "La Quadrature du Net",
    "Amnesty",
    "Liberty",
    "Privacy International",
    "Big Brother Watch",
    "le Conseil d'État",
    "la Cour de cassation",
    "le Parlement européen",
    "la Commission européenne",
]

# action -> (French sentences, English sentences); {c} company, {p} place, {n} number, {a} actor
ACTIONS: dict[str, tuple[list[str], list[str]]] = {
    "fine": (
        [
            "{a} inflige une amende de {n} millions d'euros à {c} pour son logiciel de reconnaissance faciale.",
            "La sanction de {n} millions d'euros vise la collecte de photos sans consentement par {c}.",
            "{c} a deux mois pour supprimer les données des personnes concernées à {p}.",
        ],
        [
            "{a} fines {c} {n} million euros over its facial recognition software.",
            "The {n} million euro penalty targets {c}'s collection of photos without consent.",
            "{c} has two months to delete the data of people in {p}.",
        ],
    ),
    "ban": (
        [
            "La ville de {p} interdit la reconnaissance faciale dans l'espace public, un revers pour {c}.",
            "Le conseil municipal de {p} a voté l'interdiction par {n} voix.",
            "{c} équipait jusqu'ici les caméras de la ville.",
        ],
        [
            "{p} bans facial recognition in public spaces, a setback for {c}.",
            "The {p} city council voted for the ban by {n} votes.",
            "{c} supplied the city's cameras until now.",
        ],
    ),
    "moratorium": (
        [
            "{c} annonce un moratoire de {n} mois sur la vente de sa reconnaissance faciale à la police.",
            "La suspension doit laisser au législateur le temps d'encadrer la technologie, selon {c}.",
            "Les forces de l'ordre de {p} utilisaient l'outil de {c}.",
        ],
        [
            "{c} announces a {n}-month moratorium on selling facial recognition to police.",
            "The suspension should give lawmakers time to regulate the technology, {c} said.",
            "Law enforcement in {p} used {c}'s tool.",
        ],
    ),
    "trial": (
        [
            "La police de {p} lance une expérimentation de reconnaissance faciale en temps réel avec {c}.",
            "Pendant {n} jours, des caméras compareront les visages à une liste de surveillance.",
            "{a} demande l'arrêt immédiat de l'expérimentation à {p}.",
        ],
        [
            "Police in {p} start a live facial recognition trial with {c}.",
            "For {n} days, cameras will compare faces against a watchlist.",
            "{a} calls for an immediate halt to the {p} trial.",
        ],
    ),
    "lawsuit": (
        [
            "{a} porte plainte contre {c} pour l'usage de la reconnaissance faciale à {p}.",
            "La plainte vise {n} magasins équipés de caméras de {c}.",
            "{c} affirme respecter le RGPD.",
        ],
        [
            "{a} sues {c} over its use of facial recognition in {p}.",
            "The lawsuit targets {n} stores fitted with {c} cameras.",
            "{c} says it complies with the GDPR.",
        ],
    ),
    "contract": (
        [
            "{c} remporte un contrat de {n} millions d'euros pour équiper l'aéroport de {p} en reconnaissance faciale.",
            "Les passagers pourront embarquer sans présenter leur passeport, promet {c}.",
            "{a} s'inquiète d'une surveillance de masse à {p}.",
        ],
        [
            "{c} wins a {n} million euro contract to fit {p} airport with facial recognition.",
            "Passengers will board without showing their passport, {c} promises.",
            "{a} warns of mass surveillance in {p}.",
        ],
    ),
    "breach": (
        [
            "{c} reconnaît une fuite de données touchant {n}000 visages enregistrés.",
            "Les images provenaient de caméras installées à {p}.",
            "{a} ouvre une enquête sur {c}.",
        ],
        [
            "{c} admits a data breach affecting {n},000 stored faces.",
            "The images came from cameras installed in {p}.",
            "{a} opens an investigation into {c}.",
        ],
    ),
    "law": (
        [
            "À {p}, les élus adoptent un texte encadrant la reconnaissance faciale, {c} salue une clarification.",
            "Le texte autorise des essais pendant {n} mois à {p} et ailleurs.",
            "{a} dénonce une loi qui ouvre la voie à la surveillance biométrique.",
        ],
        [
            "{p} lawmakers pass a bill regulating facial recognition, and {c} welcomes the clarity.",
            "The bill allows trials for {n} months in {p} and elsewhere.",
            "{a} says the law opens the door to biometric surveillance.",
        ],
    ),
}
# background sentences: subject x verb x object, so that two articles on one event do not share them
FILLER_PARTS = (
    (
        [
            "Les associations",
            "Plusieurs élus",
            "Des chercheurs",
            "Les syndicats de police",
            "Les juristes",
            "Des habitants",
            "Les opposants",
            "Le gouvernement",
            "Les commerçants",
            "Des avocats",
        ],
        ["estiment", "rappellent", "craignent", "soulignent", "regrettent", "affirment", "observent"],
        [
            "que le cadre juridique reste flou",
            "que les biais des algorithmes persistent",
            "que la vidéoprotection s'étend chaque année",
            "que les données biométriques sont sensibles",
            "que le débat public a été trop court",
            "que les contrôles restent rares",
            "que la technologie progresse plus vite que la loi",
            "que les erreurs d'identification coûtent cher",
        ],
    ),
    (
        [
            "Campaigners",
            "Several lawmakers",
            "Researchers",
            "Police unions",
            "Lawyers",
            "Residents",
            "Opponents",
            "The government",
            "Shop owners",
            "Academics",
        ],
        ["argue", "point out", "fear", "stress", "regret", "claim", "note"],
        [
            "that the legal framework remains unclear",
            "that algorithmic bias persists",
            "that camera networks grow every year",
            "that biometric data is sensitive",
            "that the public debate was too short",
            "that oversight remains rare",
            "that the technology moves faster than the law",
            "that misidentifications are costly",
        ],
    ),
)
OPENERS = (
    ["", "Selon nos informations, ", "D'après un communiqué, ", "Lundi, ", "Ce matin, ", "Sans surprise, "],
    ["", "According to a statement, ", "On Monday, ", "This morning, ", "Unsurprisingly, ", "Officials say "],
)
BOILERPLATE = " Abonnez-vous à notre lettre d'information. Tous droits réservés. Suivez-nous sur les réseaux sociaux."
OUTLETS = [f"outlet-{i:02d}" for i in range(40)]
SUBJECT_GAP = timedelta(days=14)


@dataclass(frozen=True)
class Generated:
    article: Article
    source: str
    event: int


def headline(sentence: str) -> str:
    """The first sentence, cut at its first ", " when what comes before is a headline (4 words or more).

    "À Lyon, les élus adoptent…" keeps its whole sentence; "10,000" is not a cut.
    """
    head = sentence.split(", ")[0]
    return (head if len(head.split()) >= 4 else sentence).rstrip(".")


def headline_subject(action: str, slots: dict[str, str], place: tuple[str, str]) -> tuple[str, ...]:
    """The action and the names in its English headline (not the number: a second moratorium of one company
    in a week, of another length, would be a correction, not another event)."""
    template = ACTIONS[action][1][0].split(", ")[0]
    named = [slots[key] for key in ("a", "c") if "{" + key + "}" in template]
    return (action, *named, *([place[1]] if "{p}" in template else []))


def generate(count: int, seed: int = 42, per_day: int = 120) -> Iterator[Generated]:
    """A stream of ``count`` articles in publication order.

    An event's headline subject (the action and the names its headline carries: "Nice bans facial
    recognition", "EFF fines Avigilon") does not recur within ``SUBJECT_GAP``: a city does not ban facial
    recognition twice in a week, and outlets would report a repeat as the same event. The same company,
    place or actor does recur with other actions, several times a week.
    """
    rng = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    pending: list[tuple[datetime, int, Generated]] = []
    made = event = 0
    minutes_between_events = 24 * 60 / (per_day / 4.0)
    clock = start
    subjects_seen: dict[tuple[str, ...], datetime] = {}
    while made < count:
        event += 1
        clock += timedelta(minutes=rng.expovariate(1 / minutes_between_events))
        while True:
            action = rng.choice(list(ACTIONS))
            slots = {"c": rng.choice(COMPANIES), "a": rng.choice(ACTORS), "n": str(rng.randint(2, 95))}
            place = rng.choice(PLACES)
            subject = headline_subject(action, slots, place)
            if subject not in subjects_seen or subjects_seen[subject] < clock - SUBJECT_GAP:
                subjects_seen[subject] = clock
                break
        wire_text: str | None = None
        for k in range(rng.choice([1, 1, 2, 3, 4, 5, 6, 8])):
            language = rng.choice(["fr", "en"])
            idx = 0 if language == "fr" else 1
            sentences = [s.format(p=place[idx], **slots) for s in ACTIONS[action][idx]]
            title = headline(sentences[0])
            tail = sentences[1:]
            rng.shuffle(tail)
            body = [rng.choice(OPENERS[idx]) + sentences[0], *tail]
            subjects, verbs, objects = FILLER_PARTS[idx]
            for _ in range(rng.randint(1, 4)):
                body.insert(
                    rng.randint(1, len(body)), f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)}."
                )
            text = " ".join(body)
            when = clock + timedelta(minutes=rng.randint(0, 4 * 24 * 60) if k else 0)
            if k and wire_text and rng.random() < 0.15:
                text = wire_text + BOILERPLATE  # a republished wire
            if k == 0 and language == "fr":
                wire_text = text
            url = f"https://{rng.choice(OUTLETS)}.example/{event}/{k}"
            article = Article(url=url, text=text, title=title, published_at=when, language=language)
            pending.append((when, made, Generated(article, url.split("/")[2], event)))
            made += 1
            if made >= count:
                break
        pending.sort(key=lambda item: (item[0], item[1]))
        while pending and pending[0][0] < clock - timedelta(days=5):
            yield pending.pop(0)[2]
    pending.sort(key=lambda item: (item[0], item[1]))
    for _, _, generated in pending:
        yield generated


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@dataclass
class Checkpoint:
    size: int
    latencies: list[float]

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000

    @property
    def p95_ms(self) -> float:
        return sorted(self.latencies)[int(0.95 * (len(self.latencies) - 1))] * 1000


def timed_stream(
    stream: Iterator[Generated],
    step: Callable[[Generated], None],
    sizes: list[int],
    sample: int,
    label: str,
    quality: Callable[[], str] | None = None,
) -> list[Checkpoint]:
    """Time ``sample`` steps after each size; ``quality`` (if given) is printed at each checkpoint."""
    checkpoints: list[Checkpoint] = []
    targets = sorted(sizes)
    started = time.perf_counter()
    current: Checkpoint | None = None
    for done, item in enumerate(stream):
        if current is None and targets and done >= targets[0]:
            current = Checkpoint(targets.pop(0), [])
        t0 = time.perf_counter()
        step(item)
        elapsed = time.perf_counter() - t0
        if current is not None:
            current.latencies.append(elapsed)
            if len(current.latencies) >= sample:
                checkpoints.append(current)
                print(
                    f"  {label}: at {current.size:>7} archived: {1000 / current.mean_ms:8.1f} articles/s, "
                    f"{current.mean_ms:6.2f} ms/article (p95 {current.p95_ms:6.2f} ms), "
                    f"total {done + 1} in {time.perf_counter() - started:6.1f} s, peak RSS {peak_rss_mb():.0f} MB",
                    flush=True,
                )
                if quality is not None:
                    print(f"  {label}: at {current.size:>7} archived: {quality()} (the {done + 1} so far)", flush=True)
                current = None
        if not targets and current is None:
            break
    return checkpoints


def report_ratio(label: str, checkpoints: list[Checkpoint]) -> None:
    if len(checkpoints) < 2:
        return
    first, last = checkpoints[0], checkpoints[-1]
    ratio = last.mean_ms / first.mean_ms
    verdict = "OK" if ratio <= LIMIT_RATIO else "OVER THE LIMIT"
    print(
        f"  {label}: per-article cost ratio {last.size}/{first.size} = {ratio:.2f} "
        f"(limit {LIMIT_RATIO}, {ratio / LIMIT_RATIO:.0%} of it) {verdict}"
    )


def grouping_only(sizes: list[int], sample: int, seed: int) -> None:
    extractor = FeatureExtractor(load_lexicon())
    index, copies = StoryIndex(), CopyIndex()
    predicted: dict[int, int] = {}
    truth: dict[int, int] = {}
    counter = [0]

    def step(item: Generated) -> None:
        counter[0] += 1
        number, article = counter[0], item.article
        when = article.published_at or datetime.now(UTC)
        copies.find(article.text)
        features = extractor.extract(article.title, article.text, article.language or "und")
        assignment = index.assign(features, when)
        story = assignment.story_id if assignment.story_id is not None else number
        index.add(story, features, when)
        copies.add(number, article.text, when)
        if number % 100 == 0:
            index.expire()
            copies.expire(when - timedelta(days=7))
        predicted[number], truth[number] = story, item.event

    total = max(sizes) + sample

    def quality() -> str:
        return f"BCubed {bcubed(predicted, truth)}"

    checkpoints = timed_stream(generate(total, seed), step, sizes, sample, "grouping", quality)
    report_ratio("grouping", checkpoints)
    print(f"  grouping: open stories in the index at the end: {len(index)}; texts in the copy index: {len(copies)}")
    print(f"  grouping: BCubed on the generated stream ({len(truth)} articles): {bcubed(predicted, truth)}")


def whole_archive(sizes: list[int], sample: int, seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        archive = Archive(database)

        def step(item: Generated) -> None:
            archive.add(item.article, SourceRef(item.source), [])

        total = max(sizes) + sample
        checkpoints = timed_stream(generate(total, seed), step, sizes, sample, "archive")
        report_ratio("archive", checkpoints)
        print(f"  archive: rows {archive.store.counts()}")
        database.dispose()


def labelled_scores() -> None:
    records: list[Labelled] = sorted(load_labelled(LABELLED), key=lambda r: (r.when, r.id))
    truth = {r.id: r.event for r in records}
    result = run_pipeline(records)
    events = len(set(truth.values()))
    print(f"  labelled set ({len(records)} articles, {events} events): BCubed {bcubed(result.stories, truth)}")


def real_pages() -> list[Labelled]:
    """Every corpus page our extractor reads with a date, as a labelled record (its own event unless listed)."""
    import csv
    import json

    from monitor.extraction import ExtractionError, extract_article

    listed = json.loads(REAL_EVENTS.read_text("utf-8"))["events"]
    event_of = {name: event for event, names in listed.items() for name in names}
    records = []
    with (CORPUS / "manifest.csv").open(encoding="utf-8") as manifest:
        for row in csv.DictReader(manifest):
            page = (CORPUS / row["source"] / f"{row['name']}.html").read_bytes()
            try:
                article = extract_article(page, row["url"])
            except ExtractionError:
                continue
            if article.published_at is None:
                continue
            records.append(
                Labelled(
                    id=row["name"],
                    event=event_of.get(row["name"], row["name"]),
                    source=row["url"].split("/")[2],
                    language=article.language or "und",
                    when=as_aware(article.published_at),
                    title=article.title,
                    text=article.text,
                    copy_of=None,
                )
            )
    return records


def real_scores() -> None:
    if not (CORPUS / "manifest.csv").exists():
        print(f"  real pages: skipped (no corpus at {CORPUS})")
        return
    started = time.process_time()
    records = sorted(real_pages(), key=lambda r: (r.when, r.id))
    month = [r for r in records if REAL_MONTH[0] <= r.when < REAL_MONTH[1]]
    truth = {r.id: r.event for r in month}
    events = len(set(truth.values()))
    shared = [r for r in month if r.event != r.id]
    print(
        f"  real pages of November 2019 ({len(month)} articles, {events} events; {len(shared)} articles in the "
        f"{len({r.event for r in shared})} events covered by several outlets), extracted in "
        f"{time.process_time() - started:.1f} s:"
    )
    print(f"    publication order: BCubed {bcubed(run_pipeline(month).stories, truth)}")
    for seed in range(3):
        shuffled = month[:]
        random.Random(seed).shuffle(shuffled)
        print(f"    shuffled (seed {seed}): BCubed {bcubed(run_pipeline(shuffled).stories, truth)}")
    for seed in range(3):
        mixed = records[:]  # with the pages of other years, expired after every article
        random.Random(seed).shuffle(mixed)
        stories = run_pipeline(mixed, expire_every=1).stories
        print(
            f"    among {len(records)} pages of 2010-2026, shuffled (seed {seed}), expired at each article: "
            f"BCubed {bcubed({k: stories[k] for k in truth}, truth)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="archive sizes to time at")
    parser.add_argument("--sample", type=int, default=500, help="articles timed at each size")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-archive", action="store_true", help="time the grouping alone")
    parser.add_argument("--real-only", action="store_true", help="only the labelled sets and the real pages")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(f"python {sys.version.split()[0]}, sizes {sizes}, {args.sample} articles timed at each")
    labelled_scores()
    real_scores()
    if args.real_only:
        return
    grouping_only(sizes, args.sample, args.seed)
    if not args.skip_archive:
        whole_archive(sizes, args.sample, args.seed)
    print(f"peak RSS of the run: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
