"""Deterministic document sampling: the same fraction selects the same documents on any machine."""

from __future__ import annotations

import numpy as np
import xxhash

_SAMPLE_SEED = 0x5A3D


def doc_hashes(doc_ids: list[str]) -> np.ndarray:
    """uint64 xxh3 of each doc id: the stable key for sampling and bootstrap weights."""
    return np.fromiter((xxhash.xxh3_64_intdigest(d.encode("utf-8")) for d in doc_ids), dtype=np.uint64, count=len(doc_ids))


def in_sample(hashes: np.ndarray, fraction: float) -> np.ndarray:
    """True for the documents a sample of `fraction` keeps: a uniform draw from the hash below it."""
    if not 0 < fraction <= 1:
        raise ValueError(f"sample fraction must be in (0, 1], got {fraction}")
    if fraction >= 1:
        return np.ones(len(hashes), dtype=bool)
    return uniform_from_hash(hashes ^ np.uint64(_SAMPLE_SEED)) < fraction


# splitmix64's increment and its two multipliers (`stats.replicate_sums` compiles the same mix).
SPLITMIX_GAMMA = np.uint64(0x9E3779B97F4A7C15)
SPLITMIX_M1 = np.uint64(0xBF58476D1CE4E5B9)
SPLITMIX_M2 = np.uint64(0x94D049BB133111EB)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x + SPLITMIX_GAMMA
        x = (x ^ (x >> np.uint64(30))) * SPLITMIX_M1
        x = (x ^ (x >> np.uint64(27))) * SPLITMIX_M2
        return x ^ (x >> np.uint64(31))


UNIFORM_BITS = 53


def uniform_bits(x: np.ndarray) -> np.ndarray:
    """The top 53 bits of splitmix64 of 64-bit keys, as uint64: `uniform_from_hash` times 2**53."""
    return _splitmix64(x) >> np.uint64(64 - UNIFORM_BITS)


def uniform_from_hash(x: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) doubles from 64-bit keys (top 53 bits of splitmix64)."""
    return uniform_bits(x).astype(np.float64) * (1.0 / (1 << UNIFORM_BITS))
