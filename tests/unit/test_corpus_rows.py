"""Rows of the documents, persona_hits and rejects tables as the counting passes write them, one file
per partition (`tables.corpus_rows`), and the corpus counts added up over partitions (`corpus_totals`)."""

import os
import random

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from prevalence.corpus_totals import corpus_counts, partial_corpus_totals
from prevalence.stages import HIT_TYPE
from prevalence.tables.corpus_rows import (CORPUS_ROW_SCHEMAS, DOCUMENTS_SCHEMA, PERSONA_HITS_SCHEMA, REJECTS_SCHEMA, PartitionFiles,
                                           document_rows, finish_table_folder, hit_rows, reject_rows)

KEPT = pa.schema([("doc_id", pa.string()), ("shard", pa.string()), ("position", pa.int64()), ("source", pa.string()),
                  ("n_chars", pa.int64()), ("n_tokens", pa.int64()), ("cluster_id", pa.string()), ("cluster_size", pa.int64()),
                  ("hits", pa.list_(HIT_TYPE))])


def kept_batch() -> pa.RecordBatch:
    hit = lambda p, role: {"persona_id": p, "role": role, "count": 2, "tokens": None, "score": 0.5, "method": "alias"}  # noqa: E731
    rows = [
        {"doc_id": "a", "shard": "s1", "position": 0, "source": "web", "n_chars": 10, "n_tokens": 3, "cluster_id": "a", "cluster_size": 2,
         "hits": [hit("lincoln", "mention"), hit("moses", "speaker")]},
        {"doc_id": "b", "shard": "s1", "position": 1, "source": "web", "n_chars": 11, "n_tokens": 4, "cluster_id": "a", "cluster_size": 2,
         "hits": []},
        {"doc_id": "c", "shard": "s2", "position": 0, "source": "book", "n_chars": 12, "n_tokens": 5, "cluster_id": None, "cluster_size": None,
         "hits": None},
        {"doc_id": "d", "shard": "s2", "position": 1, "source": "book", "n_chars": 13, "n_tokens": 6, "cluster_id": "d", "cluster_size": 1,
         "hits": [hit("aaron", "author")]},
    ]
    return pa.RecordBatch.from_pylist(rows, schema=KEPT)


def test_document_rows_are_the_documents_table_with_the_sample_weight():
    rows = document_rows(kept_batch(), 4.0)
    assert rows.schema == DOCUMENTS_SCHEMA
    assert rows.column("doc_id").to_pylist() == ["a", "b", "c", "d"]
    assert rows.column("cluster_size").to_pylist() == [2, 2, None, 1]
    assert rows.column("sample_weight").to_pylist() == [4.0] * 4


def test_hit_rows_are_one_per_hit_with_the_document_id():
    rows = hit_rows(kept_batch())
    assert rows.schema == PERSONA_HITS_SCHEMA
    assert [(r["doc_id"], r["persona_id"], r["role"]) for r in rows.to_pylist()] == [
        ("a", "lincoln", "mention"), ("a", "moses", "speaker"), ("d", "aaron", "author")]


def test_reject_rows_are_the_rows_with_a_reason():
    batch = pa.RecordBatch.from_pylist([
        {"shard": "s", "position": 0, "reject_reason": None, "excerpt": None},
        {"shard": "s", "position": 1, "reject_reason": "empty_text", "excerpt": ""},
        {"shard": "t", "position": 5, "reject_reason": "duplicate_id", "excerpt": "doc_id x"},
    ])
    rows = reject_rows(batch)
    assert rows.schema == REJECTS_SCHEMA
    assert rows.to_pylist() == [{"shard": "s", "position": 1, "reason": "empty_text", "excerpt": ""},
                                {"shard": "t", "position": 5, "reason": "duplicate_id", "excerpt": "doc_id x"}]


def test_a_partition_file_appears_complete_on_close_and_a_retry_writes_the_same_file(tmp_path):
    folders = {t: str(tmp_path / t) for t in ("documents", "persona_hits")}
    for attempt in (0, 1):
        files = PartitionFiles(folders, CORPUS_ROW_SCHEMAS, partition=3, attempt=attempt)
        files.write("documents", document_rows(kept_batch(), 1.0))
        files.write("persona_hits", hit_rows(kept_batch()))
        files.write("documents", document_rows(kept_batch(), 1.0))
        if attempt == 0:
            assert not any(n.endswith(".parquet") for f in folders.values() for n in os.listdir(f))  # nothing until closed
        files.close()
    assert sorted(os.listdir(folders["documents"])) == ["part-00003.parquet"]
    assert ds.dataset(folders["documents"]).to_table().num_rows == 8
    assert ds.dataset(folders["persona_hits"]).to_table().num_rows == 3


