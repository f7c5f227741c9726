"""The end-to-end job: shards -> documents -> persona hits -> prevalence tables.

Spark appears here only: it distributes shard paths, runs the Arrow batch stages through
`mapInArrow`, does the aggregation shuffle and writes Parquet. Nothing corpus-sized reaches the driver.
"""

from __future__ import annotations

import hashlib
import os
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict

import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

from prevalence import __version__
from prevalence.catalog import Catalog, load_catalog, with_ad_hoc_personas, with_archetypes
from prevalence.classifier.model import ArchetypeModel
from prevalence.config import DedupOptions, ReadOptions, RunConfig
from prevalence.corpus import Shard, list_shards, read_shard
from prevalence.corpus import storage
from prevalence.corpus.rejects import DUPLICATE_ID
from prevalence.dedup.clusters import cluster_documents
from prevalence.dedup.lsh import lsh_params
from prevalence.dedup.minhash import MinHasher
from prevalence.dedup.signer import Signer
from prevalence.errors import PrevalenceError
from prevalence.estimate import COUNTS_SCHEMA, prevalence_table
from prevalence.session import build_session, stage_progress
from prevalence.stats.bootstrap import REPLICATE_SCHEMA, partial_replicate_sums
from prevalence.stats.correction import Audit, load_audit
from prevalence.tables import RunWriter
from prevalence.tagging import TAGGED_SCHEMA, MentionTagger, tag_batch
from prevalence.tagging.archetypes import ArchetypeTagger
from prevalence.tagging.assistant import PERSONA as ASSISTANT
from prevalence.tagging.assistant import AssistantStyle
from prevalence.tagging.assistant_audit import assistant_audit
from prevalence.tagging.authors import AuthorTagger
from prevalence.tagging.pairs import PairOptions
from prevalence.tagging.speakers import SpeakerTagger
from prevalence.cooccurrence import COOCCURRENCE_SCHEMA, cooccurrence

ROLES = ("mention", "speaker", "author")
FINGERPRINT_BYTES = 1 << 20
_STORED_SCHEMA = pa.schema([("name", pa.string()), ("rows", pa.int64())])
STORE_KEY = "store.json"
SHARDS_IN_RUN = "_shards"
_SHARD_SCHEMA = pa.schema([("path", pa.string()), ("name", pa.string()), ("format", pa.string()), ("compression", pa.string())])
_taggers: dict[str, tuple[MentionTagger, SpeakerTagger, AuthorTagger, AssistantStyle]] = {}
_models: dict[str, ArchetypeModel] = {}
# Model directories registered with SparkContext.addFile, by model fingerprint (one per driver).
_shipped: dict[str, str] = {}


def _taggers_for(catalog: Catalog) -> tuple[MentionTagger, SpeakerTagger, AuthorTagger, AssistantStyle]:
    """One automaton and name index per worker process and catalog, reused across tasks."""
    key = catalog.fingerprint()
    if key not in _taggers:
        _taggers[key] = (MentionTagger(catalog), SpeakerTagger(catalog), AuthorTagger(catalog), AssistantStyle())
    return _taggers[key]


def _model_on_worker(shipped: tuple[str, float, int] | None) -> ArchetypeModel | None:
    """The archetype model shipped with the job (SparkContext.addFile), loaded once per worker process."""
    if shipped is None:
        return None
    from pyspark import SparkFiles

    name, threshold, top_k = shipped
    if name not in _models:
        _models[name] = ArchetypeModel.load_files(SparkFiles.get(f"{name}.json"), SparkFiles.get(f"{name}.ftz"))
    return _models[name].with_options(threshold, top_k) if (threshold, top_k) != (_models[name].threshold, _models[name].top_k) else _models[name]


