"""Stopping a session hands PySpark's accumulator server to a background thread instead of waiting for
its polling loop; the server is still shut down, and the session is still stopped."""

import socket
import threading

from pyspark.accumulators import _start_update_server

from prevalence.spark.session import PendingSession, stop_session

TOKEN = "secret-token"


class FakeContext:
    def __init__(self, server):
        self._accumulatorServer = server


class FakeSession:
    """Records whether the accumulator server was still in the context when `stop` ran."""

    def __init__(self, server):
        self.sparkContext = FakeContext(server)
        self.server_at_stop = "not stopped"

    def stop(self):
        self.server_at_stop = self.sparkContext._accumulatorServer


def test_the_session_stops_and_the_accumulator_server_is_shut_down_behind_it():
    server = _start_update_server(TOKEN, False)
    # A connected client, as the JVM's: the server's thread then sits in the handler's one-second poll.
    client = socket.create_connection(server.server_address)
    client.sendall(TOKEN.encode() + (0).to_bytes(4, "big"))  # authenticated, no updates
    assert client.recv(1) == b"\x01"
    session = FakeSession(server)

    stop_session(session)

    assert session.server_at_stop is None  # SparkContext.stop found no server to wait for
    assert session.sparkContext._accumulatorServer is None
    stoppers = [t for t in threading.enumerate() if t.name == "accumulator-server-stop"]
    for t in stoppers:
        t.join(timeout=10)
    assert stoppers and not any(t.is_alive() for t in stoppers)
    assert server.server_shutdown and server.socket.fileno() == -1  # shut down and closed
    client.close()


def test_a_session_without_an_accumulator_server_is_just_stopped():
    session = FakeSession(None)
    stop_session(session)
    assert session.server_at_stop is None


class FakePending(PendingSession):
    """A PendingSession's log and warm-process state, without a JVM."""

    def __init__(self, log, served):
        self._log, self._served, self.stopped = str(log), served, False

    def warm_workers(self):
        return self._served

    def stop(self):
        self.stopped = True


class Config:
    master, spark_conf = "local[1]", ()


def test_a_run_that_succeeds_leaves_no_spark_log_and_one_that_fails_keeps_it(tmp_path, monkeypatch):
    import pytest

    from prevalence.spark import session

    for name, served, fails, kept in (("ok", True, False, False), ("cold", None, False, False), ("failed", True, True, True),
                                       ("warm process failed", False, False, True)):
        log = tmp_path / f"{name}.log"
        log.write_text("JVM output")
        pending = FakePending(log, served)
        monkeypatch.setattr(session, "PendingSession", lambda *_a, pending=pending: pending)
        if fails:
            with pytest.raises(RuntimeError), session.session_for(Config()):
                raise RuntimeError("the run failed")
        else:
            with session.session_for(Config()):
                pass
        assert pending.stopped and log.exists() == kept, name
