"""The tagged store read back as DataFrames, and everything the estimate needs from it: corpus
totals, and per-persona counts with the bootstrap's replicate sums. Only small results reach the driver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from prevalence.corpus.rejects import DUPLICATE_ID
from prevalence.corpus_totals import CORPUS_TOTALS_SCHEMA, partial_corpus_totals
from prevalence.corpus_totals import corpus_counts as corpus_counts_of
from prevalence.estimate import COUNTS_SCHEMA
from prevalence.stages import TAGGED_SCHEMA
from prevalence.persona_totals import TOTALS_SCHEMA, partial_totals, sum_totals
from prevalence.spark.worker import on_worker
from prevalence.stats.bootstrap import REPLICATE_VECTORS_SCHEMA
from prevalence.tables.corpus_rows import (CORPUS_ROW_SCHEMAS, REJECTS_SCHEMA, PartitionFiles, document_rows, finish_table_folder, hit_rows,
                                           reject_rows)


@dataclass
class Tagged:
    """The tagged rows of a run: every row (`all`, rejects included) and the kept documents."""

    all: object
    kept: object

    def with_clusters(self, kept) -> "Tagged":
        """The same rows, with kept documents that carry `cluster_id` and `cluster_size` (`spark.clusters`)."""
        return Tagged(self.all, kept)

    def unpersist(self) -> None:
        self.kept.unpersist()
        self.all.unpersist()


# Ids used more than once that the driver holds (one row each: the id and where it first occurs) and
# broadcasts; more than this (a corpus whose ids restart in every shard) are joined by a shuffle.
DRIVER_DUPLICATE_IDS = 1_000_000


def read_tagged(spark, files: list[str]) -> Tagged:
    """The store's files as DataFrames. A corpus id used twice: the first occurrence (by shard,
    position) is kept, later ones become `duplicate_id` rejects. Only ids travel to find them: the
    ids used more than once, with their first place, are usually few and joined back by broadcast."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    tagged = spark.read.schema(from_arrow_schema(TAGGED_SCHEMA)).parquet(*files)
    repeated = _repeated_ids(tagged)
    marked = tagged.join(repeated, "doc_id", "left")
    later = F.col("first_shard").isNotNull() & ((F.col("shard") != F.col("first_shard")) | (F.col("position") != F.col("first_position")))
    reason = F.when(F.col("reject_reason").isNull() & later, F.lit(DUPLICATE_ID)).otherwise(F.col("reject_reason"))
    excerpt = F.when(reason == DUPLICATE_ID, F.concat(F.lit("doc_id "), "doc_id")).otherwise(F.col("excerpt"))
    replaced = {"reject_reason": reason.alias("reject_reason"), "excerpt": excerpt.alias("excerpt")}
    tagged = marked.select(*(replaced.get(c, F.col(c)) for c in tagged.columns)).persist(StorageLevel.MEMORY_AND_DISK)
    kept = tagged.where(F.col("reject_reason").isNull() & F.col("sampled"))
    return Tagged(tagged, kept)


def _repeated_ids(tagged):
    """(doc_id, first_shard, first_position) of every id on more than one row: collected and broadcast
    when there are up to DRIVER_DUPLICATE_IDS of them (usually none), else left to a shuffle join."""
    from pyspark.sql import functions as F

    first = F.min(F.struct("shard", "position"))
    repeated = tagged.groupBy("doc_id").agg(F.count(F.lit(1)).alias("rows"), first.alias("first")).where(F.col("rows") > 1).select(
        "doc_id", F.col("first.shard").alias("first_shard"), F.col("first.position").alias("first_position"))
    found = repeated.limit(DRIVER_DUPLICATE_IDS + 1).toArrow()
    if found.num_rows > DRIVER_DUPLICATE_IDS:
        return repeated
    return F.broadcast(tagged.sparkSession.createDataFrame(found, schema=repeated.schema))


def corpus_counts(tagged: Tagged, rejects: str) -> dict:
    """Documents kept, not sampled and rejected (by reason), and the kept documents' tokens and chars
    (`corpus_totals.corpus_counts`), in one pass over the store that also writes the rejects table
    into the folder `rejects`, one file per partition."""
    from pyspark.sql.pandas.types import from_arrow_schema

    rows = tagged.all.select("shard", "position", "reject_reason", "excerpt", "sampled", "n_tokens", "n_chars", "group_turns", "group_words")
    counted = rows.mapInArrow(on_worker(lambda it: _count_while_writing(it, partial_corpus_totals, {"rejects": rejects}, {"rejects": reject_rows})),
                              from_arrow_schema(CORPUS_TOTALS_SCHEMA))
    totals = counted.toArrow()  # small: a few rows per partition
    finish_table_folder(rejects, REJECTS_SCHEMA)
    return corpus_counts_of(totals)


