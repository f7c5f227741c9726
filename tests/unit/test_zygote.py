"""The warm process the local worker daemon is forked from (`spark.zygote`), without Spark: a zygote
serving a stand-in daemon launched as Spark launches it, with a daemon that reports what it was given."""

import os
import signal
import subprocess
import sys
import time

import pytest

from prevalence.spark import zygote

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A zygote whose daemon writes what it was handed to its standard output (the stand-in's pipe, as the
# port goes to Spark's), then waits for a line on its standard input or for SIGTERM.
ZYGOTE = """
import os, signal, sys
from prevalence.spark import zygote

def daemon():
    def stopped(_signal, _frame):
        print("terminated", flush=True)
        os._exit(0)
    signal.signal(signal.SIGTERM, stopped)
    print("pid", os.getpid(), "marker", os.environ.get("ZYGOTE_TEST_MARKER"), "cwd", os.getcwd(), "argv", sys.argv[1:], flush=True)
    print("stdin", sys.stdin.readline().strip(), flush=True)

sys.exit(zygote.serve(sys.argv[1], daemon=daemon, prepare=lambda: None))
"""
# What Spark runs as its daemon module: hand over, then stand in (or say that there was no zygote).
STAND_IN = """
import sys
from prevalence.spark import zygote
pid = zygote.hand_over(sys.argv[1])
if pid is None:
    print("no zygote", flush=True)
    sys.exit(3)
zygote.stand_in(pid)
"""


def python(code: str, *args, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": REPO, **kwargs.pop("env", {})}
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=env, text=True, **kwargs)


def started_zygote(path) -> subprocess.Popen:
    process = python(ZYGOTE, path, stdin=subprocess.PIPE)
    deadline = time.time() + 30
    while not os.path.exists(path) and time.time() < deadline:
        time.sleep(0.01)
    assert os.path.exists(path)
    return process


def test_the_daemon_takes_on_the_stand_ins_streams_environment_folder_and_arguments(tmp_path):
    path = str(tmp_path / "socket")
    server = started_zygote(path)
    folder = tmp_path / "work"
    folder.mkdir()
    stand_in = python(STAND_IN, path, "pyspark.worker", stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=folder,
                      env={"ZYGOTE_TEST_MARKER": "from-spark"})
    first = stand_in.stdout.readline().split()
    assert first[0] == "pid" and first[2:4] == ["marker", "from-spark"] and first[4:6] == ["cwd", str(folder)]
    assert "pyspark.worker" in first[-1]
    deadline = time.time() + 30
    while not (tmp_path / zygote.SERVED).exists() and time.time() < deadline:
        time.sleep(0.01)
    assert (tmp_path / zygote.SERVED).exists() and not os.path.exists(path)  # a daemon Spark restarts finds no zygote
    assert server.poll() is None  # the daemon's parent until it exits
    stand_in.stdin.write("hello\n")  # what Spark writes to its daemon reaches the forked one
    stand_in.stdin.flush()
    assert stand_in.stdout.readline().split() == ["stdin", "hello"]
    assert stand_in.wait(timeout=30) == 0  # the stand-in exits once the daemon has
    assert server.wait(timeout=30) == 0  # and so does the waiter the zygote became


def test_spark_stopping_the_stand_in_stops_the_daemon(tmp_path):
    path = str(tmp_path / "socket")
    server = started_zygote(path)
    stand_in = python(STAND_IN, path, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    pid = int(stand_in.stdout.readline().split()[1])
    stand_in.send_signal(signal.SIGTERM)  # Spark's daemon.destroy()
    assert stand_in.stdout.readline().strip() == "terminated"
    stand_in.wait(timeout=30)
    assert server.wait(timeout=30) == 0  # its parent saw it exit
    assert not zygote._alive(pid)


# A stand-in that is slow to take up its post: Spark's stop can come while it is still handing over.
SLOW_STAND_IN = """
import sys, time
from prevalence.spark import zygote
pid = zygote.hand_over(sys.argv[1])
time.sleep(1)
zygote.stand_in(pid)
"""


def test_spark_stopping_the_daemon_while_it_is_handed_over_still_stops_it(tmp_path):
    """The SIGTERM comes after the daemon is forked but before the stand-in passes signals on (a CI run
    hung here: the stand-in died of the signal, and the daemon it had just forked ran on)."""
    import select

    path = str(tmp_path / "socket")
    server = started_zygote(path)
    stand_in = python(SLOW_STAND_IN, path, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    pid = int(stand_in.stdout.readline().split()[1])  # the daemon runs ...
    stand_in.send_signal(signal.SIGTERM)  # ... and Spark stops it while the stand-in sleeps
    assert select.select([stand_in.stdout], [], [], 30)[0], "the daemon was not stopped"
    assert stand_in.stdout.readline().strip() == "terminated"
    assert stand_in.wait(timeout=30) == 0 and server.wait(timeout=30) == 0
    assert not zygote._alive(pid)


def test_without_a_zygote_the_daemon_module_runs_the_daemon_itself(tmp_path):
    stand_in = python(STAND_IN, tmp_path / "nothing-here", stdout=subprocess.PIPE)
    assert stand_in.stdout.readline().strip() == "no zygote"
    assert stand_in.wait(timeout=30) == 3


def test_a_zygote_no_one_needs_ends_when_the_driver_lets_go(tmp_path):
    path = str(tmp_path / "socket")
    server = started_zygote(path)
    server.stdin.close()
    assert server.wait(timeout=30) == 1  # never served
    assert not os.path.exists(path)


@pytest.mark.parametrize("master, module, switch, python_exec, expected", [
    ("local[2]", zygote.DAEMON_MODULE, None, None, True),
    ("local[*]", zygote.DAEMON_MODULE, "on", sys.executable, True),
    ("spark://host:7077", zygote.DAEMON_MODULE, None, None, False),  # workers on other machines
    (None, zygote.DAEMON_MODULE, None, None, False),  # spark-submit's session
    ("local[2]", "pyspark.daemon", None, None, False),  # the user's own daemon module
    ("local[2]", zygote.DAEMON_MODULE, "off", None, False),
    ("local[2]", zygote.DAEMON_MODULE, None, "/usr/bin/another-python", False),  # workers run another interpreter
])
def test_warm_workers_only_where_the_daemon_forks_this_interpreter_here(monkeypatch, master, module, switch, python_exec, expected):
    for name, value in ((zygote.SWITCH, switch), ("PYSPARK_PYTHON", python_exec)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert zygote.may_use(master, module) is expected
    assert zygote.may_use(master, module, use_daemon=False) is False  # spark.python.use.daemon=false: Spark starts no daemon


def test_no_warm_process_where_spark_starts_no_daemon(monkeypatch):
    """`--conf spark.python.use.daemon=false`: Spark runs each worker itself, so no zygote is started."""
    from prevalence.spark import session

    started = []
    monkeypatch.setattr(session, "_may_launch_jvm", lambda: True)
    monkeypatch.setattr(session, "new_spark_log", lambda: None)
    monkeypatch.setattr(zygote, "start_zygote", lambda log: started.append(log))
    monkeypatch.setattr(session.PendingSession, "_build", lambda self, master, extra: None)
    monkeypatch.delenv(zygote.SWITCH, raising=False)
    monkeypatch.delenv("PYSPARK_PYTHON", raising=False)
    session.PendingSession("local[2]", (("spark.python.use.daemon", "false"),))._thread.join()
    assert started == []
    session.PendingSession("local[2]", ())._thread.join()
    assert len(started) == 1


def test_the_driver_ends_an_unused_zygote_and_cleans_up(monkeypatch):
    monkeypatch.delenv(zygote.SOCKET_VARIABLE, raising=False)
    started = zygote.start_zygote()
    assert os.environ[zygote.SOCKET_VARIABLE] == started.path
    assert started.close() is False  # it served no daemon
    assert zygote.SOCKET_VARIABLE not in os.environ and not os.path.exists(started.folder)


def test_a_zygote_that_cannot_start_leaves_the_workers_cold(monkeypatch):
    from prevalence.spark import session

    def no_zygote(log_path=None):
        raise OSError("No space left on device")

    monkeypatch.setattr(session, "_may_launch_jvm", lambda: True)
    monkeypatch.setattr(session.zygote, "start_zygote", no_zygote)
    monkeypatch.setattr(session, "build_session", lambda master, extra, log_path=None: "the session")
    monkeypatch.setattr(session, "stop_session", lambda spark: None)
    pending = session.PendingSession("local[2]")
    assert pending.result() == "the session" and pending.warm_workers() is None
    pending.stop()
