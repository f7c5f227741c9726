"""Per-persona totals and bootstrap sums in one pass (`persona_totals`), without Spark: the totals of any
partitioning by cluster equal those counted document by document, and the replicate sums equal the
bootstrap's own."""

import random
import zlib
from collections import defaultdict

import pyarrow as pa
import pytest

from prevalence.persona_totals import TOTALS_SCHEMA, partial_totals, sum_totals
from prevalence.stats.bootstrap import hit_rows_of_documents, partial_replicate_sums, replicate_rows, sum_replicate_vectors

HIT = pa.struct([("persona_id", pa.string()), ("role", pa.string()), ("count", pa.int64()), ("tokens", pa.int64())])
NAME = pa.struct([pa.field("persona_id", pa.string(), nullable=False), pa.field("name", pa.string(), nullable=False)])
PAIR = pa.struct([pa.field("a", pa.string(), nullable=False), pa.field("b", pa.string(), nullable=False)])
DOCS = pa.schema([("doc_hash", pa.int64()), ("cluster_id", pa.string()), ("n_tokens", pa.int64()), ("hits", pa.list_(HIT)),
                  ("names", pa.list_(NAME)), ("pairs", pa.list_(PAIR))])
REPLICATES = 7


def documents(n: int, seed: int) -> list[dict]:
    """Random documents: clusters of one to four copies, hits in three roles (mention tokens often
    null, as the mention tagger leaves them), written names of ad-hoc personas, and pairs of the
    document's personas (none when the pair list is null)."""
    rng = random.Random(seed)
    personas = [f"p{i}" for i in range(12)] + ["adhoc:x", "adhoc:y"]
    docs = []
    for i in range(n):
        cluster = f"d{rng.randrange(max(1, n // 2)):05d}"
        hits = []
        for persona in rng.sample(personas, rng.randint(0, 4)):
            for role in rng.sample(["mention", "speaker", "author"], rng.randint(1, 2)):
                null = role == "mention" and (persona == "p0" or rng.random() < 0.8)  # p0's mentions: no tokens at all
                tokens = None if null else rng.randint(0, 50)
                hits.append({"persona_id": persona, "role": role, "count": rng.randint(1, 9), "tokens": tokens})
        names = [{"persona_id": h["persona_id"], "name": rng.choice(["X", "Mr X", "x"])} for h in hits
                 if h["persona_id"].startswith("adhoc") and h["role"] == "speaker"]
        held = sorted({h["persona_id"] for h in hits})
        pairs = [{"a": a, "b": b} for k, a in enumerate(held) for b in held[k + 1:]] if rng.random() < 0.9 else None
        docs.append({"doc_hash": rng.getrandbits(63), "cluster_id": cluster,
                     "n_tokens": rng.randint(1, 500), "hits": hits, "names": names, "pairs": pairs})
    return docs


def run_partitions(docs: list[dict], partitions: int, batch_rows: int) -> pa.Table:
    """partial_totals per partition (documents partitioned by cluster, in batches), the partial rows
    shuffled by key, sum_totals per key partition: what the Spark job does."""
    by_partition = defaultdict(list)
    for d in docs:
        by_partition[int(d["cluster_id"][1:]) % partitions].append(d)
    partial = []
    for rows in by_partition.values():
        table = pa.Table.from_pylist(rows, schema=DOCS)
        partial.extend(partial_totals(iter(table.to_batches(max_chunksize=batch_rows)), REPLICATES))
    by_key = defaultdict(list)
    for batch in partial:
        for row in batch.to_pylist():
            by_key[zlib.crc32(f'{row["kind"]}/{row["persona_id"]}/{row["key"]}'.encode()) % 3].append(row)
    out = [b for rows in by_key.values() for b in sum_totals(iter(pa.Table.from_pylist(rows, schema=TOTALS_SCHEMA).to_batches(max_chunksize=5)))]
    return pa.Table.from_batches(out, schema=TOTALS_SCHEMA)