def tag_shards(
    shard_batches: Iterator[pa.RecordBatch], catalog: Catalog, opts: ReadOptions, dedup: DedupOptions, sample_fraction: float,
    shipped_model: tuple[str, float, int] | None, pairs: PairOptions, store: str, stored_names: dict[str, str],
) -> Iterator[pa.RecordBatch]:
    """The worker side of the job: read each shard of a partition, tag and sign it batch by batch,
    write its tagged rows to the run's shard store, and yield one status row per shard."""
    mentions, speakers, authors, assistant = _taggers_for(catalog)
    assistant = assistant if any(p.id == ASSISTANT for p in catalog.personas) else None
    model = _model_on_worker(shipped_model)
    archetypes = ArchetypeTagger(model, catalog) if model is not None else None
    signer = None
    if dedup.enabled:
        signer = Signer(MinHasher(dedup.num_perm, dedup.shingle_size, dedup.seed), *lsh_params(dedup.threshold, dedup.num_perm))
    for shard_batch in shard_batches:
        for row in shard_batch.to_pylist():
            shard = Shard(**row)
            batches = (tag_batch(raw, mentions, signer, speakers, sample_fraction, authors=authors, archetypes=archetypes,
                                 assistant=assistant, pairs=pairs) for raw in read_shard(shard, opts))
            # The shard's tagged rows go to the run's shard store under a temporary name, renamed when
            # complete: a file there means a finished shard (`--resume` skips it).
            final = os.path.join(store, stored_names[shard.name])
            partial = f"{final}.{os.getpid()}.partial"
            rows = 0
            with pq.ParquetWriter(partial, TAGGED_SCHEMA, compression="zstd") as writer:
                for batch in batches:
                    writer.write_batch(batch)
                    rows += batch.num_rows
            os.replace(partial, final)
            yield pa.RecordBatch.from_pylist([{"name": shard.name, "rows": rows}], schema=_STORED_SCHEMA)


def load_archetype_model(config: RunConfig, progress: Callable[[str], None]) -> ArchetypeModel | None:
    """The run's archetype classifier (default, a directory, or None), with the run's overrides."""
    if config.archetypes == "none":
        return None
    if config.archetypes == "default":
        from prevalence.classifier.default import default_model

        model = default_model(progress)
    else:
        model = ArchetypeModel.load(config.archetypes)
    return model.with_options(config.archetype_threshold, config.archetype_top_k)


def classifier_audits(model: ArchetypeModel | None, catalog: Catalog) -> dict[tuple[str, str], Audit]:
    """{(archetype persona, `author`): Audit} from the model's held-out report, when the run uses the
    threshold and top_k the report was measured at (else the rates do not apply: no correction)."""
    report = model.report() if model is not None else None
    if report is None or (report["threshold"], report["top_k"]) != (model.threshold, model.top_k):
        return {}
    tagger = ArchetypeTagger(model, catalog)
    audits = {}
    for label, m in report["held_out"]["per_label"].items():
        if m["tp"] + m["fn"] and m["fp"] + m["tn"]:
            audits[(tagger.persona_ids[label], "author")] = Audit.from_counts(m["tp"], m["fn"], m["fp"], m["tn"])
    return audits


def _ship_model(spark, model: ArchetypeModel) -> tuple[str, float, int]:
    """Register the model's two files with Spark once per driver, under names unique to its content
    (a cluster master takes files, not directories)."""
    import shutil
    import tempfile

    from prevalence.classifier.model import META_FILE, MODEL_FILE

    name = f"archetypes-{model.fingerprint}"
    if name not in _shipped:
        staged = tempfile.mkdtemp(prefix="prevalence-model-")
        for source, suffix in ((MODEL_FILE, ".ftz"), (META_FILE, ".json")):
            shutil.copyfile(os.path.join(model.path, source), os.path.join(staged, name + suffix))
            spark.sparkContext.addFile(os.path.join(staged, name + suffix))
        _shipped[name] = staged
    return name, model.threshold, model.top_k


