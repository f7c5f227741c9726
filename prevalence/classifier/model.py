"""A trained archetype classifier on disk (a directory) and its batch prediction.

The directory holds `model.ftz` (fastText), `model.json` (labels, threshold, top_k, the persona each
label stands for, training parameters) and the held-out report (`report.json`, `report.md`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.classifier.inference import CompiledPredictor
from prevalence.classifier.text import MAX_CHARS, fasttext_lines
from prevalence.errors import PrevalenceError

MODEL_FILE = "model.ftz"
META_FILE = "model.json"
REPORT_FILE = "report.json"
LABEL_PREFIX = "__label__"
# The label of text unlike every archetype; a document whose best label scores below the threshold
# counts as this too.
UNCLASSIFIED = "unclassified"
Score = tuple[str, float]


def label_persona_id(label: str, catalog_ids: set[str]) -> str:
    """The persona a label stands for: `archetype_<label>` if the catalog has it, else the label
    itself if it is a catalog id (`assistant`), else `archetype_<label>` (added to the run's catalog)."""
    archetype = f"archetype_{label}"
    if archetype in catalog_ids or label not in catalog_ids:
        return archetype
    return label


@dataclass
class ArchetypeModel:
    """A loaded classifier: `predict` returns the top labels above the threshold per text."""

    path: str
    labels: list[str]
    threshold: float
    top_k: int
    max_chars: int
    fingerprint: str
    _model: object = None
    _model_path: str | None = None
    _predictor: object = None  # a CompiledPredictor, False where fastText predicts

    @classmethod
    def load(cls, path: str) -> "ArchetypeModel":
        """Read a model directory written by `train-classifier`; a clear error if it is not one."""
        meta_path = os.path.join(path, META_FILE)
        if not os.path.isfile(meta_path) or not os.path.isfile(os.path.join(path, MODEL_FILE)):
            raise PrevalenceError(f"not a classifier directory (needs {MODEL_FILE} and {META_FILE}): {path}")
        return cls.load_files(meta_path, os.path.join(path, MODEL_FILE), path)

    @classmethod
    def load_files(cls, meta_path: str, model_path: str, path: str | None = None) -> "ArchetypeModel":
        """A model from its two files wherever they are (executors get them from SparkFiles)."""
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
        model = cls(path=path or os.path.dirname(model_path), labels=meta["labels"], threshold=float(meta["threshold"]),
                    top_k=int(meta.get("top_k", 1)), max_chars=int(meta.get("max_chars", MAX_CHARS)), fingerprint=meta["fingerprint"])
        model._model_path = model_path
        return model

    def with_options(self, threshold: float | None = None, top_k: int | None = None) -> "ArchetypeModel":
        """A copy with another threshold or number of labels per document."""
        return ArchetypeModel(self.path, self.labels, self.threshold if threshold is None else threshold,
                              self.top_k if top_k is None else top_k, self.max_chars, self.fingerprint, self._model,
                              self._model_path, self._predictor)

    @property
    def model(self):
        if self._model is None:
            import fasttext

            self._model = fasttext.load_model(self._model_path or os.path.join(self.path, MODEL_FILE))
        return self._model

    @property
    def predictor(self) -> CompiledPredictor | None:
        """The compiled prediction (`classifier.inference`), or None where fastText's own runs. Once
        built it holds what it needs of the model, so fastText's copy is let go."""
        if self._predictor is None:
            self._predictor = CompiledPredictor.load(self.model) or False
            if self._predictor:
                self._model = None
        return self._predictor or None

    def predict(self, texts: pa.Array, lowered: pa.Array | None = None) -> list[list[tuple[str, float]]]:
        """[(label, probability)] per text, best first: at most top_k, each at least the threshold.
        `lowered`: `pc.utf8_lower(texts)`, when the caller has made it already."""
        cut = len(LABEL_PREFIX)
        predictor = self.predictor
        if predictor is not None:  # from the lowered texts, with no prediction line made
            lowered = lowered if lowered is not None else pc.utf8_lower(texts)
            found = predictor.predict_texts(lowered, self.max_chars, self.top_k, self.threshold)
            return [[(label[cut:], min(p, 1.0)) for label, p in ls] for ls in found]
        lines = fasttext_lines(texts, self.max_chars, collapse_whitespace=False, lowered=lowered)  # the same words for fastText
        rows = [i for i, line in enumerate(lines) if line]
        out: list[list[tuple[str, float]]] = [[] for _ in lines]
        if not rows:
            return out
        labels, probs = self.model.predict([lines[i] for i in rows], k=self.top_k, threshold=self.threshold)
        for i, ls, ps in zip(rows, labels, probs):
            out[i] = [(label[cut:], float(min(p, 1.0))) for label, p in zip(ls, np.asarray(ps))]
        return out

    def best(self, texts: list[str]) -> list[Score | None]:
        """The best label and its score per text, whatever the threshold (None for an empty text)."""
        predictions = self.with_options(threshold=0.0, top_k=1).predict(pa.array(texts, pa.string()))
        return [p[0] if p else None for p in predictions]

    def source(self) -> "ModelDirectory":
        """A picklable handle that loads this model (with its options) in another process."""
        return ModelDirectory(self.path, self.threshold, self.top_k)

    def report(self) -> dict | None:
        """The held-out report written at training time, if present."""
        path = os.path.join(self.path, REPORT_FILE)
        if not os.path.isfile(path):
            return None
        with open(path, encoding="utf-8") as f:
            return json.load(f)


def decided(scores: list[Score | None], threshold: float) -> list[str]:
    """The label each best score gives at a threshold: `unclassified` where the best label is that, or
    scores below the threshold, or the text is empty."""
    return [s[0] if s is not None and s[1] >= threshold else UNCLASSIFIED for s in scores]


@dataclass(frozen=True)
class ModelDirectory:
    """A model directory and the options to apply: what a worker needs to load the model itself."""

    path: str
    threshold: float
    top_k: int

    @property
    def key(self) -> str:
        return f"{os.path.abspath(self.path)}:{self.threshold}:{self.top_k}"

    def load(self) -> "ArchetypeModel":
        return ArchetypeModel.load(self.path).with_options(self.threshold, self.top_k)
