"""Throughput against floors and peers, as ratios measured in one run; writes bench/RESULTS.md.

    .venv/bin/pip install -e '.[bench]'     # scipy, rich, psutil: for the text-dedup peer and memory
    .venv/bin/python bench/run.py [--mb 200] [--peer-mb 100] [--skip-peer] [--before COMMIT] [--dolma PATH]

On one generated corpus (bench/corpus.py: real English text, planted duplicates) it measures:
- floors: Parquet read (MB/s), word tokenisation with str.split (MB/s per core), a Spark mapInArrow
  pass that does nothing (MB/s);
- stages on one core (in this process, on a 20 MB slice): mention, speaker, author tagging, archetype
  classification, MinHash signatures, the whole tagging stage; and from the end-to-end run's own
  timings: LSH + components, and aggregation (MB/s per core over local[2]'s two cores);
- end to end: `prevalence run` in local[2] (MB/s, MB/s per core, peak memory of the process tree),
  on the corpus, its first quarter and its first sixteenth, each the fastest of E2E_RUNS runs (per-document
  cost flat: 4x the corpus within 4.4x the time);
- peers: datasketch MinHash with per-item update() on a 1 MB slice, and text-dedup 0.3.1's Spark
  MinHash (`text_dedup.minhash_spark`, from PyPI) up to its candidate edges on `--peer-mb` MB, against
  our MinHash + LSH + components in Spark on the same shards.
- with `--dolma PATH` (the `dolma` executable of its own environment; bench/dolma_peer.py): `dolma tag`
  with an alias tagger and the archetype fastText model, 2 processes, against the tagging stage;
- with `--before COMMIT`: the stages and the end-to-end runs of that commit too (a git worktree under
  bench/out/, measured by this same harness in a subprocess right before), as before/after columns.
Every figure is a ratio within this run; the machine is shared, so absolute speeds vary between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, REPO)
sys.path.insert(0, HERE)

from corpus import build, corpus_dir  # noqa: E402

TEXT_DEDUP_WHEEL = "text_dedup==0.3.1"
_shipped_peer: list[bool] = []
SLICE_MB = 20
STAGE_PASSES = 5


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_of(repeats: int, fn) -> float:
    """The shortest of `repeats` timed calls."""
    return min(timed(fn) for _ in range(repeats))


def shards_of(folder: str) -> list[str]:
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".parquet"))


def text_bytes(paths: list[str]) -> int:
    return sum(pc.sum(pc.binary_length(pq.read_table(p, columns=["text"]).column("text").cast(pa.binary()))).as_py() for p in paths)


def peak_rss_of(cmd: list[str], env: dict) -> tuple[subprocess.CompletedProcess, float, float]:
    """(result, seconds, peak summed RSS in MB of the process tree), polling every 0.2 s."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    peak = 0.0
    outputs: dict[str, str] = {}

    def drain(name, stream):
        outputs[name] = stream.read()

    threads = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for t in threads:
        t.start()
    parent = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
        except psutil.Error:
            tree = []
        peak = max(peak, sum(_rss(p) for p in tree) / 1e6)
        time.sleep(0.2)
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    return subprocess.CompletedProcess(cmd, proc.returncode, outputs.get("out", ""), outputs.get("err", "")), seconds, peak


def _rss(process) -> int:
    """Resident bytes of one process; 0 for one that is gone or a zombie (spark-class can leave its
    launcher subshell as a zombie child of the JVM, which would otherwise fail every sample)."""
    import psutil

    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def run_job(paths: list[str], out: str, extra: list[str] = ()) -> dict:
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    # `python -m prevalence`, not the console script: with --before, PYTHONPATH picks the older tree.
    cmd = [sys.executable, "-m", "prevalence", "run", *paths, "--out", out, "--overwrite",
           "--master", "local[2]", "--quiet", *extra]
    result, seconds, peak = peak_rss_of(cmd, env)
    if result.returncode != 0:
        raise SystemExit(f"prevalence run failed:\n{result.stderr[-3000:]}")
    manifest = json.load(open(os.path.join(out, "manifest.json")))
    return {"seconds": seconds, "peak_mb": peak, "manifest": manifest}


