"""Readers stream every record of a shard into exactly one row: a document or a reject."""

import gzip
import io
import json
import subprocess
import sys

import pyarrow as pa
import pytest
import pyarrow.parquet as pq
import zstandard

from prevalence.config import ReadOptions
from prevalence.corpus import list_shards, read_shard
from prevalence.corpus.ids import stable_doc_id
from tests.conftest import write_jsonl

OPTS = ReadOptions()


def rows(path, opts=OPTS, fmt="auto"):
    shards, _ = list_shards([str(path)], fmt)
    assert len(shards) == 1
    batches = list(read_shard(shards[0], opts))
    return pa.Table.from_batches(batches).to_pylist() if batches else []


def reasons(table_rows):
    return [r["reject_reason"] for r in table_rows]


def test_jsonl_records_become_documents_with_corpus_ids(tmp_path):
    got = rows(write_jsonl(tmp_path / "a.jsonl", [{"id": "x1", "text": "Hamlet speaks."}, {"id": 7, "text": "Ophelia sings."}]))
    assert [(r["doc_id"], r["text"], r["position"]) for r in got] == [("x1", "Hamlet speaks.", 0), ("7", "Ophelia sings.", 1)]
    assert reasons(got) == [None, None]


def test_records_without_ids_get_stable_hashes_of_shard_and_position(tmp_path):
    got = rows(write_jsonl(tmp_path / "a.jsonl", [{"text": "one"}, {"text": "two"}]))
    assert [r["doc_id"] for r in got] == [stable_doc_id("a.jsonl", 0), stable_doc_id("a.jsonl", 1)]
    assert got[0]["doc_id"] != got[1]["doc_id"]


