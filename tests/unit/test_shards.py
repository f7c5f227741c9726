"""Shard listing: files, directories and globs, with formats from file names."""

import pytest

from prevalence.corpus.shards import detect_format, list_shards
from prevalence.errors import CorpusError


def test_formats_and_compressions_come_from_file_names():
    assert detect_format("a/b.jsonl.zst") == ("jsonl", "zstd")
    assert detect_format("b.JSONL.GZ") == ("jsonl", "gzip")
    assert detect_format("c.parquet") == ("parquet", None)
    assert detect_format("d.txt") == ("text", None)
    assert detect_format("README.md") == (None, None)


def test_directory_lists_known_formats_and_reports_the_rest(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("a.jsonl", "sub/b.parquet", "notes.md", "_SUCCESS", ".hidden.jsonl"):
        (tmp_path / name).write_text("x")
    shards, skipped = list_shards([str(tmp_path)])
    assert [(s.name, s.format) for s in shards] == [("a.jsonl", "jsonl"), ("sub/b.parquet", "parquet")]
    # A file directly in the corpus root has the root's name as source, never its own file name.
    assert [s.source for s in shards] == [tmp_path.name, "sub"]
    assert skipped == [str(tmp_path / "notes.md")]


def test_glob_selects_matching_files(tmp_path):
    for name in ("x1.jsonl", "x2.jsonl", "y.jsonl"):
        (tmp_path / name).write_text("{}")
    shards, _ = list_shards([str(tmp_path / "x*.jsonl")])
    assert [s.name for s in shards] == ["x1.jsonl", "x2.jsonl"]


def test_the_same_file_named_twice_is_one_shard(tmp_path):
    (tmp_path / "a.jsonl").write_text("{}")
    shards, _ = list_shards([str(tmp_path / "a.jsonl"), str(tmp_path)])
    assert len(shards) == 1


def test_missing_path_is_a_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="corpus path not found"):
        list_shards([str(tmp_path / "nope")])


def test_glob_matching_nothing_is_a_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="matched no files"):
        list_shards([str(tmp_path / "*.jsonl")])


def test_a_named_file_of_unknown_format_needs_format_flag(tmp_path):
    (tmp_path / "data.bin").write_text("x")
    with pytest.raises(CorpusError, match="--format"):
        list_shards([str(tmp_path / "data.bin")])
    shards, _ = list_shards([str(tmp_path / "data.bin")], "jsonl")
    assert shards[0].format == "jsonl"


def test_a_directory_without_shards_is_a_corpus_error(tmp_path):
    (tmp_path / "readme.md").write_text("x")
    with pytest.raises(CorpusError, match="no corpus shards"):
        list_shards([str(tmp_path)])


def test_resharding_a_folder_changes_no_source(tmp_path):
    for k in range(4):
        (tmp_path / "transcripts" / "tv").mkdir(parents=True, exist_ok=True)
        (tmp_path / "transcripts" / "tv" / f"part-{k:02d}.jsonl").write_text("x")
    (tmp_path / "whole").mkdir()
    (tmp_path / "whole" / "tv.jsonl").write_text("x")
    four, _ = list_shards([str(tmp_path / "transcripts" / "tv")])
    one, _ = list_shards([str(tmp_path / "transcripts" / "tv" / "part-02.jsonl")])
    assert {s.source for s in four} == {s.source for s in one} == {"tv"}
    nested, _ = list_shards([str(tmp_path / "transcripts")])
    assert {s.source for s in nested} == {"tv"}
