"""Faults of a batch job, injected while the job runs on the session's local Spark (local[2] with task
retries, as on a cluster): a killed Python worker, a shard that changes under the run, a full disk,
and a corpus of fuzzed shards."""

import json
import os
import shutil
import subprocess

import pytest

from prevalence import job
from prevalence.config import RunConfig
from prevalence.errors import PrevalenceError
from prevalence.query import open_run
from tests.conftest import SAMPLE, assert_same_tables
from tests.faults.fault_taggers import marker

pytestmark = pytest.mark.spark
TAGGERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fault_taggers.py")


def corpus_copy(tmp_path) -> list[str]:
    """A small real corpus, copied so a fault may change it: one JSONL file and a folder of texts."""
    folder = tmp_path / "corpus"
    shutil.copytree(SAMPLE / "shakespeare", folder / "shakespeare")
    shutil.copy(SAMPLE / "wikitext2.jsonl.gz", folder / "wiki.jsonl.gz")
    return [str(folder / "wiki.jsonl.gz"), str(folder / "shakespeare")]


def config(corpus, out, fault: str, **options) -> RunConfig:
    return RunConfig(corpus=tuple(corpus), out=str(out), taggers=(f"{TAGGERS}:{fault}",), archetypes="none", replicates=50, **options)


def test_a_worker_killed_mid_shard_is_retried_and_the_tables_are_those_of_an_undisturbed_run(spark, tmp_path):
    corpus = corpus_copy(tmp_path)
    calm, killed = tmp_path / "calm", tmp_path / "killed"
    open(marker(calm, "kill-worker"), "w").close()  # the fault has "happened": none is injected
    job.run(config(corpus, calm, "KillWorker"), spark)
    job.run(config(corpus, killed, "KillWorker"), spark)
    with open(marker(killed, "kill-worker")) as f:
        assert int(f.read()) > 0  # a worker was killed
    # The killed worker's half-written store file stayed behind and was never read as a finished shard.
    assert [n for n in os.listdir(killed / "_shards") if n.endswith(".partial")]
    assert_same_tables(calm, killed)


def test_a_shard_that_changes_during_the_run_is_refused_by_name(spark, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shard = folder / "records.jsonl"
    shard.write_text("".join(json.dumps({"id": f"r{i}", "text": f"Moses spoke to Aaron, line {i}."}) + "\n" for i in range(50)))
    out = tmp_path / "run"
    with pytest.raises(PrevalenceError, match=r"shard records.jsonl changed .*nothing was committed"):
        job.run(config([str(shard)], out, "ChangeShard"), spark)
    assert not out.exists()


@pytest.fixture()
def small_disk(tmp_path):
    """A 1 MiB tmpfs: a run directory on it runs out of space while writing its tables."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_no_space_left_leaves_the_previous_run_intact_and_says_so(spark, tmp_path, small_disk):
    out = small_disk / "run"
    small = [str(SAMPLE / "shakespeare")]
    job.run(RunConfig(corpus=tuple(small), out=str(out), archetypes="none", replicates=20), spark)
    before = json.loads((out / "manifest.json").read_text())
    big = [str(SAMPLE)]  # every sample file: with 1,000 replicates its tables (2 MB) do not fit in 1 MiB
    with pytest.raises(PrevalenceError, match=r"no space left on device .*nothing was committed"):
        job.run(RunConfig(corpus=tuple(big), out=str(out), archetypes="none", replicates=1000, overwrite=True), spark)
    assert json.loads((out / "manifest.json").read_text()) == before
    assert open_run(str(out)).sql("SELECT count(*) FROM documents").fetchall() == [(before["counts"]["documents_kept"],)]
    assert sorted(p.name for p in small_disk.iterdir() if p.name.startswith(".run.partial")) == []  # staging removed


def test_a_corpus_of_fuzzed_shards_runs_and_accounts_for_every_line(spark, tmp_path):
    import random

    from tests.faults.test_fuzz import content_lines, jsonl, mutate_json, valid_records

    folder = tmp_path / "fuzzed"
    folder.mkdir()
    expected = 0
    for seed in range(6):
        rng = random.Random(seed)
        data = jsonl([mutate_json(r, rng) if rng.random() < 0.5 else json.dumps(r) for r in valid_records()])
        (folder / f"part-{seed}.jsonl").write_bytes(data)
        expected += content_lines(data)
    manifest = job.run(RunConfig(corpus=(str(folder),), out=str(tmp_path / "run"), archetypes="none", replicates=20), spark)
    counts = manifest["counts"]
    assert counts["documents_in"] == expected == counts["documents_kept"] + counts["rejected"]
    assert counts["rejected"] > 0 and counts["documents_kept"] > 0
