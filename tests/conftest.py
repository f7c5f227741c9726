"""Shared fixtures: paths, corpus writers, and the one SparkSession of the integration tests."""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
SHARED_DATA = REPO.parent / "shared" / "data"


def write_jsonl(path: Path, records: list, compress: str | None = None) -> Path:
    """Write records (dicts, or raw bytes/str lines) as JSONL, optionally gzip or zstd compressed."""
    lines = []
    for r in records:
        if isinstance(r, bytes):
            lines.append(r)
        elif isinstance(r, str):
            lines.append(r.encode("utf-8"))
        else:
            lines.append(json.dumps(r).encode("utf-8"))
    data = b"\n".join(lines) + b"\n"
    if compress == "gzip":
        data = gzip.compress(data, mtime=0)
    elif compress == "zstd":
        import zstandard

        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for every integration test."""
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from prevalence.spark.session import build_session

    session = build_session("local[2]", (("spark.sql.shuffle.partitions", "4"),))
    yield session
    session.stop()


def read_table(run_dir, table):
    """One table of a run directory, read with pyarrow (not through the project's query layer)."""
    return ds.dataset(os.path.join(run_dir, table), format="parquet").to_table()


def assert_same_tables(run_a, run_b):
    """Every table of two run directories holds the same rows (compared in a canonical order)."""
    from prevalence.tables import SCHEMAS

    for table in SCHEMAS:
        key = [(c, "ascending") for c in ("doc_id", "persona_id", "persona_a", "persona_b", "role", "replicate", "shard", "position")
               if c in SCHEMAS[table].names]
        assert read_table(run_a, table).sort_by(key).equals(read_table(run_b, table).sort_by(key)), table


def sample_documents():
    """(shard, position) -> text, read with plain Python, not with prevalence.corpus."""
    docs = {}
    import zstandard

    with gzip.open(SAMPLE / "wikitext2.jsonl.gz", "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            docs[("wikitext2.jsonl.gz", i)] = json.loads(line)["text"]
    with open(SAMPLE / "sotu.jsonl.zst", "rb") as f:
        text = zstandard.ZstdDecompressor().stream_reader(f).read().decode("utf-8")
    for i, line in enumerate(text.splitlines()):
        docs[("sotu.jsonl.zst", i)] = json.loads(line)["text"]
    for i, t in enumerate(pq.read_table(SAMPLE / "bible_kjv_akjv.parquet").column("text").to_pylist()):
        docs[("bible_kjv_akjv.parquet", i)] = t
    for name in sorted(os.listdir(SAMPLE / "shakespeare")):
        docs[(f"shakespeare/{name}", 0)] = (SAMPLE / "shakespeare" / name).read_text(encoding="utf-8")
    return docs


@pytest.fixture(scope="session")
def sample_run(spark, tmp_path_factory):
    """The job run once on the bundled sample corpus with default settings: (run_dir, manifest)."""
    from prevalence import job
    from prevalence.config import RunConfig

    out = str(tmp_path_factory.mktemp("runs") / "sample")
    manifest = job.run(RunConfig(corpus=(str(SAMPLE),), out=out), spark=spark)
    return out, manifest
