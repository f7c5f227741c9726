"""The archetype classifier: text preparation, split, report, training and the default model."""

import gzip
import json
import os
from collections import Counter

import pyarrow as pa

from prevalence.tagging.base import Documents
import pytest

from prevalence.catalog import load_catalog
from prevalence.classifier.default import CORPUS, default_model, shipped_evaluation
from prevalence.classifier.model import UNCLASSIFIED, decided
from prevalence.classifier.report import evaluate
from prevalence.classifier.text import fasttext_lines
from prevalence.classifier.train import TrainOptions, held_out_groups, train_classifier
from prevalence.config import ReadOptions
from prevalence.errors import PrevalenceError
from prevalence.tagging.archetypes import ArchetypeTagger
from tests.conftest import write_jsonl

READ = ReadOptions(label_field="label", group_field="group", author_fields=())


def shipped(labels, per_label):
    """Passages of the shipped training corpus for some labels, in file order."""
    out, seen = [], {}
    for line in gzip.open(CORPUS, "rt", encoding="utf-8"):
        r = json.loads(line)
        if r["label"] in labels and seen.get(r["label"], 0) < per_label:
            seen[r["label"]] = seen.get(r["label"], 0) + 1
            out.append(r)
    return out


def test_lines_keep_layout_as_tokens():
    lines = fasttext_lines(pa.array(["HAMLET:\nTo be, or not.\n\n  Next", None, "A\r\n\r\nB"]))
    assert lines == ["hamlet : __nl__ to be , or not . __p__ next", "", "a __p__ b"]


def test_report_counts_every_held_out_document_once():
    true = ["a", "a", "b", "b", "c"]
    pred = ["a", "b", "b", None, "a"]
    r = evaluate(true, pred, ["a", "b", "c"])
    assert r["accuracy"] == 0.4 and r["abstained"] == 1
    assert sum(sum(row) for row in r["confusion"]["matrix"].values()) == 5
    a = r["per_label"]["a"]
    assert (a["tp"], a["fn"], a["fp"], a["tn"]) == (1, 1, 1, 2) and a["precision"] == 0.5 and a["recall"] == 0.5
    assert r["per_label"]["c"]["recall"] == 0.0 and r["per_label"]["c"]["precision"] is None


def test_held_out_groups_stay_whole_and_cover_every_label():
    labels = ["x"] * 10 + ["y"] * 10 + ["z"]
    groups = [f"x{i // 2}" for i in range(10)] + [f"y{i}" for i in range(10)] + ["z0"]
    held = held_out_groups(labels, groups, 0.2)
    assert held == held_out_groups(labels, groups, 0.2)
    assert len([g for g in held if g.startswith("x")]) == 1 and len([g for g in held if g.startswith("y")]) == 2
    assert "z0" not in held  # a label with one group cannot be held out and trained on


def test_training_writes_a_repeatable_model_with_its_report(tmp_path):
    records = shipped({"religious_writer", "technical_writer", "fiction_writer"}, 60)
    corpus = write_jsonl(tmp_path / "train.jsonl", records + [{"text": "no label here"}, "{broken"])
    reports = [train_classifier([str(corpus)], str(tmp_path / f"m{i}"), READ, TrainOptions(threshold=0.0)) for i in range(2)]
    a, b = reports
    assert a["model"]["fingerprint"] == b["model"]["fingerprint"] and a["held_out"] == b["held_out"]
    assert a["corpus"]["documents_labelled"] == 180 and a["corpus"]["unlabelled"] == 1 and a["corpus"]["rejected_by_reason"] == {"malformed_json": 1}
    held = a["held_out"]
    assert held["documents"] + a["split"]["train_documents"] == 180
    assert set(held["per_label"]) == {"religious_writer", "technical_writer", "fiction_writer"}
    assert held["accuracy"] >= 0.9  # three very different kinds of text, sources seen in training
    assert a["loso"] is None  # not asked for
    assert (tmp_path / "m0" / "report.md").read_text().count("|") > 20


def test_training_needs_two_labels_and_a_new_directory(tmp_path):
    corpus = write_jsonl(tmp_path / "one.jsonl", [{"text": "a b", "label": "x"}] * 3)
    with pytest.raises(PrevalenceError, match="at least two labels"):
        train_classifier([str(corpus)], str(tmp_path / "m"), READ)
    (tmp_path / "exists").mkdir()
    with pytest.raises(PrevalenceError, match="exists"):
        train_classifier([str(corpus)], str(tmp_path / "exists"), READ)


def test_default_model_reports_leave_one_source_out_rates_and_the_flattering_same_source_figure():
    report = default_model().report()
    evaluation = shipped_evaluation()
    loso, held = report["loso"], report["held_out"]
    assert loso == evaluation["loso"] and report["threshold"] == loso["threshold"] == evaluation["options"]["threshold"]
    assert loso["method"] == "leave_one_source_out" and all(len(s) >= 3 for s in loso["sources"].values())
    assert set(loso["per_label"]) == set(default_model().labels) and UNCLASSIFIED in loso["per_label"]
    # Unseen works of seen sources flatter the model: its same-source accuracy is well above LOSO.
    assert held["accuracy"] > loso["accuracy"] + 0.15
    # Every document counted once in the LOSO confusion matrix.
    assert sum(sum(row) for row in loso["confusion"]["matrix"].values()) == loso["documents"] == report["corpus"]["documents_labelled"]


