"""Exact intervals for small counts: Clopper-Pearson for proportions, and the conditional binomial for
the ratio of two personas' documents or counts.

Ratio of documents: of the documents that carry exactly one of the two personas (the discordant
ones, d = a_only + b_only), the number that carry A is Binomial(d, p) given d, whatever the corpus
size; the Clopper-Pearson interval of p, mapped through R(p) = (both + p d) / (both + (1 - p) d), is
an exact interval for docs_A / docs_B given the documents that carry both. For 1 document against 18
it is about [0.0013, 0.35]. Counts (mentions) are treated as Poisson: given their total, A's count is
binomial, and p / (1 - p) is the ratio of the rates.
"""

from __future__ import annotations

import math

import numpy as np


def clopper_pearson(k, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson) interval for k successes in n trials (arrays or scalars); NaN where n is 0."""
    from scipy.stats import beta  # here, not at import: `prevalence run` imports scipy while its JVM starts

    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    a = (1 - level) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(k > 0, beta.ppf(a, k, n - k + 1), 0.0)
        high = np.where(k < n, beta.ppf(1 - a, k + 1, n - k), 1.0)
    return np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)


def document_ratio_interval(a_only: int, b_only: int, both: int, level: float = 0.95) -> tuple[float, float]:
    """Exact interval of docs_A / docs_B from the conditional binomial; (0, inf) says nothing is known."""
    d = a_only + b_only
    if d == 0:
        return (1.0, 1.0) if both else (0.0, math.inf)
    low_p, high_p = (float(x) for x in clopper_pearson(a_only, d, level))

    def ratio(p: float) -> float:
        denominator = both + (1 - p) * d
        return math.inf if denominator == 0 else (both + p * d) / denominator

    return ratio(low_p), ratio(high_p)


def count_ratio_interval(count_a: int, count_b: int, level: float = 0.95) -> tuple[float, float]:
    """Exact interval of the ratio of two Poisson counts (mentions, turns) given their total."""
    total = count_a + count_b
    if total == 0:
        return 0.0, math.inf
    low_p, high_p = (float(x) for x in clopper_pearson(count_a, total, level))
    return low_p / (1 - low_p) if low_p < 1 else math.inf, high_p / (1 - high_p) if high_p < 1 else math.inf


def verdict(low: float, high: float) -> str:
    """`a` when the interval of A / B lies above 1, `b` when below, else `none` (not distinguishable)."""
    if low > 1:
        return "a"
    if high < 1:
        return "b"
    return "none"
