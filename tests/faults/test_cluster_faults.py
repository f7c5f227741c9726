"""The job on a real Spark standalone cluster (a master and two workers on 127.0.0.1) while a Python
worker is killed mid-shard and then a whole executor is lost: Spark retries the tasks, the run
finishes on what is left, and its tables equal those of an undisturbed local run."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, SAMPLE, assert_same_tables
from tests.faults.fault_taggers import marker

pytestmark = pytest.mark.e2e
TAGGERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fault_taggers.py")
FAULTS = ["--tagger", f"{TAGGERS}:KillWorker", "--tagger", f"{TAGGERS}:KillExecutor"]


def daemons() -> list[str]:
    found = subprocess.run(["pgrep", "-f", "org.apache.spark.deploy.(master.Master|worker.Worker)"], capture_output=True, text=True)
    return sorted(found.stdout.split())


def test_a_killed_worker_and_a_lost_executor_leave_the_tables_of_an_undisturbed_local_run(tmp_path):
    corpus = [str(SAMPLE / "wikitext2.jsonl.gz"), str(SAMPLE / "shakespeare")]
    env = {**os.environ, "PYTHON": sys.executable}
    before = daemons()
    cluster = subprocess.run(["scripts/standalone_cluster.sh", *corpus, "--out", str(tmp_path / "cluster"), *FAULTS],
                             capture_output=True, text=True, cwd=REPO, env=env, timeout=900)
    assert cluster.returncode == 0, cluster.stderr[-3000:]
    assert daemons() == before  # it stopped exactly what it started
    for fault in ("kill-worker", "kill-executor"):
        assert os.path.getsize(marker(tmp_path / "cluster", fault)) > 0, fault  # the fault was injected
    local_out = tmp_path / "local"
    for fault in ("kill-worker", "kill-executor"):
        open(marker(local_out, fault), "w").close()  # undisturbed: no fault is injected
    local = subprocess.run([str(os.path.join(os.path.dirname(sys.executable), "prevalence")), "run", *corpus,
                            "--out", str(local_out), "--master", "local[2]", "--quiet", *FAULTS],
                           capture_output=True, text=True, cwd=REPO, env={**env, "PYSPARK_PYTHON": sys.executable}, timeout=900)
    assert local.returncode == 0, local.stderr[-3000:]
    manifest = json.loads((tmp_path / "cluster" / "manifest.json").read_text())
    assert manifest["spark"]["master"].startswith("spark://127.0.0.1:")
    assert_same_tables(tmp_path / "cluster", local_out)
