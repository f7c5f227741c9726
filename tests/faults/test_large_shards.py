"""Large shards are cut into work units, so one big file keeps every core busy; every record is still
read once, at the position it has in its shard, so the tables do not depend on the cut."""

import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from prevalence import job
from prevalence.config import ReadOptions, RunConfig
from prevalence.corpus import list_shards, read_shard
from prevalence.corpus.shards import work_units
from tests.conftest import SAMPLE, assert_same_tables, read_table


def sotu_records() -> list[dict]:
    with open(SAMPLE / "sotu.jsonl.zst", "rb") as f:
        lines = zstandard.ZstdDecompressor().stream_reader(f).read().decode("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def messy_jsonl(path) -> bytes:
    """Real records with what a reader must keep its place through: a byte-order mark, blank lines, a
    malformed line, an oversized record, and no newline at the end."""
    records = sotu_records()[:60]
    lines = [json.dumps(r) for r in records]
    lines[3] = "{broken"
    lines.insert(10, "")
    lines.insert(20, "   ")
    lines[30] = json.dumps({"id": "huge", "text": "word " * 30_000})
    data = b"\xef\xbb\xbf" + "\n".join(lines).encode()
    path.write_bytes(data)
    return data


def read_units(path, split_bytes: int, opts=ReadOptions(max_doc_chars=100_000)) -> tuple[list, list[dict]]:
    shards, _ = list_shards([str(path)])
    units = work_units(shards, {s.name: os.path.getsize(s.path) for s in shards}, split_bytes)
    batches = [b for u in units for b in read_shard(u, opts)]
    return units, pa.Table.from_batches(batches).to_pylist()


def test_jsonl_units_end_at_line_starts_and_read_like_the_whole_shard(tmp_path):
    data = messy_jsonl(tmp_path / "big.jsonl")
    whole_units, whole = read_units(tmp_path / "big.jsonl", 0)
    units, parts = read_units(tmp_path / "big.jsonl", 100_000)
    assert len(whole_units) == 1 and len(units) > 5
    assert parts == whole  # same rows, positions, ids and rejects, in the same order
    assert [u.start for u in units[1:]] == [u.end for u in units[:-1]] and units[0].start == 0 and units[-1].end == len(data)
    assert all(data[u.start - 1:u.start] == b"\n" for u in units[1:])
    assert [u.first_position for u in units] == [data[:u.start].count(b"\n") for u in units]
    assert {r["reject_reason"] for r in whole} >= {"malformed_json", "oversized"} and len(whole) == 60  # 62 lines, 2 blank


def test_parquet_units_are_runs_of_row_groups_and_read_like_the_whole_shard(tmp_path):
    records = sotu_records()[:120]
    table = pa.Table.from_pylist([{"id": r["id"], "text": r["text"]} for r in records])
    pq.write_table(table, tmp_path / "big.parquet", row_group_size=10)
    pq.write_table(table.rename_columns(["id", "body"]), tmp_path / "notext.parquet", row_group_size=10)
    for name in ("big.parquet", "notext.parquet"):
        whole_units, whole = read_units(tmp_path / name, 0)
        units, parts = read_units(tmp_path / name, 200_000)
        assert len(whole_units) == 1 and len(units) > 3 and parts == whole, name
        assert len(whole) == 120 and [r["position"] for r in whole] == list(range(120))


def test_compressed_shards_stay_whole_with_a_note(tmp_path):
    data = messy_jsonl(tmp_path / "big.jsonl")
    (tmp_path / "big.jsonl.zst").write_bytes(zstandard.ZstdCompressor(level=1).compress(data * 20))
    shards, _ = list_shards([str(tmp_path / "big.jsonl.zst")])
    notes = []
    assert work_units(shards, {s.name: os.path.getsize(s.path) for s in shards}, 10_000, notes.append) == shards
    assert len(notes) == 1 and "compressed stream cannot be cut" in notes[0]


@pytest.mark.spark
def test_one_large_file_gives_the_tables_of_its_records_in_many_small_files(spark, tmp_path):
    records = [r for r in sotu_records() if r["year"] >= 1950]  # about 3 MB
    big = tmp_path / "one" / "corpus"
    big.mkdir(parents=True)
    (big / "all.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    small = tmp_path / "many" / "corpus"
    small.mkdir(parents=True)
    for k in range(7):
        (small / f"part-{k}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records[k::7]))
    options = dict(archetypes="none", replicates=50)
    split = job.run(RunConfig(corpus=(str(big),), out=str(tmp_path / "split"), read=ReadOptions(split_mb=1), **options), spark)
    whole = job.run(RunConfig(corpus=(str(big),), out=str(tmp_path / "whole"), read=ReadOptions(split_mb=0), **options), spark)
    many = job.run(RunConfig(corpus=(str(small),), out=str(tmp_path / "many_out"), **options), spark)
    assert split["counts"]["documents_kept"] == whole["counts"]["documents_kept"] == many["counts"]["documents_kept"] == len(records)
    assert len(os.listdir(tmp_path / "split" / "_shards")) > 2  # the file was tagged as several units
    assert_same_tables(tmp_path / "split", tmp_path / "whole")
    # Against many small files only where a record sits differs: the documents' shard and position.
    for table in ("persona_hits", "prevalence", "personas", "replicates", "cooccurrence"):
        assert read_table(tmp_path / "split", table) == read_table(tmp_path / "many_out", table), table
    docs = [read_table(tmp_path / run, "documents").drop_columns(["shard", "position"]).sort_by("doc_id") for run in ("split", "many_out")]
    assert docs[0] == docs[1]
