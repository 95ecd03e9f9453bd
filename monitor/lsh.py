"""MinHash LSH over the signatures of ``monitor.signatures`` (pure).

The banding of datasketch's ``MinHashLSH`` (Leskovec, Rajaraman and Ullman, *Mining of Massive Datasets*,
ch. 3): a signature of ``NUM_PERM`` values is cut into ``bands`` of ``rows`` values; two texts are
candidates when one band is equal. ``optimal_bands`` picks ``(bands, rows)`` as datasketch does, minimising
the weighted areas of false positives below the threshold and false negatives above it, and the tests
check it gives datasketch's parameters and candidates. Written here because datasketch computes those
areas with scipy's ``quad``, and importing scipy cost the crawl process about 0.5 s of CPU, inside the
crawl, for integrals of polynomials that Gauss-Legendre quadrature computes exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from monitor.signatures import Values


def optimal_bands(
    threshold: float, num_perm: int, false_positive_weight: float = 0.5, false_negative_weight: float = 0.5
) -> tuple[int, int]:
    """``(bands, rows)``, ``bands * rows <= num_perm``, minimising the weighted sum of the false positive area
    (the probability of becoming candidates, integrated over similarities below ``threshold``) and the
    false negative area (of not becoming candidates, above it); ties go to the fewest bands, then rows."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], not {threshold}")
    if num_perm < 2:
        raise ValueError(f"num_perm must be at least 2, not {num_perm}")
    pairs = [(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)]
    bands = np.array([b for b, _ in pairs], dtype=np.float64)[:, None]
    rows = np.array([r for _, r in pairs], dtype=np.float64)[:, None]
    # 1 - (1 - s**r)**b is a polynomial of degree b * r <= num_perm: n nodes integrate degree 2n - 1 exactly
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)

    def area(low: float, high: float, candidate: bool) -> np.ndarray:
        s = (high - low) / 2 * nodes + (high + low) / 2
        collide = 1.0 - (1.0 - s[None, :] ** rows) ** bands
        values = collide if candidate else 1.0 - collide
        return (high - low) / 2 * (values @ weights)

    error = false_positive_weight * area(0.0, threshold, True) + false_negative_weight * area(threshold, 1.0, False)
    return pairs[int(np.argmin(error))]  # argmin: the first of equal minima, as datasketch's strict "<"


class BandIndex:
    """Keys indexed by the bands of their signature: ``query`` gives the keys sharing a band with one."""

    def __init__(self, threshold: float, num_perm: int) -> None:
        self.num_perm = num_perm
        self.bands, self.rows = optimal_bands(threshold, num_perm)
        self._tables: list[dict[bytes, set[int]]] = [{} for _ in range(self.bands)]
        self._keys: dict[int, list[bytes]] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: int) -> bool:
        return key in self._keys

    def _band_keys(self, values: Values) -> Iterator[bytes]:
        if len(values) != self.num_perm:
            raise ValueError(f"a signature of {len(values)} values, this index takes {self.num_perm}")
        data = values.tobytes()
        width = values.itemsize * self.rows
        return (data[i * width : (i + 1) * width] for i in range(self.bands))

    def insert(self, key: int, values: Values) -> None:
        if key in self._keys:
            raise ValueError(f"key {key!r} is already indexed")
        bands = list(self._band_keys(values))
        for table, band in zip(self._tables, bands, strict=True):
            table.setdefault(band, set()).add(key)
        self._keys[key] = bands

    def query(self, values: Values) -> set[int]:
        found: set[int] = set()
        for table, band in zip(self._tables, self._band_keys(values), strict=True):
            keys = table.get(band)
            if keys:
                found |= keys
        return found

    def remove(self, key: int) -> None:
        for table, band in zip(self._tables, self._keys.pop(key), strict=True):
            keys = table[band]
            keys.discard(key)
            if not keys:
                del table[band]


def jaccard(a: Values, b: Values) -> float:
    """The Jaccard similarity two signatures estimate: the share of equal values."""
    if len(a) != len(b):
        raise ValueError(f"signatures of {len(a)} and {len(b)} values cannot be compared")
    return float(np.count_nonzero(a == b)) / len(a)
