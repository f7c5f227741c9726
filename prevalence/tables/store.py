"""The shard store: each finished shard's tagged rows, kept so that `--resume` and `--append` tag only
what is new.

Layout: `.<RUN_DIR>.shards/` next to RUN_DIR while a run works (one Parquet file per finished shard,
named by the shard's name and content, plus `store.json`, the key of parameters, catalog and model it
was tagged with); a committed run keeps it as `RUN_DIR/_shards`. A shard's file is written under a
temporary name and renamed when complete, so a file there always means a finished shard.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable

import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

from prevalence.errors import PrevalenceError

STORE_KEY = "store.json"
SHARDS_IN_RUN = "_shards"


def store_dir(out: str) -> str:
    """The run's shard store while it works: next to RUN_DIR."""
    parent, base = os.path.split(os.path.abspath(out))
    return os.path.join(parent, f".{base}.shards")


def stored_name(shard_name: str, fingerprint: dict) -> str:
    """The store file of a shard: named by its name and content, so a changed shard is tagged again."""
    key = f"{shard_name}\n{fingerprint['bytes']}\n{fingerprint['xxh3_head_tail']}"
    return f"shard-{xxhash.xxh3_64_hexdigest(key.encode())}.parquet"


def write_stored_shard(path: str, schema: pa.Schema, batches: Iterable[pa.RecordBatch]) -> int:
    """Write one shard's tagged batches to `path` atomically (temporary name, then rename); rows written."""
    partial = f"{path}.{os.getpid()}.partial"
    rows = 0
    with pq.ParquetWriter(partial, schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch)
            rows += batch.num_rows
    os.replace(partial, path)
    return rows


class ShardStore:
    """The shard store of one run directory."""

    def __init__(self, out: str):
        self.out = os.path.abspath(out)
        self.path = store_dir(out)

    def file(self, name: str) -> str:
        return os.path.join(self.path, name)

    def open(self, names: dict[str, str], key: dict, resume: bool, append: bool, progress: Callable[[str], None]) -> list[str]:
        """The shard names still to tag. Without resume or append the store starts empty; with them,
        stored shards are kept if the key (parameters, catalog, model) is the same."""
        kept = os.path.join(self.out, SHARDS_IN_RUN)
        if append and os.path.isdir(kept) and not os.path.exists(self.path):
            os.replace(kept, self.path)
        key_path = os.path.join(self.path, STORE_KEY)
        key = json.loads(json.dumps(key, sort_keys=True))
        if (resume or append) and os.path.isfile(key_path):
            with open(key_path, encoding="utf-8") as f:
                if json.load(f) != key:
                    raise PrevalenceError(f"cannot resume into {self.out}: the catalog, model or parameters changed "
                                          "since the interrupted run; run without --resume to start again")
            pending = [s for s in names if not os.path.exists(self.file(names[s]))]
            progress(f"{'appending' if append else 'resuming'}: {len(names) - len(pending)} of {len(names)} shard(s) already tagged")
            return pending
        if resume:
            progress("nothing to resume: tagging every shard")
        shutil.rmtree(self.path, ignore_errors=True)
        os.makedirs(self.path)
        with open(key_path, "w", encoding="utf-8") as f:
            json.dump(key, f)
        return list(names)

    def keep_in_run(self) -> None:
        """After commit: the run keeps its tagged shards (RUN_DIR/_shards) so that --append tags only new ones."""
        os.replace(self.path, os.path.join(self.out, SHARDS_IN_RUN))