def expected_totals(docs: list[dict]) -> dict:
    """The totals counted document by document."""
    out = {}
    hit_rows = defaultdict(list)
    for d in docs:
        for h in d["hits"]:
            hit_rows[(h["persona_id"], h["role"])].append((d["cluster_id"], h))
    for (persona, role), rows in hit_rows.items():
        tokens = [h["tokens"] for _, h in rows if h["tokens"] is not None]
        out[("hit", persona, role)] = (len(rows), len({c for c, _ in rows}), sum(h["count"] for _, h in rows), sum(tokens) if tokens else None)
    anywhere = defaultdict(int)
    written = defaultdict(int)
    for d in docs:
        for persona in {h["persona_id"] for h in d["hits"]}:
            anywhere[persona] += 1
        for n in d["names"]:
            written[(n["persona_id"], n["name"])] += 1
    out.update({("any", p, "*"): (n, None, None, None) for p, n in anywhere.items()})
    out.update({("name", p, name): (n, None, None, None) for (p, name), n in written.items()})
    pair_clusters = defaultdict(list)
    for d in docs:
        for pair in d["pairs"] or []:
            pair_clusters[(pair["a"], pair["b"])].append(d["cluster_id"])
    out.update({("pair", a, b): (len(c), len(set(c)), None, None) for (a, b), c in pair_clusters.items()})
    return out


@pytest.mark.parametrize("partitions,batch_rows", [(1, 1000), (1, 3), (4, 7), (9, 1)])
def test_totals_of_any_partitioning_by_cluster_equal_those_counted_document_by_document(partitions, batch_rows):
    docs = documents(300, seed=partitions)
    found = run_partitions(docs, partitions, batch_rows)
    totals = {(r["kind"], r["persona_id"], r["key"]): (r["docs"], r["unique_docs"], r["count"], r["tokens"])
              for r in found.to_pylist() if r["kind"] != "replicates"}
    assert totals == expected_totals(docs)
    assert any(k[0] == "hit" and v[0] > v[1] for k, v in totals.items())  # copies counted once as clusters
    assert any(k[0] == "hit" and v[3] is None for k, v in totals.items())  # null tokens stay null
    assert any(k[0] == "pair" and v[0] > v[1] for k, v in totals.items())  # a pair's copies counted once as clusters


def test_without_clusters_documents_are_counted_and_clusters_are_not():
    docs = [{**d, "cluster_id": None} for d in documents(80, seed=6)]
    table = pa.Table.from_pylist(docs, schema=DOCS)
    rows = [r for b in partial_totals(iter(table.to_batches(max_chunksize=9)), REPLICATES) for r in b.to_pylist()]
    expected = expected_totals(docs)
    pairs = {(r["persona_id"], r["key"]): (r["docs"], r["unique_docs"]) for r in rows if r["kind"] == "pair"}
    assert pairs == {(a, b): (v[0], 0) for (kind, a, b), v in expected.items() if kind == "pair"}
    assert all(r["unique_docs"] == 0 for r in rows if r["kind"] == "hit")


def test_documents_without_a_pairs_column_give_no_pair_rows():
    docs = documents(60, seed=5)
    table = pa.Table.from_pylist(docs, schema=DOCS).drop_columns(["pairs"])
    kinds = {r["kind"] for b in partial_totals(iter(table.to_batches(max_chunksize=8)), REPLICATES) for r in b.to_pylist()}
    assert kinds == {"hit", "any", "name", "replicates"}


@pytest.mark.parametrize("partitions,batch_rows", [(1, 1000), (5, 4)])
def test_replicate_sums_equal_the_bootstrap_over_all_documents_at_once(partitions, batch_rows):
    docs = documents(200, seed=11)
    found = run_partitions(docs, partitions, batch_rows)
    vectors = found.filter(pa.compute.equal(found.column("kind"), "replicates"))
    got = replicate_rows(pa.table({"persona_id": vectors.column("persona_id"), "role": vectors.column("key"), "sums": vectors.column("sums")}),
                         REPLICATES)
    table = pa.Table.from_pylist(docs, schema=DOCS).select(["doc_hash", "n_tokens", "hits"])
    whole = list(sum_replicate_vectors(partial_replicate_sums(hit_rows_of_documents(iter(table.to_batches())), REPLICATES)))
    assert got.equals(replicate_rows(pa.Table.from_batches(whole), REPLICATES))
    assert got.num_rows > 20 * REPLICATES


def test_a_partition_without_documents_gives_no_rows():
    assert list(partial_totals(iter([]), REPLICATES)) == []
    assert list(sum_totals(iter([]))) == []


def test_a_key_partition_that_compacts_its_rows_on_the_way_gives_the_same_totals(monkeypatch):
    """sum_totals adds batches in as they come and compacts held number rows: the same totals."""
    from prevalence import persona_totals

    docs = documents(150, seed=3)
    expected = run_partitions(docs, 4, 9)
    monkeypatch.setattr(persona_totals, "MAX_HELD_ROWS", 2)
    compacted = run_partitions(docs, 4, 9)
    key = [("kind", "ascending"), ("persona_id", "ascending"), ("key", "ascending")]
    assert compacted.sort_by(key).equals(expected.sort_by(key))
    assert expected.num_rows > 50
