"""The Spark job on the bundled sample corpus, checked against independent counts."""

import json
import os
from collections import Counter

import pytest

from prevalence import job
from prevalence.catalog import load_catalog
from prevalence.config import RunConfig
from prevalence.errors import RunDirError
from prevalence.query import open_run
from prevalence.tables import SCHEMAS, type_name
from tests.conftest import REPO, SAMPLE, read_table, sample_documents
from tests.reference_tagger import ReferenceTagger

pytestmark = pytest.mark.spark



def test_written_tables_match_their_contracts(sample_run):
    out, _ = sample_run
    for table in SCHEMAS:
        with open(REPO / "schemas" / f"{table}.json") as f:
            contract = json.load(f)
        schema = read_table(out, table).schema
        assert [(f.name, type_name(f.type)) for f in schema] == [(c["name"], c["type"]) for c in contract["columns"]], table


def test_every_sample_record_is_a_kept_document(sample_run):
    out, manifest = sample_run
    expected = sample_documents()
    got = {(r["shard"], r["position"]) for r in read_table(out, "documents").select(["shard", "position"]).to_pylist()}
    assert got == set(expected)
    counts = manifest["counts"]
    assert counts["documents_in"] == counts["documents_kept"] + counts["rejected"] == len(expected)
    assert read_table(out, "rejects").num_rows == 0 and manifest["corpus"]["skipped_files"] == []


def test_corpus_ids_are_used_when_present(sample_run):
    out, _ = sample_run
    ids = set(read_table(out, "documents").column("doc_id").to_pylist())
    assert "sotu:1862-Lincoln-1" in ids and "kjv:1001" in ids


def test_mention_hits_equal_an_independent_regex_count(sample_run):
    out, _ = sample_run
    reference = ReferenceTagger(load_catalog())
    expected = {}
    for (shard, position), text in sample_documents().items():
        for pid, c in reference.count(text).items():
            expected[(shard, position, pid)] = c
    run = open_run(out)
    rows = run.sql(
        "SELECT d.shard, d.position, h.persona_id, h.count FROM persona_hits h JOIN documents d USING (doc_id) WHERE h.role = 'mention'"
    ).fetchall()
    got = {(s, p, pid): c for s, p, pid, c in rows}
    assert len(got) > 1000
    assert got == expected


def test_prevalence_agrees_with_hits_and_documents(sample_run):
    out, manifest = sample_run
    hits = read_table(out, "persona_hits").to_pylist()
    docs_per = Counter(h["persona_id"] for h in hits)
    count_per = Counter()
    for h in hits:
        count_per[h["persona_id"]] += h["count"]
    total = read_table(out, "documents").num_rows
    rows = {r["persona_id"]: r for r in read_table(out, "prevalence").to_pylist()}
    for pid, r in rows.items():
        assert r["docs"] == docs_per.get(pid, 0), pid
        assert r["count"] == count_per.get(pid, 0), pid
        assert r["total_docs"] == total
        assert r["doc_share"] == pytest.approx(r["docs"] / total)
        assert r["ci_low"] <= r["doc_share"] <= r["ci_high"]
    ranked = sorted((r for r in rows.values() if r["rank"]), key=lambda r: r["rank"])
    assert [r["docs"] for r in ranked] == sorted((r["docs"] for r in ranked), reverse=True)
    assert manifest["counts"]["personas_found"] == len(docs_per)


def test_harry_potter_and_lincoln_are_both_measured(sample_run):
    out, _ = sample_run
    result = open_run(out).compare("Harry Potter", "Abraham Lincoln")
    assert result["a"]["docs"] >= 1 and result["b"]["docs"] >= 1


def test_same_input_gives_the_same_tables(sample_run, spark, tmp_path):
    out, manifest = sample_run
    again = job.run(RunConfig(corpus=(str(SAMPLE),), out=str(tmp_path / "again")), spark=spark)
    for table in SCHEMAS:
        key = [c for c in ("doc_id", "persona_id", "role", "shard", "position") if c in SCHEMAS[table].names]
        a = read_table(out, table).sort_by([(k, "ascending") for k in key])
        b = read_table(str(tmp_path / "again"), table).sort_by([(k, "ascending") for k in key])
        assert a.equals(b), table
    assert again["corpus"]["fingerprint"] == manifest["corpus"]["fingerprint"]
    assert again["catalog"]["fingerprint"] == manifest["catalog"]["fingerprint"]


def test_a_failed_run_leaves_the_old_run_untouched(sample_run, spark, tmp_path, monkeypatch):
    out = str(tmp_path / "run")
    job.run(RunConfig(corpus=(str(SAMPLE / "wikitext2.jsonl.gz"),), out=out), spark=spark)
    before = open(os.path.join(out, "manifest.json")).read()

    def explode(*args, **kwargs):
        raise RuntimeError("simulated crash after the Spark stage")

    monkeypatch.setattr(job, "prevalence_table", explode)
    with pytest.raises(RuntimeError, match="simulated crash"):
        job.run(RunConfig(corpus=(str(SAMPLE),), out=out, overwrite=True), spark=spark)
    assert open(os.path.join(out, "manifest.json")).read() == before
    assert sorted(os.listdir(tmp_path)) == ["run"]


def test_existing_run_dir_needs_overwrite(sample_run, spark):
    out, _ = sample_run
    with pytest.raises(RunDirError):
        job.run(RunConfig(corpus=(str(SAMPLE),), out=out), spark=spark)
