"""Refusals that need no Spark: one run per run directory at a time, and run directories of another
table format. Each is a one-line message with exit code 2, and loses no data."""

import json
import os
import signal
import subprocess
import sys

import pytest

from prevalence import job
from prevalence.cli import main
from prevalence.config import RunConfig
from prevalence.errors import RunDirError
from prevalence.tables.lock import RunLock
from tests.conftest import REPO, SAMPLE

CORPUS = str(SAMPLE / "wikitext2.jsonl.gz")


def one_line_error(capsys, code: int, *needles: str) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert all(n in err[0] for n in needles), err[0]
    return err[0]


def hold_lock_in_child(out: str) -> subprocess.Popen:
    code = f"from prevalence.tables.lock import RunLock; import time; RunLock({out!r}).__enter__(); print('locked', flush=True); time.sleep(120)"
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert child.stdout.readline().strip() == "locked"
    return child


def test_a_second_run_into_a_run_dir_in_use_refuses_at_start(tmp_path, capsys):
    out = str(tmp_path / "run")
    with RunLock(out):
        with pytest.raises(RunDirError, match=r"in use by another run \(pid \d+ on .*, started "):
            job.run(RunConfig(corpus=(CORPUS,), out=out, archetypes="none"))
        one_line_error(capsys, main(["run", CORPUS, "--out", out, "--quiet"]), "in use by another run")
    assert not os.path.exists(out)  # refused before anything was written


def test_the_lock_does_not_outlive_a_killed_run(tmp_path):
    out = str(tmp_path / "run")
    child = hold_lock_in_child(out)
    try:
        with pytest.raises(RunDirError, match=f"pid {child.pid}"):
            RunLock(out).__enter__()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    with RunLock(out):  # the kernel released the killed holder's lock
        pass


def committed_run(path, version: int = 1) -> str:
    """A run directory with a manifest and nothing else: enough for the refusals, which read it first."""
    os.makedirs(path)
    manifest = {"format_version": version, "tool": {"name": "persona-prevalence", "version": "9.9.9"},
                "parameters": RunConfig(corpus=(CORPUS,), out=str(path)).parameters(),
                "corpus": {"paths": [CORPUS]}, "catalog": {"origin": None}}
    with open(os.path.join(path, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    return str(path)


def test_two_appends_at_once_never_both_commit(tmp_path, capsys):
    run = committed_run(tmp_path / "run")
    child = hold_lock_in_child(run)  # the first --append, still tagging
    try:
        one_line_error(capsys, main(["run", CORPUS, "--append", run, "--quiet"]), "in use by another run", f"pid {child.pid}")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert sorted(os.listdir(run)) == ["manifest.json"]  # the run is as it was


@pytest.mark.parametrize("command", [
    ["rank", "{run}"], ["compare", "{run}", "Moses", "Aaron"], ["sql", "{run}", "SELECT 1"],
    ["weights", "{run}", "--out", "{tmp}/w.json"], ["report", "{run}", "--out", "{tmp}/r.html"],
    ["pairs", "{run}", "Moses"], ["run", CORPUS, "--append", "{run}", "--quiet"],
])
def test_a_run_dir_of_another_table_format_is_refused_by_name(tmp_path, capsys, command):
    run = committed_run(tmp_path / "run", version=2)
    code = main([part.format(run=run, tmp=tmp_path) for part in command])
    one_line_error(capsys, code, "table format 2", "persona-prevalence 9.9.9", "reads format 1")
    assert sorted(os.listdir(run)) == ["manifest.json"]


def test_the_commit_check_names_a_shard_that_changed_or_disappeared(tmp_path):
    from prevalence.corpus import list_shards
    from prevalence.corpus.shards import check_unchanged, shard_fingerprint
    from prevalence.errors import PrevalenceError

    for name in ("a.jsonl", "b.jsonl"):
        (tmp_path / name).write_text('{"text": "Moses spoke."}\n')
    shards, _ = list_shards([str(tmp_path)])
    prints = {s.name: shard_fingerprint(s) for s in shards}
    check_unchanged(shards, prints)  # nothing changed: no error
    (tmp_path / "b.jsonl").write_text('{"text": "Moses spoke."}\n{"text": "Aaron answered."}\n')
    with pytest.raises(PrevalenceError, match=r"shard b.jsonl changed during the run \(25 bytes at the start, 53 now\)"):
        check_unchanged(shards, prints)
    (tmp_path / "b.jsonl").unlink()
    with pytest.raises(PrevalenceError, match="shard b.jsonl disappeared during the run"):
        check_unchanged(shards, prints)
