"""A benchmark corpus of real English text at a chosen size, with planted duplicates (reused if built).

    .venv/bin/python bench/corpus.py [--mb 200] [--seed 0]

Paragraphs come from the text the repository ships: the sample corpus (Wikipedia, State of the Union,
KJV, Shakespeare), the archetype corpus, Usenet posts and LLM answers (sources and licences beside
each). A document is 3-30 paragraphs (lines of prose, turns of a script) drawn from one source, so documents are distinct yet real prose;
5% are planted copies of earlier documents (2% exact, 3% with 1-3% of words changed). Written as
zstd Parquet shards of about 12.5 MB of text (`id`, `source`, `text`) under bench/out/corpus-<mb>mb-s<seed>/.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..")
sys.path.insert(0, REPO)

SHARD_MB = 12.5


def paragraph_pool() -> dict[str, list[str]]:
    """{source: paragraphs} from the repository's own real text."""
    from prevalence.config import ReadOptions
    from prevalence.corpus import list_shards, read_shard

    pool: dict[str, list[str]] = {}
    shards, _ = list_shards([os.path.join(REPO, "data", "sample")])
    for shard in shards:
        for batch in read_shard(shard, ReadOptions()):
            for text in batch.column("text").to_pylist():
                if text:  # scripts keep their turns (blocks); prose splits into lines (paragraphs)
                    parts = text.split("\n\n") if shard.source == "shakespeare" else text.split("\n")
                    pool.setdefault(shard.source, []).extend(p.strip() for p in parts if len(p.split()) >= 8)
    data = os.path.join(REPO, "prevalence", "classifier", "data")
    with gzip.open(os.path.join(data, "archetypes.jsonl.gz"), "rt", encoding="utf-8") as f:
        for r in map(json.loads, f):
            pool.setdefault(f"archetype-{r['label']}", []).extend(p.strip() for p in r["text"].split("\n\n") if len(p.split()) >= 8)
    with gzip.open(os.path.join(data, "assistant_outputs.jsonl.gz"), "rt", encoding="utf-8") as f:
        pool["assistant"] = [r["text"] for r in map(json.loads, f)]
    with open(os.path.join(REPO, "tests", "data", "usenet_posts.jsonl"), encoding="utf-8") as f:
        pool["usenet"] = [r["text"] for r in map(json.loads, f)]
    return {k: v for k, v in sorted(pool.items()) if v}


def build(mb: float, seed: int, out: str) -> str:
    """Write the corpus unless it exists; returns its folder."""
    if os.path.exists(os.path.join(out, "_SUCCESS")):
        return out
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    pool = paragraph_pool()
    sources = list(pool)
    weights = np.array([sum(map(len, pool[s])) for s in sources], dtype=float)
    weights /= weights.sum()
    target = mb * 1e6
    written, shard, n = 0, 0, 0
    ids, srcs, texts, shard_bytes = [], [], [], 0
    recent: list[tuple[str, str]] = []

    def flush() -> None:
        nonlocal ids, srcs, texts, shard_bytes, shard
        pq.write_table(pa.table({"id": ids, "source": srcs, "text": texts}), os.path.join(out, f"part-{shard:04d}.parquet"),
                       compression="zstd")
        shard += 1
        ids, srcs, texts, shard_bytes = [], [], [], 0

    while written < target:
        roll = rng.random()
        if recent and roll < 0.05:
            source, text = recent[int(rng.integers(len(recent)))]
            if roll >= 0.02:  # near-duplicate: change 1-3% of the words
                words = text.split(" ")
                for i in rng.choice(len(words), size=max(1, int(len(words) * rng.uniform(0.01, 0.03))), replace=False):
                    words[i] = words[int(rng.integers(len(words)))]
                text = " ".join(words)
        else:
            source = sources[int(rng.choice(len(sources), p=weights))]
            paras = pool[source]
            k = int(rng.integers(3, 31))
            text = "\n\n".join(paras[i] for i in rng.choice(len(paras), size=min(k, len(paras)), replace=False))
            if len(recent) < 5000:
                recent.append((source, text))
            elif rng.random() < 0.1:
                recent[int(rng.integers(len(recent)))] = (source, text)
        size = len(text.encode("utf-8"))
        ids.append(f"bench-{seed}-{n:08d}")
        srcs.append(source)
        texts.append(text)
        n += 1
        written += size
        shard_bytes += size
        if shard_bytes >= SHARD_MB * 1e6:
            flush()
    if ids:
        flush()
    with open(os.path.join(out, "_SUCCESS"), "w") as f:
        json.dump({"documents": n, "text_bytes": written, "shards": shard, "seed": seed}, f)
    return out


def corpus_dir(mb: float, seed: int) -> str:
    return os.path.join(HERE, "out", f"corpus-{mb:g}mb-s{seed}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    out = build(args.mb, args.seed, corpus_dir(args.mb, args.seed))
    print(out, open(os.path.join(out, "_SUCCESS")).read())


if __name__ == "__main__":
    main()
