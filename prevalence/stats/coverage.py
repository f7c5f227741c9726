"""Bias and interval coverage of raw and adjusted estimates over seeded synthetic corpora.

The measurement behind docs/estimator.md and the coverage tests: for each seed, a synthetic corpus is
estimated exactly as a run estimates a role (Jeffreys draws of the share and of the audit's rates,
`stats.correction.jeffreys_adjusted`), and the intervals are checked against the planted prevalence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prevalence.stats.correction import jeffreys_adjusted
from prevalence.stats.intervals import wilson_interval
from prevalence.stats.synthetic import generate


@dataclass(frozen=True)
class CoverageReport:
    prevalences: np.ndarray
    raw_mean: np.ndarray
    adjusted_mean: np.ndarray
    raw_abs_error: np.ndarray
    adjusted_abs_error: np.ndarray
    raw_coverage: np.ndarray  # Wilson interval of the raw share contains the true prevalence
    adjusted_coverage: np.ndarray
    adjusted_width: np.ndarray
    seeds: int


def measure(seeds: range, level: float = 0.95, **corpus_options) -> CoverageReport:
    """Estimate every synthetic corpus of `seeds` and summarise bias and coverage per prevalence."""
    rows = []
    for seed in seeds:
        corpus = generate(seed, **corpus_options)
        n = corpus.tagged.shape[1]
        for i, p in enumerate(corpus.prevalences):
            k = int(corpus.tagged[i].sum())
            raw_low, raw_high = wilson_interval(k, n, level)
            adj, low, high = jeffreys_adjusted(k, n, corpus.audits[i], level, seed=seed * 7919 + i)
            rows.append((i, p, k / n, adj, raw_low <= p <= raw_high, low <= p <= high, high - low))
    data = np.array([r[:4] + (float(r[4]), float(r[5]), r[6]) for r in rows])
    by = [data[data[:, 0] == i] for i in range(int(data[:, 0].max()) + 1)]
    return CoverageReport(
        prevalences=np.array([d[0, 1] for d in by]),
        raw_mean=np.array([d[:, 2].mean() for d in by]),
        adjusted_mean=np.array([d[:, 3].mean() for d in by]),
        raw_abs_error=np.array([np.abs(d[:, 2] - d[:, 1]).mean() for d in by]),
        adjusted_abs_error=np.array([np.abs(d[:, 3] - d[:, 1]).mean() for d in by]),
        raw_coverage=np.array([d[:, 4].mean() for d in by]),
        adjusted_coverage=np.array([d[:, 5].mean() for d in by]),
        adjusted_width=np.array([d[:, 6].mean() for d in by]),
        seeds=len(seeds),
    )
