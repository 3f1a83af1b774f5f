"""One writer at a time: an advisory ``flock`` on ``writer.lock`` in the index folder.

The kernel drops the lock when its holder dies, so a lock left by a killed process is never
stale; the file only records the holder's pid for the error message.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from askcorpus.errors import IndexLockedError, IndexWriteError

LOCK_NAME = "writer.lock"


class WriterLock:
    """Exclusive, non-blocking writer lock on an index folder."""

    def __init__(self, folder: Path):
        self.path = folder / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`IndexLockedError` naming the holder's pid."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise IndexWriteError(
                f"cannot write in the index folder {self.path.parent}: {exc.strerror}",
                self.path.parent,
                "check its permissions and free space",
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise IndexLockedError(
                f"index {self.path.parent} is being updated by another process (pid {holder})",
                self.path.parent,
                "wait for it to finish",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None
