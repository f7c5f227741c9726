"""LSH banding: bands and rows chosen as datasketch chooses them, band keys hashed with numpy."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from prevalence.dedup.minhash import fmix


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) that datasketch's MinHashLSH picks for this threshold (equal false-positive and
    false-negative weights), read from MinHashLSH itself rather than reimplemented."""
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """int64 [n_docs, bands]: one 64-bit key per band of each signature (band index mixed in, so equal
    values in different bands give different keys)."""
    n = signatures.shape[0]
    sig = signatures[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    h = np.broadcast_to(np.arange(bands, dtype=np.uint64) + np.uint64(0x51_7C_C1_B7_27_22_0A_95), (n, bands)).copy()
    with np.errstate(over="ignore"):
        for r in range(rows):
            h = fmix(h ^ sig[:, :, r], 64)
    return h.view(np.int64)


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise share of equal signature values: MinHash's Jaccard estimate."""
    return (a == b).mean(axis=1)
