"""`manifest.json`: what a run read, with which catalog, model and parameters, and what it counted.
Two runs with one manifest give the same tables."""

from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import asdict

import pyarrow as pa

from prevalence import __version__
from prevalence.config import RunConfig
from prevalence.corpus import storage
from prevalence.dedup.lsh import lsh_params
from prevalence.resources import Resources
from prevalence.tables import FORMAT_VERSION
from prevalence.tagging.base import ROLES


def build_manifest(config: RunConfig, shards, skipped: list[str], prints: dict, res: Resources, counts: dict,
                   timings: dict, engine: dict) -> dict:
    """The manifest of a run; `engine` is the Spark wing's record (`spark.session.spark_info`)."""
    import duckdb

    shard_prints = [prints[s.name] for s in shards]
    corpus_fp = hashlib.sha256("\n".join(f"{s['name']}:{s['bytes']}:{s['xxh3_head_tail']}" for s in shard_prints).encode()).hexdigest()
    corpus_bytes = sum(s["bytes"] for s in shard_prints)
    seconds = {k: round(v, 3) for k, v in timings.items()}
    return {
        "format_version": FORMAT_VERSION,
        "tool": {"name": "persona-prevalence", "version": __version__},
        "corpus": {
            "paths": [p if storage.is_remote(p) else os.path.abspath(p) for p in config.corpus],
            "fingerprint": corpus_fp,
            "bytes": corpus_bytes,
            "shards": shard_prints,
            "skipped_files": skipped,
        },
        "catalog": {"origin": res.catalog.origin, "fingerprint": res.catalog.fingerprint(), "personas": len(res.catalog.personas)},
        "parameters": config.parameters(),
        "roles": list(ROLES),
        "sample_fraction": config.sample_fraction,
        "dedup": {**asdict(config.dedup), **dict(zip(("bands", "rows"), lsh_params(config.dedup.threshold, config.dedup.num_perm)))}
        if config.dedup.enabled else None,
        "counts": counts,
        "timings": seconds,
        # Files as stored (compressed shards count their compressed bytes) and the text read from them, over the
        # recorded total, so that a reader of the manifest gets the same figures from its own fields.
        "throughput": {"file_mb_s": round(corpus_bytes / 1e6 / seconds["total_s"], 3),
                       "text_mchars_s": round(counts["chars"] / 1e6 / seconds["total_s"], 3)} if seconds.get("total_s") else None,
        "spark": {"master": engine["master"], "default_parallelism": engine["default_parallelism"], "jobs": engine.get("spark_jobs"),
                  "class_archive": engine.get("class_archive"), "warm_workers": engine.get("warm_workers")},
        "versions": {"python": platform.python_version(), "pyspark": engine["pyspark"], "pyarrow": pa.__version__,
                     "duckdb": duckdb.__version__},
        "estimates": {
            "doc_share_interval": "clopper_pearson at 3 documents or fewer, wilson above",
            "token_share_interval": "percentile bootstrap, cluster-seeded with deduplication; low_support below 10 documents",
            "adjusted_share_interval": "jeffreys draws of the share and of the audit's rates",
            "unique_shares": "null: clusters formed within a sample are biased" if config.sample_fraction < 1 else "computed",
        },
        "archetypes": res.model_summary(),
        "assistant_detector": res.assistant_summary(),
    }