def _stored_name(shard_name: str, fingerprint: dict) -> str:
    """The store file of a shard: named by its name and content, so a changed shard is tagged again."""
    key = f"{shard_name}\n{fingerprint['bytes']}\n{fingerprint['xxh3_head_tail']}"
    return f"shard-{xxhash.xxh3_64_hexdigest(key.encode())}.parquet"


def store_dir(out: str) -> str:
    """The run's shard store: tagged rows per finished shard, next to RUN_DIR until it is committed."""
    parent, base = os.path.split(os.path.abspath(out))
    return os.path.join(parent, f".{base}.shards")


def _open_store(config: RunConfig, shards: list[Shard], names: dict[str, str], key: dict, progress) -> tuple[str, list[Shard]]:
    """(store folder, shards still to tag). Without --resume or --append the store starts empty; with
    them, stored shards are kept if the run's parameters, catalog and model are the same (a shard whose
    content changed has another store name and is tagged again)."""
    import json
    import shutil

    store = store_dir(config.out)
    key_path = os.path.join(store, STORE_KEY)
    if (config.resume or config.append) and os.path.isfile(key_path):
        with open(key_path, encoding="utf-8") as f:
            if json.load(f) != key:
                raise PrevalenceError(f"cannot resume into {config.out}: the catalog, model or parameters changed "
                                      "since the interrupted run; run without --resume to start again")
        pending = [s for s in shards if not os.path.exists(os.path.join(store, names[s.name]))]
        progress(f"{'appending' if config.append else 'resuming'}: {len(shards) - len(pending)} of {len(shards)} shard(s) already tagged")
        return store, pending
    if config.resume:
        progress("nothing to resume: tagging every shard")
    shutil.rmtree(store, ignore_errors=True)
    os.makedirs(store)
    with open(key_path, "w", encoding="utf-8") as f:
        json.dump(key, f)
    return store, list(shards)


def _store_key(config: RunConfig, catalog: Catalog, shipped) -> dict:
    import json

    params = {k: v for k, v in config.parameters().items() if k not in ("interval_level", "replicates", "audit")}
    return json.loads(json.dumps({"parameters": params, "catalog": catalog.fingerprint(), "model": shipped}, sort_keys=True))


def shard_fingerprint(shard: Shard) -> dict:
    """Name, size and an xxh3 hash of the first and last MiB: cheap, and changes when a shard does."""
    size = storage.size(shard.path)
    h = xxhash.xxh3_128()
    with storage.open_file(shard.path) as f:
        h.update(f.read(FINGERPRINT_BYTES))
        if size > FINGERPRINT_BYTES:
            f.seek(max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES))
            h.update(f.read())
    return {"name": shard.name, "format": shard.format, "compression": shard.compression, "bytes": size, "xxh3_head_tail": h.hexdigest()}