def _count_while_writing(batches: Iterator[pa.RecordBatch], count: Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]],
                         folders: dict[str, str], rows_of: dict[str, Callable[[pa.RecordBatch], pa.RecordBatch]]) -> Iterator[pa.RecordBatch]:
    """Worker side: `count` over a partition's batches, writing each batch's rows of the tables in
    `folders` (`rows_of[table]` makes them) on the way: one file per table and partition, in place
    once the partition is counted, none if it fails (`tables.corpus_rows.PartitionFiles`)."""
    from pyspark import TaskContext

    task = TaskContext.get()
    files = PartitionFiles(folders, CORPUS_ROW_SCHEMAS, task.partitionId(), task.attemptNumber())

    def written() -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for table, rows in rows_of.items():
                files.write(table, rows(batch))
            yield batch
    try:
        yield from count(written())
    except BaseException:
        files.abort()
        raise
    files.close()


# Documents per persona, for co-occurrence's margins (counts are never null).
DOCUMENTS_PER_PERSONA = pa.schema([("persona_id", pa.string()), pa.field("count", pa.int64(), nullable=False)])


@dataclass
class PersonaCounts:
    """What one pass over the clustered documents gives: COUNTS_SCHEMA per (persona, role), the display
    names of personas the catalog lacks, the documents that hold each persona in any role, the
    bootstrap's replicate sums (REPLICATE_VECTORS_SCHEMA, one row per persona and role and `*`/`*`),
    and, with co-occurrence, the documents and clusters per persona pair: a persisted DataFrame
    (persona_a, persona_b, docs, unique_docs), pair-shaped, so never collected; `release` frees it."""

    counts: pa.Table
    names: dict[str, str]
    documents: pa.Table  # persona_id, count
    vectors: pa.Table
    pairs: object | None = None
    summed: object | None = None

    def documents_with(self, mentions_only: bool) -> pa.Table:
        """(persona_id, count) of documents per persona: in any role, or as a mention only."""
        if not mentions_only:
            return self.documents
        mention = self.counts.filter(pc.equal(self.counts.column("role"), "mention"))
        return pa.Table.from_arrays([mention.column("persona_id"), mention.column("docs")], schema=DOCUMENTS_PER_PERSONA)

    def release(self) -> None:
        if self.summed is not None:
            self.summed.unpersist()


# Columns of the kept documents the pass reads: the totals' and those of the two tables it writes.
_TABLE_COLUMNS = ("doc_id", "shard", "position", "source", "n_chars", "cluster_size")


def persona_counts(tagged: Tagged, dedup: bool, replicates: int, documents: int, pairs: bool, tables: dict[str, str],
                   sample_weight: float) -> PersonaCounts:
    """Per (persona, role): documents, near-duplicate clusters, count and tokens; the display name of
    each persona the catalog lacks (the form most often written, ties to the first in sort order, so
    that it does not depend on sharding or order); documents per persona in any role; the
    Poisson-bootstrap sums, seeded by the near-duplicate cluster with `dedup` (copies of one text rise
    and fall together) and by the document without; and with `pairs`, documents and clusters per
    persona pair. One Python pass over the clustered documents (`Tagged.with_clusters`) partitioned by
    cluster, so that distinct clusters add up over partitions, and one over its partial rows
    (`persona_totals`); `documents` (the kept count) sets how many partitions: each emits personas x
    replicates sums whatever its size. The first pass also writes the documents (each weighted
    `sample_weight`) and persona_hits tables into `tables` ({"documents": folder, "persona_hits":
    folder}), one file per partition (`tables.corpus_rows`)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    kept = tagged.kept
    seed = F.xxhash64("cluster_id") if dedup else F.col("doc_hash")
    columns = [seed.alias("doc_hash"), F.col("cluster_id").cast("string"), "n_tokens", "hits", "names", *_TABLE_COLUMNS]
    rows = kept.select(*columns, *(["pairs"] if pairs else []))
    partitions = bootstrap_partitions(documents, kept.sparkSession.sparkContext.defaultParallelism)
    # By cluster (by document without clusters), each partition sorted by document: the files of the
    # documents and persona_hits tables do not depend on how the corpus was sharded or read.
    rows = rows.repartition(partitions, "cluster_id" if dedup else "doc_id").sortWithinPartitions("doc_id")
    schema = from_arrow_schema(TOTALS_SCHEMA)
    rows_of = {"documents": lambda batch: document_rows(batch, sample_weight), "persona_hits": hit_rows}
    partial = rows.mapInArrow(on_worker(lambda it: _count_while_writing(it, lambda b: partial_totals(b, replicates), tables, rows_of)), schema)
    summed = partial.repartition("kind", "persona_id", "key").mapInArrow(on_worker(sum_totals), schema)
    if pairs:
        summed = summed.persist(StorageLevel.MEMORY_AND_DISK)  # the pair rows are read again, by Spark
    found = summed.where(F.col("kind") != "pair").toArrow()  # catalog-sized
    for table, folder in tables.items():
        finish_table_folder(folder, CORPUS_ROW_SCHEMAS[table])
    result = _split_totals(found, dedup)
    if pairs:
        result.summed = summed
        result.pairs = summed.where(F.col("kind") == "pair").select(
            F.col("persona_id").alias("persona_a"), F.col("key").alias("persona_b"), "docs",
            F.col("unique_docs") if dedup else F.lit(None).cast("long").alias("unique_docs"))
    return result


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
