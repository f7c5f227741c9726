"""The tables of a run (contracts in schemas/) and the run directory that holds them.

A run directory is written under a hidden staging name and renamed into place only when every table
and `manifest.json` are complete, so an interrupted run never leaves tables that look finished.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid

import pyarrow as pa
import pyarrow.parquet as pq

from prevalence.catalog import PERSONAS_SCHEMA
from prevalence.cooccurrence import COOCCURRENCE_SCHEMA
from prevalence.errors import RunDirError
from prevalence.estimate import PREVALENCE_SCHEMA
from prevalence.stats.bootstrap import REPLICATE_SCHEMA
from prevalence.tables.corpus_rows import DOCUMENTS_SCHEMA, PERSONA_HITS_SCHEMA, REJECTS_SCHEMA

MANIFEST = "manifest.json"
# The layout of a run directory's tables; a reader refuses any other (`read_manifest`).
FORMAT_VERSION = 1

SCHEMAS: dict[str, pa.Schema] = {
    "documents": DOCUMENTS_SCHEMA,
    "persona_hits": PERSONA_HITS_SCHEMA,
    "prevalence": PREVALENCE_SCHEMA,
    "rejects": REJECTS_SCHEMA,
    "personas": PERSONAS_SCHEMA,
    "replicates": REPLICATE_SCHEMA,
    "cooccurrence": COOCCURRENCE_SCHEMA,
}


class RunWriter:
    """Stages a run's tables next to RUN_DIR and moves them into place on commit."""

    def __init__(self, out: str, overwrite: bool):
        self.out = os.path.abspath(out)
        if os.path.exists(self.out) and not overwrite:
            if not os.path.isdir(self.out) or os.listdir(self.out):
                raise RunDirError(f"run directory already exists: {out} (pass --overwrite to replace it)")
        parent, base = os.path.split(self.out)
        os.makedirs(parent, exist_ok=True)
        self.stage = os.path.join(parent, f".{base}.partial-{uuid.uuid4().hex[:12]}")
        os.makedirs(self.stage)

    def table_path(self, table: str) -> str:
        """Folder of one table inside the staging directory."""
        return os.path.join(self.stage, table)

    def write_arrow(self, table: str, data: pa.Table) -> pa.Table:
        """Write a small table (catalog-sized) with pyarrow; returns it as written (cast to its schema)."""
        folder = self.table_path(table)
        os.makedirs(folder, exist_ok=True)
        data = data.cast(SCHEMAS[table])
        pq.write_table(data, os.path.join(folder, "part-00000.parquet"), compression="zstd")
        return data

    def commit(self, manifest: dict) -> str:
        """Write the manifest last, then swap the staging directory into RUN_DIR."""
        with open(os.path.join(self.stage, MANIFEST), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2, sort_keys=True)
        old = None
        if os.path.exists(self.out):
            old = f"{self.stage}.old"
            os.rename(self.out, old)
        os.rename(self.stage, self.out)
        if old:
            shutil.rmtree(old, ignore_errors=True)
        return self.out

    def abort(self) -> None:
        """Remove the staging directory; RUN_DIR is left as it was."""
        shutil.rmtree(self.stage, ignore_errors=True)

    def read_staged(self, table: str) -> pa.Table:
        """A table the run has just staged, read back with pyarrow (catalog-sized tables only)."""
        import pyarrow.dataset as ds

        return ds.dataset(self.table_path(table), format="parquet").to_table()

    def __enter__(self) -> "RunWriter":
        return self

    def __exit__(self, kind, error, trace) -> None:
        """Leaving with an exception aborts: RUN_DIR stays as it was."""
        if kind is not None:
            self.abort()


def table_glob(run_dir: str, table: str) -> str:
    """Glob of a table's Parquet files inside a committed run."""
    return os.path.join(run_dir, table, "*.parquet")


def read_manifest(run_dir: str) -> dict:
    """The manifest of a committed run; RunDirError if the folder is not a complete run."""
    path = os.path.join(run_dir, MANIFEST)
    if not os.path.isdir(run_dir):
        raise RunDirError(f"run directory not found: {run_dir}")
    if not os.path.isfile(path):
        raise RunDirError(f"{run_dir} is not a complete run (no {MANIFEST}); rerun `prevalence run`")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as error:
        raise RunDirError(f"{run_dir}: {MANIFEST} cannot be read ({error})") from None
    version = manifest.get("format_version") if isinstance(manifest, dict) else None
    if version != FORMAT_VERSION:
        wrote = manifest.get("tool", {}).get("version", "unknown") if isinstance(manifest, dict) else "unknown"
        raise RunDirError(f"{run_dir} has table format {version} (written by persona-prevalence {wrote}); this version "
                          f"reads format {FORMAT_VERSION} only: use the version that wrote it, or rerun `prevalence run`")
    return manifest


def type_name(t: pa.DataType) -> str:
    """An Arrow type as the contracts spell it; lists as `list<string>` (Parquet renames list items)."""
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"list<{type_name(t.value_type)}>"
    return str(t)


def contract(table: str) -> dict:
    """The contract of a table as stored in schemas/<table>.json: column names and Arrow types."""
    schema = SCHEMAS[table]
    return {"table": table, "columns": [{"name": f.name, "type": type_name(f.type), "nullable": f.nullable} for f in schema]}
