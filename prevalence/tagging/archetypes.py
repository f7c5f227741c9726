"""Author archetypes of a batch of documents: one batched fastText call, hits in role `author`."""

from __future__ import annotations

import pyarrow as pa

from prevalence.catalog import Catalog
from prevalence.classifier.model import ArchetypeModel, label_persona_id

METHOD = "fasttext"


class ArchetypeTagger:
    """The classifier's labels above its threshold as `author` hits of the archetype personas."""

    role = "author"

    def __init__(self, model: ArchetypeModel, catalog: Catalog):
        ids = {p.id for p in catalog.personas}
        self.model = model
        self.persona_ids = {label: label_persona_id(label, ids) for label in model.labels}

    def tag(self, texts: pa.Array, n_tokens: list[int | None]) -> list[list[dict]]:
        """Hits per text: persona, count 1, the document's words, the probability as score."""
        predictions = self.model.predict(texts)
        return [
            [] if tokens is None else [
                {"persona_id": self.persona_ids[label], "role": self.role, "count": 1, "tokens": tokens, "score": p, "method": METHOD}
                for label, p in labels
            ]
            for labels, tokens in zip(predictions, n_tokens)
        ]
