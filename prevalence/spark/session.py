"""Build the SparkSession: `local[*]` by default, settings from spark-defaults.conf."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from importlib import resources
from pathlib import Path

from prevalence.errors import PrevalenceError
from prevalence.spark import class_archive

DEFAULTS_FILE = "spark-defaults.conf"


def find_spark_defaults() -> Path | None:
    """$PREVALENCE_SPARK_DEFAULTS, else ./spark-defaults.conf, else the one shipped in this package (the
    repository's top-level spark-defaults.conf links to it), so that a run from any directory has them."""
    candidates = [os.environ.get("PREVALENCE_SPARK_DEFAULTS"), DEFAULTS_FILE, Path(__file__).resolve().parent / DEFAULTS_FILE]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return None


def read_spark_defaults(path: Path | None) -> dict[str, str]:
    """Key/value pairs of a spark-defaults.conf file (whitespace-separated, # comments)."""
    conf: dict[str, str] = {}
    if path is None:
        return conf
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        conf[key.strip()] = value.strip()
    return conf


# Attempts per task: Spark's cluster default, which local mode ignores unless the master names it.
TASK_ATTEMPTS = 4


def with_local_retries(master: str, attempts: int = TASK_ATTEMPTS) -> str:
    """`local[N]` as `local[N,attempts]`, so that a task whose Python worker dies is retried in local
    mode as it is on a cluster; any other master is returned as it is."""
    m = re.fullmatch(r"local\[(\*|\d+)\]", master.strip())
    return f"local[{m.group(1)},{attempts}]" if m else master


def build_session(master: str | None = "local[*]", extra: tuple[tuple[str, str], ...] = ()):
    """A SparkSession whose Python workers run this interpreter; master None keeps spark-submit's."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("persona-prevalence")
    log_conf = resources.files("prevalence") / "log4j2.properties"
    # With a master, this process starts the JVM: the class archive, if one was made, shortens its start.
    archive = class_archive.java_options() if master else ""
    conf = {"spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{log_conf} {archive}".strip()}
    conf.update(read_spark_defaults(find_spark_defaults()))
    conf.update(dict(extra))
    if master:
        builder = builder.master(with_local_retries(master, int(conf.get("spark.task.maxFailures", TASK_ATTEMPTS))))
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        with _jvm_stderr_to_log():
            spark = builder.getOrCreate()
    except Exception as error:
        if "JAVA_GATEWAY_EXITED" not in str(error):
            raise
        raise PrevalenceError(f"Spark could not start: is Java 17+ installed (JAVA_HOME)? JVM output: {spark_log_path}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


#: Where the JVM of the last session started here writes its console output (None: the console).
spark_log_path: str | None = None


@contextlib.contextmanager
def _jvm_stderr_to_log():
    """Start the JVM with stderr pointed at a log file: Spark's banners and worker noise stay off the
    console for the JVM's whole life, while Python's own stderr is restored at once.
    PREVALENCE_SPARK_LOG=console keeps everything on the console."""
    global spark_log_path
    if os.environ.get("PREVALENCE_SPARK_LOG") == "console":
        yield
        return
    fd, spark_log_path = tempfile.mkstemp(prefix="prevalence-spark-", suffix=".log")
    saved = os.dup(2)
    sys.stderr.flush()
    os.dup2(fd, 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(fd)


@contextlib.contextmanager
def stage_progress(spark, say, label: str, every: float = 2.0):
    """While the block runs, report `label: k/n tasks` of Spark's active stages every few seconds."""
    import threading
    import time

    done = threading.Event()
    started = time.time()

    def poll() -> None:
        tracker = spark.sparkContext.statusTracker()
        last = None
        while not done.wait(every):
            stages = [tracker.getStageInfo(i) for i in tracker.getActiveStageIds()]
            stages = [s for s in stages if s is not None]
            if stages:
                total = sum(s.numTasks for s in stages)
                finished = sum(s.numCompletedTasks for s in stages)
                message = f"{label}: {finished}/{total} tasks done, {time.time() - started:.0f} s"
                if message != last:
                    say(message)
                    last = message

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=every + 1)


@contextlib.contextmanager
def session_for(config, spark=None):
    """The given session, or one built from the run's master and settings and stopped afterwards."""
    own = spark is None
    if own:
        spark = build_session(config.master, config.spark_conf)
    try:
        yield spark
    finally:
        if own:
            spark.stop()


def last_job_id(spark) -> int:
    """The id of the newest Spark job of this context (-1 before the first): a run's job count is the
    difference between its end and its start."""
    ids = spark.sparkContext.statusTracker().getJobIdsForGroup()
    return max(ids) if ids else -1


def spark_info(spark) -> dict:
    """The manifest's record of the engine: master, parallelism and pyspark version."""
    import pyspark

    options = spark.sparkContext.getConf().get("spark.driver.extraJavaOptions", "") or ""
    return {"master": spark.sparkContext.master, "default_parallelism": spark.sparkContext.defaultParallelism,
            "pyspark": pyspark.__version__, "class_archive": "-XX:SharedArchiveFile=" in options}
