"""Train a fastText archetype classifier from a labelled corpus, with a held-out split and report.

The corpus is read by the project's own readers (any format `run` reads), so every record is either
a labelled document, an unlabelled one, or a reject, and the report counts all three. Documents of
one group (a book, a site: `group_field`) stay on one side of the split, so the held-out figures
measure new works rather than new pages of works seen in training.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import pyarrow as pa
import xxhash

from prevalence.classifier.fit import TrainOptions, fit
from prevalence.classifier.labelled import read_labelled
from prevalence.classifier.loso import calibrate, loso_report, loso_scores, sources_by_label
from prevalence.classifier.model import MODEL_FILE, REPORT_FILE, ArchetypeModel, decided
from prevalence.classifier.report import evaluate, markdown
from prevalence.classifier.text import fasttext_lines
from prevalence.config import ReadOptions
from prevalence.errors import PrevalenceError

__all__ = ["TrainOptions", "held_out_groups", "train_classifier"]


def held_out_groups(labels: list[str], groups: list[str], fraction: float) -> set[str]:
    """Groups held out: per label, the first ceil(fraction x its groups) in xxh3 order (at least one
    when the label has two or more groups); a group keeps the side it got first."""
    chosen: set[str] = set()
    decided: set[str] = set()
    by_label: dict[str, set[str]] = {}
    for label, group in zip(labels, groups):
        by_label.setdefault(label, set()).add(group)
    for label in sorted(by_label):
        ordered = sorted(by_label[label], key=lambda g: xxhash.xxh3_64_hexdigest(g.encode()))
        want = math.ceil(fraction * len(ordered)) if len(ordered) > 1 else 0
        held = [g for g in ordered if g in chosen]
        for g in ordered:
            if len(held) >= want:
                break
            if g not in decided:
                chosen.add(g)
                held.append(g)
        decided.update(ordered)
    return chosen


def train_classifier(
    paths: list[str], out: str, read: ReadOptions, opts: TrainOptions = TrainOptions(), overwrite: bool = False,
    progress: Callable[[str], None] = lambda _msg: None, loso: bool = False, calibrate_threshold: bool = False,
    known_loso: dict | None = None,
) -> dict:
    """Train, evaluate, and write the model directory; returns the report.

    The report always has the same-source held-out split (`held_out`: unseen works of sources seen in
    training). With `loso`, it also has `loso`: every document scored by a model trained without its
    source, the rates a run corrects shares with. `calibrate_threshold` (needs `loso` and documents
    labelled `unclassified`) sets the threshold that balances archetype accuracy against abstention.
    `known_loso` attaches a section measured before on the same corpus and options (the default model's)."""
    if os.path.exists(out) and not overwrite:
        raise PrevalenceError(f"{out} exists; choose a new directory or pass --overwrite")
    if calibrate_threshold and not loso:
        raise PrevalenceError("--threshold calibrate needs --loso: the threshold is calibrated on leave-one-source-out scores")
    corpus = read_labelled(paths, read)
    labels = sorted(set(corpus.labels))
    lines = fasttext_lines(pa.array(corpus.texts, pa.string()), opts.max_chars)
    loso_section = known_loso
    if known_loso is not None and known_loso["threshold"] != opts.threshold:
        raise PrevalenceError(f"the leave-one-source-out rates were measured at threshold {known_loso['threshold']}, not {opts.threshold}")
    if loso:
        sources_by_label(corpus)
        scores = loso_scores(corpus, lines, opts, progress)
        if calibrate_threshold:
            threshold, table = calibrate(corpus.labels, scores)
            opts = replace(opts, threshold=threshold)
            progress(f"calibrated threshold {threshold}")
        loso_section = loso_report(corpus, scores, opts.threshold)
        if calibrate_threshold:
            loso_section["calibration"] = table
    held = held_out_groups(corpus.labels, corpus.groups, opts.held_out)
    train_idx = [i for i, g in enumerate(corpus.groups) if g not in held]
    test_idx = [i for i, g in enumerate(corpus.groups) if g in held]
    progress(f"training on {len(train_idx)} documents, {len(labels)} labels; {len(test_idx)} held out")
    staging = tempfile.mkdtemp(prefix=".train-", dir=os.path.dirname(os.path.abspath(out)) or ".")
    try:
        # The held-out figures come from a model trained without the held-out groups ...
        fit(lines, corpus.labels, train_idx, labels, opts, staging)
        predicted = decided(ArchetypeModel.load(staging).best([corpus.texts[i] for i in test_idx]), opts.threshold)
        held_out = evaluate([corpus.labels[i] for i in test_idx], predicted, labels)
        # ... and the model written is trained on every document.
        meta = fit(lines, corpus.labels, list(range(len(lines))), labels, opts, staging)
        report = {
            "corpus": {"paths": list(paths), "documents_labelled": len(corpus.labels), "unlabelled": corpus.unlabelled,
                       "rejected": sum(corpus.rejected.values()), "rejected_by_reason": dict(sorted(corpus.rejected.items())),
                       "per_label": dict(sorted(Counter(corpus.labels).items())),
                       "sources": len(set(corpus.sources))},
            "split": {"group_field": read.group_field, "held_out_fraction": opts.held_out, "train_documents": len(train_idx),
                      "held_out_groups": len(held)},
            "threshold": opts.threshold,
            "top_k": opts.top_k,
            "held_out": held_out,
            "loso": loso_section,
            "model": {"fingerprint": meta["fingerprint"], "bytes": os.path.getsize(os.path.join(staging, MODEL_FILE))},
        }
        write_report(staging, report)
        os.chmod(staging, 0o755)
        if os.path.exists(out):
            shutil.rmtree(out)
        os.replace(staging, out)
        return report
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging, ignore_errors=True)


def write_report(folder: str, report: dict) -> None:
    """report.json and report.md of a model directory."""
    with open(os.path.join(folder, REPORT_FILE), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    with open(os.path.join(folder, "report.md"), "w", encoding="utf-8") as f:
        f.write(markdown(report))
