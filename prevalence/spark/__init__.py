"""The Spark wing: the only package that imports pyspark (a test enforces it).

- `session`: the SparkSession (local[*] or a cluster) and progress of running stages;
- `tagging`: shards -> document stages on the workers (`mapInArrow`) -> the shard store;
- `clusters`: LSH candidate edges, verification and connected components of near-duplicates;
- `aggregate`: the tagged store read back, corpus totals, per-persona counts, bootstrap sums;
- `cooccurrence`: persona pairs counted and scored;
- `tables`: the corpus-sized tables written as Parquet.
Everything else in `prevalence` is plain Python over Arrow, testable without a JVM.
"""
