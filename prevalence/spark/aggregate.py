"""The tagged store read back as DataFrames, and everything the estimate needs from it: corpus
totals, and per-persona counts with the bootstrap's replicate sums. Only small results reach the driver."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from prevalence.corpus.rejects import DUPLICATE_ID
from prevalence.estimate import COUNTS_SCHEMA
from prevalence.stages import TAGGED_SCHEMA
from prevalence.persona_totals import TOTALS_SCHEMA, partial_totals, sum_totals
from prevalence.stats.bootstrap import REPLICATE_VECTORS_SCHEMA


@dataclass
class Tagged:
    """The tagged rows of a run: every row (`all`, rejects included), the kept documents, and their hits
    (doc_id and the hit's fields: the `persona_hits` table)."""

    all: object
    kept: object
    hits: object

    def with_clusters(self, kept) -> "Tagged":
        """The same rows, with kept documents that carry `cluster_id` and `cluster_size` (`spark.clusters`)."""
        return Tagged(self.all, kept, self.hits)

    def unpersist(self) -> None:
        self.kept.unpersist()
        self.all.unpersist()


def _hits(kept):
    """One row per hit of the kept documents."""
    from pyspark.sql import functions as F

    return kept.select("doc_id", F.explode("hits").alias("h")).select("doc_id", "h.*")


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
    """What one pass over the clustered documents gives: COUNTS_SCHEMA per (persona, role), the display
    names of personas the catalog lacks, the documents that hold each persona in any role, and the
    bootstrap's replicate sums (REPLICATE_VECTORS_SCHEMA, one row per persona and role and `*`/`*`)."""

    counts: pa.Table
    names: dict[str, str]
    documents: pa.Table  # persona_id, count
    vectors: pa.Table

    def documents_with(self, mentions_only: bool) -> pa.Table:
        """(persona_id, count) of documents per persona: in any role, or as a mention only."""
        if not mentions_only:
            return self.documents
        mention = self.counts.filter(pc.equal(self.counts.column("role"), "mention"))
        return pa.Table.from_arrays([mention.column("persona_id"), mention.column("docs")], schema=DOCUMENTS_PER_PERSONA)


def persona_counts(tagged: Tagged, dedup: bool, replicates: int, documents: int) -> PersonaCounts:
    """Per (persona, role): documents, near-duplicate clusters, count and tokens; the display name of
    each persona the catalog lacks (the form most often written, ties to the first in sort order, so
    that it does not depend on sharding or order); documents per persona in any role; and the
    Poisson-bootstrap sums, seeded by the near-duplicate cluster with `dedup` (copies of one text rise
    and fall together) and by the document without. One Python pass over the clustered documents
    (`Tagged.with_clusters`) partitioned by cluster, so that distinct clusters add up over partitions,
    and one over its partial rows (`persona_totals`); `documents` (the kept count) sets how many
    partitions: each emits personas x replicates sums whatever its size."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    kept = tagged.kept
    seed = F.xxhash64("cluster_id") if dedup else F.col("doc_hash")
    hit = lambda h: F.struct(*(h[c].alias(c) for c in ("persona_id", "role", "count", "tokens")))  # noqa: E731
    rows = kept.select(seed.alias("doc_hash"), F.col("cluster_id").cast("string"), "n_tokens", F.transform("hits", hit).alias("hits"),
                       "names")
    partitions = bootstrap_partitions(documents, kept.sparkSession.sparkContext.defaultParallelism)
    rows = rows.repartition(partitions, "cluster_id") if dedup else rows.coalesce(partitions)
    schema = from_arrow_schema(TOTALS_SCHEMA)
    partial = rows.mapInArrow(lambda it: partial_totals(it, replicates), schema)
    found = partial.repartition("kind", "persona_id", "key").mapInArrow(sum_totals, schema).toArrow()  # catalog-sized
    return _split_totals(found, dedup)


def _split_totals(found: pa.Table, dedup: bool) -> PersonaCounts:
    """PersonaCounts of the summed TOTALS_SCHEMA rows, each table in a fixed order."""
    kind = found.column("kind")
    hit = found.filter(pc.equal(kind, "hit")).sort_by([("persona_id", "ascending"), ("key", "ascending")])
    counts = pa.Table.from_arrays(
        [hit.column("persona_id"), hit.column("key"), hit.column("docs"),
         hit.column("unique_docs") if dedup else pa.nulls(hit.num_rows, pa.int64()), hit.column("count"), hit.column("tokens")],
        schema=COUNTS_SCHEMA)
    best: dict[str, tuple[int, str]] = {}
    named = found.filter(pc.equal(kind, "name"))
    for persona, name, docs in zip(*(named.column(c).to_pylist() for c in ("persona_id", "key", "docs"))):
        if persona not in best or (-docs, name) < best[persona]:
            best[persona] = (-docs, name)
    anywhere = found.filter(pc.equal(kind, "any")).sort_by("persona_id")
    documents = pa.Table.from_arrays([anywhere.column("persona_id"), anywhere.column("docs")], schema=DOCUMENTS_PER_PERSONA)
    replicated = found.filter(pc.equal(kind, "replicates"))
    vectors = pa.Table.from_arrays([replicated.column("persona_id"), replicated.column("key"), replicated.column("sums")],
                                   schema=REPLICATE_VECTORS_SCHEMA)
    return PersonaCounts(counts, {pid: name for pid, (_, name) in best.items()}, documents, vectors)


# Partitions of the bootstrap's partial sums. Each partition emits personas x replicates rows whatever
# its size (measured on 25 MB: 16 partitions pushed 1.8 M partial rows through the shuffle for 0.5 M
# sums), while the weights cost rows x replicates draws: one partition per 250,000 kept documents, and
# up to one per core once there are 10,000 documents a core.
DOCS_PER_BOOTSTRAP_PARTITION = 250_000
MIN_DOCS_PER_BOOTSTRAP_CORE = 10_000


def bootstrap_partitions(documents: int, cores: int) -> int:
    """How many partitions compute the bootstrap's partial sums for this many kept documents."""
    return max(1, -(-documents // DOCS_PER_BOOTSTRAP_PARTITION), min(cores, documents // MIN_DOCS_PER_BOOTSTRAP_CORE))