def run(config: RunConfig, spark=None, progress: Callable[[str], None] = lambda _msg: None) -> dict:
    """Run the job and commit RUN_DIR; returns the manifest. Uses `spark` if given, else builds one."""
    started = time.time()
    timings: dict[str, float] = {}
    shards, skipped = list_shards(config.corpus, config.read.format)
    prints = {s.name: shard_fingerprint(s) for s in shards}
    kept_store = os.path.join(config.out, SHARDS_IN_RUN)
    if config.append and os.path.isdir(kept_store) and not os.path.exists(store_dir(config.out)):
        os.replace(kept_store, store_dir(config.out))
    catalog = load_catalog(config.catalog)
    model = load_archetype_model(config, progress)
    if model is not None:
        catalog = with_archetypes(catalog, list(ArchetypeTagger(model, catalog).persona_ids.values()))
    # Hand audits win over the classifier's held-out rates for the same persona and role.
    held_out = classifier_audits(model, catalog)
    if any(p.id == ASSISTANT for p in catalog.personas):
        measured = assistant_audit()
        held_out[(ASSISTANT, "author")] = Audit.from_counts(measured["tp"], measured["fn"], measured["fp"], measured["tn"])
    hand = load_audit(config.audit, catalog) if config.audit else {}
    audits = {**held_out, **hand}
    writer = RunWriter(config.out, config.overwrite)
    own_session = spark is None
    try:
        progress(f"corpus: {len(shards)} shard(s); catalog: {len(catalog.personas)} personas")
        if own_session:
            spark = build_session(config.master, config.spark_conf)
        timings["session_s"] = time.time() - started
        shipped = _ship_model(spark, model) if model is not None else None
        counts = _run_spark(spark, shards, catalog, config, writer, timings, progress, shipped, prints)
        t = time.time()
        per_persona = counts.pop("per_persona")
        run_catalog = with_ad_hoc_personas(catalog, per_persona.column("persona_id").to_pylist())
        prevalence = prevalence_table(
            per_persona, counts["documents_kept"], counts["tokens"], run_catalog, ROLES, config.interval_level,
            total_unique_docs=counts["clusters"], replicates=counts.pop("replicates"),
            sample_fraction=config.sample_fraction, audits=audits,
        )
        writer.write_arrow("prevalence", prevalence)
        writer.write_arrow("personas", run_catalog.to_arrow())
        timings["estimate_s"] = time.time() - t
        timings["total_s"] = time.time() - started
        manifest = _manifest(config, shards, skipped, catalog, counts, timings, spark, prints)
        manifest["archetypes"] = _model_summary(model, sorted(pid for (pid, role) in held_out if (pid, role) not in hand and pid != ASSISTANT))
        manifest["assistant_detector"] = {**assistant_audit(), "corrected": (ASSISTANT, "author") in held_out and (ASSISTANT, "author") not in hand} \
            if (ASSISTANT, "author") in held_out else None
        writer.commit(manifest)
        # The run keeps its tagged shards (RUN_DIR/_shards) so that --append tags only new shards.
        os.replace(store_dir(config.out), os.path.join(config.out, SHARDS_IN_RUN))
        return manifest
    except BaseException:
        writer.abort()
        raise
    finally:
        if own_session and spark is not None:
            spark.stop()


def _model_summary(model: ArchetypeModel | None, corrected: list[str]) -> dict | None:
    """The manifest's record of the classifier: which model, its settings, which shares it corrected."""
    if model is None:
        return None
    return {"model": os.path.abspath(model.path), "fingerprint": model.fingerprint, "labels": model.labels,
            "threshold": model.threshold, "top_k": model.top_k, "corrected_with_held_out_rates": corrected}


