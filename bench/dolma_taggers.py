"""Taggers for `dolma tag`, the peer of the project's tagging stage in bench/dolma_peer.py.

Loaded by dolma (`--tagger_modules bench/dolma_taggers.py`) in dolma's own environment, which cannot
import this project (dolma pins numpy < 2). They do what dolma users would write for the same job:
- `persona_aliases`: one pyahocorasick automaton over the catalog's lowercase aliases and cues
  (read from $PERSONA_ALIASES, a JSON list written by dolma_peer.py), whole words, a span per mention
  whose score is the alias index (dolma attribute names must be identifiers);
- `persona_archetype`: the project's archetype fastText model ($PERSONA_ARCHETYPE_MODEL), one
  prediction per document, as dolma's BaseFastTextTagger does it.
"""

import json
import os

import ahocorasick
from dolma import add_tagger
from dolma.core.data_types import DocResult, Document, Span, TextSlice
from dolma.core.ft_tagger import BaseFastTextTagger, Prediction
from dolma.core.taggers import BaseTagger


@add_tagger("persona_aliases")
class PersonaAliases(BaseTagger):
    def __init__(self) -> None:
        with open(os.environ["PERSONA_ALIASES"], encoding="utf-8") as f:
            keys = json.load(f)
        self.automaton = ahocorasick.Automaton()
        for i, key in enumerate(keys):
            self.automaton.add_word(key, (i, len(key)))
        self.automaton.make_automaton()
        self.keys = keys

    def predict(self, doc: Document) -> DocResult:
        low = doc.text.lower()
        n = len(low)
        spans = []
        for last, (i, length) in self.automaton.iter(low):
            start = last - length + 1
            if (start > 0 and (low[start - 1].isalnum() or low[start - 1] == "_")) or (
                    last + 1 < n and (low[last + 1].isalnum() or low[last + 1] == "_")):
                continue
            spans.append(Span(start=start, end=last + 1, type="mention", score=float(i)))  # score: the alias index
        return DocResult(doc=doc, spans=spans)


@add_tagger("persona_archetype")
class PersonaArchetype(BaseFastTextTagger):
    def __init__(self) -> None:
        super().__init__(model_path=os.environ["PERSONA_ARCHETYPE_MODEL"], model_mode=self.DOCUMENT_LEVEL_TAGGER)

    def predict_slice(self, text_slice: TextSlice):
        text = " ".join(text_slice.text.lower().split())
        labels, probs = self.classifier.predict(text, k=1)
        return [Prediction(label=labels[0].replace("__label__", ""), score=float(probs[0]))]
