"""Train a fastText archetype classifier from a labelled corpus, with a held-out split and report.

The corpus is read by the project's own readers (any format `run` reads), so every record is either
a labelled document, an unlabelled one, or a reject, and the report counts all three. Documents of
one group (a book, a site: `group_field`) stay on one side of the split, so the held-out figures
measure new works rather than new pages of works seen in training.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass

import pyarrow as pa
import xxhash

from prevalence.classifier.model import LABEL_PREFIX, META_FILE, MODEL_FILE, REPORT_FILE, ArchetypeModel
from prevalence.classifier.report import evaluate, markdown
from prevalence.classifier.text import MAX_CHARS, fasttext_lines
from prevalence.config import ReadOptions
from prevalence.corpus import list_shards, read_shard
from prevalence.errors import PrevalenceError


@dataclass(frozen=True)
class TrainOptions:
    """fastText hyperparameters and the split; one thread and a fixed seed make training repeatable."""

    held_out: float = 0.2
    threshold: float = 0.5
    top_k: int = 1
    max_chars: int = MAX_CHARS
    dim: int = 32
    epoch: int = 25
    lr: float = 0.5
    word_ngrams: int = 2
    min_count: int = 2
    bucket: int = 100_000
    seed: int = 0
    # Product quantisation shrinks the model about 10x but takes about 8x longer to train; the report
    # is measured on the model as saved.
    quantize: bool = False


@dataclass
class LabelledCorpus:
    texts: list[str]
    labels: list[str]
    groups: list[str]
    rejected: Counter
    unlabelled: int


def read_labelled(paths: list[str], opts: ReadOptions) -> LabelledCorpus:
    """Documents with their labels and groups (the group defaults to the document id)."""
    if not opts.label_field:
        raise PrevalenceError("train-classifier needs --label-field naming the field that holds each document's label")
    shards, _ = list_shards(paths, opts.format)
    corpus = LabelledCorpus([], [], [], Counter(), 0)
    for shard in shards:
        for batch in read_shard(shard, opts):
            for row in batch.select(["doc_id", "text", "label", "group", "reject_reason"]).to_pylist():
                if row["reject_reason"]:
                    corpus.rejected[row["reject_reason"]] += 1
                elif not row["label"]:
                    corpus.unlabelled += 1
                else:
                    corpus.texts.append(row["text"])
                    corpus.labels.append(row["label"].strip().lower().replace(" ", "_"))
                    corpus.groups.append(row["group"] or row["doc_id"])
    if len(set(corpus.labels)) < 2:
        raise PrevalenceError(f"train-classifier needs at least two labels in field {opts.label_field!r}; found {sorted(set(corpus.labels)) or 'none'}")
    return corpus


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
    progress: Callable[[str], None] = lambda _msg: None,
) -> dict:
    """Train, evaluate on the held-out split, and write the model directory; returns the report."""
    if os.path.exists(out) and not overwrite:
        raise PrevalenceError(f"{out} exists; choose a new directory or pass --overwrite")
    corpus = read_labelled(paths, read)
    held = held_out_groups(corpus.labels, corpus.groups, opts.held_out)
    lines = fasttext_lines(pa.array(corpus.texts, pa.string()), opts.max_chars)
    train_idx = [i for i, g in enumerate(corpus.groups) if g not in held]
    test_idx = [i for i, g in enumerate(corpus.groups) if g in held]
    labels = sorted(set(corpus.labels))
    progress(f"training on {len(train_idx)} documents, {len(labels)} labels; {len(test_idx)} held out")
    staging = tempfile.mkdtemp(prefix=".train-", dir=os.path.dirname(os.path.abspath(out)) or ".")
    try:
        train_file = os.path.join(staging, "train.txt")
        with open(train_file, "w", encoding="utf-8") as f:
            for i in train_idx:
                f.write(f"{LABEL_PREFIX}{corpus.labels[i]} {lines[i]}\n")
        params = dict(input=train_file, dim=opts.dim, epoch=opts.epoch, lr=opts.lr, wordNgrams=opts.word_ngrams,
                      minCount=opts.min_count, bucket=opts.bucket, thread=1, seed=opts.seed, loss="softmax", verbose=0)
        _fit_in_child(params, opts.quantize, os.path.join(staging, MODEL_FILE))
        os.remove(train_file)
        fingerprint = hashlib.sha256(open(os.path.join(staging, MODEL_FILE), "rb").read()).hexdigest()[:16]
        meta = {"labels": labels, "threshold": opts.threshold, "top_k": opts.top_k, "max_chars": opts.max_chars,
                "fingerprint": fingerprint, "options": asdict(opts), "fasttext": _fasttext_version()}
        with open(os.path.join(staging, META_FILE), "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=2)
        trained = ArchetypeModel.load(staging)
        test_texts = pa.array([corpus.texts[i] for i in test_idx], pa.string())
        predicted = [p[0][0] if p else None for p in trained.predict(test_texts)]
        report = {
            "corpus": {"paths": list(paths), "documents_labelled": len(corpus.labels), "unlabelled": corpus.unlabelled,
                       "rejected": sum(corpus.rejected.values()), "rejected_by_reason": dict(sorted(corpus.rejected.items())),
                       "per_label": dict(sorted(Counter(corpus.labels).items()))},
            "split": {"group_field": read.group_field, "held_out_fraction": opts.held_out, "train_documents": len(train_idx),
                      "held_out_groups": len(held)},
            "threshold": opts.threshold,
            "top_k": opts.top_k,
            "held_out": evaluate([corpus.labels[i] for i in test_idx], predicted, labels),
            "model": {"fingerprint": fingerprint, "bytes": os.path.getsize(os.path.join(staging, MODEL_FILE))},
        }
        with open(os.path.join(staging, REPORT_FILE), "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
        with open(os.path.join(staging, "report.md"), "w", encoding="utf-8") as f:
            f.write(markdown(report))
        os.chmod(staging, 0o755)
        if os.path.exists(out):
            shutil.rmtree(out)
        os.replace(staging, out)
        return report
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging, ignore_errors=True)


def _fit(params: dict, quantize: bool, path: str) -> None:
    import fasttext

    model = fasttext.train_supervised(**params)
    if quantize:
        model.quantize(input=params["input"], qnorm=True, retrain=False, cutoff=100_000, thread=1, verbose=0)
    model.save_model(path)


def _fit_in_child(params: dict, quantize: bool, path: str) -> None:
    """Train in a fresh Python process: fastText keeps state between trainings in one process, so a
    second training there gives a different model; a new process makes every training repeatable."""
    import subprocess
    import sys

    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)}
    code = "import json, sys; from prevalence.classifier.train import _fit; _fit(**json.load(sys.stdin))"
    done = subprocess.run([sys.executable, "-c", code], input=json.dumps({"params": params, "quantize": quantize, "path": path}),
                          text=True, capture_output=True, env=env)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise PrevalenceError(f"fastText training failed: {last}")


def _fasttext_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fasttext-numpy2")
    except PackageNotFoundError:
        return "unknown"
