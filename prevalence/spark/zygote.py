"""A warm Python process that the local worker daemon is forked from (`warm_workers` in the manifest).

In a local run, each Python worker's first task imports pyarrow, pandas and numba and loads the
compiled kernels, about 1.7 s per worker, and Spark starts the worker daemon only once the JVM is up
and the first task needs a worker. The driver starts this process first thing instead
(`start_zygote`), so that the imports overlap the JVM's start. When Spark launches its daemon module
(`prevalence.spark.daemon`), that process hands its standard streams, environment, working folder and
arguments over a Unix socket to this one (`hand_over`), which forks: the child takes them on and runs
PySpark's daemon (`pyspark.daemon.manager`), which forks the workers, all warm. The process Spark
launched stays as the daemon's stand-in: it passes SIGTERM on and exits when the daemon does.

It serves one daemon (a daemon Spark restarts starts cold, as PySpark's own does), then becomes a
small process that waits for it as its parent (`exec`), so that the daemon and its workers stay in the
driver's process tree and the warm memory is not held twice. Nothing is warmed that starts a thread
but pyarrow's allocator thread, which jemalloc's fork handlers take care of; OpenBLAS is held to one
thread (`OMP_NUM_THREADS`, as Spark sets for its workers). The interpreter settings Spark gives its
workers at start (PYTHONHASHSEED, unbuffered output) are given to this process.
"""

from __future__ import annotations

import os
import pickle
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

#: The environment variable that tells the daemon module where the zygote listens.
SOCKET_VARIABLE = "PREVALENCE_WORKER_ZYGOTE"
#: PREVALENCE_WARM_WORKERS=off turns the zygote off.
SWITCH = "PREVALENCE_WARM_WORKERS"
DAEMON_MODULE = "prevalence.spark.daemon"
_MAX_MESSAGE = 1 << 20


def warm() -> None:
    """Import what a worker's first task imports, load the compiled kernels, and freeze what is alive
    (`worker.freeze_alive`: forked children then share it untouched by their collections)."""
    import pyspark.daemon  # noqa: F401
    import pyspark.worker  # noqa: F401
    import prevalence.spark.aggregate  # noqa: F401
    import prevalence.spark.clusters  # noqa: F401
    import prevalence.spark.tagging  # noqa: F401
    from prevalence.build_kernels import build

    build()  # numba and every kernel; its test inputs are Arrow arrays, which import pandas as workers do
    import fasttext  # noqa: F401
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        pass
    from prevalence.spark.worker import freeze_alive

    freeze_alive()


def run_daemon() -> None:
    """The forked child's work: PySpark's daemon, as `prevalence.spark.daemon` runs it."""
    from prevalence.spark.daemon import use_installed_pyspark

    use_installed_pyspark()
    import pyspark.daemon

    pyspark.daemon.manager()


