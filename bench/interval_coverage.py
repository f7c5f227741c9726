"""Coverage of the intervals the product prints, on the grid of cases where they used to fail.

    .venv/bin/python bench/interval_coverage.py [--trials 2000] [--out bench/INTERVALS.md]

Every case simulates data with a known truth, computes the interval with the project's own functions
and counts how often it misses the truth below and above (target 0.93-0.97 coverage, balanced tails):
- document shares at tiny expected counts: Wilson (the old method) against the project's choice,
  Clopper-Pearson at 3 hits or fewer, Wilson above;
- the ratio of two personas' documents: the exact conditional binomial (`stats.exact`) at 0:3, 1:18,
  3:10 and 30:30 expected documents, with the share of trials whose verdict is wrong;
- adjusted (tagger-corrected) shares from `stats.correction.jeffreys_adjusted` with audits of 50/200,
  50/1,000 and 500/5,000 positives/negatives, prevalence 1e-5 to 5e-2, fpr 1e-4 to 1e-2 (zero audit
  cells included), against the old normal interval from resampled audits;
- token shares of a persona in 1 to 100 documents of lognormal length, with the run's hash-seeded
  Poisson bootstrap (`stats.bootstrap.replicate_weights`, 1,000 replicates): the coverage the
  `low_support` flag warns of;
- the share of documents of a persona whose documents come as clusters of copies, with the bootstrap
  seeded by document (the old one) and by cluster (the run's, with deduplication).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from prevalence.stats.bootstrap import percentile_interval, replicate_weights  # noqa: E402
from prevalence.stats.correction import Audit, jeffreys_adjusted  # noqa: E402
from prevalence.stats.intervals import z_value  # noqa: E402
from prevalence.stats.exact import document_ratio_interval, verdict  # noqa: E402
from prevalence.stats.intervals import share_interval, wilson_interval  # noqa: E402


def old_normal_interval(observed: float, observed_replicates: np.ndarray, audit: Audit, seed: int) -> tuple[float, float]:
    """The interval the Jeffreys draws replaced (kept here as the baseline): normal, with the standard
    error of the unclipped estimate over corpus replicates and audits resampled with replacement."""
    rng = np.random.default_rng(seed)
    r = len(observed_replicates)
    tpr = rng.choice(audit.positives, size=(r, len(audit.positives))).mean(axis=1)
    fpr = rng.choice(audit.negatives, size=(r, len(audit.negatives))).mean(axis=1)
    tpr_hat, fpr_hat = audit.rates
    if tpr_hat <= fpr_hat:
        return float("nan"), float("nan")
    unclipped = (observed - fpr_hat) / (tpr_hat - fpr_hat)
    with np.errstate(divide="ignore", invalid="ignore"):
        replicates = (observed_replicates - fpr) / (tpr - fpr)
    half = z_value(0.95) * float(np.nanstd(replicates[tpr > fpr], ddof=1))
    return float(np.clip(unclipped - half, 0, 1)), float(np.clip(unclipped + half, 0, 1))


def misses(lows, highs, truth) -> tuple[float, float, float]:
    lows, highs = np.asarray(lows), np.asarray(highs)
    below, above = np.mean(truth < lows), np.mean(truth > highs)
    return 1 - below - above, below, above


def share_rows(trials: int, rng) -> list[str]:
    rows = ["| documents | expected hits | Wilson coverage (miss low / high) | project coverage (miss low / high) |", "| --- | --- | --- | --- |"]
    for n, p in ((10_000, 1e-4), (10_000, 5e-4), (1_000, 2e-3), (1_000, 3e-3), (1_000, 1e-2), (1_000, 5e-2)):
        k = rng.binomial(n, p, trials)
        w = misses(*wilson_interval(k, n), p)
        ours = misses(*share_interval(k, n)[:2], p)
        rows.append(f"| {n:,} | {n * p:g} | {w[0]:.3f} ({w[1]:.3f} / {w[2]:.3f}) | {ours[0]:.3f} ({ours[1]:.3f} / {ours[2]:.3f}) |")
    return rows


def ratio_rows(trials: int, rng) -> list[str]:
    rows = ["| expected docs A : B | true ratio | coverage (miss low / high) | verdict wrong | says 'larger' |", "| --- | --- | --- | --- | --- |"]
    for ea, eb in ((0.5, 3), (1, 18), (3, 10), (30, 30)):
        a = rng.poisson(ea, trials)
        b = rng.poisson(eb, trials)
        intervals = [document_ratio_interval(int(x), int(y), 0) for x, y in zip(a, b)]
        truth = ea / eb
        cov = misses([i[0] for i in intervals], [i[1] for i in intervals], truth)
        verdicts = [verdict(lo, hi) for lo, hi in intervals]
        wrong = np.mean([(v == "a" and truth <= 1) or (v == "b" and truth >= 1) for v in verdicts])
        larger = np.mean([v != "none" for v in verdicts])
        rows.append(f"| {ea:g} : {eb:g} | {truth:.3g} | {cov[0]:.3f} ({cov[1]:.3f} / {cov[2]:.3f}) | {wrong:.3f} | {larger:.3f} |")
    return rows


def adjusted_rows(trials: int, rng) -> list[str]:
    rows = ["| prevalence | fpr | tpr | audit +/- | old normal coverage (low / high) | Jeffreys coverage (low / high) | [0, 0] printed |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    n = 200_000
    for prevalence, fpr, tpr, pos, neg in ((1e-5, 1e-4, 0.9, 50, 1_000), (1e-4, 1e-3, 0.9, 50, 1_000), (1e-3, 1e-3, 0.9, 50, 200),
                                           (1e-2, 1e-2, 0.9, 50, 200), (5e-2, 1e-2, 0.9, 500, 5_000), (1e-4, 1e-4, 0.8, 500, 5_000)):
        old_l, old_h, new_l, new_h, zeros = [], [], [], [], 0
        for t in range(trials):
            present = rng.binomial(n, prevalence)
            k = rng.binomial(present, tpr) + rng.binomial(n - present, fpr)
            audit = Audit.from_counts(*(lambda tp, fp: (tp, pos - tp, fp, neg - fp))(rng.binomial(pos, tpr), rng.binomial(neg, fpr)))
            observed_reps = rng.binomial(n, k / n, 200) / n
            lo, hi = old_normal_interval(k / n, observed_reps, audit, seed=t)
            old_l.append(lo)
            old_h.append(hi)
            _, lo, hi = jeffreys_adjusted(k, n, audit, 0.95, seed=t)
            new_l.append(lo)
            new_h.append(hi)
            zeros += lo == 0 and hi == 0
        o = misses(old_l, old_h, prevalence)
        j = misses(new_l, new_h, prevalence)
        rows.append(f"| {prevalence:g} | {fpr:g} | {tpr} | {pos}/{neg} | {o[0]:.3f} ({o[1]:.3f} / {o[2]:.3f}) | "
                    f"{j[0]:.3f} ({j[1]:.3f} / {j[2]:.3f}) | {zeros} |")
    return rows


def token_rows(trials: int, rng) -> list[str]:
    """Corpus of 2,000 documents of lognormal length; the persona writes all of k of them (its share of
    words is the truth of the population the corpus is drawn from: k_expected x mean length / total)."""
    rows = ["| documents with the persona | coverage (miss low / high) | flagged low_support |", "| --- | --- | --- |"]
    n = 2_000
    for k in (1, 3, 10, 30, 100):
        truth = k / n  # expected share of words: k documents of the same length law among n
        lows, highs = [], []
        for t in range(trials):
            lengths = rng.lognormal(6, 1.0, n)
            has = np.zeros(n, dtype=bool)
            has[:k] = True
            weights = replicate_weights(rng.integers(0, 2**63, n, dtype=np.int64).view(np.uint64), 1000).astype(float)
            share = (lengths * has) @ weights / (lengths @ weights)
            lo, hi = percentile_interval(share, 0.95)
            lows.append(lo)
            highs.append(hi)
        c = misses(lows, highs, truth)
        rows.append(f"| {k} | {c[0]:.3f} ({c[1]:.3f} / {c[2]:.3f}) | {'yes' if k < 10 else 'no'} |")
    return rows


def cluster_rows(trials: int, rng) -> list[str]:
    """5,000 documents in clusters; the persona's clusters are copied m times. Truth: its share of clusters
    times m over the mean cluster size, i.e. the expected share of documents."""
    rows = ["| copies per cluster | seeded by document: coverage (low / high) | seeded by cluster: coverage (low / high) |",
            "| --- | --- | --- |"]
    clusters, p = 1_000, 0.05
    for m in (1, 5, 20):
        by_doc_l, by_doc_h, by_cl_l, by_cl_h = [], [], [], []
        for t in range(trials):
            has = rng.random(clusters) < p
            sizes = np.where(has, m, m)  # every cluster copied m times: the share of documents is p
            cluster_of = np.repeat(np.arange(clusters), sizes)
            flag = has[cluster_of].astype(float)
            doc_keys = rng.integers(0, 2**63, len(cluster_of), dtype=np.int64).view(np.uint64)
            cl_keys = rng.integers(0, 2**63, clusters, dtype=np.int64).view(np.uint64)[cluster_of]
            for keys, lows, highs in ((doc_keys, by_doc_l, by_doc_h), (cl_keys, by_cl_l, by_cl_h)):
                w = replicate_weights(keys, 1000).astype(float)
                lo, hi = percentile_interval(flag @ w / w.sum(axis=0), 0.95)
                lows.append(lo)
                highs.append(hi)
        d, c = misses(by_doc_l, by_doc_h, p), misses(by_cl_l, by_cl_h, p)
        rows.append(f"| {m} | {d[0]:.3f} ({d[1]:.3f} / {d[2]:.3f}) | {c[0]:.3f} ({c[1]:.3f} / {c[2]:.3f}) |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--out")
    args = parser.parse_args()
    rng = np.random.default_rng(14)
    started = time.time()
    lines = ["# Interval coverage on the hard cases", "",
             f"{time.strftime('%Y-%m-%d')}, {args.trials} trials per row, seed 14. Command: "
             f"`.venv/bin/python bench/interval_coverage.py --trials {args.trials}`. Method: its docstring.", "",
             "## Document shares at tiny counts", "", *share_rows(args.trials, rng), "",
             "## Ratio of two personas' documents (exact conditional binomial)", "", *ratio_rows(args.trials, rng), "",
             "## Adjusted shares (tagger error corrected with an audit)", "", *adjusted_rows(max(200, args.trials // 4), rng), "",
             "## Token shares of few documents (percentile bootstrap)", "", *token_rows(max(200, args.trials // 10), rng), "",
             "## Documents that come as clusters of copies", "", *cluster_rows(max(200, args.trials // 10), rng), "",
             f"took {time.time() - started:.0f} s"]
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
