"""Corpora in object storage: an S3-protocol server on loopback (moto's server mode)."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE, read_table
from tests.e2e.test_cli import BIN, assert_user_error

pytestmark = pytest.mark.e2e


def _serve(extra_env: dict):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **extra_env})
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto_server did not start")


def _env(port: int) -> dict:
    return {**os.environ, "PYSPARK_PYTHON": sys.executable, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture(scope="module")
def s3():
    import boto3

    proc, port = _serve({})
    client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id="test",
                          aws_secret_access_key="test", region_name="us-east-1")
    client.create_bucket(Bucket="corpus")
    client.upload_file(str(SAMPLE / "sotu.jsonl.zst"), "corpus", "sample/sotu.jsonl.zst")
    client.upload_file(str(SAMPLE / "wikitext2.jsonl.gz"), "corpus", "sample/wikitext2.jsonl.gz")
    client.upload_file(str(SAMPLE / "bible_kjv_akjv.parquet"), "corpus", "other/bible.parquet")
    yield port
    proc.terminate()
    proc.wait(10)


def run(env, *args):
    return subprocess.run([str(BIN / "prevalence"), "run", *map(str, args)], capture_output=True, text=True, cwd=REPO, env=env, timeout=600)


def test_an_s3_glob_gives_the_tables_of_the_same_files_on_disk(s3, tmp_path):
    env = _env(s3)
    # The same folder name on both sides: one-word ad-hoc personas are scoped by it (docs/speakers.md).
    remote = run(env, "s3://corpus/sample/*.jsonl.*", "--out", tmp_path / "s3")
    assert remote.returncode == 0, remote.stderr[-3000:]
    local = run(env, SAMPLE / "sotu.jsonl.zst", SAMPLE / "wikitext2.jsonl.gz", "--out", tmp_path / "disk")
    assert local.returncode == 0, local.stderr[-3000:]
    manifest = json.loads((tmp_path / "s3" / "manifest.json").read_text())
    assert manifest["counts"]["documents_kept"] == 249 + 60
    assert [s["name"] for s in manifest["corpus"]["shards"]] == ["sotu.jsonl.zst", "wikitext2.jsonl.gz"]
    for table in ("prevalence", "persona_hits"):
        key = [(k, "ascending") for k in ("persona_id", "role", "doc_id") if k in read_table(tmp_path / "s3", table).column_names]
        assert read_table(tmp_path / "s3", table).sort_by(key).equals(read_table(tmp_path / "disk", table).sort_by(key)), table


def test_a_missing_bucket_is_one_line_and_exit_2(s3, tmp_path):
    assert_user_error(run(_env(s3), "s3://no-such-bucket/web/*.jsonl", "--out", tmp_path / "r"), "no-such-bucket", "does not exist")


def test_denied_access_is_one_line_and_exit_2(tmp_path):
    # A server that authenticates every request: the test keys are unknown to it, so access is denied.
    proc, port = _serve({"INITIAL_NO_AUTH_ACTION_COUNT": "0"})
    try:
        assert_user_error(run(_env(port), "s3://corpus/sample/", "--out", tmp_path / "r"), "access denied")
    finally:
        proc.terminate()
        proc.wait(10)
