"""Sampling, bootstrap replicates and tagger-error correction in the Spark job."""

import numpy as np
import pyarrow.compute as pc
import pytest

from prevalence import job
from prevalence.config import RunConfig
from prevalence.stats.sampling import doc_hashes, in_sample
from tests.conftest import SAMPLE, read_table

pytestmark = pytest.mark.spark


def test_a_sample_keeps_exactly_the_documents_its_hash_selects(sample_run, spark, tmp_path):
    full_out, _ = sample_run
    all_ids = read_table(full_out, "documents").column("doc_id").to_pylist()
    expected = {d for d, keep in zip(all_ids, in_sample(doc_hashes(all_ids), 0.4)) if keep}
    out = str(tmp_path / "sampled")
    manifest = job.run(RunConfig(corpus=(str(SAMPLE),), out=out, sample_fraction=0.4), spark=spark)
    docs = read_table(out, "documents").to_pylist()
    assert {d["doc_id"] for d in docs} == expected
    counts = manifest["counts"]
    assert counts["documents_in"] == len(all_ids) == counts["documents_kept"] + counts["not_sampled"] + counts["rejected"]
    assert {d["sample_weight"] for d in docs} == {2.5} and manifest["sample_fraction"] == 0.4
    for r in read_table(out, "prevalence").to_pylist():
        assert r["est_docs"] == pytest.approx(r["docs"] / 0.4) and r["sample_fraction"] == 0.4


def test_replicates_hold_corpus_totals_and_bracket_token_shares(sample_run):
    out, manifest = sample_run
    reps = read_table(out, "replicates")
    totals = reps.filter(pc.equal(reps.column("persona_id"), "*")).to_pylist()
    assert sorted(r["replicate"] for r in totals) == list(range(manifest["parameters"]["replicates"])) and len(totals) == 1000
    assert abs(np.mean([r["docs"] for r in totals]) / manifest["counts"]["documents_kept"] - 1) < 0.05
    speakers = [r for r in read_table(out, "prevalence").to_pylist() if r["role"] == "speaker" and r["docs"] >= 2]
    assert speakers
    for r in speakers:
        assert r["token_ci_low"] <= r["token_share"] <= r["token_ci_high"], r["persona_id"]


def test_an_audit_corrects_the_role_it_names(spark, tmp_path):
    audit = tmp_path / "audit.csv"
    audit.write_text("persona,role,tp,fn,fp,tn\n*,mention,95,5,2,998\n")
    out = str(tmp_path / "run")
    job.run(RunConfig(corpus=(str(SAMPLE / "wikitext2.jsonl.gz"),), out=out, audit=str(audit)), spark=spark)
    rows = read_table(out, "prevalence").to_pylist()
    mentions = [r for r in rows if r["role"] == "mention"]
    assert {r["adjustment"] for r in mentions} == {"acc_jeffreys"}
    assert {r["adjustment"] for r in rows if r["role"] == "speaker"} == {None}
    seen = [r for r in mentions if r["docs"] > 0]
    for r in seen:
        expected = min(1.0, max(0.0, (r["doc_share"] - 0.002) / (0.95 - 0.002)))
        assert r["adjusted_share"] == pytest.approx(expected)
        assert r["adjusted_ci_low"] <= r["adjusted_share"] <= r["adjusted_ci_high"]
