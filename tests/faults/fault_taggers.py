"""Taggers that inject a fault once, through the public tagger interface (`--tagger file.py:Class`).

Each finds no persona. The first call of a run (in any worker process) creates a marker file next to
the run directory and injects its fault; every later call, the retried task included, sees the
marker and only tags. A run whose marker exists beforehand is the undisturbed run to compare with.
"""

from __future__ import annotations

import os
import signal

import pyarrow as pa

from prevalence.tagging.base import Documents, HitRows, Tagger


def marker(out: str, fault: str) -> str:
    return f"{os.path.abspath(out)}.{fault}.done"


class _Once(Tagger):
    name = "fault"  # each subclass: its fault
    role = "mention"
    fault = ""

    @classmethod
    def build(cls, context):
        tagger = cls(context.catalog)
        tagger.out = context.config.out
        tagger.corpus = context.config.corpus
        return tagger

    def tag(self, docs: Documents) -> pa.Table:
        try:
            fd = os.open(marker(self.out, self.fault), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return HitRows().table()
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        self.inject()
        return HitRows().table()

    def inject(self) -> None:
        raise NotImplementedError


class KillWorker(_Once):
    """SIGKILL the Python worker process that is tagging (mid-shard: the store's partial file is open)."""

    name = fault = "kill-worker"

    def inject(self) -> None:
        os.kill(os.getpid(), signal.SIGKILL)


class KillExecutor(_Once):
    """SIGKILL the executor JVM that runs this Python worker (on a cluster: a lost executor)."""

    name = fault = "kill-executor"

    def inject(self) -> None:
        pid = os.getppid()
        while pid > 1:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"CoarseGrainedExecutorBackend" in f.read():
                    os.kill(pid, signal.SIGKILL)
                    return
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        raise RuntimeError("no executor JVM above this worker (not on a cluster?)")


class ChangeShard(_Once):
    """Append a record to the first corpus file while the run is tagging."""

    name = fault = "change-shard"

    def inject(self) -> None:
        with open(self.corpus[0], "ab") as f:
            f.write(b'{"id": "late", "text": "A record written while the run was reading."}\n')
