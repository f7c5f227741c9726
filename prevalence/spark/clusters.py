"""Near-duplicate clusters as Spark shuffles: candidate edges, verification, connected components.

Candidate edges join each document of an LSH bucket (or of an exact-text group) to the bucket's
smallest doc id, a window over the shuffle rather than a collected list, so a huge bucket costs one
edge per member, not one per pair. Components of up to DRIVER_EDGES verified edges (near-duplicates
are rare: usually this) are found on the driver (`dedup.components`, scipy) after one collect capped
at DRIVER_EDGES + 1 rows; larger edge lists go through iterated min-label propagation with pointer
jumping in Spark. Either way each document's cluster_id is the smallest doc id of its component.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from prevalence.config import DedupOptions
from prevalence.dedup.components import components_of
from prevalence.dedup.lsh import estimated_jaccard
from prevalence.spark.worker import on_worker

MAX_ITERATIONS = 64
_EDGE_SCHEMA = pa.schema([("src", pa.string()), ("dst", pa.string())])


def candidate_edges(docs):
    """(src, dst) pairs, src < dst: documents sharing an exact-text key or an LSH band key."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    exact = docs.where(F.col("text_key").isNotNull()).select("doc_id", F.col("text_key").alias("bucket"))
    banded = docs.where(F.col("bands").isNotNull()).select(
        "doc_id", F.posexplode("bands").alias("band", "key")
    ).select("doc_id", F.concat_ws(":", F.col("band").cast("string"), F.col("key").cast("string")).alias("bucket"))
    buckets = exact.unionByName(banded)
    root = F.min("doc_id").over(Window.partitionBy("bucket"))
    return (
        buckets.select(root.alias("src"), F.col("doc_id").alias("dst"))
        .where(F.col("src") != F.col("dst"))
        .distinct()
    )


def _verify_batches(batches: Iterator[pa.RecordBatch], threshold: float) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        a = np.frombuffer(b"".join(batch.column("sig_src").to_pylist()), dtype=np.uint32)
        b = np.frombuffer(b"".join(batch.column("sig_dst").to_pylist()), dtype=np.uint32)
        n = batch.num_rows
        if n == 0:
            continue
        keep = estimated_jaccard(a.reshape(n, -1), b.reshape(n, -1)) >= threshold
        yield pa.RecordBatch.from_arrays([batch.column("src").filter(keep), batch.column("dst").filter(keep)], schema=_EDGE_SCHEMA)


def verified_edges(edges, docs, threshold: float):
    """Edges whose two signatures agree on at least `threshold` of their values (estimated Jaccard).
    Edges from exact-text groups always pass (equal texts have equal signatures)."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    sigs = docs.where(F.col("signature").isNotNull()).select("doc_id", "signature")
    joined = (
        edges.join(sigs.select(F.col("doc_id").alias("src"), F.col("signature").alias("sig_src")), "src")
        .join(sigs.select(F.col("doc_id").alias("dst"), F.col("signature").alias("sig_dst")), "dst")
        .select("src", "dst", "sig_src", "sig_dst")
    )
    return joined.mapInArrow(on_worker(lambda it: _verify_batches(it, threshold)), from_arrow_schema(_EDGE_SCHEMA))


# Edge lists up to this size are clustered on the driver (`dedup.components`): about 200 MB there.
DRIVER_EDGES = 2_000_000


def connected_components(edges):
    """(node, cluster) for every node of the edge list; cluster = smallest node id in its component."""
    from pyspark.sql import functions as F

    both = edges.select("src", "dst").unionByName(edges.select(F.col("dst").alias("src"), F.col("src").alias("dst")))
    labels = both.groupBy(F.col("src").alias("node")).agg(F.least(F.min("dst"), F.first("src")).alias("label"))
    labels = labels.localCheckpoint()
    for _ in range(MAX_ITERATIONS):
        neighbour = both.join(labels.select(F.col("node").alias("dst"), F.col("label").alias("n_label")), "dst")
        spread = neighbour.groupBy(F.col("src").alias("node")).agg(F.min("n_label").alias("n_label"))
        step = labels.join(spread, "node").select("node", F.least("label", "n_label").alias("label"))
        # Pointer jumping: take the label of one's label, halving chain lengths each round.
        jumped = (
            step.alias("a")
            .join(step.alias("b"), F.col("a.label") == F.col("b.node"))
            .select(F.col("a.node").alias("node"), F.least(F.col("a.label"), F.col("b.label")).alias("label"))
        ).localCheckpoint()
        changed = jumped.join(labels.withColumnRenamed("label", "old"), "node").where(F.col("label") != F.col("old")).count()
        labels = jumped
        if changed == 0:
            return labels.withColumnRenamed("label", "cluster")
    raise RuntimeError(f"connected components did not converge in {MAX_ITERATIONS} rounds")


def cluster_documents(kept, options: DedupOptions, documents: int, progress=lambda _m: None):
    """(kept documents with `cluster_id` and `cluster_size`, number of clusters). `documents` is the
    number of kept documents. A document on no verified edge is its own cluster (its id, size 1):
    only the documents on edges pass through the components, and the clusters are counted from them
    (documents - nodes + components), with no pass over the corpus. Without deduplication the cluster
    columns are null and the number is None."""
    from pyspark.sql import functions as F

    if not options.enabled:
        return kept.select("*", F.lit(None).cast("string").alias("cluster_id"), F.lit(None).cast("long").alias("cluster_size")), None
    progress("clustering near-duplicates (MinHash LSH, connected components)")
    docs = kept.select("doc_id", "text_key", "bands", "signature")
    edges = candidate_edges(docs)
    if options.verify:
        edges = verified_edges(edges, docs, options.threshold)
    found = edges.limit(DRIVER_EDGES + 1).toArrow()  # at most DRIVER_EDGES + 1 rows reach the driver
    if found.num_rows <= DRIVER_EDGES:
        # Few edges (near-duplicates are rare): all of them, collected once, and scipy, instead of Spark rounds.
        table = components_of(found.column("src"), found.column("dst"))
        sizes = pc.value_counts(table.column("cluster"))
        size = sizes.field("counts").take(pc.index_in(table.column("cluster"), sizes.field("values")))
        table = table.append_column("size", size.cast(pa.int64()))
        n_nodes, n_components = table.num_rows, len(sizes)
        components = kept.sparkSession.createDataFrame(table)  # small: a local relation Spark broadcasts when it can
        persist = False
    else:
        labels = connected_components(edges.localCheckpoint())
        components = labels.join(labels.groupBy("cluster").agg(F.count("*").alias("size")), "cluster").select("node", "cluster", "size")
        row = labels.agg(F.count("*").alias("nodes"), F.countDistinct("cluster").alias("clusters")).first()
        n_nodes, n_components = int(row["nodes"]), int(row["clusters"])
        persist = True  # a join with a shuffle: done once, not once per table that reads the clusters
    clustered = kept.join(components, kept["doc_id"] == components["node"], "left").select(
        *[kept[c] for c in kept.columns], F.coalesce("cluster", kept["doc_id"]).alias("cluster_id"),
        F.coalesce("size", F.lit(1).cast("long")).alias("cluster_size"))
    if persist:
        from pyspark import StorageLevel

        clustered = clustered.persist(StorageLevel.MEMORY_AND_DISK)
    return clustered, documents - n_nodes + n_components
