"""The Spark job on the bundled sample corpus, checked against independent counts."""

import json
import os
from collections import Counter

import pytest

from prevalence import job
from prevalence.catalog import load_catalog
from prevalence.classifier.default import shipped_evaluation
from prevalence.config import RunConfig
from prevalence.errors import RunDirError
from prevalence.query import open_run
from prevalence.tables import SCHEMAS, type_name
from tests.conftest import REPO, SAMPLE, assert_same_tables, read_table, sample_documents
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
    docs_per = Counter((h["persona_id"], h["role"]) for h in hits)
    count_per = Counter()
    for h in hits:
        count_per[(h["persona_id"], h["role"])] += h["count"]
    total = read_table(out, "documents").num_rows
    rows = {(r["persona_id"], r["role"]): r for r in read_table(out, "prevalence").to_pylist()}
    assert set(docs_per) <= set(rows)
    for key, r in rows.items():
        assert r["docs"] == docs_per.get(key, 0), key
        assert r["count"] == count_per.get(key, 0), key
        assert r["total_docs"] == total
        assert r["doc_share"] == pytest.approx(r["docs"] / total)
        assert r["ci_low"] <= r["doc_share"] <= r["ci_high"]
    for role in ("mention", "speaker"):
        ranked = sorted((r for r in rows.values() if r["rank"] and r["role"] == role), key=lambda r: r["rank"])
        assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
        assert [r["docs"] for r in ranked] == sorted((r["docs"] for r in ranked), reverse=True)
    assert manifest["counts"]["personas_found"] == len({pid for pid, _ in docs_per})
    assert manifest["counts"]["persona_hits"] == len(hits)


def test_speaker_turns_and_words_equal_the_scripts_own_headings(sample_run):
    """Every `NAME:` block of the Shakespeare shards is one turn; its words are the words spoken, by a
    persona or, for group speech (`All:`), counted in the manifest instead."""
    out, manifest = sample_run
    expected_turns = expected_words = all_turns = 0
    for (shard, _), text in sample_documents().items():
        if shard.startswith("shakespeare/"):
            for block in text.split("\n\n"):
                lines = block.strip("\n").split("\n")
                words = len(" ".join(lines[1:]).split())
                if words and lines[0].endswith(":"):
                    expected_turns += 1
                    expected_words += words
                    all_turns += lines[0] == "All:"
    got = open_run(out).sql(
        "SELECT sum(h.count), sum(h.tokens) FROM persona_hits h JOIN documents d USING (doc_id) "
        "WHERE h.role = 'speaker' AND d.source = 'shakespeare'"
    ).fetchall()[0]
    group = manifest["counts"]["group_speech"]
    assert (got[0] + group["turns"], got[1] + group["words"]) == (expected_turns, expected_words)
    assert group["turns"] >= all_turns > 0


def test_ad_hoc_speakers_are_personas_of_the_run(sample_run):
    out, _ = sample_run
    run = open_run(out)
    assert run.persona("First Citizen").id == "speaker:shakespeare:first_citizen"
    rows = run.sql("SELECT kind, count(*) FROM prevalence WHERE role = 'speaker' AND docs > 0 GROUP BY 1").fetchall()
    kinds = dict(rows)
    assert kinds["ad_hoc_speaker"] > 100 and kinds["historical_figure"] > 5
    top = run.rank(role="speaker", by="tokens", top=1).column("name").to_pylist()
    assert top == ["Richard III of England"]


def test_harry_potter_and_lincoln_are_both_measured(sample_run):
    out, _ = sample_run
    result = open_run(out).compare("Harry Potter", "Abraham Lincoln")
    assert result["a"]["docs"] >= 1 and result["b"]["docs"] >= 1


