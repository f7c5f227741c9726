"""The corpus-sized tables of a run, written by Spark into the run's staging folder: documents,
persona_hits, rejects, cooccurrence and replicates."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from prevalence.config import RunConfig
from prevalence.cooccurrence import COOCCURRENCE_SCHEMA
from prevalence.spark.aggregate import PersonaCounts, Tagged
from prevalence.spark.cooccurrence import cooccurrence
from prevalence.stats.bootstrap import replicate_rows
from prevalence.tables import RunWriter


def write_corpus_tables(writer: RunWriter, tagged: Tagged, found: PersonaCounts, counts: dict, config: RunConfig,
                        progress: Callable[[str], None]) -> pa.Table:
    """Write the five corpus-sized tables from clustered rows (`Tagged.with_clusters`) and the persona
    counts made of them; returns the replicates table (catalog-sized) for the estimate."""
    from pyspark.sql import functions as F

    progress("writing tables")
    tagged.kept.select(
        "doc_id", "shard", "position", "source", "n_chars", "n_tokens", "cluster_id", "cluster_size",
        F.lit(1.0 / config.sample_fraction).alias("sample_weight"),
    ).write.parquet(writer.table_path("documents"))
    tagged.hits.write.parquet(writer.table_path("persona_hits"))
    tagged.all.where(F.col("reject_reason").isNotNull()).select(
        "shard", "position", F.col("reject_reason").alias("reason"), "excerpt"
    ).write.parquet(writer.table_path("rejects"))
    if config.pairs.enabled:
        progress("co-occurrence of persona pairs")
        cooccurrence(tagged.kept, found.documents_with(config.pairs.window > 0), counts["documents_kept"], config.pairs, config.interval_level,
                     config.dedup.enabled).write.parquet(writer.table_path("cooccurrence"))
    else:
        writer.write_arrow("cooccurrence", COOCCURRENCE_SCHEMA.empty_table())
    # Catalog-sized (personas x replicates): the replicate vectors of the persona counts' pass, laid out as
    # the table's rows and written here.
    return writer.write_arrow("replicates", replicate_rows(found.vectors, config.replicates))
