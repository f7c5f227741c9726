"""Shards to the shard store: each Spark task reads whole shards and runs the document stages on
every batch (`stages.run_stages`), writing each shard's tagged rows to the store."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa

from prevalence.classifier.model import META_FILE, MODEL_FILE, ArchetypeModel
from prevalence.config import ReadOptions
from prevalence.corpus import Shard, read_shard
from prevalence.corpus.shards import shard_changed
from prevalence.errors import PrevalenceError
from prevalence.spark.session import stage_progress
from prevalence.spark.worker import on_worker
from prevalence.stages import TAGGED_SCHEMA, Stage, run_stages
from prevalence.tables.store import ShardStore, write_stored_shard

# Rows written for a shard; CHANGED when its fingerprint is no longer the one the driver took.
CHANGED = -1
_STORED_SCHEMA = pa.schema([("name", pa.string()), ("rows", pa.int64())])
# Model files staged for SparkContext.addFile, by model fingerprint (once per driver), and the
# (application, model) pairs registered (once per SparkContext: a later one in the same process has
# files of its own).
_staged: dict[str, str] = {}
_registered: set[tuple[str, str]] = set()
# Models loaded in this worker process, by shipped name.
_loaded: dict[str, ArchetypeModel] = {}


@dataclass(frozen=True)
class ShippedModel:
    """The archetype model as shipped to the workers (SparkContext.addFile), loaded once per worker."""

    key: str
    threshold: float
    top_k: int

    def load(self) -> ArchetypeModel:
        from pyspark import SparkFiles

        if self.key not in _loaded:
            _loaded[self.key] = ArchetypeModel.load_files(SparkFiles.get(f"{self.key}.json"), SparkFiles.get(f"{self.key}.ftz"))
        return _loaded[self.key].with_options(self.threshold, self.top_k)


def ship_model(spark, model: ArchetypeModel) -> ShippedModel:
    """Register the model's two files with Spark under names unique to its content (a cluster master
    takes files, not directories)."""
    name = f"archetypes-{model.fingerprint}"
    files = {".ftz": MODEL_FILE, ".json": META_FILE}
    if name not in _staged:
        staged = tempfile.mkdtemp(prefix="prevalence-model-")
        for suffix, source in files.items():
            shutil.copyfile(os.path.join(model.path, source), os.path.join(staged, name + suffix))
        _staged[name] = staged
    context = spark.sparkContext
    if (context.applicationId, name) not in _registered:
        for suffix in files:
            context.addFile(os.path.join(_staged[name], name + suffix))
        _registered.add((context.applicationId, name))
    return ShippedModel(name, model.threshold, model.top_k)


def _tag_partition(tasks: Iterator[pa.RecordBatch], described, stages: list[Stage], opts: ReadOptions, store: str,
                   names: dict[str, str]) -> Iterator[pa.RecordBatch]:
    """Worker side: read each shard of a partition (its task numbers index the broadcast `described` of
    (shard, fingerprint) pairs), run the stages batch by batch, store its rows. A shard whose fingerprint
    changed since the driver took it is not read (rows CHANGED)."""
    for task_batch in tasks:
        for task in task_batch.column(0).to_pylist():
            shard, expected = described.value[task]
            if shard_changed(shard, expected) is not None:
                yield pa.RecordBatch.from_pylist([{"name": shard.name, "rows": CHANGED}], schema=_STORED_SCHEMA)
                continue
            batches = (run_stages(raw, stages) for raw in read_shard(shard, opts))
            rows = write_stored_shard(os.path.join(store, names[shard.key]), TAGGED_SCHEMA, batches)
            yield pa.RecordBatch.from_pylist([{"name": shard.name, "rows": rows}], schema=_STORED_SCHEMA)


def tag_shards(spark, shards: list[Shard], stages: list[Stage], opts: ReadOptions, store: ShardStore, names: dict[str, str],
               prints: dict[str, dict], progress: Callable[[str], None]) -> None:
    """Tag `shards` (shards or work units of shards, one task each) into the store, `names` giving
    each one's store file by its key; PrevalenceError naming a shard that changed or disappeared since
    its fingerprint `prints[name]` was taken."""
    from pyspark.sql.pandas.types import from_arrow_schema

    if not shards:
        return
    # One task per shard: a range of one number per partition (made in the JVM; a Python RDD would start a
    # Python daemon of its own), each task reading its shard and fingerprint from a broadcast.
    broadcast = spark.sparkContext.broadcast([(s, prints[s.name]) for s in shards])
    shard_df = spark.range(0, len(shards), 1, numPartitions=len(shards))
    progress(f"reading and tagging {len(shards)} shard(s) or work unit(s), one task each")
    path = store.path
    with stage_progress(spark, progress, "tagging"):
        try:
            stored = shard_df.mapInArrow(on_worker(lambda batches: _tag_partition(batches, broadcast, stages, opts, path, names), kernels=True),
                                         from_arrow_schema(_STORED_SCHEMA)).collect()  # small: one row per shard, its name and rows
        finally:
            broadcast.destroy()
    changed = sorted(r["name"] for r in stored if r["rows"] == CHANGED)
    if changed:
        raise PrevalenceError(f"shard {changed[0]} changed or disappeared since the run started"
                              f"{f' (and {len(changed) - 1} more)' if len(changed) > 1 else ''}; nothing was committed: "
                              "rerun when the corpus is stable")