def test_same_input_gives_the_same_tables(sample_run, spark, tmp_path):
    out, manifest = sample_run
    again = job.run(RunConfig(corpus=(str(SAMPLE),), out=str(tmp_path / "again")), spark=spark)
    assert_same_tables(out, str(tmp_path / "again"))
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
    # The old run stands; beside it, only the failed run's shard store (kept for --resume) and the
    # run directory's lock file (unlocked: the kernel dropped the lock when the run ended).
    assert sorted(os.listdir(tmp_path)) == [".run.lock", ".run.shards", "run"]


def test_existing_run_dir_needs_overwrite(sample_run, spark):
    out, _ = sample_run
    with pytest.raises(RunDirError):
        job.run(RunConfig(corpus=(str(SAMPLE),), out=out), spark=spark)


def test_sotu_authors_come_from_the_author_field(sample_run):
    from prevalence.tagging.names import NameResolver

    out, _ = sample_run
    names = NameResolver(load_catalog(), "author")
    docs = {r["doc_id"]: r for r in read_table(out, "documents").to_pylist()}
    hits = [h for h in read_table(out, "persona_hits").to_pylist() if h["role"] == "author" and h["method"] == "metadata"]
    speeches = {json.loads(line)["id"]: json.loads(line) for line in _sotu_lines()}
    assert len(hits) == len(speeches) == 249
    for h in hits:
        speech = speeches[h["doc_id"]]
        assert h["persona_id"] == names.resolve(speech["author"], {}, "sotu")
        assert h["count"] == 1 and h["tokens"] == docs[h["doc_id"]]["n_tokens"]


def _sotu_lines():
    import zstandard

    with open(SAMPLE / "sotu.jsonl.zst", "rb") as f:
        return zstandard.ZstdDecompressor().stream_reader(f).read().decode("utf-8").splitlines()


def test_archetype_classifier_labels_each_source(sample_run):
    out, manifest = sample_run
    docs = {r["doc_id"]: r["source"] for r in read_table(out, "documents").to_pylist()}
    hits = [h for h in read_table(out, "persona_hits").to_pylist() if h["method"] == "fasttext"]
    threshold = manifest["archetypes"]["threshold"]
    assert all(h["role"] == "author" and threshold <= h["score"] <= 1 for h in hits if h["persona_id"] != "archetype_unclassified")
    assert len({h["doc_id"] for h in hits}) == len(hits)  # top_k 1: one label per document at most
    by_source = Counter((docs[h["doc_id"]], h["persona_id"]) for h in hits)
    n = Counter(docs.values())
    # The default model's training data shares sources with the sample (see docs/authors.md): a check
    # that the job runs the model it ships, not an evaluation; the held-out report is the evaluation.
    assert by_source[("bible_kjv_akjv", "archetype_religious_writer")] >= 0.95 * n["bible_kjv_akjv"]
    assert by_source[("sotu", "archetype_public_affairs")] >= 0.95 * n["sotu"]
    assert by_source[("wikitext2", "archetype_encyclopedist")] >= 0.95 * n["wikitext2"]
    # Every document with text gets exactly one archetype hit: a label, or unclassified.
    assert len(hits) == sum(n.values())
    # The manifest names the rates the correction used: leave-one-source-out, at the calibrated threshold.
    archetypes = manifest["archetypes"]
    assert archetypes["rates"] == "leave_one_source_out" and threshold == shipped_evaluation()["options"]["threshold"]
    assert archetypes["abstention_persona"] == "archetype_unclassified" and "archetype_religious_writer" in archetypes["corrected"]
    assert archetypes["rates_per_label"]["religious_writer"]["tp"] == shipped_evaluation()["loso"]["per_label"]["religious_writer"]["tp"]


def test_archetypes_are_ranked_only_as_authors_with_corrected_shares(sample_run):
    out, _ = sample_run
    run = open_run(out)
    roles = dict(run.sql("SELECT role, count(*) FROM prevalence WHERE kind = 'author_archetype' GROUP BY 1").fetchall())
    assert roles == {"author": 17}
    top = run.rank(role="author", kind="author_archetype", top=3).to_pylist()
    assert top[0]["persona_id"] == "archetype_religious_writer" and top[0]["adjusted_share"] is not None
    assert top[0]["adjusted_ci_low"] <= top[0]["adjusted_share"] <= top[0]["adjusted_ci_high"]


