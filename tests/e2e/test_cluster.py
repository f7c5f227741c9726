"""The job on a real Spark standalone cluster (a master and two workers on 127.0.0.1)."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, SAMPLE, assert_same_tables

pytestmark = pytest.mark.e2e


def daemons() -> list[str]:
    found = subprocess.run(["pgrep", "-f", "org.apache.spark.deploy.(master.Master|worker.Worker)"], capture_output=True, text=True)
    return sorted(found.stdout.split())


def test_standalone_cluster_gives_the_tables_of_a_local_run(tmp_path):
    corpus = [str(SAMPLE / "wikitext2.jsonl.gz"), str(SAMPLE / "shakespeare")]
    env = {**os.environ, "PYTHON": sys.executable}
    before = daemons()
    cluster = subprocess.run(["scripts/standalone_cluster.sh", *corpus, "--out", str(tmp_path / "cluster")],
                             capture_output=True, text=True, cwd=REPO, env=env, timeout=900)
    assert cluster.returncode == 0, cluster.stderr[-3000:]
    assert daemons() == before  # it stopped exactly what it started
    local = subprocess.run([str(os.path.join(os.path.dirname(sys.executable), "prevalence")), "run", *corpus,
                            "--out", str(tmp_path / "local"), "--master", "local[2]", "--quiet"],
                           capture_output=True, text=True, cwd=REPO, env={**env, "PYSPARK_PYTHON": sys.executable}, timeout=900)
    assert local.returncode == 0, local.stderr[-3000:]
    manifest = json.loads((tmp_path / "cluster" / "manifest.json").read_text())
    assert manifest["spark"]["master"].startswith("spark://127.0.0.1:")
    assert_same_tables(tmp_path / "cluster", tmp_path / "local")
