"""spark-submit entry point for training an author-archetype classifier.

    spark-submit jobs/train_classifier.py CORPUS... --out MODEL_DIR --label-field label [--group-field work]

Takes the same flags as `prevalence train-classifier`. fastText trains on one machine: the driver
reads the labelled corpus with the project's readers, trains, and writes the model directory with
its held-out report; pass that directory to `jobs/estimate.py --archetypes MODEL_DIR`, which ships it
to the executors.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from prevalence.cli import add_train_arguments, cmd_train_classifier
from prevalence.errors import PrevalenceError


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="jobs/train_classifier.py", description=__doc__.splitlines()[0])
    add_train_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return cmd_train_classifier(args)
    except PrevalenceError as error:
        print(f"train_classifier: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
