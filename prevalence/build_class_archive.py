"""Make the JVM class archive of `spark.class_archive`: one small run under spark-submit, in a JVM that
writes the classes it loaded when it exits.

    python -m prevalence.build_class_archive [--check]

scripts/bootstrap.sh runs it once per Java and pyspark; `--check` exits 0 when the archive exists.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # run as a file (spark-submit): no module beside this one shadows a package
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse
import gzip
import json
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from prevalence.spark.class_archive import archive_path, ready_archive, spark_submit

# Documents of the shipped archetype corpus the archiving run reads, and copies of some of them (so
# that it clusters near-duplicates too).
ARCHIVE_DOCUMENTS = 400
ARCHIVE_COPIES = 20


def build_archive(say=print) -> Path | None:
    """Run the archiving job under spark-submit and move its archive into place; None when this Java
    cannot write one (the reason is said)."""
    target = archive_path()
    if target is None:
        say("class archive: no Java found; Spark runs start without one")
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="prevalence-archive-") as work:
        partial = os.path.join(work, "classes.jsa")
        log_conf = resources.files("prevalence") / "log4j2.properties"
        command = [spark_submit(), "--master", "local[2]",
                   "--driver-java-options", f"-XX:ArchiveClassesAtExit={partial} -Dlog4j2.configurationFile=file:{log_conf}",
                   os.path.abspath(__file__), "--job", work]
        env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        if done.returncode != 0 or not os.path.isfile(partial):
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            say(f"class archive: not written (exit {done.returncode}: {tail[0][:200]}); Spark runs start without one")
            return None
        os.replace(partial, target)
    return target


def _archiving_job(work: str) -> None:
    """The job whose classes are archived: a run over a few hundred shipped passages and some copies."""
    from prevalence.config import RunConfig
    from prevalence.job import run
    from prevalence.spark.session import build_session

    source = resources.files("prevalence") / "classifier" / "data" / "archetypes.jsonl.gz"
    with gzip.open(source.open("rb"), "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for _, line in zip(range(ARCHIVE_DOCUMENTS), f)]
    corpus = os.path.join(work, "corpus")
    os.makedirs(corpus)
    for part, chunk in enumerate((texts[: len(texts) // 2], texts[len(texts) // 2:] + texts[:ARCHIVE_COPIES])):
        with open(os.path.join(corpus, f"part-{part}.jsonl"), "w", encoding="utf-8") as f:
            f.writelines(json.dumps({"id": f"{part}-{i}", "text": t}) + "\n" for i, t in enumerate(chunk))
    spark = build_session(None)
    run(RunConfig(corpus=(corpus,), out=os.path.join(work, "run")), spark)
    spark.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the JVM class archive that shortens a local Spark session's start.")
    parser.add_argument("--check", action="store_true", help="write nothing: exit 0 when the archive exists, 1 when not")
    parser.add_argument("--job", help=argparse.SUPPRESS)  # inside spark-submit: run the archiving job in WORK
    args = parser.parse_args(argv)
    if args.job:
        _archiving_job(args.job)
        return 0
    if args.check:
        return 0 if ready_archive() else 1
    path = build_archive()
    if path is not None:
        print(f"class archive: {path} ({path.stat().st_size / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
