"""One run at a time per run directory: an exclusive lock on a file next to RUN_DIR.

The lock is an advisory `flock` on `.<RUN_DIR>.lock`, held from the start of a run to its commit. The
kernel drops it when the process ends, however it ends, so a killed run never leaves a stale lock;
the file itself stays (removing it would let two runs lock two different files). It protects runs on
one machine or one local file system; on a network file system without flock it protects nothing.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time

from prevalence.errors import RunDirError


def lock_path(out: str) -> str:
    parent, base = os.path.split(os.path.abspath(out))
    return os.path.join(parent, f".{base}.lock")


class RunLock:
    """`with RunLock(out):` holds the run directory's lock, or raises RunDirError naming its holder."""

    def __init__(self, out: str):
        self.out = out
        self.path = lock_path(out)
        self.fd: int | None = None

    def __enter__(self) -> "RunLock":
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise RunDirError(f"{self.out} is in use by another run ({holder}); wait for it to finish, or stop it") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}).encode())
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"pid {info['pid']} on {info['host']}, started {info['started']}"
    except (ValueError, KeyError, OSError):
        return "holder unknown"
