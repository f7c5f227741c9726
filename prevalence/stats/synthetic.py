"""Synthetic corpora with planted personas and a tagger of known error rates, from a seed.

Ground truth for the estimator: each of `n_docs` documents contains a persona with its planted
prevalence; a tagger finds it with probability `tpr` where it is and `fpr` where it is not; an audit
set of labelled positives and negatives is drawn from the same tagger. Everything is reproducible
from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prevalence.stats.correction import Audit


@dataclass(frozen=True)
class SyntheticCorpus:
    doc_ids: list[str]
    truth: np.ndarray  # bool [personas, docs]
    tagged: np.ndarray  # bool [personas, docs]
    prevalences: np.ndarray
    audits: list[Audit]


def generate(
    seed: int,
    n_docs: int = 20000,
    prevalences=(1e-4, 1e-3, 1e-2, 5e-2),
    tpr: float = 0.9,
    fpr: float = 0.01,
    audit_positives: int = 200,
    audit_negatives: int = 2000,
) -> SyntheticCorpus:
    """A corpus of `n_docs` documents and one planted persona per prevalence."""
    rng = np.random.default_rng(seed)
    p = np.asarray(prevalences, dtype=float)[:, None]
    truth = rng.random((len(p), n_docs)) < p
    tagged = np.where(truth, rng.random(truth.shape) < tpr, rng.random(truth.shape) < fpr)
    audits = [
        Audit(positives=(rng.random(audit_positives) < tpr).astype(float), negatives=(rng.random(audit_negatives) < fpr).astype(float))
        for _ in range(len(p))
    ]
    return SyntheticCorpus([f"synthetic-{seed}-{i}" for i in range(n_docs)], truth, tagged, p[:, 0], audits)
