"""Leave-one-source-out evaluation and the abstention threshold, on small real corpora."""

from collections import Counter

import pyarrow as pa
import pytest

from prevalence.classifier import loso as loso_module
from prevalence.classifier.fit import TrainOptions
from prevalence.classifier.labelled import LabelledCorpus
from prevalence.classifier.loso import calibrate, loso_report, loso_scores, sources_by_label
from prevalence.classifier.model import UNCLASSIFIED, decided
from prevalence.classifier.text import fasttext_lines
from prevalence.classifier.train import train_classifier
from prevalence.cli import main
from prevalence.config import ReadOptions
from prevalence.errors import PrevalenceError
from tests.conftest import write_jsonl
from tests.unit.test_classifier import shipped

READ = ReadOptions(label_field="label", group_field="group", source_field="source", author_fields=())
SOURCES = {"religious_writer": ("kjv", "web", "henry"), "technical_writer": ("man-pages", "debian-policy", "cpython"),
           UNCLASSIFIED: ("word-list", "numeric-table", "usenet")}


def small(per_source: int = 8) -> list[dict]:
    """Real passages of the shipped corpus: three labels, three sources each."""
    records = shipped(set(SOURCES), 10_000)
    out, seen = [], Counter()
    for r in records:
        if r["source"] in SOURCES[r["label"]] and seen[r["source"]] < per_source:
            seen[r["source"]] += 1
            out.append(r)
    return out


def corpus_of(records: list[dict]) -> LabelledCorpus:
    return LabelledCorpus([r["text"] for r in records], [r["label"] for r in records], [r["group"] for r in records],
                          Counter(), 0, [r["source"] for r in records])


def test_every_document_is_scored_by_a_model_that_never_saw_its_source(monkeypatch):
    corpus = corpus_of(small())
    calls = []
    real_fit = loso_module.fit

    def spying_fit(lines, labels, rows, label_set, opts, folder):
        calls.append(set(rows))
        return real_fit(lines, labels, rows, label_set, opts, folder)

    monkeypatch.setattr(loso_module, "fit", spying_fit)
    lines = fasttext_lines(pa.array(corpus.texts, pa.string()))
    scores = loso_scores(corpus, lines, TrainOptions(epoch=5))
    sources = sorted(set(corpus.sources))
    assert len(calls) == len(sources) == 9
    for source, trained_on in zip(sources, calls):
        own = {i for i, s in enumerate(corpus.sources) if s == source}
        assert not own & trained_on and trained_on | own == set(range(len(corpus.texts)))
    assert all(s is not None and s[0] in SOURCES for s in scores)


def test_sources_are_checked_before_any_training():
    records = [r for r in small(2) if r["source"] != "henry"]
    with pytest.raises(PrevalenceError, match=r"3 sources per label; too few for religious_writer \(kjv, web\)"):
        sources_by_label(corpus_of(records))
    mixed = small(2)
    mixed[0] = {**mixed[0], "label": "technical_writer"}  # a source that holds two labels
    with pytest.raises(PrevalenceError, match="one label only"):
        sources_by_label(corpus_of(mixed))


def test_calibration_balances_archetype_accuracy_against_abstention_outside():
    true = ["a"] * 10 + [UNCLASSIFIED] * 10
    scores = [("a", 0.9)] * 10 + [("a", 0.6)] * 10
    threshold, table = calibrate(true, scores)
    # Up to 0.6 the outside text is labelled `a`; from 0.65 to 0.9 it abstains and `a` is still right.
    assert threshold == 0.9 and {r["threshold"]: r["balanced"] for r in table}[0.6] == 0.5
    assert decided(scores, threshold) == ["a"] * 10 + [UNCLASSIFIED] * 10
    with pytest.raises(PrevalenceError, match="unclassified"):
        calibrate(["a", "b"], [("a", 0.9), ("b", 0.9)])


def test_report_counts_abstention_as_unclassified_and_each_source_once():
    records = small(2)
    corpus = corpus_of(records)
    scores = [(r["label"], 0.8) for r in records]
    scores[0] = ("technical_writer", 0.2)  # below the threshold: abstains
    report = loso_report(corpus, scores, 0.5)
    first = records[0]
    assert report["per_source"][first["source"]]["abstention_rate"] == 0.5
    assert sum(r["documents"] for r in report["per_source"].values()) == len(records) == report["documents"]
    assert report["per_label"][first["label"]]["fn"] == 1
    assert set(report["sources"]) == set(SOURCES)


def test_training_with_loso_calibrates_and_reports_at_the_threshold_it_uses(tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", small(6))
    report = train_classifier([str(corpus)], str(tmp_path / "m"), READ, TrainOptions(epoch=5), loso=True, calibrate_threshold=True)
    assert report["loso"]["threshold"] == report["threshold"] and report["loso"]["calibration"]
    assert report["corpus"]["sources"] == 9
    with pytest.raises(PrevalenceError, match="needs --loso"):
        train_classifier([str(corpus)], str(tmp_path / "n"), READ, calibrate_threshold=True)


def test_cli_refuses_loso_without_three_sources_in_one_line(tmp_path, capsys):
    corpus = write_jsonl(tmp_path / "c.jsonl", [r for r in small(2) if r["source"] != "kjv"])
    code = main(["train-classifier", str(corpus), "--out", str(tmp_path / "m"), "--group-field", "group", "--loso"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "too few for religious_writer (henry, web)" in err[0]
