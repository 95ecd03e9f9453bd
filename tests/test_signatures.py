"""MinHash signatures computed with numpy alone are datasketch's (the reference, installed for the tests)."""

from __future__ import annotations

import random
import subprocess
import sys
import zlib

import numpy as np
from datasketch import MinHash

from monitor.dedup import shingle_bytes, signature
from monitor.lsh import jaccard
from monitor.signatures import CHUNK_ROWS, NUM_PERM, SEED, minhash_values
from monitor.textnorm import words
from tests.test_cli import AMAZON_EN, AMAZON_FR


def _datasketch(shingles: list[bytes]) -> MinHash:
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=zlib.crc32)
    minhash.update_batch(shingles)
    return minhash


def test_values_are_datasketch_minhash_values() -> None:
    rnd = random.Random(7)
    for count in (0, 1, 2, 60, CHUNK_ROWS - 1, CHUNK_ROWS, 3 * CHUNK_ROWS + 5):
        shingles = [" ".join(str(rnd.random()) for _ in range(5)).encode() for _ in range(count)]
        ours = minhash_values(shingles)
        assert ours.dtype == _datasketch(shingles).hashvalues.dtype
        assert np.array_equal(ours, _datasketch(shingles).hashvalues), count
    for text in (AMAZON_FR, AMAZON_EN, "L’identification faciale à Nice."):
        shingles = shingle_bytes(words(text))
        assert np.array_equal(minhash_values(shingles), _datasketch(shingles).hashvalues)


def test_signatures_compare_as_datasketch_sketches() -> None:
    fr, en = signature(AMAZON_FR), signature(AMAZON_EN)
    assert jaccard(fr, signature(AMAZON_FR)) == 1.0
    expected = _datasketch(shingle_bytes(words(AMAZON_FR))).jaccard(_datasketch(shingle_bytes(words(AMAZON_EN))))
    assert jaccard(fr, en) == expected < 0.2


def test_an_extraction_worker_never_imports_datasketch_scipy_nor_dateparser() -> None:
    script = (
        "import sys\n"
        "from monitor.workers import PageJob, _WARM_UP_PAGE, _init_worker, extract_page\n"
        "_init_worker()\n"
        "page = _WARM_UP_PAGE.encode() * 3\n"
        "result = extract_page(PageJob(url='https://example.org/a.html', body=page, prepare=True))\n"
        "assert result.prepared is not None, result.error\n"
        "print(sorted(m for m in ('datasketch', 'scipy', 'dateparser') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
