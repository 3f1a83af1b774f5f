"""Durable atomic file writes: a reader (or a crash) sees the old file or the complete new one.

The recipe, in one place: write a temporary file beside the target (``<name>.tmp``), fsync it,
rename it over the target, fsync the folder so the rename itself survives a power cut. Without
the first fsync a crash after the rename can leave a renamed but empty file; without the second
the rename can be lost while later writes that depend on it (a database commit naming the new
file) are not.

No backend and no package dependency: any package above ``store`` (``eval/``, ``gui/``) may use
it for its own files.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

#: What the temporary file of ``path`` is called: ``path`` plus this suffix (the local store's
#: list of its own file names relies on it).
TMP_SUFFIX = ".tmp"


def tmp_path(path: Path) -> Path:
    """The temporary file :func:`write_atomically` writes before renaming it to ``path``."""
    return path.with_name(path.name + TMP_SUFFIX)


def fsync_dir(folder: Path) -> None:
    """Make a rename (or a creation, or a removal) in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """Flush ``path``'s contents to the disk (it may have been written by a library)."""
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def replace_durably(tmp: Path, path: Path) -> None:
    """Move the complete file ``tmp`` over ``path``, durably: fsync, rename, fsync folder."""
    fsync_file(tmp)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Have ``write`` create the temporary file of ``path`` (for libraries that write to a path
    of their own, such as ``faiss.write_index``), then put it in place with
    :func:`replace_durably`. On any failure the temporary file is removed and ``path`` is
    untouched."""
    tmp = tmp_path(path)
    try:
        write(tmp)
        replace_durably(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically and durably (see :func:`write_atomically`)."""

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    write_atomically(path, write)


def write_text_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically and durably."""
    write_bytes_atomically(path, text.encode("utf-8"))
