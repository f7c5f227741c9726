"""Fuzzed shards never stop a read, and every line is accounted for: kept or rejected, once.

Seeded (reproducible) mutations of a small valid JSONL shard of real text: random bytes, truncation at
random offsets (plain, gzip and zstd), and random JSON edits of single records. The run-level check
(the Spark job over fuzzed shards) is in test_spark_faults.py.
"""

import gzip
import json
import random

import pyarrow as pa
import pytest
import zstandard

from prevalence.config import ReadOptions
from prevalence.corpus import list_shards, read_shard
from tests.conftest import SAMPLE

SEEDS = range(40)


def valid_records() -> list[dict]:
    with gzip.open(SAMPLE / "wikitext2.jsonl.gz", "rt", encoding="utf-8") as f:
        articles = [json.loads(line) for line in f][:12]
    return [{"id": f"a{i}", "text": a["text"][:600], "title": a["title"]} for i, a in enumerate(articles)]


def read_all(path) -> list[dict]:
    shards, _ = list_shards([str(path)], "auto")
    batches = [b for s in shards for b in read_shard(s, ReadOptions())]  # must never raise
    return pa.Table.from_batches(batches).to_pylist() if batches else []


def content_lines(data: bytes) -> int:
    """Lines the reader must account for: every line with something besides whitespace."""
    return sum(1 for line in data.split(b"\n") if line.strip())


def mutate_json(record: dict, rng: random.Random):
    """One random edit of a record: drop or retype a field, nest deeply, break the syntax, ..."""
    choice = rng.randrange(9)
    r = dict(record)
    if choice == 0:
        r.pop("text")
    elif choice == 1:
        r["text"] = rng.choice([None, 3, 2.5, True, [], {}, ["a"]])
    elif choice == 2:
        r["id"] = rng.choice([None, 7, [1], {"x": 1}, "", "a" * 10_000])
    elif choice == 3:
        return json.dumps(r)[: rng.randrange(1, 40)]  # cut mid-record
    elif choice == 4:
        return "[" * rng.randrange(1, 200_000) + "]"
    elif choice == 5:
        return json.dumps(rng.choice([[r], "text", 42, None]))
    elif choice == 6:
        r["text"] = "\ud800 lone surrogate " + r["text"]
    elif choice == 7:
        r["text"] = r["text"] * rng.randrange(1, 50)
    else:
        r["extra"] = {"deep": [[[[["x"]]]]], "nul": "\u0000"}
    return json.dumps(r, ensure_ascii=rng.random() < 0.5)


def jsonl(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8", errors="surrogatepass")


@pytest.mark.parametrize("seed", SEEDS)
def test_random_json_edits_are_each_one_row(tmp_path, seed):
    rng = random.Random(seed)
    records = valid_records()
    lines = [mutate_json(r, rng) if rng.random() < 0.4 else json.dumps(r) for r in records]
    data = jsonl(lines)
    path = tmp_path / "edited.jsonl"
    path.write_bytes(data)
    got = read_all(path)
    assert len(got) == content_lines(data)
    assert all((r["reject_reason"] is None) == (r["text"] is not None) for r in got)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_bytes_flips_inserts_and_cuts_are_each_one_row(tmp_path, seed):
    rng = random.Random(seed)
    data = bytearray(jsonl([json.dumps(r) for r in valid_records()]))
    for _ in range(rng.randrange(1, 30)):
        at = rng.randrange(len(data))
        kind = rng.randrange(3)
        if kind == 0:
            data[at] = rng.randrange(256)
        elif kind == 1:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 20)))
        else:
            del data[at:at + rng.randrange(1, 50)]
    data = bytes(data[: rng.randrange(1, len(data) + 1)])
    path = tmp_path / "noisy.jsonl"
    path.write_bytes(data)
    assert len(read_all(path)) == content_lines(data)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("suffix", ["gz", "zst"])
def test_compressed_shards_cut_anywhere_keep_a_prefix_and_one_reject(tmp_path, seed, suffix):
    rng = random.Random(seed)
    records = valid_records() * 20
    payload = jsonl([json.dumps(r) for r in records])
    data = gzip.compress(payload, mtime=0) if suffix == "gz" else zstandard.ZstdCompressor().compress(payload)
    cut = data[: rng.randrange(0, len(data))]
    path = tmp_path / f"cut.jsonl.{suffix}"
    path.write_bytes(cut)
    got = read_all(path)
    kept = [r for r in got if r["reject_reason"] is None]
    assert [r["text"] for r in kept] == [r["text"] for r in records[: len(kept)]]  # a prefix, in order
    assert [r["reject_reason"] for r in got if r["reject_reason"]] in (["truncated_shard"], ["unreadable_shard"], [])
    assert len(kept) < len(records)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("name", ["junk.jsonl", "junk.jsonl.gz", "junk.jsonl.zst", "junk.parquet", "junk.txt", "junk.jsonl.bz2"])
def test_random_bytes_under_any_shard_name_never_stop_the_read(tmp_path, seed, name):
    rng = random.Random(seed)
    path = tmp_path / name
    path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 5000))))
    got = read_all(path)
    reasons = [r["reject_reason"] for r in got]
    if name.endswith((".gz", ".zst", ".bz2", ".parquet")):
        assert reasons in ([], ["unreadable_shard"], ["truncated_shard"]) or all(r is not None for r in reasons[-1:])
