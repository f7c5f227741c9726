"""The per-partition pair count behind the cooccurrence table, against a recount in plain Python."""

from __future__ import annotations

import random
from collections import Counter

import pyarrow as pa

from prevalence.cooccurrence import PAIR_COUNTS_SCHEMA, PAIR_ROWS_SCHEMA, count_pairs


def test_documents_and_distinct_clusters_per_pair_in_pair_order():
    rng = random.Random(8)
    personas = ["aaron", "moses", "Zed", "émile", "harry_potter", "speaker:x:ann", "b"]
    rows = []
    for doc in range(3000):
        cluster = None if doc % 97 == 0 else f"c{rng.randrange(900)}"  # null ids count as documents, not clusters
        for _ in range(rng.randint(0, 4)):
            a, b = sorted(rng.sample(personas, 2))
            rows.append((cluster, a, b))
    table = pa.Table.from_pylist([dict(zip(PAIR_ROWS_SCHEMA.names, r)) for r in rows], schema=PAIR_ROWS_SCHEMA)
    batches = table.to_batches(max_chunksize=500)
    got = pa.Table.from_batches(list(count_pairs(iter(batches))), schema=PAIR_COUNTS_SCHEMA).to_pylist()
    docs = Counter((a, b) for _, a, b in rows)
    clusters: dict = {}
    for c, a, b in rows:
        if c is not None:
            clusters.setdefault((a, b), set()).add(c)
    keys = sorted(docs, key=lambda k: (k[0].encode(), k[1].encode()))  # byte order, as Spark sorts strings
    assert [(r["persona_a"], r["persona_b"]) for r in got] == keys
    assert all(r["docs"] == docs[k] and r["unique_docs"] == len(clusters.get(k, ())) for r, k in zip(got, keys))
    assert any(r["unique_docs"] < r["docs"] for r in got)
    assert list(count_pairs(iter([]))) == []