def _run_spark(spark, shards: list[Shard], catalog: Catalog, config: RunConfig, writer: RunWriter, timings, progress, shipped=None,
               prints: dict | None = None) -> dict:
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    t = time.time()
    opts, dedup, fraction, pair_opts = config.read, config.dedup, config.sample_fraction, config.pairs
    names = {s.name: _stored_name(s.name, prints[s.name]) for s in shards}
    store, pending = _open_store(config, shards, names, _store_key(config, catalog, shipped), progress)
    if pending:
        rows = [(s.path, s.name, s.format, s.compression) for s in pending]
        shard_df = spark.createDataFrame(
            spark.sparkContext.parallelize(rows, numSlices=len(rows)), from_arrow_schema(_SHARD_SCHEMA)
        )
        progress(f"reading and tagging {len(pending)} shard(s), one task each")
        with stage_progress(spark, progress, "tagging"):
            shard_df.mapInArrow(
                lambda batches: tag_shards(batches, catalog, opts, dedup, fraction, shipped, pair_opts, store, names),
                from_arrow_schema(_STORED_SCHEMA)
            ).count()
    tagged = spark.read.schema(from_arrow_schema(TAGGED_SCHEMA)).parquet(*[os.path.join(store, names[s.name]) for s in shards])
    # A corpus id used twice: the first occurrence (by shard, position) is kept, later ones are rejects.
    first = F.row_number().over(Window.partitionBy("doc_id").orderBy("shard", "position"))
    tagged = tagged.withColumn(
        "reject_reason",
        F.when(F.col("reject_reason").isNull() & (first > 1), F.lit(DUPLICATE_ID)).otherwise(F.col("reject_reason")),
    ).withColumn(
        "excerpt", F.when(F.col("reject_reason") == DUPLICATE_ID, F.concat(F.lit("doc_id "), "doc_id")).otherwise(F.col("excerpt"))
    ).persist(StorageLevel.MEMORY_AND_DISK)
    kept = tagged.where(F.col("reject_reason").isNull() & F.col("sampled"))
    n_kept = kept.count()
    progress(f"tagged {n_kept:,} documents in {time.time() - t:.1f} s ({n_kept / max(time.time() - t, 1e-9):,.0f} documents/s)")
    n_not_sampled = tagged.where(F.col("reject_reason").isNull() & ~F.col("sampled")).count() if fraction < 1 else 0
    timings["read_tag_s"] = time.time() - t

    t = time.time()
    if dedup.enabled:
        progress("clustering near-duplicates (MinHash LSH, connected components)")
        clusters = cluster_documents(kept.select("doc_id", "text_key", "bands", "signature"), dedup.threshold, dedup.verify)
    else:
        clusters = kept.select("doc_id", F.lit(None).cast("string").alias("cluster_id"), F.lit(None).cast("long").alias("cluster_size"))
    clusters = clusters.persist(StorageLevel.MEMORY_AND_DISK)
    n_clusters = clusters.select("cluster_id").distinct().count() if dedup.enabled else None
    timings["dedup_s"] = time.time() - t

    t = time.time()
    progress("writing tables")
    documents = kept.join(clusters, "doc_id").select(
        "doc_id", "shard", "position", "source", "n_chars", "n_tokens", "cluster_id", "cluster_size",
        F.lit(1.0 / fraction).alias("sample_weight"),
    )
    documents.write.parquet(writer.table_path("documents"))
    hits = kept.select("doc_id", "doc_hash", F.explode("hits").alias("h")).select("doc_id", "doc_hash", "h.*")
    hits.drop("doc_hash").write.parquet(writer.table_path("persona_hits"))
    rejects = tagged.where(F.col("reject_reason").isNotNull()).select(
        "shard", "position", F.col("reject_reason").alias("reason"), "excerpt"
    )
    rejects.write.parquet(writer.table_path("rejects"))
    timings["write_s"] = time.time() - t

    t = time.time()
    progress("aggregating")
    per_persona = hits.join(clusters.select("doc_id", "cluster_id"), "doc_id").groupBy("persona_id", "role").agg(
        F.count("*").alias("docs"),
        F.countDistinct("cluster_id").alias("unique_docs") if dedup.enabled else F.lit(None).cast("long").alias("unique_docs"),
        F.sum("count").alias("count"),
        F.sum("tokens").alias("tokens"),
    )
    per_persona_rows = per_persona.collect()  # small: one row per persona and role
    totals = kept.agg(F.sum("n_tokens").alias("tokens"), F.sum("n_chars").alias("chars")).first()
    by_reason = dict(tagged.where(F.col("reject_reason").isNotNull()).groupBy("reject_reason").count().collect())  # small: one row per reason
    if config.pairs.enabled:
        progress("co-occurrence of persona pairs")
        cooccurrence(kept, hits, clusters, n_kept, config.pairs, config.interval_level, dedup.enabled).write.parquet(writer.table_path("cooccurrence"))
    else:
        writer.write_arrow("cooccurrence", COOCCURRENCE_SCHEMA.empty_table())
    progress(f"bootstrap: {config.replicates} replicates")
    replicates = _replicate_sums(hits, kept, config.replicates)
    replicates.write.parquet(writer.table_path("replicates"))
    replicate_rows = _staged_table(writer, "replicates")
    clusters.unpersist()
    tagged.unpersist()
    timings["aggregate_s"] = time.time() - t
    rejected = sum(by_reason.values())
    return {
        "per_persona": pa.Table.from_pylist([r.asDict() for r in per_persona_rows], schema=COUNTS_SCHEMA),
        "replicates": replicate_rows,
        "documents_in": n_kept + rejected + n_not_sampled,
        "documents_kept": n_kept,
        "not_sampled": n_not_sampled,
        "rejected": rejected,
        "rejects_by_reason": dict(sorted(by_reason.items())),
        "clusters": n_clusters,
        "tokens": int(totals["tokens"] or 0),
        "chars": int(totals["chars"] or 0),
        # Each (persona, role) group counts its hit rows, so the groups add up to the table's rows.
        "persona_hits": sum(int(r["docs"]) for r in per_persona_rows),
        "personas_found": len({r["persona_id"] for r in per_persona_rows}),
    }


