"""Adjusted classify-and-count: shares corrected for a tagger's true- and false-positive rates.

A tagger that finds a persona in a document with probability tpr when it is there and fpr when it
is not reports observed = tpr * p + fpr * (1 - p), so p = (observed - fpr) / (tpr - fpr), clipped to
[0, 1]. With soft scores (probabilities) the same formula on mean scores is the probabilistic variant
(mean score over true positives and over true negatives in place of tpr and fpr). The rates come from
an audit set of documents labelled by hand or a classifier's held-out split; its uncertainty enters
the interval through Jeffreys draws of its rates (`jeffreys_adjusted`). When the audit's documents come
from several sources and the rates differ between sources (a classifier's leave-one-source-out
evaluation), the sources are resampled in each draw too, so the interval carries the spread of the
rates between sources: a new corpus is one more source, whose rates may be anywhere in that spread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def adjust(observed, tpr, fpr) -> np.ndarray:
    """(observed - fpr) / (tpr - fpr) clipped to [0, 1]; NaN where tpr <= fpr (no information)."""
    observed, tpr, fpr = (np.asarray(x, dtype=float) for x in (observed, tpr, fpr))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (observed - fpr) / (tpr - fpr)
    return np.where(tpr > fpr, np.clip(p, 0.0, 1.0), np.nan)


@dataclass(frozen=True)
class Audit:
    """The tagger's output (1/0 or a score) on documents known to contain the persona (positives)
    and known not to (negatives)."""

    positives: np.ndarray
    negatives: np.ndarray
    # The source of each positive and each negative (integers), or None: one pool.
    positive_groups: np.ndarray | None = None
    negative_groups: np.ndarray | None = None

    @classmethod
    def from_counts(cls, tp: int, fn: int, fp: int, tn: int) -> "Audit":
        """An audit from confusion counts: tp + fn positives, fp + tn negatives."""
        return cls(positives=np.r_[np.ones(tp), np.zeros(fn)], negatives=np.r_[np.ones(fp), np.zeros(tn)])

    @classmethod
    def from_sources(cls, positives: list[tuple[int, int]], negatives: list[tuple[int, int]]) -> "Audit":
        """An audit from per-source counts: (tagged, documents) for each source of positives and each
        source of negatives; the sources are resampled in `jeffreys_adjusted`."""
        def pool(cells):
            values = np.concatenate([np.r_[np.ones(k), np.zeros(n - k)] for k, n in cells]) if cells else np.zeros(0)
            groups = np.concatenate([np.full(n, g) for g, (_, n) in enumerate(cells)]) if cells else np.zeros(0, int)
            return values, groups

        pos, pos_groups = pool(positives)
        neg, neg_groups = pool(negatives)
        return cls(pos, neg, pos_groups, neg_groups)

    @property
    def rates(self) -> tuple[float, float]:
        """(tpr, fpr) as mean tagger output over positives and negatives."""
        return float(np.mean(self.positives)), float(np.mean(self.negatives))


AUDIT_COLUMNS = ("persona", "role", "tp", "fn", "fp", "tn")


def load_audit(path: str, catalog) -> dict[tuple[str, str], Audit]:
    """{(persona_id or `*`, role): Audit} from a CSV of confusion counts per persona and role.

    Columns: persona (id, name or alias; `*` for every persona of the role), role, tp, fn, fp, tn:
    documents with the persona that the tagger found (tp) and missed (fn), documents without it that
    the tagger tagged (fp) and did not (tn). Classifier reports and hand audits both reduce to these.
    """
    import csv
    import os

    from prevalence.catalog import resolve
    from prevalence.errors import PrevalenceError

    if not os.path.isfile(path):
        raise PrevalenceError(f"audit file not found: {path}")
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = set(AUDIT_COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise PrevalenceError(f"audit file {path}: missing column(s) {', '.join(sorted(missing))}; needs {', '.join(AUDIT_COLUMNS)}")
        audits = {}
        for line, row in enumerate(reader, start=2):
            try:
                tp, fn, fp, tn = (int(row[c]) for c in ("tp", "fn", "fp", "tn"))
            except ValueError:
                raise PrevalenceError(f"audit file {path}, line {line}: tp, fn, fp, tn must be whole numbers") from None
            if min(tp, fn, fp, tn) < 0 or tp + fn == 0 or fp + tn == 0:
                raise PrevalenceError(f"audit file {path}, line {line}: needs counts >= 0 and at least one positive and one negative")
            persona = row["persona"].strip()
            pid = "*" if persona == "*" else resolve(catalog, persona).id
            audits[(pid, row["role"].strip())] = Audit.from_counts(tp, fn, fp, tn)
    return audits


def rate_draws(values: np.ndarray, groups: np.ndarray | None, rng: np.random.Generator, draws: int) -> np.ndarray:
    """Draws of a rate from its Jeffreys posterior, Beta(x + 1/2, m - x + 1/2); with groups, each draw
    first resamples the groups with replacement (a cluster bootstrap), then draws from the posterior
    of the resampled counts."""
    if groups is None or len(values) == 0:
        x, m = float(np.sum(values)), len(values)
        return rng.beta(x + 0.5, m - x + 0.5, draws)
    sums = np.bincount(groups, weights=values)
    sizes = np.bincount(groups).astype(float)
    present = sizes > 0
    sums, sizes = sums[present], sizes[present]
    picks = rng.multinomial(len(sizes), np.full(len(sizes), 1 / len(sizes)), size=draws)
    x, m = picks @ sums, picks @ sizes
    return rng.beta(x + 0.5, m - x + 0.5)


def jeffreys_adjusted(k: int, n: int, audit: Audit, level: float = 0.95, seed: int = 0, draws: int = 4000) -> tuple[float, float, float]:
    """(adjusted share, low, high) of a persona tagged in k of n documents, corrected with the audit.

    The observed share, the tagger's tpr and its fpr are drawn from their Jeffreys posteriors,
    Beta(x + 1/2, m - x + 1/2) (soft scores count as their sum), so an audit cell of 0 or a persona
    seen in no document never makes the uncertainty vanish. The interval is the percentiles of the
    unclipped draws, clipped to [0, 1] afterwards (balanced tails). When even its upper end is below
    0 (nothing beyond the false positives), the upper end is that of observed / tpr instead, a bound
    that ignores false positives: the interval is never [0, 0]. It always contains the point estimate.
    """
    if n <= 0:
        return float("nan"), float("nan"), float("nan")
    tpr_hat, fpr_hat = audit.rates
    rng = np.random.default_rng(seed)
    observed = rng.beta(k + 0.5, n - k + 0.5, draws)
    tpr = rate_draws(audit.positives, audit.positive_groups, rng, draws)
    fpr = rate_draws(audit.negatives, audit.negative_groups, rng, draws)
    informative = tpr > fpr
    if not informative.any():
        return float("nan"), float("nan"), float("nan")
    estimates = (observed[informative] - fpr[informative]) / (tpr[informative] - fpr[informative])
    tail = (1 - level) / 2
    low, high = np.quantile(estimates, [tail, 1 - tail])
    if high <= 0:
        high = np.quantile(observed / tpr, 1 - tail)
    point = (k / n - fpr_hat) / (tpr_hat - fpr_hat) if tpr_hat > fpr_hat else float("nan")
    if np.isfinite(point):  # a small audit can put the draws' bulk below an estimate made at fpr 0
        low, high = min(low, point), max(high, point)
    return float(np.clip(point, 0, 1)), float(np.clip(low, 0, 1)), float(np.clip(high, 0, 1))
