"""The tables of a run made from the persona counts: cooccurrence (pair-shaped, written by Spark into
the run's staging folder) and replicates (catalog-sized). The other corpus-sized tables are written
by the passes that count (`spark.aggregate`: rejects by the corpus counts, documents and persona_hits
by the persona counts)."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from prevalence.config import RunConfig
from prevalence.cooccurrence import COOCCURRENCE_SCHEMA
from prevalence.spark.aggregate import PersonaCounts
from prevalence.spark.cooccurrence import cooccurrence
from prevalence.stats.bootstrap import replicate_rows
from prevalence.tables import RunWriter


def write_pair_and_replicate_tables(writer: RunWriter, found: PersonaCounts, counts: dict, config: RunConfig,
                        progress: Callable[[str], None]) -> pa.Table:
    """Write the cooccurrence and replicates tables from the persona counts; returns the replicates
    table (catalog-sized) for the estimate."""
    if config.pairs.enabled:
        progress("co-occurrence of persona pairs")
        cooccurrence(found.pairs, found.documents_with(config.pairs.window > 0), counts["documents_kept"], config.pairs,
                     config.interval_level).write.parquet(writer.table_path("cooccurrence"))
        found.release()
    else:
        writer.write_arrow("cooccurrence", COOCCURRENCE_SCHEMA.empty_table())
    # Catalog-sized (personas x replicates): the replicate vectors of the persona counts' pass, laid out as
    # the table's rows and written here.
    return writer.write_arrow("replicates", replicate_rows(found.vectors, config.replicates))