def _replicate_sums(hits, kept, replicates: int):
    """Poisson-bootstrap sums per (persona, role, replicate), plus `*`/`*` rows for the corpus totals."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    rows = hits.select("doc_hash", "persona_id", "role", "count", "tokens").unionByName(
        kept.select("doc_hash", F.lit("*").alias("persona_id"), F.lit("*").alias("role"),
                    F.lit(1).cast("long").alias("count"), F.col("n_tokens").alias("tokens"))
    )
    partial = rows.mapInArrow(lambda it: partial_replicate_sums(it, replicates), from_arrow_schema(REPLICATE_SCHEMA))
    return partial.groupBy("persona_id", "role", "replicate").agg(
        F.sum("docs").alias("docs"), F.sum("count").alias("count"), F.sum("tokens").alias("tokens")
    ).orderBy("role", "persona_id", "replicate")


def _staged_table(writer: RunWriter, table: str) -> pa.Table:
    """A table the run has just staged, read back with pyarrow (catalog-sized tables only)."""
    import pyarrow.dataset as ds

    return ds.dataset(writer.table_path(table), format="parquet").to_table()


def _manifest(config: RunConfig, shards, skipped, catalog: Catalog, counts: dict, timings: dict, spark, prints: dict) -> dict:
    import duckdb
    import pyspark

    shard_prints = [prints[s.name] for s in shards]
    corpus_fp = hashlib.sha256("\n".join(f"{s['name']}:{s['bytes']}:{s['xxh3_head_tail']}" for s in shard_prints).encode()).hexdigest()
    corpus_bytes = sum(s["bytes"] for s in shard_prints)
    return {
        "format_version": 1,
        "tool": {"name": "persona-prevalence", "version": __version__},
        "corpus": {
            "paths": [p if storage.is_remote(p) else os.path.abspath(p) for p in config.corpus],
            "fingerprint": corpus_fp,
            "bytes": corpus_bytes,
            "shards": shard_prints,
            "skipped_files": skipped,
        },
        "catalog": {"origin": catalog.origin, "fingerprint": catalog.fingerprint(), "personas": len(catalog.personas)},
        "parameters": config.parameters(),
        "roles": list(ROLES),
        "sample_fraction": config.sample_fraction,
        "dedup": {**asdict(config.dedup), **dict(zip(("bands", "rows"), lsh_params(config.dedup.threshold, config.dedup.num_perm)))}
        if config.dedup.enabled else None,
        "counts": counts,
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "throughput_mb_s": round(corpus_bytes / 1e6 / timings["total_s"], 3) if timings.get("total_s") else None,
        "spark": {"master": spark.sparkContext.master, "default_parallelism": spark.sparkContext.defaultParallelism},
        "versions": {
            "python": platform.python_version(),
            "pyspark": pyspark.__version__,
            "pyarrow": pa.__version__,
            "duckdb": duckdb.__version__,
        },
    }