# Each end-to-end size is run this many times, in rounds over the sizes; the fastest run counts (noise on
# a shared machine only adds time), and the peak memory is the highest of the runs.
E2E_RUNS = 2


def end_to_end(jobs: dict[str, tuple[list[str], str]]) -> dict[str, dict]:
    """{name: the fastest of E2E_RUNS runs of `prevalence run` on its paths, with every run's seconds}."""
    runs: dict[str, list[dict]] = {name: [] for name in jobs}
    for _ in range(E2E_RUNS):
        for name, (paths, out) in jobs.items():
            runs[name].append(run_job(paths, out))
    best = {}
    for name, done in runs.items():
        fastest = min(done, key=lambda r: r["seconds"])
        best[name] = {**fastest, "peak_mb": max(r["peak_mb"] for r in done), "runs_s": [r["seconds"] for r in done]}
    return best


def every_run(fig: dict) -> str:
    """The seconds of every end-to-end run of one tree's figures (older figures hold one run each)."""
    sizes = (("full", "full"), ("part", "quarter"), ("small", "sixteenth"))
    return "; ".join(f"{name} " + ", ".join(f"{s:.1f}" for s in fig[key].get("runs_s", [fig[key]["seconds"]])) for key, name in sizes)


def floors(paths: list[str], mb: float, texts: list[str], slice_mb: float, spark) -> dict:
    read_s = timed(lambda: [pq.read_table(p, columns=["text"]) for p in paths])
    split_s = timed(lambda: [t.split() for t in texts])
    df = spark.read.parquet(*paths).select("text")
    noop_s = timed(lambda: df.mapInArrow(lambda it: (b.slice(0, 0) for b in it), df.schema).count())
    return {"parquet_read": mb / read_s, "tokenise_per_core": slice_mb / split_s, "spark_noop": mb / noop_s}


def stages(batches: list[pa.RecordBatch], slice_mb: float) -> dict:
    """MB/s per tagger, per stage and for the whole stage list (bench/stage_speed.py), each the best of
    STAGE_PASSES passes: one pass on this shared machine moves by 10-20% from run to run."""
    from stage_speed import stage_timings

    passes = [stage_timings(batches) for _ in range(STAGE_PASSES)]
    return {k: slice_mb / min(p[k] for p in passes) for k in passes[0]}


def datasketch_peer(texts: list[str]) -> dict:
    """datasketch's per-item update() with its default SHA-1 (the naive baseline, as in
    bench/minhash_speed.py) against our signatures of the same documents."""
    import datasketch

    from prevalence.dedup.minhash import MinHasher, shingles

    hasher = MinHasher()
    mb = sum(len(t.encode()) for t in texts) / 1e6

    def naive():
        for t in texts:
            m = datasketch.MinHash(num_perm=128)
            for s in shingles(t, 5):
                m.update(s.encode("utf-8"))

    naive_s = timed(naive)
    hasher.signatures(pa.array(texts[:10]))  # warm up
    # The fast calls take a tenth of a second: the best of five, so one stall of this shared machine does
    # not halve the figure (one call measured 13 and 29 MB/s in two runs of the same code).
    ours_s = best_of(5, lambda: hasher.signatures(pa.array(texts)))
    out = {"mb": mb, "datasketch_update_mb_s": mb / naive_s, "ours_mb_s": mb / ours_s, "ratio": naive_s / ours_s}
    try:
        import rensa
    except ImportError:
        return out
    # rensa (Rust, PyPI): its bulk call over the same 5-word shingles, built in Python as its input, and
    # without that (its own hashing alone). Its signatures are not datasketch's; this is speed only.
    built = [shingles(t, 5) for t in texts]
    with_shingles_s = best_of(5, lambda: rensa.RMinHash.digest_matrix_from_token_sets([shingles(t, 5) for t in texts], 128, 1))
    alone_s = best_of(5, lambda: rensa.RMinHash.digest_matrix_from_token_sets(built, 128, 1))
    from importlib.metadata import version

    out.update({"rensa_version": version("rensa"), "rensa_mb_s": mb / with_shingles_s, "rensa_hash_only_mb_s": mb / alone_s})
    return out


