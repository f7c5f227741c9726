"""Confidence intervals for proportions."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np


def z_value(level: float) -> float:
    """Two-sided normal quantile for a confidence level such as 0.95."""
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be in (0, 1), got {level}")
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson_interval(successes, trials, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for proportions successes/trials (arrays or scalars); NaN where trials is 0."""
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    low = np.where(k == 0, 0.0, low)
    high = np.where(k == n, 1.0, high)
    return np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)


# At this many hits or fewer a document share gets the exact interval: Wilson undercovers at expected
# counts below 1 (bench/INTERVALS.md).
EXACT_MAX_HITS = 3


def share_interval(successes, trials, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, high, method) for document shares: Clopper-Pearson at EXACT_MAX_HITS hits or fewer, Wilson above."""
    from prevalence.stats.exact import clopper_pearson

    k = np.asarray(successes, dtype=float)
    w_low, w_high = wilson_interval(k, trials, level)
    c_low, c_high = clopper_pearson(k, np.broadcast_to(np.asarray(trials, dtype=float), k.shape), level)
    exact = k <= EXACT_MAX_HITS
    method = np.where(exact, "clopper_pearson", "wilson")
    return np.where(exact, c_low, w_low), np.where(exact, c_high, w_high), method
