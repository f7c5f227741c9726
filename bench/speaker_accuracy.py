"""Accuracy of speaker attribution: scripts against tinyshakespeare, prose against hand labels.

    .venv/bin/python bench/speaker_accuracy.py

Scripts: the bundled tinyshakespeare parts (data/sample/shakespeare) carry the true speaker of every
turn: each blank-line block is a `NAME:` line and the speech. A detected turn is correct when it
starts where a true turn starts and names the same speaker; true turns without a spoken word (a
heading followed by a blank line) are left out. Words spoken per character are compared with
Spearman's rank correlation, per name as written and per persona after catalog resolution.
Prose: Chapter VII of Alice's Adventures in Wonderland with the speaker of its first 124 quotations
labelled by hand (tests/data). A quotation attributed to the labelled speaker is correct; GROUP
quotations (several speak at once) count as wrong when attributed and are not in the recall base.
Prints a Markdown report; the same figures are asserted as floors in tests/unit/test_speakers.py.
"""

from __future__ import annotations

import csv
import glob
import os
import sys
from collections import Counter

import pandas as pd

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, REPO)

from prevalence.catalog import load_catalog  # noqa: E402
from prevalence.tagging.dialogue import quotes  # noqa: E402
from prevalence.tagging.mentions import MentionTagger  # noqa: E402
from prevalence.tagging.scripts import script_turns  # noqa: E402
from prevalence.tagging.speakers import SpeakerTagger, normalise_name  # noqa: E402


def true_turns(text: str) -> list[tuple[int, str, int]]:
    """(start, speaker, words) of every block of a tinyshakespeare file that has spoken words."""
    turns, pos = [], 0
    for block in text.split("\n\n"):
        stripped = block.lstrip("\n")
        start = pos + len(block) - len(stripped)
        lines = stripped.split("\n")
        words = len(" ".join(lines[1:]).split())
        if words and lines[0].endswith(":"):
            turns.append((start, lines[0][:-1], words))
        pos += len(block) + 2
    return turns


def spearman(a: dict, b: dict) -> float:
    keys = sorted(set(a) | set(b))
    x = pd.Series([a.get(k, 0) for k in keys]).rank()
    y = pd.Series([b.get(k, 0) for k in keys]).rank()
    return float(x.corr(y))


def script_accuracy() -> dict:
    catalog = load_catalog()
    mentions, speakers = MentionTagger(catalog), SpeakerTagger(catalog)
    tp = detected = truth_n = 0
    words_true, words_found = Counter(), Counter()
    persona_true, persona_found = Counter(), Counter()
    for path in sorted(glob.glob(os.path.join(REPO, "data", "sample", "shakespeare", "*.txt"))):
        text = open(path, encoding="utf-8").read()
        _, evidence = mentions.analyse(" ".join(text.split()))
        truth = {start: (name, words) for start, name, words in true_turns(text)}
        found = script_turns(text)
        truth_n += len(truth)
        detected += len(found)
        tp += sum(1 for t in found if t.start in truth and truth[t.start][0] == t.speaker)
        for name, words in truth.values():
            words_true[normalise_name(name)] += words
            persona_true[speakers.resolve(name, evidence, "shakespeare")] += words
        for t in found:
            words_found[normalise_name(t.speaker)] += t.words
            persona_found[speakers.resolve(t.speaker, evidence, "shakespeare")] += t.words
    return {
        "turns": truth_n, "detected": detected, "precision": tp / detected, "recall": tp / truth_n,
        "names": len(words_true), "spearman_names": spearman(words_true, words_found),
        "personas": len(persona_true), "spearman_personas": spearman(persona_true, persona_found),
    }


def prose_accuracy() -> dict:
    path = os.path.join(REPO, "tests", "data")
    text = open(os.path.join(path, "alice_ch7.txt"), encoding="utf-8").read()
    with open(os.path.join(path, "alice_ch7_speakers.tsv"), encoding="utf-8") as f:
        rows = [r for r in csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")]
    found = quotes(text)
    assert len(found) >= len(rows), "the chapter's quotations changed"
    attributed = correct = group_attributed = 0
    for row, q in zip(rows, found):
        excerpt = " ".join(text[q.start : q.start + 200].replace("\n", " ").split())
        assert excerpt[1:].startswith(row["quote_start"][:20]), (row, excerpt)
        if q.speaker is None:
            continue
        attributed += 1
        if row["speaker"] == "GROUP":
            group_attributed += 1
        elif normalise_name(q.speaker) == normalise_name(row["speaker"]):
            correct += 1
    base = sum(1 for r in rows if r["speaker"] != "GROUP")
    return {"quotes": len(rows), "single_speaker": base, "attributed": attributed, "correct": correct,
            "group_attributed": group_attributed, "precision": correct / attributed, "recall": correct / base}


def main() -> None:
    s, p = script_accuracy(), prose_accuracy()
    print("# Speaker attribution accuracy\n")
    print("| test set | measure | value |\n| --- | --- | --- |")
    print(f"| tinyshakespeare (8 parts, {s['turns']:,} turns) | turn precision | {s['precision']:.4f} ({s['detected']:,} detected) |")
    print(f"| | turn recall | {s['recall']:.4f} |")
    print(f"| | Spearman, words spoken per name ({s['names']} names) | {s['spearman_names']:.4f} |")
    print(f"| | Spearman, words spoken per persona ({s['personas']} personas) | {s['spearman_personas']:.4f} |")
    print(f"| Alice ch. VII ({p['quotes']} quotations, {p['single_speaker']} with one speaker) | precision | "
          f"{p['precision']:.3f} ({p['correct']}/{p['attributed']}; {p['group_attributed']} group quotes attributed) |")
    print(f"| | recall | {p['recall']:.3f} ({p['correct']}/{p['single_speaker']}) |")


if __name__ == "__main__":
    main()
