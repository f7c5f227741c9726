"""The `cooccurrence` table's contract (computed in `spark.cooccurrence`), and its per-partition pair count."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

COOCCURRENCE_SCHEMA = pa.schema(
    [
        pa.field("persona_a", pa.string()),
        pa.field("persona_b", pa.string()),
        pa.field("docs", pa.int64()),
        pa.field("unique_docs", pa.int64()),
        pa.field("docs_a", pa.int64()),
        pa.field("docs_b", pa.int64()),
        pa.field("total_docs", pa.int64()),
        pa.field("pmi", pa.float64()),
        pa.field("npmi", pa.float64()),
        pa.field("log_odds_ratio", pa.float64()),
        pa.field("log_odds_ci_low", pa.float64()),
        pa.field("log_odds_ci_high", pa.float64()),
        pa.field("llr", pa.float64()),
        pa.field("window_words", pa.int64()),
    ]
)

# One row per document and pair, and the counts per pair made from them.
PAIR_ROWS_SCHEMA = pa.schema([("cluster_id", pa.string()), ("persona_a", pa.string()), ("persona_b", pa.string())])
PAIR_COUNTS_SCHEMA = pa.schema([("persona_a", pa.string()), ("persona_b", pa.string()), pa.field("docs", pa.int64(), nullable=False),
                                pa.field("unique_docs", pa.int64(), nullable=False)])


def count_pairs(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """PAIR_COUNTS_SCHEMA rows ordered by pair: documents, and distinct non-null cluster ids, per pair, of
    one partition that holds every row of its pairs (PAIR_ROWS_SCHEMA)."""
    rows = pa.Table.from_batches(list(batches), schema=PAIR_ROWS_SCHEMA)
    if rows.num_rows == 0:
        return
    counted = rows.group_by(["persona_a", "persona_b"], use_threads=False).aggregate(
        [("cluster_id", "count", pc.CountOptions(mode="all")), ("cluster_id", "count_distinct")])
    counted = counted.rename_columns({"cluster_id_count": "docs", "cluster_id_count_distinct": "unique_docs"})
    counted = counted.select(PAIR_COUNTS_SCHEMA.names).cast(PAIR_COUNTS_SCHEMA)
    yield from counted.sort_by([("persona_a", "ascending"), ("persona_b", "ascending")]).to_batches()