def test_stable_ids_do_not_depend_on_the_process_hash_seed():
    code = "from prevalence.corpus.ids import stable_doc_id; print(stable_doc_id('s.jsonl', 3))"
    outs = {
        subprocess.run([sys.executable, "-c", code], env={"PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True).stdout
        for seed in ("1", "2")
    }
    assert outs == {stable_doc_id("s.jsonl", 3) + "\n"}


def test_each_bad_record_is_a_reject_with_its_reason(tmp_path):
    records = [
        {"text": "A good document about Sherlock Holmes."},
        b'{"text": "unterminated',
        b'{"text": "caf\xe9 au lait"}',
        {"title": "no text field"},
        {"text": 42},
        {"text": "   "},
        b"[1, 2, 3]",
        {"text": "x" * 50},
    ]
    got = rows(write_jsonl(tmp_path / "bad.jsonl", records), ReadOptions(max_doc_chars=40))
    assert reasons(got) == [None, "malformed_json", "invalid_utf8", "missing_text", "non_string_text", "empty_text", "not_an_object", "oversized"]
    assert [r["position"] for r in got] == list(range(8))
    assert got[2]["excerpt"].startswith('{"text": "caf')


def test_blank_lines_are_not_records_and_keep_line_positions(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "first"}\n\n   \n{"text": "second"}\n')
    got = rows(path)
    assert [(r["position"], r["text"]) for r in got] == [(0, "first"), (3, "second")]


def test_nested_text_field_by_dotted_path(tmp_path):
    got = rows(write_jsonl(tmp_path / "a.jsonl", [{"doc": {"body": "Gandalf arrives."}}]), ReadOptions(text_field="doc.body"))
    assert got[0]["text"] == "Gandalf arrives."


def test_gzip_and_zstd_shards_read_like_plain_ones(tmp_path):
    records = [{"text": f"document {i}"} for i in range(5)]
    for name, comp in (("a.jsonl.gz", "gzip"), ("b.jsonl.zst", "zstd")):
        got = rows(write_jsonl(tmp_path / name, records, comp))
        assert [r["text"] for r in got] == [f"document {i}" for i in range(5)]


def test_truncated_gzip_keeps_what_was_read_and_rejects_the_rest(tmp_path):
    data = gzip.compress(b"".join(b'{"text": "line %d"}\n' % i for i in range(20000)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    got = rows(path)
    kept = [r for r in got if r["reject_reason"] is None]
    assert 0 < len(kept) < 20000
    assert reasons(got)[-1] == "truncated_shard"
    assert [r["text"] for r in kept] == [f"line {i}" for i in range(len(kept))]


def test_truncated_zstd_is_a_truncated_shard(tmp_path):
    data = zstandard.ZstdCompressor().compress(b"".join(b'{"text": "line %d"}\n' % i for i in range(20000)))
    path = tmp_path / "cut.jsonl.zst"
    path.write_bytes(data[: len(data) // 2])
    assert reasons(rows(path))[-1] == "truncated_shard"


def test_a_file_that_is_not_gzip_is_an_unreadable_shard(tmp_path):
    path = tmp_path / "fake.jsonl.gz"
    path.write_bytes(b"this was never compressed\n")
    got = rows(path)
    assert reasons(got) == ["unreadable_shard"]
    assert "fake.jsonl.gz" in got[0]["excerpt"]


def test_an_oversized_line_is_rejected_without_holding_it(tmp_path):
    path = tmp_path / "big.jsonl"
    huge = b'{"text": "' + b"a" * 300_000 + b'"}'
    path.write_bytes(b'{"text": "small"}\n' + huge + b'\n{"text": "after"}\n')
    got = rows(path, ReadOptions(max_doc_chars=1000))
    assert reasons(got) == [None, "oversized", None]
    assert [r["text"] for r in got] == ["small", None, "after"]
    assert len(got[1]["excerpt"]) <= 200


def test_batches_are_bounded_by_batch_rows(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"text": f"doc {i}"} for i in range(25)])
    shards, _ = list_shards([str(path)])
    sizes = [b.num_rows for b in read_shard(shards[0], ReadOptions(batch_rows=10))]
    assert sizes == [10, 10, 5]


def test_text_file_is_one_document(tmp_path):
    path = tmp_path / "play.txt"
    path.write_text("\ufeffHAMLET:\nTo be, or not to be.\n\nOPHELIA:\nGood my lord.\n")
    got = rows(path)
    assert len(got) == 1 and got[0]["text"].startswith("HAMLET:")


def test_text_blocks_are_documents_when_asked(tmp_path):
    path = tmp_path / "play.txt"
    path.write_bytes(b"HAMLET:\nTo be.\n\n\nOPHELIA:\nGood my lord.\n\nbad \xff byte\n")
    got = rows(path, ReadOptions(text_unit="blocks"))
    assert [(r["position"], r["text"], r["reject_reason"]) for r in got] == [
        (0, "HAMLET:\nTo be.", None), (1, "OPHELIA:\nGood my lord.", None), (2, None, "invalid_utf8")]


def test_text_file_with_invalid_utf8_is_rejected(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Ren\xe9 Descartes".encode("latin-1"))
    assert reasons(rows(path)) == ["invalid_utf8"]


def test_parquet_rows_are_checked_vectorised(tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"id": ["p0", None, "p2", "p3"], "text": ["Moses went up.", "David sang.", "", None]}), path)
    got = rows(path)
    assert [(r["doc_id"], r["reject_reason"]) for r in got] == [
        ("p0", None), (stable_doc_id("a.parquet", 1), None), (stable_doc_id("a.parquet", 2), "empty_text"), (stable_doc_id("a.parquet", 3), "missing_text")]


def test_parquet_without_the_text_column_rejects_every_row(tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"body": ["x", "y", "z"]}), path)
    got = rows(path)
    assert reasons(got) == ["missing_text"] * 3
    assert "body" in got[0]["excerpt"]


def test_parquet_with_a_numeric_text_column_is_non_string(tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"text": [1, 2]}), path)
    assert reasons(rows(path)) == ["non_string_text"] * 2


def test_garbage_parquet_is_an_unreadable_shard(tmp_path):
    path = tmp_path / "a.parquet"
    path.write_bytes(b"PAR1 not really")
    assert reasons(rows(path)) == ["unreadable_shard"]


