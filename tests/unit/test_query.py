"""DuckDB queries over a run directory: rank, compare, read-only SQL."""

import os

import pyarrow as pa
import pytest

from prevalence.catalog import catalog_from_records
from prevalence.errors import PrevalenceError, RunDirError, UnknownPersonaError
from prevalence.estimate import prevalence_table
from prevalence.query import open_run
from prevalence.tables import FORMAT_VERSION, SCHEMAS, RunWriter

CATALOG = catalog_from_records([
    {"id": "harry_potter", "name": "Harry Potter", "kind": "fictional_character", "short_aliases": ["Harry"], "cues": ["Hogwarts"]},
    {"id": "abraham_lincoln", "name": "Abraham Lincoln", "kind": "historical_figure", "aliases": ["Abe Lincoln"]},
    {"id": "hamlet", "name": "Hamlet", "kind": "fictional_character"},
])


@pytest.fixture()
def run_dir(tmp_path):
    out = tmp_path / "run"
    writer = RunWriter(str(out), overwrite=False)
    docs = [{"doc_id": f"d{i}", "shard": "s.jsonl", "position": i, "source": "s", "n_chars": 10, "n_tokens": 2,
             "cluster_id": None, "cluster_size": None, "sample_weight": 1.0} for i in range(10)]
    hits = [{"doc_id": "d0", "persona_id": "harry_potter", "role": "mention", "count": 5, "tokens": None, "score": 1.0, "method": "alias"},
            {"doc_id": "d1", "persona_id": "abraham_lincoln", "role": "mention", "count": 1, "tokens": None, "score": 1.0, "method": "alias"},
            {"doc_id": "d2", "persona_id": "abraham_lincoln", "role": "mention", "count": 1, "tokens": None, "score": 1.0, "method": "alias"}]
    writer.write_arrow("documents", pa.Table.from_pylist(docs, schema=SCHEMAS["documents"]))
    writer.write_arrow("persona_hits", pa.Table.from_pylist(hits, schema=SCHEMAS["persona_hits"]))
    writer.write_arrow("rejects", SCHEMAS["rejects"].empty_table())
    counts = pa.table({"persona_id": ["harry_potter", "abraham_lincoln"], "role": ["mention"] * 2, "docs": [1, 2], "count": [5, 2],
                       "tokens": pa.array([None, None], pa.int64())})
    writer.write_arrow("prevalence", prevalence_table(counts, 10, 20, CATALOG, ("mention",)))
    writer.write_arrow("personas", CATALOG.to_arrow())
    writer.write_arrow("replicates", SCHEMAS["replicates"].empty_table())
    pairs = [{"persona_a": "abraham_lincoln", "persona_b": "harry_potter", "docs": 2, "unique_docs": 2, "docs_a": 2, "docs_b": 2,
              "total_docs": 10, "pmi": 1.6, "npmi": 0.5, "log_odds_ratio": 2.0, "log_odds_ci_low": 0.1, "log_odds_ci_high": 3.9,
              "llr": 7.0, "window_words": 0}]
    writer.write_arrow("cooccurrence", pa.Table.from_pylist(pairs, schema=SCHEMAS["cooccurrence"]))
    writer.commit({"format_version": FORMAT_VERSION, "roles": ["mention"], "counts": {"documents_kept": 10}})
    return str(out)


def test_rank_orders_by_docs_or_by_count(run_dir):
    run = open_run(run_dir)
    assert run.rank().column("name").to_pylist() == ["Abraham Lincoln", "Harry Potter"]
    assert run.rank(by="count").column("name").to_pylist() == ["Harry Potter", "Abraham Lincoln"]
    assert run.rank(top=1).num_rows == 1


def test_compare_looks_names_up_through_aliases(run_dir):
    result = open_run(run_dir).compare("harry potter", "ABE LINCOLN")
    assert (result["a"]["docs"], result["b"]["docs"]) == (1, 2)
    assert result["ratio_docs"] == pytest.approx(0.5) and result["ratio_count"] == pytest.approx(2.5)


def test_compare_with_an_unseen_persona_has_no_ratio(run_dir):
    assert open_run(run_dir).compare("Harry Potter", "Hamlet")["ratio_docs"] is None


def test_unknown_name_is_a_clear_error(run_dir):
    with pytest.raises(UnknownPersonaError, match="close matches: Harry Potter"):
        open_run(run_dir).compare("Hary Poter", "Hamlet")


def test_sql_sees_every_table_as_a_view(run_dir):
    run = open_run(run_dir)
    for table in SCHEMAS:
        run.sql(f"SELECT count(*) FROM {table}").fetchall()
    assert run.sql("SELECT sum(count) FROM persona_hits").fetchall() == [(7,)]


@pytest.mark.parametrize("query, message", [
    ("COPY prevalence TO '/tmp/out.csv'", "only SELECT"),
    ("CREATE TABLE t AS SELECT 1", "only SELECT"),
    ("SELECT 1; SELECT 2", "exactly one"),
    ("SELECT * FROM read_csv('/etc/passwd')", "SQL error"),
    ("SET enable_external_access = true", "only SELECT"),
    ("SELEC 1", "does not parse"),
])
def test_sql_is_read_only_and_confined_to_the_run(run_dir, query, message):
    with pytest.raises(PrevalenceError, match=message):
        open_run(run_dir).sql(query)


def test_incomplete_run_is_refused(tmp_path):
    (tmp_path / "half").mkdir()
    with pytest.raises(RunDirError, match="not a complete run"):
        open_run(str(tmp_path / "half"))


def test_existing_run_dir_is_not_overwritten_without_permission(run_dir):
    with pytest.raises(RunDirError, match="--overwrite"):
        RunWriter(run_dir, overwrite=False)


def test_aborted_writer_leaves_nothing_behind(tmp_path):
    writer = RunWriter(str(tmp_path / "run"), overwrite=False)
    writer.write_arrow("personas", CATALOG.to_arrow())
    writer.abort()
    assert os.listdir(tmp_path) == []


def test_pairs_lists_partners_and_older_runs_say_why_not(run_dir):
    import shutil

    run = open_run(run_dir)
    assert run.pairs("harry_potter").column("persona_id").to_pylist() == ["abraham_lincoln"]
    assert run.pairs("abraham_lincoln").column("docs_other").to_pylist() == [2]
    shutil.rmtree(f"{run_dir}/cooccurrence")
    with pytest.raises(PrevalenceError, match="no co-occurrence table"):
        open_run(run_dir).pairs("harry_potter")
