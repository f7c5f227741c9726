"""Queries that never end, or would take all memory, stop with a message; the lockdown holds."""

import time

import pytest

from prevalence.cli import main
from prevalence.errors import PrevalenceError
from prevalence.query import open_run
from tests.unit.test_query import run_dir  # noqa: F401  (the fixture: a small committed run)

ENDLESS = "SELECT sum(hash(a.range + b.range)) FROM range(200000) a, range(200000) b"  # 4e10 rows
GREEDY = "SELECT list(range) FROM range(50000000)"


def test_a_query_past_its_timeout_is_stopped(run_dir):  # noqa: F811
    started = time.time()
    with pytest.raises(PrevalenceError, match=r"query stopped after 0.5 s \(--timeout\)"):
        open_run(run_dir).sql(ENDLESS, timeout=0.5)
    assert time.time() - started < 10
    run = open_run(run_dir)
    with pytest.raises(PrevalenceError, match="stopped"):
        run.sql(ENDLESS, timeout=0.3)
    assert run.sql("SELECT count(*) FROM documents").fetchall() == [(10,)]  # the connection still works


def test_a_query_past_the_memory_limit_is_stopped(run_dir):  # noqa: F811
    with pytest.raises(PrevalenceError, match=r"more memory than the limit of 30MB \(--memory-limit\)"):
        open_run(run_dir, memory_limit="30MB").sql(GREEDY)
    with pytest.raises(PrevalenceError, match="--memory-limit 'lots'"):
        open_run(run_dir, memory_limit="lots")


def test_the_cli_says_which_limit_stopped_a_query(run_dir, capsys):  # noqa: F811
    assert main(["sql", run_dir, ENDLESS, "--timeout", "0.5"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == ["prevalence: error: query stopped after 0.5 s (--timeout); narrow it, or give it more time"]
    assert main(["sql", run_dir, GREEDY, "--memory-limit", "30MB"]) == 2
    assert "--memory-limit" in capsys.readouterr().err
    assert main(["sql", run_dir, "SELECT count(*) AS n FROM documents"]) == 0 and "10" in capsys.readouterr().out


@pytest.mark.parametrize("query, message", [
    ("ATTACH '/tmp/other.duckdb' AS other", "only SELECT"),
    ("INSTALL httpfs", "only SELECT"),
    ("LOAD httpfs", "only SELECT"),
    ("PRAGMA memory_limit='100GB'", "only SELECT"),
    ("SET memory_limit = '100GB'", "only SELECT"),
    ("SELECT * FROM read_parquet('/etc/*.parquet')", "SQL error"),
    ("SELECT * FROM read_text('/etc/hostname')", "SQL error"),
    ("SELECT current_setting('memory_limit'); SELECT 1", "exactly one"),
    ("DELETE FROM documents", "only SELECT"),
])
def test_the_lockdown_refuses_everything_but_one_select_inside_the_run(run_dir, query, message):  # noqa: F811
    with pytest.raises(PrevalenceError, match=message):
        open_run(run_dir).sql(query)