def test_parquet_text_that_is_not_utf8_is_rejected(tmp_path):
    path = tmp_path / "a.parquet"
    raw = pa.array([b"Moses went up.", b"caf\xe9"], pa.binary())
    pq.write_table(pa.table({"text": raw.view(pa.string())}), path)
    assert reasons(rows(path)) == [None, "invalid_utf8"]


def test_author_fields_string_list_and_nested(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [
        {"text": "a", "author": "Mark Twain"},
        {"text": "b", "author": ["Ann Lee", " John  Doe ", 7]},
        {"text": "c", "meta": {"author": "Jane Smith"}, "byline": "Jane Smith"},
        {"text": "d", "author": 12},
        {"text": "e"},
    ])
    assert [r["author"] for r in rows(path)] == ["Mark Twain", "Ann Lee\nJohn Doe", "Jane Smith", None, None]


def test_parquet_author_list_column_and_label_fields(tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"text": ["a", "b", ""], "author": [["Ann Lee"], None, ["X Y"]], "genre": ["poem", " ", "play"], "work": [1, 2, 3]}), path)
    got = rows(path, ReadOptions(label_field="genre", group_field="work"))
    assert [(r["author"], r["label"], r["group"]) for r in got] == [("Ann Lee", "poem", "1"), (None, None, "2"), (None, None, None)]
    assert got[2]["reject_reason"] == "empty_text"


def test_label_and_group_fields_of_jsonl(tmp_path):
    path = write_jsonl(tmp_path / "l.jsonl", [{"text": "a", "y": "novelist", "book": 3}, {"text": "b", "y": True}])
    got = rows(path, ReadOptions(label_field="y", group_field="book"))
    assert [(r["label"], r["group"]) for r in got] == [("novelist", "3"), (None, None)]


@pytest.mark.parametrize("suffix", ["gz", "zst"])
def test_a_cut_compressed_shard_keeps_every_complete_record_before_the_break(tmp_path, suffix):
    import gzip
    import zlib

    records = [{"id": f"r{i}", "text": f"Record {i}: " + "the union and its future " * 30} for i in range(400)]
    payload = ("\n".join(json.dumps(r) for r in records) + "\n").encode()
    if suffix == "gz":
        data = gzip.compress(payload, mtime=0)
        cut = data[: len(data) // 2]
        readable = zlib.decompressobj(31).decompress(cut)
    else:
        data = _zstd_in_blocks(payload)
        cut = data[: len(data) // 2]
        readable = zstandard.ZstdDecompressor().decompressobj().decompress(cut)
    (tmp_path / f"cut.jsonl.{suffix}").write_bytes(cut)
    complete = readable.count(b"\n")  # records whose line ends before the break
    got = rows(tmp_path / f"cut.jsonl.{suffix}")
    kept = [r for r in got if r["reject_reason"] is None]
    assert 0 < complete == len(kept) and [r["doc_id"] for r in kept] == [f"r{i}" for i in range(complete)]
    assert [r["reject_reason"] for r in got if r["reject_reason"]] == ["truncated_shard"]


def _zstd_in_blocks(payload: bytes) -> bytes:
    """One zstd frame written in flushed blocks, as a streaming writer writes a large file."""
    out = io.BytesIO()
    with zstandard.ZstdCompressor().stream_writer(out, closefd=False) as writer:
        for i in range(0, len(payload), 16384):
            writer.write(payload[i:i + 16384])
            writer.flush()
    return out.getvalue()


def test_a_record_nested_too_deep_is_malformed_not_fatal(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"id": "ok", "text": "fine"}\n{"id": "deep", "text": "ok", "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    got = rows(path)
    assert [(r["doc_id"], r["reject_reason"]) for r in got][0] == ("ok", None) and got[1]["reject_reason"] == "malformed_json"


def test_a_byte_order_mark_opens_the_file_not_the_first_record(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"id": "a", "text": "first"}\n{"id": "b", "text": "second"}\n')
    assert [(r["doc_id"], r["reject_reason"]) for r in rows(path)] == [("a", None), ("b", None)]
