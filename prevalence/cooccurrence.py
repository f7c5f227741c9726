"""The `cooccurrence` table's contract (counted by `persona_totals`, scored in `spark.cooccurrence`)."""

from __future__ import annotations

import pyarrow as pa

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
