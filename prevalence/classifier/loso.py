"""Leave-one-source-out evaluation and the abstention threshold of an archetype classifier.

Held-out works of a source the model trained on flatter a classifier: a new corpus is written by other
authors. Here every document is scored by a model trained without its whole source; the abstention
threshold is calibrated on text of kinds no archetype covers (label `unclassified`); and the rates a
run corrects shares with are measured at that threshold.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from prevalence.classifier.fit import TrainOptions, fit
from prevalence.classifier.labelled import LabelledCorpus
from prevalence.classifier.model import UNCLASSIFIED, ArchetypeModel, Score, decided
from prevalence.classifier.report import evaluate
from prevalence.errors import PrevalenceError

# Thresholds tried for abstention: a document gets its best label only if that label scores this much.
GRID = tuple(round(0.05 * k, 2) for k in range(2, 20))
# A label needs this many sources, so that leaving one out still leaves it learnable from two.
MIN_SOURCES = 3


def sources_by_label(corpus: LabelledCorpus, min_sources: int = MIN_SOURCES) -> dict[str, list[str]]:
    """{label: its sources}; a clear error naming the labels with fewer than `min_sources`."""
    by_label: dict[str, set[str]] = {}
    for label, source in zip(corpus.labels, corpus.sources):
        by_label.setdefault(label, set()).add(source)
    short = {label: sorted(s) for label, s in by_label.items() if len(s) < min_sources}
    if short:
        named = "; ".join(f"{label} ({', '.join(s)})" for label, s in sorted(short.items()))
        raise PrevalenceError(f"leave-one-source-out needs {min_sources} sources per label; too few for {named}")
    shared = [s for s in set(corpus.sources) if sum(s in v for v in by_label.values()) > 1]
    if shared:
        raise PrevalenceError(f"a source must hold one label only; {', '.join(sorted(shared))} hold several")
    return {label: sorted(s) for label, s in sorted(by_label.items())}


def loso_scores(corpus: LabelledCorpus, lines: list[str], opts: TrainOptions,
                progress: Callable[[str], None] = lambda _m: None) -> list[Score | None]:
    """Every document's best label and score from a model trained on all the other sources; `lines`
    are the documents' fastText input (`fasttext_lines`)."""
    labels = sorted(set(corpus.labels))
    out: list[Score | None] = [None] * len(corpus.texts)
    sources = sorted(set(corpus.sources))
    for k, source in enumerate(sources, start=1):
        train = [i for i, s in enumerate(corpus.sources) if s != source]
        test = [i for i, s in enumerate(corpus.sources) if s == source]
        progress(f"leave-one-source-out {k}/{len(sources)}: {source} ({len(test)} documents)")
        folder = tempfile.mkdtemp(prefix="loso-")
        try:
            fit(lines, corpus.labels, train, labels, replace(opts, threshold=0.0), folder)
            for i, score in zip(test, ArchetypeModel.load(folder).best([corpus.texts[i] for i in test])):
                out[i] = score
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return out


def calibrate(true: list[str], scores: list[Score | None], grid=GRID) -> tuple[float, list[dict]]:
    """The threshold that best balances labelling archetype text right against abstaining on text of no
    archetype (true label `unclassified`), both leave-one-source-out: the mean of the two rates is
    maximised, ties going to the higher threshold. Returns it with the table of every threshold tried."""
    inside = [i for i, y in enumerate(true) if y != UNCLASSIFIED]
    outside = [i for i, y in enumerate(true) if y == UNCLASSIFIED]
    if not inside or not outside:
        raise PrevalenceError(f"calibrating the threshold needs documents labelled {UNCLASSIFIED!r} and documents of other labels")
    table = []
    for t in grid:
        got = decided(scores, t)
        accuracy = sum(got[i] == true[i] for i in inside) / len(inside)
        abstain = sum(got[i] == UNCLASSIFIED for i in outside) / len(outside)
        table.append({"threshold": t, "archetype_accuracy": accuracy,
                      "archetype_abstained": sum(got[i] == UNCLASSIFIED for i in inside) / len(inside),
                      "outside_abstained": abstain, "balanced": (accuracy + abstain) / 2})
    best = max(table, key=lambda r: (round(r["balanced"], 9), r["threshold"]))
    return best["threshold"], table


def by_source(corpus: LabelledCorpus, got: list[str]) -> dict[str, dict]:
    """Per source: its label, documents, the share that abstained, the share labelled right, and the
    labels given."""
    out: dict[str, dict] = {}
    for source, true, label in zip(corpus.sources, corpus.labels, got):
        row = out.setdefault(source, {"label": true, "documents": 0, "given": Counter()})
        row["documents"] += 1
        row["given"][label] += 1
    return {s: {"label": r["label"], "documents": r["documents"],
                "abstention_rate": r["given"][UNCLASSIFIED] / r["documents"],
                "recall": r["given"][r["label"]] / r["documents"], "given": dict(sorted(r["given"].items()))}
            for s, r in sorted(out.items())}


def loso_report(corpus: LabelledCorpus, scores: list[Score | None], threshold: float) -> dict:
    """Leave-one-source-out confusion, per-label rates (the one-vs-rest counts a run corrects with),
    macro F1 over the archetype labels, and per-source abstention, at one threshold."""
    labels = sorted(set(corpus.labels))
    got = decided(scores, threshold)
    report = evaluate(corpus.labels, got, labels)
    archetypes = [label for label in labels if label != UNCLASSIFIED]
    report["macro_f1"] = sum(report["per_label"][label]["f1"] for label in archetypes) / len(archetypes)
    return {"method": "leave_one_source_out", "threshold": threshold, "sources": sources_by_label(corpus),
            "per_source": by_source(corpus, got), **report}
