"""Durable file updates: what is renamed into place is complete, even after kill -9 or power loss.

A file that others will read (a checkpoint, a finished output) is written under a
temporary name, flushed to disk with ``fsync``, renamed over its final name (atomic
on POSIX), and the rename itself is made durable by syncing the directory. A reader
therefore sees the old file or the whole new one, never a truncated one.
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_directory(directory: Path) -> None:
    """Make renames and deletions inside ``directory`` durable."""
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def temporary_name(path: Path) -> Path:
    """The name ``path`` is built under before it is renamed into place."""
    return path.with_name(path.name + ".tmp")


def publish(temporary: Path, final: Path) -> None:
    """Sync ``temporary`` and rename it over ``final`` (atomically, durably)."""
    fsync_file(temporary)
    os.replace(temporary, final)
    fsync_directory(final.parent)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` so that no reader ever sees a partial file."""
    temporary = temporary_name(path)
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    fsync_directory(path.parent)
