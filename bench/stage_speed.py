"""Per-stage throughput on one core, in one run: reading, mention and speaker tagging, MinHash signing.

    .venv/bin/python bench/stage_speed.py

Runs each stage over the bundled sample corpus (17 M characters) in this process, without Spark, and
prints M characters per second per stage and the whole tagging stage relative to `str.split()` of the
same text (a floor of the cheapest word pass). Ratios within one run, never absolute targets.
"""

from __future__ import annotations

import os
import platform
import sys
import time

import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from prevalence.catalog import load_catalog  # noqa: E402
from prevalence.config import ReadOptions  # noqa: E402
from prevalence.corpus import list_shards, read_shard  # noqa: E402
from prevalence.dedup.lsh import lsh_params  # noqa: E402
from prevalence.dedup.minhash import MinHasher  # noqa: E402
from prevalence.tagging import MentionTagger, tag_batch  # noqa: E402
from prevalence.tagging.speakers import SpeakerTagger  # noqa: E402
from prevalence.dedup.signer import Signer  # noqa: E402

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "sample")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    shards, _ = list_shards([SAMPLE])
    batches: list[pa.RecordBatch] = []
    read_s = timed(lambda: batches.extend(b for s in shards for b in read_shard(s, ReadOptions())))
    texts = [t for b in batches for t in b.column("text").to_pylist() if t]
    chars = sum(len(t) for t in texts) / 1e6
    catalog = load_catalog()
    mentions, speakers = MentionTagger(catalog), SpeakerTagger(catalog)
    signer = Signer(MinHasher(), *lsh_params(0.8, 128))
    rows = [
        ("floor: str.split() of every document", timed(lambda: [t.split() for t in texts])),
        ("read shards into Arrow batches", read_s),
        ("mention tagging", timed(lambda: [mentions.analyse(" ".join(t.split())) for t in texts])),
        ("speaker tagging", timed(lambda: [speakers.tag_document(t, {}, "bench") for t in texts])),
        ("MinHash signing and band keys", timed(lambda: [signer.sign(pc.drop_null(b.column("text"))) for b in batches])),
        ("whole tagging stage (tag_batch)", timed(lambda: [tag_batch(b, mentions, signer, speakers) for b in batches])),
    ]
    floor = rows[0][1]
    print(f"# Stage throughput, one core, {chars:.1f} M characters, {len(texts)} documents\n")
    print(f"{time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, pyarrow {pa.__version__}, {platform.machine()}\n")
    print("| stage | M chars/s | time relative to the floor |\n| --- | --- | --- |")
    for name, seconds in rows:
        print(f"| {name} | {chars / seconds:.1f} | {seconds / floor:.1f}x |")


if __name__ == "__main__":
    main()