def serve(path: str, daemon: Callable[[], None] = run_daemon, prepare: Callable[[], None] = warm) -> int:
    """Listen at `path`, `prepare`, then serve one hand-over: fork a child that takes on the sender's
    streams and environment and runs `daemon`. A hand-over that comes while it prepares waits for it.

    Once it has forked the daemon, this process marks `SERVED` beside `path` and becomes a small waiter
    for the daemon (`exec`): the daemon and its workers stay in the driver's process tree, and its warm
    memory is not held twice. Returns 1 if standard input closes first (the driver no longer needs it)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    try:
        prepare()
        pid = None
        while pid is None:
            ready, _, _ = select.select([listener, sys.stdin], [], [])
            if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1024):
                return 1
            if listener in ready:
                connection, _ = listener.accept()
                pid = _fork_daemon(connection, listener, daemon)
    finally:
        if os.path.exists(path):  # no second daemon: one Spark restarts finds no zygote and starts cold
            os.remove(path)
    with open(os.path.join(os.path.dirname(path), SERVED), "w"):
        pass
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-S", "-c", _WAITER, str(pid)])
    return 0  # not reached


# What the zygote becomes once it has forked the daemon: its parent until it exits.
_WAITER = "import os, sys; os.waitpid(int(sys.argv[1]), 0)"
#: The file a zygote writes beside its socket once it has forked a daemon.
SERVED = "served"


def _fork_daemon(connection: socket.socket, listener: socket.socket, daemon: Callable[[], None]) -> int | None:
    """Receive a hand-over on `connection` and fork the daemon for it: its process id, or None if it
    was no hand-over."""
    try:
        message, fds, _, _ = socket.recv_fds(connection, _MAX_MESSAGE, 3)
        environment, folder, argv = pickle.loads(message)
    except Exception:  # not a daemon module, or it went away: wait for the next one
        connection.close()
        return None
    if len(fds) != 3:
        for fd in fds:
            os.close(fd)
        connection.close()
        return None
    pid = os.fork()
    if pid == 0:  # the daemon: the sender's streams, environment, folder and arguments
        code = 0
        try:
            listener.close()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            os.environ.clear()
            os.environ.update(environment)
            os.chdir(folder)
            sys.argv = list(argv)
            connection.sendall(str(os.getpid()).encode())
            connection.close()
            daemon()
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    for fd in fds:
        os.close(fd)
    connection.close()
    return pid


_stop_asked = False  # Spark's SIGTERM came while this process handed over, before it could pass it on


def _remember_stop(_signal, _frame) -> None:
    global _stop_asked
    _stop_asked = True


def hand_over(path: str) -> int | None:
    """In the process Spark launched as its daemon: hand this process's standard streams, environment,
    folder and arguments to the zygote at `path`; the forked daemon's process id, or None when there is
    no zygote to take them (the caller then runs the daemon itself).

    Spark may stop its daemon (SIGTERM) at any time, even while the daemon is being forked: from here on
    the signal is remembered, and `stand_in` passes it on once the daemon's id is known; without a
    daemon it ends this process, as it would have."""
    previous = signal.signal(signal.SIGTERM, _remember_stop)
    pid = _send(path)
    if pid is None:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
        if _stop_asked:
            os.kill(os.getpid(), signal.SIGTERM)
    return pid


def _send(path: str) -> int | None:
    """`hand_over`'s exchange with the zygote: the forked daemon's process id, or None."""
    try:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(10)
        connection.connect(path)
        # Once the streams are sent, wait for the answer however long the zygote prepares: giving up then
        # could leave two daemons writing to Spark. A zygote that fails closes the connection instead.
        connection.settimeout(None)
        message = pickle.dumps((dict(os.environ), os.getcwd(), list(sys.argv)))
        socket.send_fds(connection, [message], [0, 1, 2])
        reply = b""
        while chunk := connection.recv(64):
            reply += chunk
        connection.close()
        return int(reply) if reply else None
    except (OSError, ValueError):
        return None


def stand_in(pid: int) -> None:
    """Stay as the daemon's stand-in for Spark: pass SIGTERM (Spark's stop) on, and exit once it exits."""
    def forward(_signal, _frame) -> None:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os._exit(0)

    signal.signal(signal.SIGTERM, forward)
    if _stop_asked:  # it came during the hand-over
        forward(signal.SIGTERM, None)
    while _alive(pid):
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A child of another process that exited but is not reaped yet is a zombie: gone for this purpose.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return True


class Zygote:
    """The driver's handle on a started zygote: its folder (socket and `SERVED` mark) and process."""

    def __init__(self, path: str, process: subprocess.Popen, folder: str):
        self.path = path
        self.process = process
        self.folder = folder
        self._served_at_close: bool | None = None  # the folder, and its mark, go at `close`

    def served(self) -> bool:
        """Whether the zygote forked a daemon."""
        if self._served_at_close is not None:
            return self._served_at_close
        return os.path.exists(os.path.join(self.folder, SERVED))

    def close(self, wait: float = 5.0) -> bool:
        """Once the session has stopped: end the zygote (or the waiter it became, once its daemon has
        stopped, within `wait` seconds), remove its folder; whether it served."""
        served = self.served()
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=wait if served else 0)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            self.process.wait()
        if os.environ.get(SOCKET_VARIABLE) == self.path:
            del os.environ[SOCKET_VARIABLE]
        shutil.rmtree(self.folder, ignore_errors=True)
        self._served_at_close = served
        return served


def may_use(master: str | None, daemon_module: str | None, use_daemon: bool = True) -> bool:
    """Whether a session with this master and daemon module can have warm workers: a local master, this
    project's daemon module, a daemon at all (`spark.python.use.daemon`, `use_daemon`), workers that run
    this interpreter, a platform that forks and passes file descriptors, and PREVALENCE_WARM_WORKERS not
    `off`."""
    python = os.environ.get("PYSPARK_PYTHON")
    return (use_daemon and bool(master) and master.strip().startswith("local") and daemon_module == DAEMON_MODULE
            and os.environ.get(SWITCH, "on") != "off" and hasattr(os, "fork") and hasattr(socket, "send_fds")
            and (python is None or os.path.realpath(python) == os.path.realpath(sys.executable)))


def start_zygote(log_path: str | None = None) -> Zygote:
    """Start a zygote for the session about to start (its socket in SOCKET_VARIABLE, which the JVM and
    so the daemon inherit); its errors go to `log_path` (appended: the JVM's log), else to this
    process's stderr."""
    folder = tempfile.mkdtemp(prefix="prevalence-zygote-")
    path = os.path.join(folder, "socket")
    environment = dict(os.environ)
    environment.setdefault("OMP_NUM_THREADS", "1")
    environment["PYTHONHASHSEED"] = os.environ.get("PYTHONHASHSEED", "0")  # as PySpark gives its workers
    environment["PYTHONUNBUFFERED"] = "YES"
    log = open(log_path, "ab") if log_path else None
    try:
        process = subprocess.Popen([sys.executable, "-m", __name__, path], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                   stderr=log, env=environment, cwd=os.getcwd())
    finally:
        if log is not None:
            log.close()
    os.environ[SOCKET_VARIABLE] = path
    return Zygote(path, process, folder)


if __name__ == "__main__":
    # Ctrl-C is the driver's to handle, as PySpark has the JVM ignore it: so do this process, the waiter
    # it becomes and the daemon it forks (the ignored signal goes along through fork and exec).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(serve(sys.argv[1]))
