"""Run options: declared once, validated on construction, the same from the CLI and the Python API."""

import pytest

from prevalence.cli import build_parser, run_config
from prevalence.config import DedupOptions, ReadOptions, RunConfig, declared_options, from_parameters
from prevalence.errors import PrevalenceError


def parse(*flags):
    return run_config(build_parser().parse_args(["run", "corpus.jsonl", "--out", "run", *flags]))


def test_every_declared_option_has_a_flag_and_its_default_when_not_given():
    config = parse()
    assert config == RunConfig(corpus=("corpus.jsonl",), out="run")
    flags = [f.metadata["flag"] for _, f in declared_options()]
    assert len(flags) == len(set(flags)) and "--sample" in flags and "--no-dedup" in flags and "--tagger" in flags


def test_flags_reach_nested_options():
    config = parse("--no-dedup", "--shingle-size", "3", "--author-field", "a", "--author-field", "b", "--pair-window", "8", "--sample", "0.5")
    assert not config.dedup.enabled and config.dedup.shingle_size == 3
    assert config.read.author_fields == ("a", "b") and config.pairs.window == 8 and config.sample_fraction == 0.5


@pytest.mark.parametrize("make, message", [
    (lambda: RunConfig(corpus=("c",), out="o", sample_fraction=2), "--sample must be in (0, 1]"),
    (lambda: RunConfig(corpus=("c",), out="o", replicates=0), "--replicates must be a positive integer"),
    (lambda: RunConfig(corpus=("c",), out="o", interval_level=1.0), "--interval-level must be between 0 and 1"),
    (lambda: DedupOptions(threshold=1.5), "--dedup-threshold"),
    (lambda: ReadOptions(format="xml"), "--format must be one of auto, jsonl, parquet, text"),
    (lambda: RunConfig(corpus=(), out="o"), "at least one corpus path"),
])
def test_the_python_api_refuses_bad_values_before_spark_starts(make, message):
    with pytest.raises(PrevalenceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_the_cli_refuses_bad_values_with_the_same_message():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "c", "--out", "o", "--format", "xml"])
    with pytest.raises(PrevalenceError, match="--sample must be in"):
        parse("--sample", "0")


def test_a_run_rebuilt_from_its_manifest_parameters_is_the_same_run():
    config = parse("--no-pairs", "--shingle-size", "4", "--author-field", "by", "--sample", "0.25", "--tagger", "mod:Cls")
    again = from_parameters(config.parameters(), corpus=config.corpus, out=config.out)
    assert again == config


def test_estimate_only_options_do_not_change_the_tagged_shards():
    a, b = parse(), parse("--replicates", "50", "--interval-level", "0.9")
    assert a.tagging_parameters() == b.tagging_parameters() and a.parameters() != b.parameters()
    assert parse("--shingle-size", "3").tagging_parameters() != a.tagging_parameters()


def test_append_takes_the_runs_own_parameters_and_refuses_new_ones(tmp_path):
    import json

    run = tmp_path / "run"
    run.mkdir()
    original = parse("--shingle-size", "4")
    manifest = {"format_version": 1, "parameters": original.parameters(), "corpus": {"paths": ["/data/a.jsonl"]}, "catalog": {"origin": None}}
    (run / "manifest.json").write_text(json.dumps(manifest))
    appended = run_config(build_parser().parse_args(["run", "b.jsonl", "--append", str(run)]))
    assert appended.corpus == ("/data/a.jsonl", "b.jsonl") and appended.dedup.shingle_size == 4 and appended.append
    with pytest.raises(PrevalenceError, match="leave out --shingle-size"):
        run_config(build_parser().parse_args(["run", "b.jsonl", "--append", str(run), "--shingle-size", "5"]))


def test_spark_defaults_are_found_from_any_directory(tmp_path, monkeypatch):
    """A run started outside the repository still gets the shipped Spark settings (a lost
    spark-defaults.conf meant 200 shuffle partitions: 4x slower on a 25 MB corpus)."""
    from prevalence.spark.session import find_spark_defaults, read_spark_defaults

    monkeypatch.delenv("PREVALENCE_SPARK_DEFAULTS", raising=False)
    monkeypatch.chdir(tmp_path)
    found = find_spark_defaults()
    assert found is not None and found.is_file()
    assert read_spark_defaults(found)["spark.sql.shuffle.partitions"] == "8"
    (tmp_path / "spark-defaults.conf").write_text("spark.sql.shuffle.partitions 3\n")
    assert read_spark_defaults(find_spark_defaults())["spark.sql.shuffle.partitions"] == "3"  # ./spark-defaults.conf wins