def our_dedup_in_spark(spark, paths: list[str]) -> float:
    """Seconds for MinHash + LSH + connected components in Spark (no tagging) on the shards."""
    from pyspark.sql.pandas.types import from_arrow_schema

    from prevalence.config import DedupOptions
    from prevalence.dedup.lsh import lsh_params
    from prevalence.spark.clusters import cluster_documents
    from prevalence.dedup.minhash import MinHasher
    from prevalence.dedup.signer import Signer

    schema = pa.schema([("doc_id", pa.string()), ("text_key", pa.string()), ("bands", pa.list_(pa.int64())), ("signature", pa.binary())])

    def sign(batches):
        signer = Signer(MinHasher(), *lsh_params(0.8, 128))
        for b in batches:
            key, bands, sig = signer.sign(b.column("text"))
            yield pa.RecordBatch.from_arrays([b.column("id"), key, bands, sig], schema=schema)

    start = time.perf_counter()
    docs = spark.read.parquet(*paths).select("id", "text").mapInArrow(sign, from_arrow_schema(schema)).persist()
    _, n = cluster_documents(docs, DedupOptions(), docs.count())
    seconds = time.perf_counter() - start
    docs.unpersist()
    return seconds, n


def text_dedup_peer(spark, paths: list[str]) -> tuple[float, int, str]:
    """Seconds for text-dedup 0.3.1's Spark MinHash (its own functions and RDD pipeline, as in its
    `__main__`) to reach its candidate edges, with num_perm 128, 5-grams, threshold 0.8."""
    vendor = os.path.join(HERE, "out", "vendor")
    if not os.path.isdir(os.path.join(vendor, "text_dedup")):
        os.makedirs(vendor, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", TEXT_DEDUP_WHEEL, "-d", vendor, "-q"], check=True)
        wheel = next(f for f in os.listdir(vendor) if f.endswith(".whl"))
        shutil.unpack_archive(os.path.join(vendor, wheel), vendor, "zip")
    sys.path.insert(0, vendor)
    from text_dedup import minhash_spark as td

    import numpy as np

    num_perm, ngram, threshold = 128, 5, 0.8
    B, R = td.optimal_param(threshold, num_perm)
    ranges = [(i * R, (i + 1) * R) for i in range(B)]
    perms = np.array([(td.RNG.randint(1, td.MERSENNE_PRIME, dtype=np.uint64), td.RNG.randint(0, td.MERSENNE_PRIME, dtype=np.uint64))
                      for _ in range(num_perm)], dtype=np.uint64).T
    if not _shipped_peer:
        spark.sparkContext.addPyFile(shutil.make_archive(os.path.join(tempfile.mkdtemp(), "text_dedup"), "zip", vendor, "text_dedup"))
        _shipped_peer.append(True)
    from pyspark.sql import functions as F

    start = time.perf_counter()
    df = spark.read.parquet(*paths).select("text").withColumn("__id__", F.monotonically_increasing_id()).cache()
    records = df.select("__id__", "text").rdd.repartition(num_perm * 2).cache()
    edges = (
        records.flatMap(lambda x: td.generate_hash_values(content=x[1], idx=x[0], num_perm=num_perm, ngram_size=ngram, min_length=5,
                                                          hashranges=ranges, permutations=perms))
        .groupBy(lambda x: (x[0], x[1]))
        .flatMap(lambda x: td.generate_edges([i[2] for i in x[1]]))
        .distinct()
        .cache()
    )
    n_edges = edges.count()
    seconds = time.perf_counter() - start
    df.unpersist()
    return seconds, n_edges, f"b={B}, r={R}"


def measure(args) -> dict:
    """Every figure of one tree (the one this file imports `prevalence` from), as a JSON-able dict."""
    os.environ["PYSPARK_PYTHON"] = sys.executable
    folder = build(args.mb, args.seed, corpus_dir(args.mb, args.seed))
    paths = shards_of(folder)
    mb = text_bytes(paths) / 1e6
    quarter = paths[: max(1, len(paths) // 4)]
    sixteenth = paths[: max(1, len(paths) // 16)]
    print(f"corpus: {folder}, {mb:.1f} MB of text in {len(paths)} shards", file=sys.stderr)

    from prevalence.config import ReadOptions
    from prevalence.corpus import list_shards, read_shard

    shard_list, _ = list_shards(paths[:2])
    batches, slice_bytes = [], 0
    for shard in shard_list:
        for b in read_shard(shard, ReadOptions()):
            if slice_bytes < SLICE_MB * 1e6:
                batches.append(b)
                slice_bytes += pc.sum(pc.binary_length(b.column("text").cast(pa.binary()))).as_py() or 0
    slice_mb = slice_bytes / 1e6
    texts = [t for b in batches for t in b.column("text").to_pylist() if t]
    fig: dict = {"folder": folder, "mb": mb, "quarter_mb": text_bytes(quarter) / 1e6, "sixteenth_mb": text_bytes(sixteenth) / 1e6,
                 "slice_mb": slice_mb}

    print("stages (one core)", file=sys.stderr)
    fig["stages"] = stages(batches, slice_mb)
    print("datasketch peer", file=sys.stderr)
    ds_texts, size = [], 0
    for t in texts:
        if size > 1e6:
            break
        ds_texts.append(t)
        size += len(t.encode())
    fig["datasketch"] = datasketch_peer(ds_texts)

    from prevalence.spark.session import build_session

    spark = build_session("local[2]", (("spark.sql.shuffle.partitions", "8"),))
    print("floors", file=sys.stderr)
    fig["floor"] = floors(paths, mb, texts, slice_mb, spark)
    fig["peer"] = None
    if not args.skip_peer:
        peer_paths = paths[: max(1, round(len(paths) * args.peer_mb / args.mb))]
        peer_mb = text_bytes(peer_paths) / 1e6
        # Each twice, the faster run counts: the first pays for Python worker start-up and imports.
        print(f"our dedup in Spark on {peer_mb:.0f} MB (twice)", file=sys.stderr)
        ours_s, clusters = min(our_dedup_in_spark(spark, peer_paths) for _ in range(2))
        print(f"text-dedup on {peer_mb:.0f} MB (twice)", file=sys.stderr)
        td_s, edges, params = min(text_dedup_peer(spark, peer_paths) for _ in range(2))
        fig["peer"] = {"mb": peer_mb, "ours_s": ours_s, "clusters": clusters, "text_dedup_s": td_s, "edges": edges, "params": params}
    spark.stop()
    fig["dolma"] = None
    if args.dolma:
        from dolma_peer import run_dolma

        print("dolma tag", file=sys.stderr)
        fig["dolma"] = run_dolma(paths, args.dolma, os.path.join(HERE, "out", "dolma-work"))

    print(f"end to end (full, a quarter, a sixteenth; {E2E_RUNS} rounds)", file=sys.stderr)
    out = os.path.join(HERE, "out", "run")
    fig.update(end_to_end({"full": (paths, out), "part": (quarter, out + "-quarter"), "small": (sixteenth, out + "-sixteenth")}))
    return fig


def measure_before(commit: str, args) -> dict:
    """measure() of an older commit: its tree in a git worktree, this harness copied into it, run with
    that tree first on PYTHONPATH (Spark's Python workers inherit it)."""
    tree = os.path.join(HERE, "out", f"before-{commit}")
    if not os.path.exists(tree):
        subprocess.run(["git", "-C", REPO, "worktree", "add", "--detach", "-f", tree, commit], check=True, capture_output=True)
    for name in os.listdir(HERE):
        if name.endswith(".py"):
            shutil.copy(os.path.join(HERE, name), os.path.join(tree, "bench", name))
    os.makedirs(os.path.join(tree, "bench", "out"), exist_ok=True)
    # Built here first: the older tree reads it through a link, which must not dangle.
    corpus = build(args.mb, args.seed, corpus_dir(args.mb, args.seed))
    link = os.path.join(tree, "bench", "out", os.path.basename(corpus))
    if not os.path.exists(link):
        os.symlink(corpus, link)
    target = os.path.join(HERE, "out", f"figures-{commit}.json")
    cmd = [sys.executable, os.path.join(tree, "bench", "run.py"), "--mb", f"{args.mb:g}", "--seed", str(args.seed), "--skip-peer",
           "--json", target]
    subprocess.run(cmd, check=True, env={**os.environ, "PYTHONPATH": tree})
    with open(target) as f:
        return json.load(f)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200)
    parser.add_argument("--peer-mb", type=float, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-peer", action="store_true", help="skip text-dedup (needs the bench extra)")
    parser.add_argument("--dolma", help="the dolma executable (its own environment: bench/dolma_peer.py) to compare against")
    parser.add_argument("--before", metavar="COMMIT", help="measure this commit too and report before/after columns")
    parser.add_argument("--json", help="write the figures here instead of RESULTS.md (used by --before)")
    args = parser.parse_args()
    before = measure_before(args.before, args) if args.before else None
    fig = measure(args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(fig, f)
        return
    write_results(args, fig, before)


def _ratio(after: float, before: float | None) -> str:
    return f"{after / before:.2f}x" if before else ""


def write_results(args, fig: dict, before: dict | None) -> None:
    import duckdb
    import pyspark

    cores = 2
    mb, quarter_mb, sixteenth_mb, slice_mb = fig["mb"], fig["quarter_mb"], fig["sixteenth_mb"], fig["slice_mb"]
    full, part, small, floor, ds, peer, dolma = (fig[k] for k in ("full", "part", "small", "floor", "datasketch", "peer", "dolma"))
    t = full["manifest"]["timings"]
    tok = floor["tokenise_per_core"]
    b = before or {}
    commit = f" `{args.before}`" if args.before else ""
    lines = [
        "# Benchmark results",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} UTC with `.venv/bin/python bench/run.py --mb {args.mb:g} --peer-mb {args.peer_mb:g}"
        + (f" --before {args.before}" if args.before else "") + (" --dolma PATH" if args.dolma else "") + "` "
        f"on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, pyspark {pyspark.__version__}, "
        f"pyarrow {pa.__version__}, duckdb {duckdb.__version__}. Corpus: `{os.path.relpath(fig['folder'], REPO)}` "
        f"({mb:.1f} MB of text, {full['manifest']['counts']['documents_kept']:,} documents, real English from the repository's "
        "own text with 5% planted duplicates; `bench/corpus.py`). The machine is shared and noisy: read the ratios, which are "
        "measured in this one run, not the absolute speeds."
        + (f" The before columns are commit{commit}, measured by the same harness right before the after columns." if before else ""),
        "",
        "## Floors",
        "",
        "| floor | MB/s |",
        "| --- | ---: |",
        f"| Parquet read (pyarrow, text column, one process) | {floor['parquet_read']:.1f} |",
        f"| word tokenisation, `str.split`, per core | {tok:.1f} |",
        f"| Spark `mapInArrow` pass that does nothing, local[2] | {floor['spark_noop']:.1f} |",
        "",
        f"## Stages, one core ({slice_mb:.0f} MB slice, in one process, the best of {STAGE_PASSES} passes)",
        "",
    ]
    if before:
        lines += ["| stage | before MB/s per core | after MB/s per core | after / before | after, share of the tokenisation floor |",
                  "| --- | ---: | ---: | ---: | ---: |"]
    else:
        lines += ["| stage | MB/s per core | share of the tokenisation floor |", "| --- | ---: | ---: |"]
    for name, rate in fig["stages"].items():
        if before:
            old = b["stages"].get(name)
            lines.append(f"| {name} | {old or 0:.2f} | {rate:.2f} | {_ratio(rate, old)} | {rate / tok:.1%} |")
        else:
            lines.append(f"| {name} | {rate:.2f} | {rate / tok:.1%} |")
    lsh = mb / t["dedup_s"] / cores
    agg = mb / t["aggregate_s"] / cores
    lines += [
        "",
        f"From the end-to-end run's own timings: LSH + connected components {lsh:.2f} MB/s per core ({lsh / tok:.1%} of the floor); "
        f"aggregation, co-occurrence and bootstrap {agg:.2f} MB/s per core ({agg / tok:.1%}).",
        "",
        "## End to end: `prevalence run` in local[2]",
        "",
        f"Each size ran {E2E_RUNS} times, in rounds over the three sizes; the fastest run counts (its seconds, jobs and "
        "timings), the peak memory is the highest of the runs. The seconds of every run are listed under the table.",
        "",
    ]

    def row(label, size, run, old):
        rate = size / run["seconds"]
        per_gb = run["peak_mb"] / (size / 1000)
        cells = [label]
        if before:
            cells += [f"{old['seconds']:.0f}" if old else "", f"{run['seconds']:.0f}", _ratio(old["seconds"], run["seconds"]) if old else ""]
        else:
            cells += [f"{run['seconds']:.0f}"]
        cells += [f"{rate / cores:.2f}", f"{rate / cores / tok:.1%}", f"{run['manifest']['spark'].get('jobs', '')}",
                  f"{run['peak_mb']:,.0f} MB" + (f" (before {old['peak_mb']:,.0f})" if old else ""), f"{per_gb:,.0f} MB"]
        return "| " + " | ".join(cells) + " |"

    if before:
        lines += ["| corpus | before s | after s | speed-up | MB/s per core | share of the tokenisation floor per core | Spark jobs | "
                  "peak memory (process tree) | peak per GB of text |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    else:
        lines += ["| corpus | seconds | MB/s per core | share of the tokenisation floor per core | Spark jobs | peak memory (process tree) | "
                  "peak per GB of text |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [row(f"{mb:.0f} MB", mb, full, b.get("full")), row(f"{quarter_mb:.0f} MB (first quarter of the shards)", quarter_mb, part, b.get("part")),
              row(f"{sixteenth_mb:.1f} MB (first sixteenth)", sixteenth_mb, small, b.get("small"))]

    def margins(f):
        marginal = (f["full"]["seconds"] - f["part"]["seconds"]) / (f["mb"] - f["quarter_mb"])
        return (f["mb"] - f["quarter_mb"]) / (f["full"]["seconds"] - f["part"]["seconds"]) / cores, f["part"]["seconds"] - f["quarter_mb"] * marginal

    margin, fixed = margins(fig)
    lines += [
        "",
        f"Scaling: {mb / quarter_mb:.2f}x the text took {full['seconds'] / part['seconds']:.2f}x the time "
        f"(target: 4x the corpus in at most 4.4x the time), and {mb / sixteenth_mb:.1f}x took {full['seconds'] / small['seconds']:.2f}x. "
        f"Marginal speed between the quarter and the whole: {margin:.2f} MB/s per core, {1e6 / 3600 / (margin * cores) * cores:.0f} core-hours per TB; "
        f"fixed cost about {fixed:.1f} s."
        + (" Before: {:.2f} MB/s per core at the margin, fixed cost about {:.1f} s.".format(*margins(before)) if before else "")
        + " Timings of the full run (s): " + ", ".join(f"{k} {v:.1f}" for k, v in t.items()) + "."
        + f" Every run (s): {every_run(fig)}" + (f" (before: {every_run(before)})" if before else "") + "."
        + f" JVM class archive (`spark.class_archive`): {'used' if full['manifest']['spark'].get('class_archive') else 'not used'}"
        + (f" now, {'used' if before['full']['manifest']['spark'].get('class_archive') else 'not used'} before." if before else "."),
        "",
        "## Peers",
        "",
        "| comparison | ours | peer | ratio |",
        "| --- | ---: | ---: | ---: |",
        f"| MinHash signatures vs datasketch `MinHash.update()` per shingle ({ds['mb']:.1f} MB, one core; ours the best of five calls) | {ds['ours_mb_s']:.1f} MB/s | "
        f"{ds['datasketch_update_mb_s']:.2f} MB/s | {ds['ratio']:.1f}x |",
    ]
    if "rensa_mb_s" in ds:
        lines.append(f"| MinHash signatures vs rensa {ds['rensa_version']} bulk `digest_matrix_from_token_sets` over the same shingles built in Python "
                     f"({ds['mb']:.1f} MB, one core, best of five calls each; rensa hashing the prepared shingles alone: {ds['rensa_hash_only_mb_s']:.1f} MB/s) | "
                     f"{ds['ours_mb_s']:.1f} MB/s | {ds['rensa_mb_s']:.2f} MB/s | {ds['ours_mb_s'] / ds['rensa_mb_s']:.1f}x |")
    if peer:
        lines.append(
            f"| MinHash + LSH + components (ours, to clusters) vs text-dedup 0.3.1 Spark MinHash (to candidate edges; {peer['params']}), "
            f"{peer['mb']:.0f} MB, local[2], faster of two runs each | {peer['ours_s']:.0f} s | {peer['text_dedup_s']:.0f} s | {peer['text_dedup_s'] / peer['ours_s']:.1f}x |")
    if dolma:
        st = fig["stages"]
        whole = st["whole stage list (run_stages)"]
        subset = 1 / (1 / st["tagger mentions"] + 1 / st["tagger archetypes"])
        lines += [
            f"| tagging stage, all six analyses (one process) vs `dolma tag` 1.2.1 with an alias tagger and the archetype fastText model "
            f"({dolma['mb']:.0f} MB, 2 processes, reading and writing included), MB/s per core | {whole:.2f} | {dolma['mb_s_per_core']:.2f} | "
            f"{whole / dolma['mb_s_per_core']:.2f}x |",
            f"| the comparable subset (mention and archetype taggers) vs the same `dolma tag`, MB/s per core | {subset:.2f} | "
            f"{dolma['mb_s_per_core']:.2f} | {subset / dolma['mb_s_per_core']:.2f}x |",
        ]
    if peer:
        lines += ["", f"text-dedup found {peer['edges']:,} candidate edges; ours {peer['clusters']:,} clusters. text-dedup 0.3.1's "
                  "`minhash_spark` computes components with RDD large-star/small-star rounds rather than GraphFrames; as the issue asks, "
                  "it is timed only up to its candidate edges, which favours it."]
    whole = fig["stages"]["whole stage list (run_stages)"]
    lines += [
        "",
        "## Targets (issue 17)",
        "",
        f"- Whole tagging stage at 20 MB/s per core or more: measured {whole:.2f}"
        + (f" (before {b['stages']['whole stage list (run_stages)']:.2f})" if before else "") + ".",
    ]
    if dolma:
        lines.append(f"- At least 2x `dolma tag` per core on the same corpus: measured {whole / dolma['mb_s_per_core']:.2f}x.")
    lines += [
        f"- End-to-end margin at 10 MB/s per core or more: measured {margin:.2f}.",
        f"- Fixed cost at 12 s or less: measured about {fixed:.1f} s; Spark jobs of the full run: {full['manifest']['spark'].get('jobs', 'not recorded')}.",
        f"- MinHash at least 25x datasketch's per-item baseline: measured {ds['ratio']:.1f}x.",
    ]
    if peer:
        lines.append(f"- MinHash + LSH + components at least 10x faster than text-dedup to its edges: measured {peer['text_dedup_s'] / peer['ours_s']:.1f}x.")
    lines.append(f"- 4x the corpus within 4.4x the time: measured {full['seconds'] / part['seconds']:.2f}x for {mb / quarter_mb:.2f}x the text.")
    with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
