"""The tagged store read back as DataFrames, and everything the estimate needs from it: corpus
totals, per-persona counts and bootstrap replicate sums. Only small results reach the driver."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from prevalence.corpus.rejects import DUPLICATE_ID
from prevalence.estimate import COUNTS_SCHEMA
from prevalence.stages import TAGGED_SCHEMA
from prevalence.stats.bootstrap import REPLICATE_VECTORS_SCHEMA, hit_rows_of_documents, partial_replicate_sums, sum_replicate_vectors


@dataclass
class Tagged:
    """The tagged rows of a run: every row (`all`, rejects included), the kept documents, their hits
    (doc_id, doc_hash, the hit's fields, and cluster_id once clustered)."""

    all: object
    kept: object
    hits: object

    def with_clusters(self, kept) -> "Tagged":
        """The same rows, with kept documents that carry `cluster_id` and `cluster_size` (`spark.clusters`)."""
        return Tagged(self.all, kept, _hits(kept, "cluster_id"))

    def unpersist(self) -> None:
        self.kept.unpersist()
        self.all.unpersist()


def _hits(kept, *extra: str):
    """One row per hit of the kept documents."""
    from pyspark.sql import functions as F

    return kept.select("doc_id", "doc_hash", *extra, F.explode("hits").alias("h")).select("doc_id", "doc_hash", *extra, "h.*")


def read_tagged(spark, files: list[str]) -> Tagged:
    """The store's files as DataFrames. A corpus id used twice: the first occurrence (by shard,
    position) is kept, later ones become `duplicate_id` rejects."""
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    tagged = spark.read.schema(from_arrow_schema(TAGGED_SCHEMA)).parquet(*files)
    first = F.row_number().over(Window.partitionBy("doc_id").orderBy("shard", "position"))
    tagged = tagged.withColumn(
        "reject_reason",
        F.when(F.col("reject_reason").isNull() & (first > 1), F.lit(DUPLICATE_ID)).otherwise(F.col("reject_reason")),
    ).withColumn(
        "excerpt", F.when(F.col("reject_reason") == DUPLICATE_ID, F.concat(F.lit("doc_id "), "doc_id")).otherwise(F.col("excerpt"))
    ).persist(StorageLevel.MEMORY_AND_DISK)
    kept = tagged.where(F.col("reject_reason").isNull() & F.col("sampled"))
    return Tagged(tagged, kept, _hits(kept))


def corpus_counts(tagged: Tagged) -> dict:
    """Documents kept, not sampled and rejected (by reason), and the kept documents' tokens and chars,
    in one pass over the store."""
    from pyspark.sql import functions as F

    sampled = F.col("sampled")
    rows = tagged.all.groupBy("reject_reason").agg(  # one job
        F.count("*").alias("n"),
        F.sum(F.when(sampled, 1).otherwise(0)).alias("sampled"),
        F.sum(F.when(sampled, F.col("n_tokens"))).alias("tokens"),
        F.sum(F.when(sampled, F.col("n_chars"))).alias("chars"),
        F.sum(F.when(sampled, F.col("group_turns"))).alias("group_turns"),
        F.sum(F.when(sampled, F.col("group_words"))).alias("group_words"),
    ).collect()  # small: one row per reject reason, and one for the documents kept
    by_reason = {r["reject_reason"]: int(r["n"]) for r in rows if r["reject_reason"] is not None}
    row = next((r for r in rows if r["reject_reason"] is None), None)
    row = row.asDict() if row is not None else {}
    rejected = sum(by_reason.values())
    kept = int(row.get("sampled") or 0)
    not_sampled = int(row.get("n") or 0) - kept
    return {
        "documents_in": kept + rejected + not_sampled, "documents_kept": kept, "not_sampled": not_sampled, "rejected": rejected,
        "rejects_by_reason": dict(sorted(by_reason.items())), "tokens": int(row.get("tokens") or 0), "chars": int(row.get("chars") or 0),
        # Speech of groups (`All`, `Both`, `Citizens`), in no persona's count.
        "group_speech": {"turns": int(row.get("group_turns") or 0), "words": int(row.get("group_words") or 0)},
    }


# Documents per persona, for co-occurrence's margins (counts are never null).
DOCUMENTS_PER_PERSONA = pa.schema([("persona_id", pa.string()), pa.field("count", pa.int64(), nullable=False)])


@dataclass
class PersonaCounts:
    """What one aggregation over the clustered rows gives: COUNTS_SCHEMA per (persona, role), the
    display names of personas the catalog lacks, and the documents that hold each persona in any role."""

    counts: pa.Table
    names: dict[str, str]
    documents: pa.Table  # persona_id, count

    def documents_with(self, mentions_only: bool) -> pa.Table:
        """(persona_id, count) of documents per persona: in any role, or as a mention only."""
        if not mentions_only:
            return self.documents
        mention = self.counts.filter(pc.equal(self.counts.column("role"), "mention"))
        return pa.Table.from_arrays([mention.column("persona_id"), mention.column("docs")], schema=DOCUMENTS_PER_PERSONA)


def persona_counts(tagged: Tagged, dedup: bool) -> PersonaCounts:
    """Per (persona, role): documents, near-duplicate clusters, count and tokens; the display name of
    each persona the catalog lacks (the form most often written, ties to the first in sort order, so
    that it does not depend on sharding or order); and documents per persona in any role. One
    aggregation over the clustered rows (`Tagged.with_clusters`)."""
    from pyspark.sql import functions as F

    def rows(kind: str, frame, key, cluster, count, tokens):
        return frame.select(F.lit(kind).alias("kind"), "persona_id", key.alias("key"), cluster.alias("cluster_id"),
                            count.alias("count"), tokens.alias("tokens"))

    none_string, none_long, one = F.lit(None).cast("string"), F.lit(None).cast("long"), F.lit(1).cast("long")
    hits = rows("hit", tagged.hits, F.col("role"), F.col("cluster_id"), F.col("count"), F.col("tokens"))
    names = rows("name", tagged.kept.select(F.explode("names").alias("n")).select("n.persona_id", "n.name"), F.col("name"),
                 none_string, one, none_long)
    personas = F.array_distinct(F.transform("hits", lambda h: h.persona_id))
    anywhere = rows("any", tagged.kept.select(F.explode(personas).alias("persona_id")), F.lit("*"), none_string, one, none_long)
    found = hits.unionByName(names).unionByName(anywhere).groupBy("kind", "persona_id", "key").agg(
        F.count("*").alias("docs"), F.countDistinct("cluster_id").alias("unique_docs"), F.sum("count").alias("count"),
        F.sum("tokens").alias("tokens"),
    ).collect()  # small: one row per persona and role, per persona, and per written form of an ad-hoc persona
    counts = [{"persona_id": r["persona_id"], "role": r["key"], "docs": r["docs"], "unique_docs": r["unique_docs"] if dedup else None,
               "count": r["count"], "tokens": r["tokens"]} for r in found if r["kind"] == "hit"]
    best: dict[str, tuple[int, str]] = {}
    for r in found:
        if r["kind"] == "name" and (r["persona_id"] not in best or (-r["docs"], r["key"]) < best[r["persona_id"]]):
            best[r["persona_id"]] = (-r["docs"], r["key"])
    anywhere_rows = [r for r in found if r["kind"] == "any"]
    documents = pa.Table.from_pylist([{"persona_id": r["persona_id"], "count": r["docs"]} for r in anywhere_rows], schema=DOCUMENTS_PER_PERSONA)
    return PersonaCounts(pa.Table.from_pylist(counts, schema=COUNTS_SCHEMA), {pid: name for pid, (_, name) in best.items()}, documents)


# Partitions of the bootstrap's partial sums. Each partition emits personas x replicates rows whatever
# its size (measured on 25 MB: 16 partitions pushed 1.8 M partial rows through the shuffle for 0.5 M
# sums), while the weights cost rows x replicates draws: one partition per 250,000 kept documents, and
# up to one per core once there are 10,000 documents a core.
DOCS_PER_BOOTSTRAP_PARTITION = 250_000
MIN_DOCS_PER_BOOTSTRAP_CORE = 10_000


def bootstrap_partitions(documents: int, cores: int) -> int:
    """How many partitions compute the bootstrap's partial sums for this many kept documents."""
    return max(1, -(-documents // DOCS_PER_BOOTSTRAP_PARTITION), min(cores, documents // MIN_DOCS_PER_BOOTSTRAP_CORE))


def replicate_sums(kept, replicates: int, by_cluster: bool = False, documents: int | None = None):
    """Poisson-bootstrap sums per (persona, role), plus a `*`/`*` row for the corpus totals: a DataFrame
    of REPLICATE_VECTORS_SCHEMA, one row per key in no particular order (`stats.bootstrap.replicate_rows`
    makes the replicates table of it).

    With `by_cluster` the weights are seeded by the rows' near-duplicate cluster_id (a cluster
    bootstrap): copies of one text rise and fall together instead of counting as independent draws. `documents` (the kept
    count) sets how many partitions compute partial sums. The sums are of integers in float64, so
    they do not depend on the partitioning."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    key = F.xxhash64("cluster_id") if by_cluster else F.col("doc_hash")
    # One row per kept document with its hits, turned into hit rows and `*` rows in the Python worker: no
    # explode and union in Spark, and one weight draw per document.
    hit = lambda h: F.struct(*(h[c].alias(c) for c in ("persona_id", "role", "count", "tokens")))  # noqa: E731
    rows = kept.select(key.alias("doc_hash"), "n_tokens", F.transform("hits", hit).alias("hits"))
    if documents is not None:
        rows = rows.coalesce(bootstrap_partitions(documents, rows.sparkSession.sparkContext.defaultParallelism))
    schema = from_arrow_schema(REPLICATE_VECTORS_SCHEMA)
    partial = rows.mapInArrow(lambda it: partial_replicate_sums(hit_rows_of_documents(it), replicates), schema)
    # Every partial row of a key meets in one partition, where the vectors are added up.
    return partial.repartition("persona_id", "role").mapInArrow(sum_replicate_vectors, schema)