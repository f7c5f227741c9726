"""The prevalence job: shards -> document stages -> shard store -> clusters -> counts -> estimate -> tables.

`run` is the whole pipeline in order; each step is a library function (Spark ones in `prevalence.spark`).
`prevalence run` and `jobs/estimate.py` (spark-submit) both call it.
"""

from __future__ import annotations

import contextlib
import errno
import time
from collections.abc import Callable

from prevalence.catalog import with_ad_hoc_personas
from prevalence.config import RunConfig
from prevalence.corpus import list_shards
from prevalence.corpus.shards import check_unchanged, shard_fingerprint, work_units
from prevalence.dedup.lsh import lsh_params
from prevalence.errors import PrevalenceError
from prevalence.estimate import prevalence_table
from prevalence.resources import load_resources
from prevalence.spark.aggregate import corpus_counts, persona_counts, read_tagged
from prevalence.spark.clusters import cluster_documents
from prevalence.spark.session import last_job_id, session_for, spark_info
from prevalence.spark.tables import write_pair_and_replicate_tables
from prevalence.spark.tagging import ship_model, tag_shards
from prevalence.stages import document_stages
from prevalence.tables import RunWriter
from prevalence.tables.lock import RunLock
from prevalence.tables.manifest import build_manifest
from prevalence.tagging.base import ROLES
from prevalence.tables.store import ShardStore, stored_name


def run(config: RunConfig, spark=None, progress: Callable[[str], None] = lambda _msg: None) -> dict:
    """Run the job and commit RUN_DIR; returns the manifest. Uses `spark` if given, else builds one."""
    with RunLock(config.out):
        try:
            return _run(config, spark, progress)
        except Exception as error:
            if not _no_space(error):
                raise
            raise PrevalenceError(f"no space left on device while writing {config.out}; nothing was committed, and the run "
                                  "that was there (if any) is as it was: free space and rerun") from None


def _no_space(error: BaseException | None) -> bool:
    """Whether an error, or one it was raised from, is a full disk (Spark's come as Java error text)."""
    while error is not None:
        if (isinstance(error, OSError) and error.errno == errno.ENOSPC) or "No space left on device" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def _run(config: RunConfig, spark, progress: Callable[[str], None]) -> dict:
    timings: dict[str, float] = {}
    step = _stopwatch(timings)
    shards, skipped = list_shards(config.corpus, config.read.format)
    res = load_resources(config, progress)  # catalog, archetype model, audits
    writer = RunWriter(config.out, config.overwrite)
    # Input errors are reported above, at once; the JVM starts in a thread while the driver goes on.
    with writer, session_for(config, spark) as session:
        prints = {s.name: shard_fingerprint(s) for s in shards}
        _import_driver_libraries(config)
        spark = session.result()
        progress(f"corpus: {len(shards)} shard(s); catalog: {len(res.catalog.personas)} personas")
        timings["session_s"] = time.time() - step.started
        first_job = last_job_id(spark)
        with step("read_tag_s"):
            tagging_started = time.time()
            model = ship_model(spark, res.model) if res.model is not None else None
            stages = document_stages(config, res.catalog, model)  # sample, tokenise, tag, pair, sign
            sizes = {name: p["bytes"] for name, p in prints.items()}
            units = work_units(shards, sizes, config.read.split_mb << 20, progress)  # large shards cut, one task each
            store, names = ShardStore(config.out), {u.key: stored_name(u.key, prints[u.name]) for u in units}
            key = {"parameters": config.tagging_parameters(), "catalog": res.catalog.fingerprint(), "model": model.key if model else None}
            pending = set(store.open(names, key, config.resume, config.append, progress))
            tag_shards(spark, [u for u in units if u.key in pending], stages, config.read, store, names, prints, progress)
            tagged = read_tagged(spark, [store.file(names[u.key]) for u in units])
            counts = corpus_counts(tagged, writer.table_path("rejects"))  # and writes the rejects table
            took = max(time.time() - tagging_started, 1e-9)
            progress(f"tagged {counts['documents_kept']:,} documents in {took:.1f} s ({counts['documents_kept'] / took:,.0f} documents/s)")
        with step("dedup_s"):
            clustered, counts["clusters"] = cluster_documents(tagged.kept, config.dedup, counts["documents_kept"], progress)
            tagged = tagged.with_clusters(clustered)
        with step("aggregate_s"):
            progress(f"persona counts, pairs and bootstrap ({config.replicates} replicates); writing documents and persona_hits")
            tables = {t: writer.table_path(t) for t in ("documents", "persona_hits")}  # written by the pass itself
            found = persona_counts(tagged, config.dedup.enabled, config.replicates, counts["documents_kept"], config.pairs.enabled,
                                   tables, 1.0 / config.sample_fraction)
            persona_table, names = found.counts, found.names
            replicates = write_pair_and_replicate_tables(writer, found, counts, config, progress)
        with step("estimate_s"):
            run_catalog = with_ad_hoc_personas(res.catalog, persona_table.column("persona_id").to_pylist(), names)
            writer.write_arrow("prevalence", prevalence_table(
                persona_table, counts["documents_kept"], counts["tokens"], run_catalog, ROLES, config.interval_level,
                total_unique_docs=counts["clusters"], replicates=replicates, sample_fraction=config.sample_fraction,
                audits=res.audits, population_docs=counts["documents_kept"] + counts["not_sampled"]))
            writer.write_arrow("personas", run_catalog.to_arrow())
        counts["persona_hits"] = sum(persona_table.column("docs").to_pylist())
        counts["personas_found"] = len(set(persona_table.column("persona_id").to_pylist()))
        tagged.unpersist()
        timings["total_s"] = time.time() - step.started
        engine = {**spark_info(spark), "spark_jobs": last_job_id(spark) - first_job, "warm_workers": session.warm_workers()}
        manifest = build_manifest(config, shards, skipped, prints, res, counts, timings, engine)
        check_unchanged(shards, prints)  # no tables that mix two versions of a shard
        writer.commit(manifest)
    store.keep_in_run()
    return manifest


def _import_driver_libraries(config: RunConfig) -> None:
    """Import the libraries the driver needs later (scipy's components and exact intervals, about 0.7 s;
    datasketch, which picks the LSH banding, 0.6 s more), while the JVM starts; the modules that use
    them import them only when called, and the banding is cached for the stages built later."""
    import scipy.sparse.csgraph  # noqa: F401
    import scipy.stats  # noqa: F401

    if config.dedup.enabled:
        lsh_params(config.dedup.threshold, config.dedup.num_perm)


def _stopwatch(timings: dict[str, float]):
    """`with step(name):` adds the block's seconds to timings[name]; `step.started` is the job's start."""
    @contextlib.contextmanager
    def step(name: str):
        t = time.time()
        yield
        timings[name] = timings.get(name, 0.0) + time.time() - t
    step.started = time.time()
    return step
