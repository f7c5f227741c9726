"""The Spark wing: the only package that imports pyspark (a test enforces it).

- `session`: the SparkSession (local[*] or a cluster) and progress of running stages;
- `class_archive`: the JVM class archive that shortens a local session's start;
- `daemon`: the Python worker daemon of a local session, which starts workers a second sooner;
- `zygote`: a warm process, started by the driver beside the JVM, that the local daemon is forked from;
- `worker`: what every worker-side function does first: settle its process once (`gc.freeze`);
- `tagging`: shards -> document stages on the workers (`mapInArrow`) -> the shard store;
- `clusters`: LSH candidate edges, verification and connected components of near-duplicates;
- `aggregate`: the tagged store read back, corpus totals, per-persona and pair counts, bootstrap sums,
  and the documents, persona_hits and rejects tables written by those passes;
- `cooccurrence`: persona pairs scored;
- `tables`: the cooccurrence and replicates tables.
Everything else in `prevalence` is plain Python over Arrow, testable without a JVM.
"""
