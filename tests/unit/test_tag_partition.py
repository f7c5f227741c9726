"""The worker side of tagging: each task number names a shard in the broadcast descriptions; a shard is
tagged into the store, or reported CHANGED (and not read) when its fingerprint moved since the driver took it."""

from __future__ import annotations

import json
import os
from types import SimpleNamespace

import pyarrow as pa
import pyarrow.parquet as pq

from prevalence.catalog import load_catalog
from prevalence.config import ReadOptions, RunConfig
from prevalence.corpus import list_shards
from prevalence.corpus.shards import shard_fingerprint
from prevalence.spark.tagging import CHANGED, _tag_partition
from prevalence.stages import document_stages


def test_tasks_tag_their_shards_and_report_changed_ones(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, texts in (("a.jsonl", ["Abraham Lincoln spoke.", "Harry Potter read."]), ("b.jsonl", ["Nothing here."])):
        (corpus / name).write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    shards, _ = list_shards([str(corpus)])
    described = [(s, shard_fingerprint(s)) for s in shards]
    (corpus / "b.jsonl").write_text(json.dumps({"text": "Changed after the driver looked."}) + "\n")
    stages = document_stages(RunConfig(corpus=(str(corpus),), out=str(tmp_path / "out")), load_catalog(), None)
    store = tmp_path / "store"
    store.mkdir()
    names = {s.key: f"{s.name}.parquet" for s in shards}
    tasks = [pa.record_batch([pa.array([1, 0], pa.int64())], names=["id"])]
    out = pa.Table.from_batches(list(_tag_partition(iter(tasks), SimpleNamespace(value=described), stages, ReadOptions(),
                                                    str(store), names))).to_pylist()
    assert out == [{"name": "b.jsonl", "rows": CHANGED}, {"name": "a.jsonl", "rows": 2}]
    assert sorted(os.listdir(store)) == ["a.jsonl.parquet"]
    assert pq.read_table(store / "a.jsonl.parquet").num_rows == 2