def test_cooccurrence_counts_equal_pairs_recounted_from_persona_hits(sample_run):
    import math
    from itertools import combinations

    out, manifest = sample_run
    weights: dict[str, dict[str, int]] = {}
    for h in read_table(out, "persona_hits").to_pylist():
        doc = weights.setdefault(h["doc_id"], {})
        doc[h["persona_id"]] = doc.get(h["persona_id"], 0) + h["count"]
    expected: Counter = Counter()
    docs_of: Counter = Counter()
    for doc in weights.values():
        docs_of.update(doc.keys())
        top = sorted(doc, key=lambda p: (-doc[p], p))[:20]
        expected.update(combinations(sorted(top), 2))
    expected = {k: v for k, v in expected.items() if v >= 2}
    rows = read_table(out, "cooccurrence").to_pylist()
    assert {(r["persona_a"], r["persona_b"]): r["docs"] for r in rows} == expected
    n = manifest["counts"]["documents_kept"]
    for r in rows[:50]:
        assert (r["docs_a"], r["docs_b"], r["total_docs"]) == (docs_of[r["persona_a"]], docs_of[r["persona_b"]], n)
        assert r["pmi"] == pytest.approx(math.log(r["docs"] * n / (r["docs_a"] * r["docs_b"])))
        assert r["log_odds_ci_low"] < r["log_odds_ratio"] < r["log_odds_ci_high"] and r["llr"] >= 0
        assert r["unique_docs"] <= r["docs"]


def test_the_strongest_partner_of_moses_is_aaron(sample_run):
    out, _ = sample_run
    top = open_run(out).pairs("moses", top=3).to_pylist()
    assert top[0]["persona_id"] == "aaron" and top[0]["docs"] >= 40 and top[0]["npmi"] > 0.5


def test_the_json_summary_for_scripts_carries_the_accounting(sample_run):
    import json

    from prevalence.cli import json_summary

    out, manifest = sample_run
    summary = json.loads(json_summary(manifest, out))
    assert summary["counts"]["documents_in"] == 917 and summary["run_dir"] == os.path.abspath(out)
    assert summary["counts"]["documents_in"] == summary["counts"]["documents_kept"] + summary["counts"]["rejected"]


def test_throughput_names_file_bytes_and_text_characters_apart(sample_run):
    from prevalence.cli import format_summary

    out, manifest = sample_run
    # The sample's shards are mostly compressed: their files are far smaller than their text.
    t, files, chars = manifest["timings"]["total_s"], manifest["corpus"]["bytes"], manifest["counts"]["chars"]
    assert chars > 2 * files
    assert manifest["throughput"] == {"file_mb_s": round(files / 1e6 / t, 3), "text_mchars_s": round(chars / 1e6 / t, 3)}
    line = next(x for x in format_summary(manifest, out).splitlines() if x.startswith("took"))
    assert f"{files / 1e6:.1f} MB of files" in line and f"{chars / 1e6:.1f} M characters of text" in line


