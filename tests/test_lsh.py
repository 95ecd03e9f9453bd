"""The copy index's LSH (monitor.lsh) bands and answers as datasketch's MinHashLSH, without importing scipy."""

from __future__ import annotations

import random
import subprocess
import sys
import zlib

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from datasketch.lsh import _optimal_param

from monitor.lsh import BandIndex, jaccard, optimal_bands
from monitor.signatures import NUM_PERM, SEED, minhash_values


@pytest.mark.parametrize("num_perm", [16, 64, NUM_PERM, 256])
def test_bands_and_rows_are_datasketchs(num_perm: int) -> None:
    for threshold in [i / 20 for i in range(1, 20)] + [0.33, 0.6, 0.85]:
        assert optimal_bands(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5), threshold
    for weights in [(0.3, 0.7), (0.9, 0.1)]:
        assert optimal_bands(0.6, num_perm, *weights) == _optimal_param(0.6, num_perm, *weights)


def test_parameters_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="threshold"):
        optimal_bands(1.2, NUM_PERM)
    with pytest.raises(ValueError, match="num_perm"):
        optimal_bands(0.5, 1)


def _texts(rnd: random.Random, count: int) -> list[list[bytes]]:
    """Shingle sets that overlap by various amounts: variants of a few base texts."""
    bases = [[f"base{b} shingle {i}".encode() for i in range(120)] for b in range(6)]
    texts = []
    for _ in range(count):
        base = rnd.choice(bases)
        kept = [s for s in base if rnd.random() < rnd.choice([0.95, 0.8, 0.6, 0.3])]
        texts.append(kept + [f"noise {rnd.random()}".encode() for _ in range(rnd.randint(0, 40))])
    return texts


def test_candidates_and_similarities_are_datasketchs_through_inserts_and_removals() -> None:
    rnd = random.Random(11)
    ours, theirs = BandIndex(0.6, NUM_PERM), MinHashLSH(threshold=0.6, num_perm=NUM_PERM)
    signatures: dict[int, np.ndarray] = {}
    sketches: dict[int, LeanMinHash] = {}
    for key, shingles in enumerate(_texts(rnd, 150)):
        signatures[key] = minhash_values(shingles)
        sketch = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=zlib.crc32)
        sketch.update_batch(shingles)
        sketches[key] = LeanMinHash(sketch)
    for key in signatures:
        ours.insert(key, signatures[key])
        theirs.insert(key, sketches[key])
    for key in list(signatures)[::3]:
        ours.remove(key)
        theirs.remove(key)
    assert len(ours) == 100 and 0 not in ours and 1 in ours
    some_found = 0
    for key in signatures:
        found = ours.query(signatures[key])
        assert found == set(theirs.query(sketches[key])), key
        some_found += len(found) > 1
        for other in found:
            assert jaccard(signatures[key], signatures[other]) == sketches[key].jaccard(sketches[other])
    assert some_found > 30  # the texts do overlap: the comparison is not of empty answers


def test_an_index_refuses_a_key_twice_and_a_signature_of_another_length() -> None:
    index = BandIndex(0.6, NUM_PERM)
    values = minhash_values([b"a b c d e"])
    index.insert(1, values)
    with pytest.raises(ValueError, match="already indexed"):
        index.insert(1, values)
    with pytest.raises(ValueError, match="values"):
        index.query(values[:64])
    index.remove(1)
    assert not index.query(values) and len(index) == 0


def test_archiving_copies_imports_neither_datasketch_nor_scipy(tmp_path: object) -> None:
    script = f"""
import sys
from datetime import UTC, datetime, timedelta
from monitor.archive import Archive, SourceRef
from monitor.article import Article
from monitor.db.session import Database
text = " ".join(f"Police in {{c}} began facial recognition trials this week, the agency says." for c in "ABCDEFGHIJ")
archive = Archive(Database("sqlite:///{tmp_path}/a.db"))
now = datetime.now(UTC)
ids = []
for n, extra in enumerate(("", " Updated.")):
    article = Article(url=f"https://o{{n}}.example/a", text=text + extra, title="Facial recognition trials")
    article.published_at, article.language = now - timedelta(hours=2 - n), "en"
    ids.append(archive.add(article, SourceRef(f"o{{n}}"), []))
assert ids[1].copy_of == ids[0].article_id, ids
print(sorted(m for m in ("datasketch", "scipy") if m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