def test_shipped_evaluation_matches_the_shipped_corpus_and_options():
    from dataclasses import asdict

    from prevalence.classifier.default import corpus_sha256, default_options

    evaluation = shipped_evaluation()  # raises if it was measured on another corpus or other options
    assert evaluation["corpus_sha256"] == corpus_sha256() and evaluation["options"] == asdict(default_options())


def test_default_model_abstains_on_quotations_and_jokes():
    """Debian fortunes, a kind of text no label or calibration source was trained on."""
    with gzip.open(os.path.join(os.path.dirname(__file__), "..", "data", "quotes", "fortunes.jsonl.gz"), "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    model = default_model()
    given = Counter(decided(model.best(texts), model.threshold))
    assert given[UNCLASSIFIED] > 0.5 * len(texts)
    assert max(n for label, n in given.items() if label != UNCLASSIFIED) <= 0.25 * len(texts)


def test_archetype_hits_name_catalog_personas_and_unclassified_text():
    tagger = ArchetypeTagger(default_model(), load_catalog())
    assert tagger.persona_ids["religious_writer"] == "archetype_religious_writer"
    assert tagger.persona_ids[UNCLASSIFIED] == "archetype_unclassified"
    words = "\n".join(["aardvark", "abacus", "abandon", "abate", "abbey", "abbot", "abdomen", "abide", "ability", "ablaze"])
    docs = Documents.of([shipped({"religious_writer"}, 1)[0]["text"], "", words])
    hits = tagger.tag(docs).to_pylist()
    assert [(h["row"], h["persona_id"]) for h in hits] == [(0, "archetype_religious_writer"), (2, "archetype_unclassified")]
    assert hits[0]["tokens"] == docs.column("n_tokens")[0]
    assert hits[0]["role"] == "author" and default_model().threshold <= hits[0]["score"] <= 1.0


def test_default_model_lives_in_the_cache_named_by_its_inputs(tmp_path, monkeypatch):
    from prevalence.classifier import default

    monkeypatch.setenv("PREVALENCE_CACHE", str(tmp_path))
    path = default.default_model_dir()
    assert path.startswith(str(tmp_path)) and os.path.basename(path).startswith("archetypes-")


def test_whitespace_runs_rule_equals_the_plain_one():
    """fasttext_lines' whitespace step gives what `\\s+` -> ` ` gives (the model was trained on that)."""
    import random

    import pyarrow.compute as pc

    from prevalence.classifier.text import WHITESPACE_TO_SPACE

    rng = random.Random(3)
    pieces = ["a", "é", " ", " ", "\t", "\n", "\r", "\f", "\v", "\u00a0", "\u2003", ".", "__nl__"]
    texts = pa.array(["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(5000)])
    assert pc.replace_substring_regex(texts, WHITESPACE_TO_SPACE, " ").equals(pc.replace_substring_regex(texts, r"\s+", " "))


def test_prediction_lines_without_the_whitespace_pass_give_fasttext_the_same_words():
    """Prediction skips collapsing whitespace runs: fastText reads the same words and predicts the same."""
    import random

    rng = random.Random(5)
    pieces = ["Word", "é", " ", "  ", "\t", "\n", "\r", "\f", "\v", "\u00a0", "\u2003", "\u3000", ".", ",", "“", "HAMLET:", "\n\n"]
    texts = [r["text"] for r in shipped({"playwright", "encyclopedist", "legal_drafter"}, 4)]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 60))) for _ in range(400)] + [None, "", " \t "]
    array = pa.array(texts, pa.string())
    collapsed, kept = fasttext_lines(array), fasttext_lines(array, collapse_whitespace=False)
    assert sum(a != b for a, b in zip(collapsed, kept)) > 200  # the lines differ ...
    model = default_model()
    assert [model.model.get_line(a) for a in collapsed] == [model.model.get_line(b) for b in kept]  # ... not their words
    assert [bool(a) for a in collapsed] == [bool(b) for b in kept]
    ones = [i for i, a in enumerate(collapsed) if a]
    labels, probabilities = model.model.predict([collapsed[i] for i in ones], k=3, threshold=0.0)
    labels2, probabilities2 = model.model.predict([kept[i] for i in ones], k=3, threshold=0.0)
    assert labels == labels2 and all((p == q).all() for p, q in zip(probabilities, probabilities2))


def test_lines_from_a_batch_lowered_once_equal_the_lines_lowered_after_the_cut():
    """The archetype tagger hands fasttext_lines the batch Arrow has lowered already (`Documents.lowered`):
    cutting the lowered texts gives the lines that lowering the cut texts gives, past MAX_CHARS too."""
    import random

    import pyarrow.compute as pc

    from prevalence.classifier.text import MAX_CHARS

    rng = random.Random(8)
    pieces = ["Word", "É", "Σ", "İ", " ", "\n", "\n\n", ".", "“", "HAMLET:", "ΑΣ ", "ẞ"]
    texts = [r["text"] for r in shipped({"playwright", "encyclopedist", "legal_drafter"}, 4)]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 4000))) for _ in range(200)] + [None, ""]
    array = pa.array(texts, pa.string())
    assert max(len(t or "") for t in texts) > MAX_CHARS
    for keep in (True, False):
        assert fasttext_lines(array, collapse_whitespace=keep, lowered=pc.utf8_lower(array)) == fasttext_lines(array, collapse_whitespace=keep)
    model = default_model()
    assert model.predict(array, pc.utf8_lower(array)) == model.predict(array)