def test_windowed_cooccurrence_margins_count_mention_documents_only(spark, tmp_path):
    """With --pair-window the margins docs_a and docs_b are documents that mention the persona (not those
    where it only speaks or writes), recounted here from persona_hits."""
    import shutil

    from prevalence.config import PairOptions
    from tests.conftest import write_jsonl

    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE / "shakespeare", corpus)
    # Transcript records whose speaker field names a persona that the plays mention: a speaker hit in a
    # document with no mention of it.
    names = ["Hamlet", "Julius Caesar", "Richard III", "Romeo", "Juliet", "Brutus", "Macbeth", "Cleopatra", "Henry V", "Falstaff"]
    write_jsonl(corpus / "transcripts.jsonl", [{"text": "Words spoken here, and nobody named.", "speaker": n} for n in names])
    out = str(tmp_path / "run")
    job.run(RunConfig(corpus=(str(corpus),), out=out, archetypes="none", pairs=PairOptions(window=30)), spark=spark)
    mentioned: Counter = Counter()
    anywhere: dict[str, set] = {}
    for h in read_table(out, "persona_hits").to_pylist():
        mentioned[h["persona_id"]] += h["role"] == "mention"
        anywhere.setdefault(h["persona_id"], set()).add(h["doc_id"])
    rows = read_table(out, "cooccurrence").to_pylist()
    assert rows and all(r["window_words"] == 30 for r in rows)
    for r in rows:
        assert (r["docs_a"], r["docs_b"]) == (mentioned[r["persona_a"]], mentioned[r["persona_b"]])
    # The check can fail: some personas of these pairs are in more documents than they are mentioned in.
    assert any(len(anywhere[p]) > mentioned[p] for r in rows for p in (r["persona_a"], r["persona_b"]))


def test_the_workers_of_a_local_session_import_the_installed_pyspark(spark):
    """Not the bundled pyspark.zip, whose modules every worker would compile from source, and without
    Spark's own jars on the path (prevalence.spark.daemon)."""
    import pyarrow as pa
    import pyspark
    from pyspark.sql.pandas.types import from_arrow_schema

    schema = pa.schema([("pyspark", pa.string()), ("zips", pa.int64())])

    def where(batches):
        import sys

        import pyspark as worker_pyspark

        for _ in batches:
            zips = sum(1 for p in sys.path if p.endswith(os.path.join("pyspark", "python", "lib", "pyspark.zip")) or p.endswith(".jar"))
            yield pa.RecordBatch.from_pylist([{"pyspark": worker_pyspark.__file__, "zips": zips}], schema=schema)

    rows = spark.range(0, 2, 1, numPartitions=2).mapInArrow(where, from_arrow_schema(schema)).collect()
    assert {(r["pyspark"], r["zips"]) for r in rows} == {(pyspark.__file__, 0)}


def test_the_jvm_of_a_local_session_runs_with_the_quick_jit(spark):
    """The option reaches the running JVM (prevalence.spark.session.LOCAL_JIT_OPTIONS)."""
    from prevalence.spark.session import LOCAL_JIT_OPTIONS

    arguments = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
    assert LOCAL_JIT_OPTIONS in [str(a) for a in arguments]


def test_a_settled_worker_collects_only_what_its_later_tasks_make(spark):
    """prevalence.spark.worker: once a Python worker has settled, what was alive then (its modules and
    kernels) sits in gc's permanent generation, which the gc.collect() PySpark's daemon runs after every
    task skips, and what its tasks make later does not; the rows go through unchanged. (How many objects
    stay outside depends on how many runs the worker has served: this session's workers serve many.)"""
    import gc

    import pyarrow as pa
    from pyspark.sql.pandas.types import from_arrow_schema

    from prevalence.spark.worker import on_worker

    schema = pa.schema([("id", pa.int64()), ("frozen", pa.int64()), ("module_collected", pa.bool_()), ("new_collected", pa.bool_())])

    def count(batches):
        import pyarrow

        for batch in batches:
            made_now = [batch]  # a container made by this task, after settling
            tracked = {id(o) for o in gc.get_objects()}  # what a collection reads: everything not frozen
            yield pa.RecordBatch.from_pylist([{"id": i, "frozen": gc.get_freeze_count(), "module_collected": id(vars(pyarrow)) in tracked,
                                               "new_collected": id(made_now) in tracked} for i in batch.column(0).to_pylist()], schema=schema)

    rows = spark.range(0, 6, 1, numPartitions=3).mapInArrow(on_worker(count, kernels=True), from_arrow_schema(schema)).collect()
    assert sorted(r["id"] for r in rows) == list(range(6))
    for r in rows:
        assert r["frozen"] > 50_000  # pyspark, pyarrow and the kernels alone are more
        assert not r["module_collected"] and r["new_collected"]
