"""MinHash signature throughput (MB/s, one core) against datasketch, on the same documents, in one run.

    .venv/bin/python bench/minhash_speed.py [--mb 4] [--num-perm 128]

Documents: State of the Union messages from the bundled sample corpus. Measured one after another
in this process on one core:
- project: `MinHasher.signatures` over Arrow batches of 256 documents (shingling included), with the
  compiled kernel (`prevalence.dedup.compiled`) and with the numpy path it replaces;
- datasketch `update()` per shingle with its default SHA-1 hash (the naive baseline), on a
  subset sized so it runs for a few seconds; shingle strings are built the same way for both;
- datasketch `update_batch()` per document, SHA-1.
Each is the median of 5 repetitions. Prints a Markdown table with the ratios; speeds are ratios
within one run, never absolute targets.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import pyarrow as pa

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from prevalence.dedup.minhash import MinHasher, shingles  # noqa: E402
from tests.conftest import sample_documents  # noqa: E402


def corpus(mb: float) -> list[str]:
    texts = [t for (shard, _), t in sorted(sample_documents().items()) if shard == "sotu.jsonl.zst"]
    out, size = [], 0
    while size < mb * 1e6:
        for t in texts:
            out.append(t)
            size += len(t.encode("utf-8"))
            if size >= mb * 1e6:
                break
    return out


def mb_of(texts: list[str]) -> float:
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6


REPEATS = 5


def timed(fn) -> float:
    """Median seconds of REPEATS calls: one call of the fast path is too short to time alone."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=4.0)
    parser.add_argument("--num-perm", type=int, default=128)
    args = parser.parse_args()
    from datasketch import MinHash

    texts = corpus(args.mb)
    hasher = MinHasher(num_perm=args.num_perm)
    batches = [pa.array(texts[i : i + 256]) for i in range(0, len(texts), 256)]

    def project():
        for b in batches:
            hasher.signatures(b)

    def project_numpy():
        for b in batches:
            hasher.signatures_and_keys(b, compiled=False)

    subset = corpus(min(args.mb, 0.3))

    def per_item():
        for t in subset:
            m = MinHash(num_perm=args.num_perm)
            for s in shingles(t, 5):
                m.update(s.encode("utf-8"))

    def batched():
        for t in subset:
            m = MinHash(num_perm=args.num_perm)
            m.update_batch([s.encode("utf-8") for s in shingles(t, 5)])

    project()  # warm up (imports, allocations, the kernel loaded from numba's cache)
    from prevalence.compiled import available

    rows = [
        ("project: " + ("one compiled loop per batch (numba)" if available() else "numpy over Arrow batches"), mb_of(texts) / timed(project)),
        ("project: numpy over Arrow batches (no numba)", mb_of(texts) / timed(project_numpy)),
        ("datasketch update() per shingle, SHA-1", mb_of(subset) / timed(per_item)),
        ("datasketch update_batch() per document, SHA-1", mb_of(subset) / timed(batched)),
    ]
    import datasketch
    import numpy

    print(f"# MinHash signature throughput, one core, num_perm {args.num_perm}, 5-word shingles\n")
    print(f"{time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, numpy {numpy.__version__}, "
          f"datasketch {datasketch.__version__}, pyarrow {pa.__version__}, {platform.machine()}\n")
    print("| implementation | MB/s | project is this many times faster |\n| --- | --- | --- |")
    for name, speed in rows:
        print(f"| {name} | {speed:.2f} | {rows[0][1] / speed:.1f}x |")


if __name__ == "__main__":
    main()
