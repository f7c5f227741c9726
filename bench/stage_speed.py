"""Per-stage and per-tagger throughput of the document stages on one core, against the str.split floor.

    .venv/bin/python bench/stage_speed.py            # the bundled sample corpus

Every registered tagger is timed through the one interface (`Tagger.tag` on `Documents`), so a new
tagger shows up here without editing this file. `stage_timings` is shared with bench/run.py.
"""

from __future__ import annotations

import os
import platform
import sys
import time

import pyarrow as pa

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from prevalence.config import ReadOptions, RunConfig  # noqa: E402
from prevalence.corpus import list_shards, read_shard  # noqa: E402
from prevalence.resources import load_resources  # noqa: E402
from prevalence.stages import Sample, Tokenise, Work, document_stages, run_stages  # noqa: E402

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "sample")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def stage_timings(batches: list[pa.RecordBatch], config: RunConfig | None = None) -> dict[str, float]:
    """Seconds per tagger, per stage and for the whole stage list over `batches` (one process)."""
    config = config or RunConfig(corpus=("bench",), out="bench")
    res = load_resources(config, lambda _m: None)
    stages = document_stages(config, res.catalog, res.model.source() if res.model else None)
    tag = next(s for s in stages if s.name == "tag")
    taggers = tag.built()
    works = []
    for b in batches:
        w = Work(b)
        Sample(config.sample_fraction)(w)
        Tokenise()(w)
        w.docs = w.docs.with_evidence(taggers[0].scan(w.docs)[1])
        works.append(w)
    seconds = {"floor: str.split() of every document": timed(lambda: [t.split() for b in batches for t in b.column("text").to_pylist() if t])}
    for tagger in taggers:
        seconds[f"tagger {tagger.name}"] = timed(lambda: [tagger.tag(w.docs) for w in works])
    for stage in stages:
        fresh = [Work(b) for b in batches]
        for earlier in stages[: stages.index(stage)]:
            for w in fresh:
                earlier(w)
        seconds[f"stage {stage.name}"] = timed(lambda: [stage(w) for w in fresh])
    seconds["whole stage list (run_stages)"] = timed(lambda: [run_stages(b, stages) for b in batches])
    return seconds


def main() -> None:
    shards, _ = list_shards([SAMPLE])
    batches: list[pa.RecordBatch] = []
    read_s = timed(lambda: batches.extend(b for s in shards for b in read_shard(s, ReadOptions())))
    texts = [t for b in batches for t in b.column("text").to_pylist() if t]
    chars = sum(len(t) for t in texts) / 1e6
    rows = {"read shards into Arrow batches": read_s, **stage_timings(batches)}
    floor = rows["floor: str.split() of every document"]
    print(f"# Stage throughput, one core, {chars:.1f} M characters, {len(texts)} documents\n")
    print(f"{time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, pyarrow {pa.__version__}, {platform.machine()}\n")
    print("| stage | M chars/s | time relative to the floor |\n| --- | --- | --- |")
    for name, seconds in rows.items():
        print(f"| {name} | {chars / seconds:.1f} | {seconds / floor:.1f}x |")


if __name__ == "__main__":
    main()
