"""Same documents, same tables: however a corpus is sharded, and in whatever order its records come."""

import gzip
import json
import random

import pytest

from prevalence import job
from prevalence.config import RunConfig
from tests.conftest import REPO, SAMPLE, read_table, write_jsonl

pytestmark = pytest.mark.spark
COMPARED = ("prevalence", "personas", "cooccurrence", "replicates")


def real_records() -> list[dict]:
    """Transcript records from the bundled Shakespeare (one-word speakers), attributed quotations
    (one-word and full-name authors) and Wikipedia articles (mentions), each with a corpus id."""
    records = []
    for path in sorted((SAMPLE / "shakespeare").glob("part-0[1-3].txt")):
        blocks = [b for b in path.read_text(encoding="utf-8").split("\n\n") if ":\n" in b]
        for k in range(0, len(blocks), 12):
            text = "\n".join(b.split(":\n", 1)[0] + ": " + " ".join(b.split(":\n", 1)[1].split()) for b in blocks[k:k + 12])
            records.append({"id": f"{path.stem}-{k}", "text": text})
    with gzip.open(REPO / "tests" / "data" / "quotes" / "fortunes.jsonl.gz", "rt", encoding="utf-8") as f:
        records += [json.loads(line) for line in f][:150]
    with gzip.open(SAMPLE / "wikitext2.jsonl.gz", "rt", encoding="utf-8") as f:
        records += [{"id": f"wiki-{i}", "text": json.loads(line)["text"]} for i, line in enumerate(f) if i < 20]
    return [{"id": r["id"], "text": r["text"]} for r in records]


def shard(records: list[dict], folder, shards: int, seed: int) -> None:
    shuffled = records[:]
    random.Random(seed).shuffle(shuffled)
    folder.mkdir(parents=True)
    for k in range(shards):
        write_jsonl(folder / f"part-{k:02d}.jsonl", shuffled[k::shards])


def test_one_four_and_sixteen_shards_in_shuffled_order_give_the_same_tables(spark, tmp_path):
    records = real_records()
    runs = {}
    for shards in (1, 4, 16):
        corpus = tmp_path / f"layout{shards}" / "corpus"
        shard(records, corpus, shards, seed=shards)
        runs[shards] = str(tmp_path / f"run{shards}")
        job.run(RunConfig(corpus=(str(corpus),), out=runs[shards]), spark=spark)
    keys = {"prevalence": ["persona_id", "role"], "personas": ["persona_id"], "cooccurrence": ["persona_a", "persona_b"],
            "replicates": ["persona_id", "role", "replicate"]}
    for table in COMPARED:
        order = [(c, "ascending") for c in keys[table]]
        one = read_table(runs[1], table).sort_by(order)
        for shards in (4, 16):
            assert read_table(runs[shards], table).sort_by(order).equals(one), (table, shards)
    hits_key = [(c, "ascending") for c in ("doc_id", "persona_id", "role")]
    one_hits = read_table(runs[1], "persona_hits").sort_by(hits_key)
    for shards in (4, 16):
        assert read_table(runs[shards], "persona_hits").sort_by(hits_key).equals(one_hits), shards
    # The property is not vacuous: one-word ad-hoc speakers and authors are there, each one persona.
    personas = read_table(runs[16], "personas").to_pylist()
    speakers = [p for p in personas if p["kind"] == "ad_hoc_speaker"]
    assert len(speakers) >= 10 and len({p["name"] for p in speakers}) == len(speakers)
    assert any(p["persona_id"].startswith("author:") and p["persona_id"].count(":") == 2 for p in personas)
