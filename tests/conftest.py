"""Shared fixtures: paths, corpus writers, and the one SparkSession of the integration tests."""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

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
    from prevalence.session import build_session

    session = build_session("local[2]", (("spark.sql.shuffle.partitions", "4"),))
    yield session
    session.stop()
