"""Near-duplicate clusters computed by Spark, checked against in-memory references."""

import numpy as np
import pyarrow as pa
import pytest

from prevalence import job
from prevalence.config import DedupOptions, RunConfig
from prevalence.spark import aggregate
from prevalence.spark.clusters import connected_components
from prevalence.dedup.lsh import lsh_params
from prevalence.dedup.minhash import MinHasher
from prevalence.dedup.signer import Signer
from tests.conftest import read_table, sample_documents, write_jsonl

pytestmark = pytest.mark.spark


def union_find_clusters(nodes, edges):
    parent = {n: n for n in nodes}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {n: find(n) for n in nodes}


def test_components_of_chains_stars_and_pairs(spark):
    chain = [(f"c{i:03d}", f"c{i + 1:03d}") for i in range(200)]
    star = [("s0", f"s{i}") for i in range(1, 30)]
    pairs = [("p1", "p2"), ("q2", "q1")]
    edges = spark.createDataFrame(chain + star + pairs, "src string, dst string")
    got = dict(connected_components(edges).collect())  # small: test graph
    nodes = {n for e in chain + star + pairs for n in e}
    assert got == union_find_clusters(nodes, chain + star + pairs)
    assert got["c200"] == "c000" and got["q2"] == "q1"


def test_sample_clusters_equal_an_in_memory_union_find(sample_run):
    """Same signatures, but buckets, star edges, verification and components done in plain Python."""
    out, manifest = sample_run
    docs = read_table(out, "documents").select(["doc_id", "shard", "position", "cluster_id", "cluster_size"]).to_pylist()
    by_place = {(d["shard"], d["position"]): d["doc_id"] for d in docs}
    texts = sample_documents()
    order = sorted(texts)
    ids = [by_place[k] for k in order]
    options = DedupOptions()
    keys, bands, sigs = Signer(MinHasher(options.num_perm, options.shingle_size, options.seed), *lsh_params(options.threshold, options.num_perm)).sign(
        pa.array([texts[k] for k in order])
    )
    buckets = {}
    for doc_id, key, doc_bands in zip(ids, keys.to_pylist(), bands.to_pylist()):
        buckets.setdefault(("exact", key), []).append(doc_id)
        for i, band in enumerate(doc_bands or []):
            buckets.setdefault((i, band), []).append(doc_id)
    signature = {doc_id: np.frombuffer(s, dtype=np.uint32) for doc_id, s in zip(ids, sigs.to_pylist()) if s is not None}
    edges = set()
    for members in buckets.values():
        root = min(members)
        for m in members:
            if m != root and (np.mean(signature[root] == signature[m]) >= options.threshold):
                edges.add((root, m))
    expected = union_find_clusters(ids, edges)
    assert {d["doc_id"]: d["cluster_id"] for d in docs} == expected
    sizes = {}
    for c in expected.values():
        sizes[c] = sizes.get(c, 0) + 1
    assert all(d["cluster_size"] == sizes[d["cluster_id"]] for d in docs)
    assert manifest["counts"]["clusters"] == len(sizes) < len(docs)


def test_unique_docs_count_one_vote_per_cluster(sample_run):
    out, _ = sample_run
    cluster = {d["doc_id"]: d["cluster_id"] for d in read_table(out, "documents").select(["doc_id", "cluster_id"]).to_pylist()}
    per_persona = {}
    for h in read_table(out, "persona_hits").select(["doc_id", "persona_id", "role"]).to_pylist():
        per_persona.setdefault((h["persona_id"], h["role"]), set()).add(cluster[h["doc_id"]])
    rows = read_table(out, "prevalence").to_pylist()
    total = len(set(cluster.values()))
    for r in rows:
        key = (r["persona_id"], r["role"])
        assert r["unique_docs"] == len(per_persona.get(key, ())), key
        assert r["total_unique_docs"] == total
        assert r["unique_docs"] <= r["docs"]
    assert any(r["unique_docs"] < r["docs"] for r in rows)


