"""Fitting one fastText model: the options, and training in a fresh process so it is repeatable."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass

from prevalence.classifier.model import LABEL_PREFIX, META_FILE, MODEL_FILE
from prevalence.classifier.text import MAX_CHARS
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
    # One-vs-all sigmoids ("ova") score each label on its own, so text unlike every label can score
    # low on all of them and abstain; softmax ("softmax") always spreads 1.0 over the labels.
    loss: str = "ova"
    # Product quantisation shrinks the model about 10x but takes about 8x longer to train; the report
    # is measured on the model as saved.
    quantize: bool = False


def fit(lines: list[str], labels: list[str], rows: list[int], label_set: list[str], opts: TrainOptions, folder: str) -> dict:
    """Train on `rows` of the prepared lines into `folder` (model and meta); returns the meta."""
    train_file = os.path.join(folder, "train.txt")
    with open(train_file, "w", encoding="utf-8") as f:
        for i in rows:
            f.write(f"{LABEL_PREFIX}{labels[i]} {lines[i]}\n")
    params = dict(input=train_file, dim=opts.dim, epoch=opts.epoch, lr=opts.lr, wordNgrams=opts.word_ngrams,
                  minCount=opts.min_count, bucket=opts.bucket, thread=1, seed=opts.seed, loss=opts.loss, verbose=0)
    _fit_in_child(params, opts.quantize, os.path.join(folder, MODEL_FILE))
    os.remove(train_file)
    fingerprint = hashlib.sha256(open(os.path.join(folder, MODEL_FILE), "rb").read()).hexdigest()[:16]
    meta = {"labels": label_set, "threshold": opts.threshold, "top_k": opts.top_k, "max_chars": opts.max_chars,
            "fingerprint": fingerprint, "options": asdict(opts), "fasttext": fasttext_version()}
    with open(os.path.join(folder, META_FILE), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)
    return meta


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
    code = "import json, sys; from prevalence.classifier.fit import _fit; _fit(**json.load(sys.stdin))"
    done = subprocess.run([sys.executable, "-c", code], input=json.dumps({"params": params, "quantize": quantize, "path": path}),
                          text=True, capture_output=True, env=env)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise PrevalenceError(f"fastText training failed: {last}")


def fasttext_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fasttext-numpy2")
    except PackageNotFoundError:
        return "unknown"
