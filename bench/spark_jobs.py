"""Spark jobs and seconds per step of one run, in a warm local[2] session.

    .venv/bin/python bench/spark_jobs.py [CORPUS] [--runs 2]

A first run on the sample's Shakespeare folder warms the session (JVM classes, Python workers); then
CORPUS (default: the sample corpus) is run `--runs` times. Jobs are counted from Spark's job ids
before and after each step of `prevalence.job` (the issue's target: 20 or fewer for a run).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, REPO)

from prevalence import job  # noqa: E402
from prevalence.config import RunConfig  # noqa: E402
from prevalence.spark.session import build_session  # noqa: E402

STEPS = ("tag_shards", "read_tagged", "corpus_counts", "cluster_documents", "write_pair_and_replicate_tables", "persona_counts",
         "prevalence_table")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=os.path.join(REPO, "data", "sample"))
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    spark = build_session("local[2]")
    tracker = spark.sparkContext.statusTracker()

    def last_job() -> int:
        ids = tracker.getJobIdsForGroup()
        return max(ids) if ids else -1

    per_step: dict[str, list[float]] = {}
    for name in STEPS:
        step = getattr(job, name)

        def counted(*a, _step=step, _name=name, **k):
            before, started = last_job(), time.time()
            result = _step(*a, **k)
            per_step[_name] = [last_job() - before, time.time() - started]
            return result

        setattr(job, name, counted)
    job.run(RunConfig(corpus=(os.path.join(REPO, "data", "sample", "shakespeare"),), out=tempfile.mkdtemp() + "/warm"), spark)
    for k in range(args.runs):
        per_step.clear()
        before, started = last_job(), time.time()
        manifest = job.run(RunConfig(corpus=(args.corpus,), out=tempfile.mkdtemp() + "/run"), spark)
        print(f"run {k + 1}: {last_job() - before} Spark jobs, {time.time() - started:.1f} s; timings {manifest['timings']}")
        for name, (jobs, seconds) in per_step.items():
            print(f"  {name}: {jobs} jobs, {seconds:.2f} s")


if __name__ == "__main__":
    main()
