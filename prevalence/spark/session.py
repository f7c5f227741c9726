"""Build the SparkSession: `local[*]` by default, settings from spark-defaults.conf."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
from importlib import resources
from pathlib import Path

from prevalence.errors import PrevalenceError
from prevalence.spark import class_archive, zygote

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


APP_NAME = "persona-prevalence"


# JIT of a local session's JVM: the quick compiler only. In local mode the JVM shares the cores with
# the Python workers that do the tagging, and its optimising compiler's threads took them for the
# planning and code generation of each new query, work that runs a few times and never repays it.
# Cold runs on 2 cores (three each, alternating): 12.5 MB 23.2 -> 17.7 s, 200 MB 42.8 -> 34.3 s.
LOCAL_JIT_OPTIONS = "-XX:TieredStopAtLevel=1"


def session_settings(master: str | None, extra: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """The Spark settings of a session: logging, the class archive, and for a local master the quick
    JIT and the worker daemon, then spark-defaults.conf, then `extra` (whose
    spark.driver.extraJavaOptions, if given, replaces these JVM options whole)."""
    log_conf = resources.files("prevalence") / "log4j2.properties"
    local = bool(master) and master.strip().startswith("local")
    # With a master, this process starts the JVM: the class archive, if one was made, shortens its start.
    options = [f"-Dlog4j2.configurationFile=file:{log_conf}", class_archive.java_options() if master else "",
               LOCAL_JIT_OPTIONS if local else ""]
    conf = {"spark.driver.extraJavaOptions": " ".join(o for o in options if o)}
    if local:
        # Workers run this interpreter and its installed packages: the daemon that starts them faster.
        conf["spark.python.daemon.module"] = zygote.DAEMON_MODULE
    conf.update(read_spark_defaults(find_spark_defaults()))
    conf.update(dict(extra))
    return conf


def build_session(master: str | None = "local[*]", extra: tuple[tuple[str, str], ...] = (), log_path: str | None = None):
    """A SparkSession whose Python workers run this interpreter; master None keeps spark-submit's.
    A JVM this process starts writes its console output (Spark's banners, worker noise) to a log file
    for its whole life (`log_path`, else a new one: `spark_log_path`; PREVALENCE_SPARK_LOG=console keeps
    it on the console)."""
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    conf = session_settings(master, extra)
    if master:
        conf["spark.master"] = with_local_retries(master, int(conf.get("spark.task.maxFailures", TASK_ATTEMPTS)))
    builder = SparkSession.builder.appName(APP_NAME)
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        if SparkContext._active_spark_context is None and _may_launch_jvm():
            spark_conf = SparkConf().setAppName(APP_NAME).setAll(list(conf.items()))
            SparkContext(conf=spark_conf, gateway=_launch_jvm(spark_conf, log_path))
        spark = builder.getOrCreate()
    except Exception as error:
        if "JAVA_GATEWAY_EXITED" not in str(error):
            raise
        raise PrevalenceError(f"Spark could not start: is Java 17+ installed (JAVA_HOME)? JVM output: {spark_log_path}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


#: Where the JVM of the last session started here writes its console output (None: the console).
spark_log_path: str | None = None


def _may_launch_jvm() -> bool:
    """True when building a context starts a JVM: none is running in this process, and spark-submit
    did not start this process beside one. pyspark is not imported for it: where it is not imported
    yet, no JVM runs here."""
    if "PYSPARK_GATEWAY_PORT" in os.environ:
        return False
    if "pyspark" not in sys.modules:
        return True
    from pyspark import SparkContext

    return SparkContext._gateway is None


def new_spark_log() -> str | None:
    """A new log file for a JVM this process is about to start (`spark_log_path`), None where
    PREVALENCE_SPARK_LOG=console keeps its output on the console."""
    global spark_log_path
    if os.environ.get("PREVALENCE_SPARK_LOG") == "console":
        return None
    fd, spark_log_path = tempfile.mkstemp(prefix="prevalence-spark-", suffix=".log")
    os.close(fd)
    return spark_log_path


def _launch_jvm(spark_conf, log_path: str | None = None):
    """Start the JVM (py4j gateway) with its stderr in a log file (`log_path`, else a new one), unless
    PREVALENCE_SPARK_LOG=console. Only the child's stderr is redirected, so this may run in a thread
    while this process prints."""
    from pyspark.java_gateway import launch_gateway

    log_path = log_path or new_spark_log()
    if log_path is None:
        return launch_gateway(spark_conf)
    with open(log_path, "ab") as log:  # appended: the warm workers' process may write there too
        return launch_gateway(spark_conf, popen_kwargs={"stderr": log})


class PendingSession:
    """A SparkSession being built in a thread of its own (a JVM takes seconds to start), so that the
    caller can prepare meanwhile; `result()` waits for it."""

    def __init__(self, master: str | None, extra: tuple[tuple[str, str], ...] = ()):
        self._spark = None
        self._error: BaseException | None = None
        # The warm process the workers' daemon is forked from, started before the JVM (`spark.zygote`).
        self._zygote = None
        self._log = None  # the log of the JVM, and of the warm process, when this process starts them
        if _may_launch_jvm():
            self._log = new_spark_log()
            settings = session_settings(master, extra)
            use_daemon = settings.get("spark.python.use.daemon", "true").strip().lower() != "false"
            if zygote.may_use(master, settings.get("spark.python.daemon.module"), use_daemon):
                try:
                    self._zygote = zygote.start_zygote(self._log)
                except OSError:  # no temporary folder or process to spare: the workers start cold
                    self._zygote = None
        self._thread = threading.Thread(target=self._build, args=(master, extra), name="spark-session", daemon=True)
        self._thread.start()

    def _build(self, master, extra) -> None:
        try:
            self._spark = build_session(master, extra, self._log)
        except BaseException as error:  # re-raised by result(), in the caller's thread
            self._error = error

    def result(self):
        """The session, once built; the error that building it raised, if any."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._spark

    def warm_workers(self) -> bool | None:
        """Whether the workers' daemon was forked from the warm process (None: none was started). Known
        once a Python task has run; final after `stop`."""
        return None if self._zygote is None else self._zygote.served()

    def discard_log(self) -> None:
        """Remove the log of the JVM and the warm process after a run that succeeded, so that runs leave
        no file behind: kept where the warm process failed (its traceback is there) and after a failed
        run (the CLI names it)."""
        if self._log is None or self.warm_workers() is False:
            return
        with contextlib.suppress(OSError):
            os.remove(self._log)

    def stop(self) -> None:
        """Stop the session once it is built (nothing to do if building it failed), and the warm process."""
        self._thread.join()
        try:
            if self._spark is not None:
                stop_session(self._spark)
        finally:
            if self._zygote is not None:
                self._zygote.close()


def stop_session(spark) -> None:
    """Stop a session without waiting on PySpark's accumulator server.

    The server's thread serves the JVM's connection in a loop that polls once a second, and
    `SparkContext.stop` waits for that loop to notice the stop: 0.5 to 1 s of idle time at the end of
    every run. The server is taken out of the context first and shut down in a background thread;
    it still takes updates until then, and a daemon thread does not hold up the process's exit."""
    context = spark.sparkContext
    server = getattr(context, "_accumulatorServer", None)
    if server is not None:
        context._accumulatorServer = None
    spark.stop()
    if server is not None:
        threading.Thread(target=server.shutdown, name="accumulator-server-stop", daemon=True).start()


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


class GivenSession:
    """A session the caller built: `PendingSession`'s interface, with nothing pending."""

    def __init__(self, spark):
        self._spark = spark

    def result(self):
        return self._spark

    def warm_workers(self) -> None:
        return None


@contextlib.contextmanager
def session_for(config, spark=None):
    """The session to come (`result()` waits for it, `warm_workers()` says how its workers started): the
    given one, or one built in a thread from the run's master and settings while the block prepares,
    stopped afterwards."""
    if spark is not None:
        yield GivenSession(spark)
        return
    pending = PendingSession(config.master, config.spark_conf)
    succeeded = False
    try:
        yield pending
        succeeded = True
    finally:
        pending.stop()
        if succeeded:
            pending.discard_log()


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
