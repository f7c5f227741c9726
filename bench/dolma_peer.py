"""`dolma tag` as a peer of the project's tagging stage, on the same shards.

    python3 -m venv /tmp/dolma && /tmp/dolma/bin/pip install dolma==1.2.1 boto3==1.26.76 aiobotocore==2.5.0 pyahocorasick
    .venv/bin/python bench/dolma_peer.py [CORPUS] --dolma /tmp/dolma/bin/dolma

dolma (1.2.1, PyPI) pins numpy < 2 and so lives in its own environment; boto3 and aiobotocore are pinned
only to spare pip a long backtrack over s3fs's pins. The shards are converted to dolma's input
(`documents/*.jsonl.gz` with id, text, source; not timed), then `dolma tag` runs two taggers from
bench/dolma_taggers.py, the alias tagger and the archetype fastText model, in 2 processes, reading
and writing included. `run_dolma` is shared with bench/run.py.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import shutil
import subprocess
import sys
import time

import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from prevalence.catalog import load_catalog  # noqa: E402
from prevalence.classifier.default import default_model  # noqa: E402
from prevalence.tagging.mentions import MentionTagger  # noqa: E402

PROCESSES = 2


def prepare(shards: list[str], work: str) -> int:
    """dolma's input layout under `work` from Parquet shards; returns the text bytes."""
    docs = os.path.join(work, "documents")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(docs)
    total = 0
    for i, path in enumerate(shards):
        table = pq.read_table(path, columns=["id", "source", "text"]).to_pylist()
        with gzip.open(os.path.join(docs, f"part-{i:04d}.jsonl.gz"), "wt", encoding="utf-8", compresslevel=1) as f:
            for row in table:
                total += len(row["text"].encode("utf-8"))
                f.write(json.dumps({"id": row["id"], "text": row["text"], "source": row["source"], "version": "v0"}) + "\n")
    keys = MentionTagger(load_catalog()).keys
    with open(os.path.join(work, "aliases.json"), "w", encoding="utf-8") as f:
        json.dump(keys, f)
    return total


def run_dolma(shards: list[str], dolma: str, work: str) -> dict:
    """Seconds and MB/s per process of `dolma tag` over `shards` with the two peer taggers."""
    text_bytes = prepare(shards, work)
    model = os.path.join(default_model().path, "model.ftz")
    if not os.path.exists(model):
        raise RuntimeError(f"no fastText file at {model}")
    env = dict(os.environ, PERSONA_ALIASES=os.path.join(work, "aliases.json"), PERSONA_ARCHETYPE_MODEL=model)
    cmd = [dolma, "tag", "--documents", *sorted(glob.glob(os.path.join(work, "documents", "*.jsonl.gz"))),
           "--experiment", "peer", "--taggers", "persona_aliases", "persona_archetype",
           "--tagger_modules", os.path.join(HERE, "dolma_taggers.py"), "--processes", str(PROCESSES)]
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=work)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"dolma tag failed ({result.returncode}): {result.stderr[-2000:]}")
    attributes = glob.glob(os.path.join(work, "attributes", "peer", "*"))
    if len(attributes) != len(shards):
        raise RuntimeError(f"dolma tag wrote {len(attributes)} attribute files for {len(shards)} shards")
    return {"seconds": seconds, "mb": text_bytes / 1e6, "mb_s_per_core": text_bytes / 1e6 / seconds / PROCESSES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=os.path.join(HERE, "out", "corpus-200mb-s0"))
    parser.add_argument("--dolma", required=True, help="the dolma executable of a separate environment")
    parser.add_argument("--shards", type=int, default=0, help="only the first N shards")
    args = parser.parse_args()
    shards = sorted(glob.glob(os.path.join(args.corpus, "*.parquet")))
    if args.shards:
        shards = shards[: args.shards]
    print(json.dumps(run_dolma(shards, args.dolma, os.path.join(HERE, "out", "dolma-work"))))


if __name__ == "__main__":
    main()
