"""The default archetype model: trained by the project from the corpus it ships, cached on disk.

Nothing is downloaded: the first use trains the model from `classifier/data/archetypes.jsonl.gz`
(a few seconds on one core, deterministic) into a cache directory named by a hash of the corpus, the
options and the fastText version, so a changed corpus or option gives a new model, never a stale one.

Its leave-one-source-out evaluation (about 30 trainings) is measured once by `bench/archetypes.py` and
shipped as `classifier/data/archetypes.evaluation.json`, with the calibrated threshold; the model's
report carries it, and runs correct archetype shares with those rates.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, replace
from functools import cache

from prevalence.classifier.fit import TrainOptions, fasttext_version
from prevalence.classifier.model import META_FILE, ArchetypeModel
from prevalence.classifier.train import train_classifier
from prevalence.config import ReadOptions
from prevalence.errors import PrevalenceError

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
CORPUS = os.path.join(DATA, "archetypes.jsonl.gz")
EVALUATION = os.path.join(DATA, "archetypes.evaluation.json")
READ = ReadOptions(format="jsonl", label_field="label", group_field="group", source_field="source", author_fields=())


@cache
def corpus_sha256() -> str:
    """SHA-256 of the shipped corpus (hashed once per process: it names the model and checks the evaluation)."""
    with open(CORPUS, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def shipped_evaluation() -> dict:
    """The shipped leave-one-source-out evaluation; an error if it was measured on another corpus or
    other options than the ones shipped (rerun bench/archetypes.py --write-evaluation)."""
    with open(EVALUATION, encoding="utf-8") as f:
        evaluation = json.load(f)
    options = replace(TrainOptions(), threshold=evaluation["options"]["threshold"])
    if evaluation["corpus_sha256"] != corpus_sha256() or evaluation["options"] != asdict(options):
        raise PrevalenceError(f"{EVALUATION} was measured on another archetype corpus or other options: "
                              "rerun `python bench/archetypes.py --write-evaluation`")
    return evaluation


def default_options() -> TrainOptions:
    """The default model's options: the library defaults with the calibrated threshold."""
    return replace(TrainOptions(), threshold=shipped_evaluation()["options"]["threshold"])


def cache_root() -> str:
    """$PREVALENCE_CACHE, else $XDG_CACHE_HOME/persona-prevalence, else ~/.cache/persona-prevalence."""
    if os.environ.get("PREVALENCE_CACHE"):
        return os.environ["PREVALENCE_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "persona-prevalence")


def default_model_dir() -> str:
    """Where the default model for this corpus, these options and this fastText lives."""
    h = hashlib.sha256(corpus_sha256().encode())
    h.update(json.dumps(asdict(default_options()), sort_keys=True).encode())
    h.update(fasttext_version().encode())
    return os.path.join(cache_root(), "models", f"archetypes-{h.hexdigest()[:16]}")


def default_model(progress: Callable[[str], None] = lambda _msg: None) -> ArchetypeModel:
    """The default model, trained first if it is not in the cache yet."""
    path = default_model_dir()
    if not os.path.isfile(os.path.join(path, META_FILE)):
        progress(f"training the default archetype model (once) into {path}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            train_classifier([CORPUS], path, READ, default_options(), known_loso=shipped_evaluation()["loso"])
        except Exception:
            if not os.path.isfile(os.path.join(path, META_FILE)):  # else another process won the race: use its model
                raise
    return ArchetypeModel.load(path)
