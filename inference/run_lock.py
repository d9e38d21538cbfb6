"""One writer per output: an exclusive ``flock`` on ``<output>.lock`` held for the whole run.

The kernel releases an ``flock`` when its holder dies (kill -9 included), so a
lock can never be left stale by a crash: the next run simply takes it. The lock
file carries the holder's pid so that a refused run can say who holds it.

Why not the ``filelock`` package: it leaves the lock file behind after every run
(unlinking it safely needs the re-check below), and a finished run should leave
only its output. Here the holder unlinks the file while still holding the lock,
and a process that wins the lock on a file that has meanwhile been unlinked or
replaced starts over on the current file, so two processes can never each hold a
lock on a different inode of the same name.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from flashpoint.errors import UserError


class RunLockedError(UserError):
    """Another process is writing the same output."""


class RunLock:
    """``with RunLock(path, output):`` holds the output's lock or raises :class:`RunLockedError`."""

    def __init__(self, path: Path, output: Path) -> None:
        self.path = path
        self.output = output
        self._descriptor: int | None = None

    def acquire(self) -> None:
        while True:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(descriptor, 64, 0).decode("ascii", "replace").strip() or "unknown"
                os.close(descriptor)
                raise RunLockedError(
                    f"{self.output} is being written by another flashpoint run (pid {holder}); "
                    "wait for it to finish or choose another output") from None
            if self._is_current(descriptor):
                break
            os.close(descriptor)  # the file was unlinked or replaced while we waited: take the new one
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        self._descriptor = descriptor

    def _is_current(self, descriptor: int) -> bool:
        try:
            on_disk = os.stat(self.path)
        except FileNotFoundError:
            return False
        held = os.fstat(descriptor)
        return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)

    def release(self) -> None:
        if self._descriptor is None:
            return
        self.path.unlink(missing_ok=True)  # still locked: nobody can win the old inode in between
        os.close(self._descriptor)
        self._descriptor = None

    def __enter__(self) -> "RunLock":
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()
