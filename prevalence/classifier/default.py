"""The default archetype model: trained by the project from the corpus it ships, cached on disk.

Nothing is downloaded: the first use trains the model from `classifier/data/archetypes.jsonl.gz`
(about 3 s on one core, deterministic) into a cache directory named by a hash of the corpus, the
options and the fastText version, so a changed corpus or option gives a new model, never a stale one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict

from prevalence.classifier.model import META_FILE, ArchetypeModel
from prevalence.classifier.train import TrainOptions, _fasttext_version, train_classifier
from prevalence.config import ReadOptions

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "archetypes.jsonl.gz")
READ = ReadOptions(format="jsonl", label_field="label", group_field="group", author_fields=())
OPTIONS = TrainOptions()


def cache_root() -> str:
    """$PREVALENCE_CACHE, else $XDG_CACHE_HOME/persona-prevalence, else ~/.cache/persona-prevalence."""
    if os.environ.get("PREVALENCE_CACHE"):
        return os.environ["PREVALENCE_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "persona-prevalence")


def default_model_dir() -> str:
    """Where the default model for this corpus, these options and this fastText lives."""
    h = hashlib.sha256()
    with open(CORPUS, "rb") as f:
        h.update(f.read())
    h.update(json.dumps(asdict(OPTIONS), sort_keys=True).encode())
    h.update(_fasttext_version().encode())
    return os.path.join(cache_root(), "models", f"archetypes-{h.hexdigest()[:16]}")


def default_model(progress: Callable[[str], None] = lambda _msg: None) -> ArchetypeModel:
    """The default model, trained first if it is not in the cache yet."""
    path = default_model_dir()
    if not os.path.isfile(os.path.join(path, META_FILE)):
        progress(f"training the default archetype model (once) into {path}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            train_classifier([CORPUS], path, READ, OPTIONS)
        except Exception:
            if not os.path.isfile(os.path.join(path, META_FILE)):  # else another process won the race: use its model
                raise
    return ArchetypeModel.load(path)