def test_an_aborted_partition_leaves_no_file_and_an_empty_table_gets_one_empty_file(tmp_path):
    folder = str(tmp_path / "documents")
    files = PartitionFiles({"documents": folder}, CORPUS_ROW_SCHEMAS, partition=0)
    files.write("documents", document_rows(kept_batch(), 1.0))
    files.abort()
    assert os.listdir(folder) == []
    killed = PartitionFiles({"documents": folder}, CORPUS_ROW_SCHEMAS, partition=1)
    killed.write("documents", document_rows(kept_batch(), 1.0))  # a worker killed here leaves its hidden partial file
    assert len(os.listdir(folder)) == 1 and ds.dataset(folder).to_table().num_rows == 0  # readers skip it
    finish_table_folder(folder, DOCUMENTS_SCHEMA)
    assert os.listdir(folder) == ["part-00000.parquet"]
    table = ds.dataset(folder).to_table()
    assert table.num_rows == 0 and table.schema == DOCUMENTS_SCHEMA
    PartitionFiles({"rejects": str(tmp_path / "rejects")}, CORPUS_ROW_SCHEMAS, partition=0).close()  # no row: no file, no folder
    assert not os.path.exists(tmp_path / "rejects")


TAGGED = pa.schema([("reject_reason", pa.string()), ("sampled", pa.bool_()), ("n_tokens", pa.int64()), ("n_chars", pa.int64()),
                    ("group_turns", pa.int64()), ("group_words", pa.int64())])


@pytest.mark.parametrize("partitions,batch_rows", [(1, 1000), (3, 7), (10, 1)])
def test_corpus_counts_of_any_partitioning_equal_those_counted_row_by_row(partitions, batch_rows):
    rng = random.Random(partitions)
    rows = []
    for _ in range(400):
        reason = rng.choice([None, None, None, "empty_text", "duplicate_id"])
        sampled = reason is None and rng.random() < 0.8
        rows.append({"reject_reason": reason, "sampled": sampled, "n_tokens": rng.randint(0, 99) if reason is None else None,
                     "n_chars": rng.randint(0, 999) if reason is None else None, "group_turns": rng.choice([None, 0, 2]),
                     "group_words": rng.choice([None, 5])})
    parts = [rows[k::partitions] for k in range(partitions)]
    partial = [b for part in parts for b in partial_corpus_totals(pa.Table.from_pylist(part, schema=TAGGED).to_batches(max_chunksize=batch_rows))]
    got = corpus_counts(pa.Table.from_batches(partial))
    kept = [r for r in rows if r["reject_reason"] is None and r["sampled"]]
    assert got["documents_kept"] == len(kept)
    assert got["not_sampled"] == sum(1 for r in rows if r["reject_reason"] is None and not r["sampled"])
    assert got["rejects_by_reason"] == {reason: sum(1 for r in rows if r["reject_reason"] == reason) for reason in ("duplicate_id", "empty_text")}
    assert got["documents_in"] == len(rows) == got["documents_kept"] + got["not_sampled"] + got["rejected"]
    assert got["tokens"] == sum(r["n_tokens"] for r in kept) and got["chars"] == sum(r["n_chars"] for r in kept)
    assert got["group_speech"] == {"turns": sum(r["group_turns"] or 0 for r in kept), "words": sum(r["group_words"] or 0 for r in kept)}


def test_no_rows_give_zero_counts():
    assert corpus_counts(pa.Table.from_batches([], schema=partial_schema())) == {
        "documents_in": 0, "documents_kept": 0, "not_sampled": 0, "rejected": 0, "rejects_by_reason": {}, "tokens": 0, "chars": 0,
        "group_speech": {"turns": 0, "words": 0}}


def partial_schema():
    from prevalence.corpus_totals import CORPUS_TOTALS_SCHEMA

    return CORPUS_TOTALS_SCHEMA
