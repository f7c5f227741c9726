"""Precision and recall of near-duplicate clusters on planted near-duplicates of real text.

    .venv/bin/python bench/dedup_quality.py [--variants 3] [--seed 0] [--threshold 0.8]

Base documents: the State of the Union messages and Wikipedia articles of the bundled sample corpus.
Each base gets variants with words dropped, adjacent words swapped, words replaced, or boilerplate
added, at random intensities (seeded). Ground truth is the exact Jaccard of 5-word shingle sets for
every pair of documents that share at least one shingle (found through an inverted index, so no pair
is missed). Predicted duplicates are the pairs that the job puts in one cluster. Prints a Markdown
report.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import tempfile
import time
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from prevalence import job  # noqa: E402
from prevalence.config import DedupOptions, RunConfig  # noqa: E402
from prevalence.dedup.minhash import shingles  # noqa: E402
from prevalence.spark.session import build_session  # noqa: E402
from tests.conftest import read_table, sample_documents  # noqa: E402

MAX_WORDS = 1500
BOILERPLATE = (
    "This page was last edited on a date of record . Text is available under a licence ; additional terms may apply . "
    "By using this site , you agree to the terms of use and the privacy policy of the publisher . Share this article "
    "with your friends . Subscribe to our newsletter for more stories like this one , delivered every morning ."
).split()


def mutate(words: list[str], rng: random.Random, vocabulary: list[str]) -> tuple[str, list[str]]:
    """One variant of a document: (operation, words)."""
    op = rng.choice(["drop", "swap", "replace", "boilerplate", "mixed"])
    rate = rng.choice([0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12])
    out = list(words)
    if op in ("drop", "mixed"):
        out = [w for w in out if rng.random() >= rate]
    if op in ("swap", "mixed"):
        for i in range(len(out) - 1):
            if rng.random() < rate:
                out[i], out[i + 1] = out[i + 1], out[i]
    if op in ("replace", "mixed"):
        out = [rng.choice(vocabulary) if rng.random() < rate else w for w in out]
    if op == "boilerplate":
        n = max(5, int(len(out) * rate * 2))
        extra = (BOILERPLATE * (n // len(BOILERPLATE) + 1))[:n]
        out = extra[: n // 2] + out + extra[n // 2 :]
    return op, out


def build_corpus(variants: int, seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    bases = {
        f"base-{shard.split('.')[0]}-{pos:03d}": " ".join(text.split()[:MAX_WORDS])
        for (shard, pos), text in sorted(sample_documents().items())
        if shard in ("sotu.jsonl.zst", "wikitext2.jsonl.gz")
    }
    vocabulary = sorted({w for t in bases.values() for w in t.split()})
    corpus = dict(bases)
    for doc_id, text in bases.items():
        for v in range(variants):
            op, words = mutate(text.split(), rng, vocabulary)
            corpus[f"{doc_id}-v{v}-{op}"] = " ".join(words)
    return corpus


def exact_pairs(corpus: dict[str, str], size: int) -> dict[tuple[str, str], float]:
    """Exact Jaccard of every pair sharing at least one shingle."""
    sets = {d: set(shingles(t, size)) for d, t in corpus.items()}
    index = defaultdict(list)
    for d, s in sets.items():
        for sh in s:
            index[sh].append(d)
    shared = defaultdict(int)
    for docs in index.values():
        if len(docs) > 200:  # boilerplate shingles shared by everything: counted below through sets
            continue
        for a, b in itertools.combinations(sorted(docs), 2):
            shared[(a, b)] += 1
    return {(a, b): len(sets[a] & sets[b]) / len(sets[a] | sets[b]) for a, b in shared}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=0.8)
    args = parser.parse_args()

    corpus = build_corpus(args.variants, args.seed)
    truth = exact_pairs(corpus, DedupOptions.shingle_size)
    workdir = tempfile.mkdtemp(prefix="dedup-quality-")
    path = os.path.join(workdir, "planted.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for doc_id, text in corpus.items():
            f.write(json.dumps({"id": doc_id, "text": text}) + "\n")
    spark = build_session("local[2]")
    started = time.time()
    out = os.path.join(workdir, "run")
    job.run(RunConfig(corpus=(path,), out=out, dedup=DedupOptions(threshold=args.threshold)), spark=spark)
    elapsed = time.time() - started
    spark.stop()
    cluster = {d["doc_id"]: d["cluster_id"] for d in read_table(out, "documents").select(["doc_id", "cluster_id"]).to_pylist()}
    members = defaultdict(list)
    for d, c in cluster.items():
        members[c].append(d)
    predicted = {tuple(sorted(p)) for m in members.values() for p in itertools.combinations(m, 2)}

    def jaccard(pair):
        return truth.get(pair, 0.0)

    print("# Near-duplicate quality on planted duplicates\n")
    print(f"{len(corpus):,} documents ({len(corpus) // (args.variants + 1)} real bases x {args.variants} variants), "
          f"threshold {args.threshold}, seed {args.seed}; job took {elapsed:.1f} s in local[2].\n")
    print(f"Predicted pairs (same cluster): {len(predicted):,}; clusters: {len(members):,}.\n")
    correct = sum(jaccard(p) >= args.threshold for p in predicted)
    lenient = sum(jaccard(p) >= args.threshold - 0.1 for p in predicted)
    print("| measure | value |\n| --- | --- |")
    print(f"| precision: predicted pairs with exact Jaccard >= {args.threshold} | {correct / max(1, len(predicted)):.3f} ({correct}/{len(predicted)}) |")
    print(f"| precision, lenient: exact Jaccard >= {args.threshold - 0.1:.1f} | {lenient / max(1, len(predicted)):.3f} |")
    for low in (0.9, args.threshold):
        wanted = [p for p, j in truth.items() if j >= low]
        found = sum(p in predicted for p in wanted)
        print(f"| recall: pairs with exact Jaccard >= {low} found | {found / max(1, len(wanted)):.3f} ({found}/{len(wanted)}) |")
    print("\n| exact Jaccard | pairs | found in one cluster |\n| --- | --- | --- |")
    edges = [0.0, 0.3, 0.5, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01]
    for lo, hi in zip(edges, edges[1:]):
        pairs = [p for p, j in truth.items() if lo <= j < hi]
        if lo == 0.0:
            pairs = [p for p in predicted if jaccard(p) < hi]
            print(f"| < {hi} (predicted only) | {len(pairs)} | {len(pairs)} |")
            continue
        found = sum(p in predicted for p in pairs)
        label = f"[{lo}, {min(hi, 1.0)}{']' if hi > 1 else ')'}"
        print(f"| {label} | {len(pairs)} | {found} ({found / max(1, len(pairs)):.3f}) |")


if __name__ == "__main__":
    main()
