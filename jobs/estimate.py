"""spark-submit entry point for the prevalence job.

    spark-submit --properties-file spark-defaults.conf jobs/estimate.py CORPUS... --out RUN_DIR

Takes the same flags as `prevalence run`; the master comes from spark-submit unless --master is given.
The pipeline itself is `prevalence.job.run`: read shards -> stages (sample, tokenise, tag, pair,
sign) -> shard store -> clusters -> counts -> estimate -> tables + manifest.
"""

import argparse
import os
import sys

# The driver imports the package from the repository beside this file (with its data files: catalog,
# classifier corpus); executors import it from the --py-files zip that spark-submit ships to them.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from prevalence.cli import add_run_arguments, format_summary, run_config
from prevalence.errors import PrevalenceError
from prevalence.job import run
from prevalence.spark.session import build_session


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="jobs/estimate.py", description=__doc__.splitlines()[0])
    add_run_arguments(parser)
    args = parser.parse_args(argv)
    try:
        config = run_config(args)
        spark = build_session(getattr(args, "master"), config.spark_conf)  # None: spark-submit's master
        try:
            manifest = run(config, spark=spark, progress=lambda m: print(m, file=sys.stderr, flush=True))
        finally:
            spark.stop()
    except PrevalenceError as error:
        print(f"estimate: error: {error}", file=sys.stderr)
        return 2
    print(format_summary(manifest, config.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
