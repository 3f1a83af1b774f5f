"""One writer at a time: an OS file lock on ``writer.lock`` in the index folder.

The lock is ``filelock``'s native one on our own descriptor: ``flock`` on Linux and macOS,
``LockFileEx`` on the file's first byte on Windows (the same primitive its ``FileLock`` uses),
so this module imports nothing POSIX-only and runs on all three. Either way the kernel drops
the lock when its holder dies (even on SIGKILL), so a lock left by a killed process is never
stale: the next writer simply gets it. The file only records the holder's pid for the error
message, after the first byte (Windows refuses other processes reads of a locked byte);
readers never take the lock, so searching goes on during an update.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from pathlib import Path

from askcorpus.errors import IndexLockedError, IndexWriteError

LOCK_NAME = "writer.lock"
#: Where the pid starts: byte 0 is the one Windows locks (a space, so the file reads " 1234").
PID_OFFSET = 1


def write_error(
    folder: Path, exc: BaseException, doing: str = "write the index"
) -> IndexWriteError:
    """A typed error for a failed write in ``folder``, saying why (disk full, read-only, ...)."""
    code = getattr(exc, "errno", None)
    sqlite_name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc) if code is None and not sqlite_name else ""  # e.g. faiss's RuntimeError
    if (
        code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
        or sqlite_name.startswith("SQLITE_FULL")
        or any(os.strerror(c) in text for c in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG))
    ):
        why, hint = "the disk is full", f"free some space on the disk holding {folder}"
    elif (
        code in (errno.EROFS, errno.EACCES, errno.EPERM)
        or sqlite_name.startswith("SQLITE_READONLY")
        or any(os.strerror(c) in text for c in (errno.EROFS, errno.EACCES))
    ):
        why, hint = "the folder is read-only", f"make {folder} writable or pass --index DIR"
    else:
        why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        why = " ".join(why.split())[:200]  # one line, whatever the library said
        hint = "check the folder's free space and permissions"
    return IndexWriteError(
        f"cannot {doing} in {folder}: {why}; the previous index is intact",
        folder,
        f"{hint}, then run `askcorpus index` again",
    )


class WriterLock:
    """Exclusive, non-blocking writer lock on an index folder (usable as a context manager)."""

    def __init__(self, folder: Path):
        self.path = folder / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`IndexLockedError` naming the holder's pid."""
        # Imported here, not at the top: searching imports this module but never writes, and
        # filelock's import is ~45 M instructions of a cold start (docs/benchmarks.md, session 9).
        from filelock import lock_descriptor, unlock_descriptor

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        except OSError as exc:
            raise write_error(self.path.parent, exc, "lock the index") from exc
        try:
            locked = lock_descriptor(fd, blocking=False)
        except OSError as exc:  # no file locks on this file system
            os.close(fd)
            raise write_error(self.path.parent, exc, "lock the index") from exc
        if not locked:
            holder = _read_pid(fd)
            os.close(fd)
            raise IndexLockedError(
                f"index is being updated by another process (pid {holder}): {self.path.parent}",
                self.path.parent,
                "wait for it to finish, then try again",
            )
        try:
            os.ftruncate(fd, 0)
            _write_at(fd, 0, b" " * PID_OFFSET + str(os.getpid()).encode())
        except OSError as exc:  # a full disk can refuse even these few bytes
            unlock_descriptor(fd)
            os.close(fd)
            raise write_error(self.path.parent, exc, "lock the index") from exc
        self._fd = fd

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self._fd is None:
            return
        from filelock import unlock_descriptor  # already imported by acquire

        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        with contextlib.suppress(OSError):  # closing the descriptor releases it anyway
            unlock_descriptor(self._fd)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _write_at(fd: int, offset: int, data: bytes) -> None:
    # os.pwrite and os.pread are POSIX-only; this descriptor is ours alone, so seeking is safe.
    os.lseek(fd, offset, os.SEEK_SET)
    os.write(fd, data)


def _read_pid(fd: int) -> str:
    # The holder writes its pid just after taking the lock; give it a moment to do so.
    for _ in range(20):
        text = ""
        # From byte 0 where it can be read (a holder of an older askcorpus wrote its pid
        # there), else after it: Windows refuses reading the byte another process locked.
        for offset in (0, PID_OFFSET):
            try:
                os.lseek(fd, offset, os.SEEK_SET)
                text = os.read(fd, 32).decode(errors="replace").strip()
                break
            except OSError:
                continue
        if text:
            return text
        time.sleep(0.01)
    return "unknown"
