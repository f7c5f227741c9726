"""The assistant-style detector measured on a labelled set of real text shipped with the package.

Positives: 805 answers of an instruction-following LLM (the AlpacaEval example outputs). Negatives:
the human-written passages of the archetype training corpus (every source but the ChatterBot dialogs):
novels and plays, reference works, speeches and news, Bibles and commentaries, manuals, code,
licences, Usenet posts, word lists and tables. Computed when needed (about 0.1 s), so the figures always belong to the detector code.
"""

from __future__ import annotations

import gzip
import json
import os
from functools import lru_cache

from prevalence.tagging.assistant import AssistantStyle

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "classifier", "data")
POSITIVES = os.path.join(DATA, "assistant_outputs.jsonl.gz")
NEGATIVES = os.path.join(DATA, "archetypes.jsonl.gz")


def labelled_set() -> tuple[list[str], list[str]]:
    """(assistant-written texts, human-written texts)."""
    with gzip.open(POSITIVES, "rt", encoding="utf-8") as f:
        positives = [json.loads(line)["text"] for line in f]
    with gzip.open(NEGATIVES, "rt", encoding="utf-8") as f:
        negatives = [r["text"] for r in map(json.loads, f) if r["source"] != "chatterbot"]
    return positives, negatives


@lru_cache(maxsize=1)
def assistant_audit() -> dict:
    """Confusion counts and rates of the detector on the labelled set."""
    detector = AssistantStyle()
    positives, negatives = labelled_set()
    tp = sum(detector.is_assistant(t) for t in positives)
    fp = sum(detector.is_assistant(t) for t in negatives)
    fn, tn = len(positives) - tp, len(negatives) - fp
    return {
        "tp": tp, "fn": fn, "fp": fp, "tn": tn,
        "tpr": tp / len(positives), "fpr": fp / len(negatives),
        "precision": tp / (tp + fp) if tp + fp else None,
        "positives": len(positives), "negatives": len(negatives),
    }
