"""Author archetypes of a batch of documents: one batched fastText call, hits in role `author`."""

from __future__ import annotations

import pyarrow as pa

from prevalence.catalog import Catalog
from prevalence.classifier.model import UNCLASSIFIED, ArchetypeModel, label_persona_id
from prevalence.tagging.base import Documents, HitRows, Tagger, TaggerContext

METHOD = "fasttext"


class ArchetypeTagger(Tagger):
    """The classifier's labels above its threshold as `author` hits of the archetype personas; a
    document with text but no such label is a hit of `archetype_unclassified`, so the run reports the
    share that no archetype covers."""

    name = "archetypes"
    role = "author"

    @classmethod
    def build(cls, context: TaggerContext) -> "ArchetypeTagger | None":
        """Only for runs with a model."""
        return cls(context.model, context.catalog) if context.model is not None else None

    def __init__(self, model: ArchetypeModel, catalog: Catalog):
        super().__init__(catalog)
        ids = {p.id for p in catalog.personas}
        self.model = model
        self.persona_ids = {label: label_persona_id(label, ids) for label in [*model.labels, UNCLASSIFIED]}

    def tag(self, docs: Documents) -> pa.Table:
        """Per document and label: count 1, the document's words, the probability as score."""
        rows = HitRows()
        predictions = self.model.predict(docs.batch.column("text"), docs.lowered("text"))
        for i, (labels, tokens) in enumerate(zip(predictions, docs.column("n_tokens"))):
            given = [(label, p) for label, p in labels if label != UNCLASSIFIED]
            for label, p in given:
                rows.add(i, self.persona_ids[label], self.role, 1, tokens, score=p, method=METHOD)
            if not given and tokens:
                score = next((p for label, p in labels if label == UNCLASSIFIED), 0.0)
                rows.add(i, self.persona_ids[UNCLASSIFIED], self.role, 1, tokens, score=score, method=METHOD)
        return rows.table()
