"""The `cooccurrence` table: persona pairs that appear in the same documents, with association scores.

Pairs come per document from the tagging stage (`tagging.pairs`: capped at the document's top
personas); the persona-count pass (`spark.aggregate.persona_counts`) counts documents and
near-duplicate clusters per pair with everything else it counts. Here pairs seen in fewer than
`min_docs` documents are pruned, and the rest scored from the 2x2 table of documents with and
without each persona (N documents; a = both, b = A only, c = B only, d = neither):
- pmi = ln(a N / (n_A n_B)), and npmi = pmi / -ln(a / N) in [-1, 1];
- the log odds ratio ln((a+.5)(d+.5) / ((b+.5)(c+.5))) with a Wald interval (Haldane's +0.5);
- Dunning's log-likelihood ratio G2 = 2 sum O ln(O / E), large when the pair is far from independent.
Nothing pair-shaped reaches the driver: the pair counts stay in Spark, partitioned by pair, and each
file of the table is ordered by pair; documents per persona (catalog-sized) are joined by broadcast.
"""

from __future__ import annotations

import pyarrow as pa

from prevalence.config import PairOptions
from prevalence.stats.intervals import z_value


def cooccurrence(pairs, per_persona: pa.Table, total_docs: int, opts: PairOptions, level: float):
    """A Spark DataFrame with `cooccurrence.COOCCURRENCE_SCHEMA`'s columns, one row per kept pair, each
    partition ordered by pair; `pairs` (persona_a, persona_b, docs, unique_docs) holds the documents and
    clusters per pair (`spark.aggregate.PersonaCounts.pairs`); `per_persona` (persona_id, count) is the
    documents per persona (mentions only with a window, `PersonaCounts.documents_with`), catalog-sized."""
    from pyspark.sql import functions as F

    per_persona = pairs.sparkSession.createDataFrame(per_persona)
    counted = pairs.where(F.col("docs") >= opts.min_docs)
    scored = counted.join(F.broadcast(per_persona.select(F.col("persona_id").alias("persona_a"), F.col("count").alias("docs_a"))), "persona_a") \
        .join(F.broadcast(per_persona.select(F.col("persona_id").alias("persona_b"), F.col("count").alias("docs_b"))), "persona_b")
    n = F.lit(float(total_docs))
    a = F.col("docs").cast("double")
    b = F.col("docs_a") - F.col("docs")
    c = F.col("docs_b") - F.col("docs")
    d = n - F.col("docs_a") - F.col("docs_b") + F.col("docs")
    cells = [(a, F.col("docs_a"), F.col("docs_b")), (b, F.col("docs_a"), n - F.col("docs_b")),
             (c, n - F.col("docs_a"), F.col("docs_b")), (d, n - F.col("docs_a"), n - F.col("docs_b"))]
    # try_divide: Spark's ANSI mode may evaluate a CASE branch it does not return (an empty margin is 0).
    g2 = sum(F.when(o > 0, o * F.log(F.try_divide(o * n, row * col))).otherwise(F.lit(0.0)) for o, row, col in cells)
    log_odds = F.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))
    se = F.sqrt(1 / (a + 0.5) + 1 / (b + 0.5) + 1 / (c + 0.5) + 1 / (d + 0.5))
    z = z_value(level)
    pmi = F.log(a * n / (F.col("docs_a") * F.col("docs_b")))
    return scored.select(
        "persona_a", "persona_b", "docs", "unique_docs", "docs_a", "docs_b",
        F.lit(total_docs).cast("long").alias("total_docs"),
        pmi.alias("pmi"),
        F.when(a < n, F.try_divide(pmi, -F.log(a / n))).alias("npmi"),
        log_odds.alias("log_odds_ratio"),
        (log_odds - z * se).alias("log_odds_ci_low"),
        (log_odds + z * se).alias("log_odds_ci_high"),
        (2 * g2).alias("llr"),
        F.lit(opts.window).cast("long").alias("window_words"),
    ).sortWithinPartitions("persona_a", "persona_b")