@pytest.mark.parametrize("driver_edges", [2_000_000, -1], ids=["components on the driver", "components in Spark rounds"])
def test_planted_copies_collapse_into_one_cluster(spark, tmp_path, monkeypatch, driver_edges):
    from prevalence.spark import clusters

    monkeypatch.setattr(clusters, "DRIVER_EDGES", driver_edges)
    base = sample_documents()[("wikitext2.jsonl.gz", 4)].split()[:400]
    near = list(base)
    near[200] = "changed"
    other = sample_documents()[("wikitext2.jsonl.gz", 5)].split()[:400]
    records = [
        {"id": "a-original", "text": " ".join(base)},
        {"id": "b-exact-copy", "text": " ".join(base).upper()},
        {"id": "c-one-word-changed", "text": " ".join(near)},
        {"id": "d-unrelated", "text": " ".join(other)},
        {"id": "e-one-word", "text": "Hello"},
        {"id": "f-same-one-word", "text": "hello"},
        {"id": "g-other-one-word", "text": "Goodbye"},
        {"id": "h-two-words", "text": "Hello there"},
    ]
    write_jsonl(tmp_path / "c.jsonl", records)
    job.run(RunConfig(corpus=(str(tmp_path / "c.jsonl"),), out=str(tmp_path / "run"), archetypes="none"), spark=spark)
    got = {d["doc_id"]: (d["cluster_id"], d["cluster_size"]) for d in read_table(str(tmp_path / "run"), "documents").to_pylist()}
    assert got["a-original"] == got["b-exact-copy"] == got["c-one-word-changed"] == ("a-original", 3)
    assert got["d-unrelated"] == ("d-unrelated", 1)
    assert got["e-one-word"] == got["f-same-one-word"] == ("e-one-word", 2)
    assert got["g-other-one-word"] == ("g-other-one-word", 1) and got["h-two-words"] == ("h-two-words", 1)


@pytest.mark.parametrize("driver_ids", [aggregate.DRIVER_DUPLICATE_IDS, 0])
def test_repeated_corpus_ids_are_rejected_after_the_first(spark, tmp_path, monkeypatch, driver_ids):
    """Whether the repeated ids are broadcast from the driver or joined by a shuffle (driver_ids 0)."""
    monkeypatch.setattr(aggregate, "DRIVER_DUPLICATE_IDS", driver_ids)
    write_jsonl(tmp_path / "a.jsonl", [{"id": "x", "text": "Hamlet first."}, {"id": "y", "text": "Ophelia."},
                                       {"id": "y", "text": "Ophelia again, in the same shard."}, {"id": "z", "text": ""}])
    write_jsonl(tmp_path / "b.jsonl", [{"id": "x", "text": "Hamlet again, a different text."}, {"id": "z", "text": "Not empty."}])
    manifest = job.run(RunConfig(corpus=(str(tmp_path),), out=str(tmp_path / "run")), spark=spark)
    # z's first row is rejected for its empty text, and a reject carries no corpus id: the later z is kept.
    assert manifest["counts"]["rejects_by_reason"] == {"duplicate_id": 2, "empty_text": 1}
    assert manifest["counts"]["documents_in"] == 6 and manifest["counts"]["documents_kept"] == 3
    rejects = read_table(str(tmp_path / "run"), "rejects").sort_by([("shard", "ascending"), ("position", "ascending")]).to_pylist()
    assert [(r["shard"], r["position"], r["reason"], r["excerpt"]) for r in rejects] == [
        ("a.jsonl", 2, "duplicate_id", "doc_id y"), ("a.jsonl", 3, "empty_text", ""), ("b.jsonl", 0, "duplicate_id", "doc_id x")]
    kept = sorted((d["doc_id"], d["shard"], d["position"]) for d in read_table(str(tmp_path / "run"), "documents").to_pylist())
    assert kept == [("x", "a.jsonl", 0), ("y", "a.jsonl", 1), ("z", "b.jsonl", 1)]


def test_without_dedup_clusters_stay_null(spark, tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"text": "Hamlet first."}, {"text": "Hamlet first."}])
    manifest = job.run(RunConfig(corpus=(str(tmp_path),), out=str(tmp_path / "run"), dedup=DedupOptions(enabled=False)), spark=spark)
    docs = read_table(str(tmp_path / "run"), "documents").to_pylist()
    assert {d["cluster_id"] for d in docs} == {None} and manifest["dedup"] is None
    assert {r["unique_docs"] for r in read_table(str(tmp_path / "run"), "prevalence").to_pylist()} == {None}
