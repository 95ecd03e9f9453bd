"""MinHash signatures of word shingles, computed with numpy alone (pure).

The values are those of datasketch's ``MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=zlib.crc32)`` in
its default ``affine32`` scheme, fed the same shingles (the tests check both give the same values), and
``monitor.lsh`` indexes them as datasketch's ``MinHashLSH`` would. Computing them here spares every
process importing datasketch, which imports scipy for its LSH parameter search (about 0.5 s of CPU per
process, measured).

Each shingle is hashed with CRC-32 (stable across processes, cheaper than SHA-1), mixed by the
MurmurHash3 finalizer, then mapped by ``NUM_PERM`` affine permutations ``a * h + b mod 2**32`` (odd ``a``:
bijections) drawn once per process from ``numpy.random.RandomState(SEED)``; a signature keeps the
minimum of each permutation.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from functools import cache

import numpy as np
import numpy.typing as npt

NUM_PERM = 128
SEED = 1
CHUNK_ROWS = 2048  # shingles permuted at once: bounds the temporary array to CHUNK_ROWS x NUM_PERM x 4 bytes
_EMPTY = np.uint32(0xFFFFFFFF)  # the value of a permutation no shingle reached (datasketch's too)
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))

Values = npt.NDArray[np.uint32]


@cache
def permutations() -> tuple[Values, Values]:
    """The ``a`` (odd) and ``b`` of the permutations, drawn once per process; read-only, shared."""
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def minhash_values(shingles: Iterable[bytes]) -> Values:
    """The ``NUM_PERM`` minimum permuted hashes of ``shingles`` (all ``0xFFFFFFFF`` when there are none)."""
    hashes = np.fromiter((zlib.crc32(shingle) for shingle in shingles), dtype=np.uint32)
    values = np.full(NUM_PERM, _EMPTY, dtype=np.uint32)
    if not hashes.size:
        return values
    shift1, multiply1, shift2, multiply2, shift3 = _FMIX
    hashes ^= hashes >> shift1  # MurmurHash3's finalizer; uint32 products wrap around, as intended
    hashes *= multiply1
    hashes ^= hashes >> shift2
    hashes *= multiply2
    hashes ^= hashes >> shift3
    a, b = permutations()
    for start in range(0, hashes.size, CHUNK_ROWS):
        permuted = hashes[start : start + CHUNK_ROWS].reshape(-1, 1) * a + b
        np.minimum(values, permuted.min(axis=0), out=values)
    return values
