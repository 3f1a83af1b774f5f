"""An index folder as a :class:`~askcorpus.store.base.StoreLocation`: exists, open, create, lock,
reset, and where an index may live.

Where an index may live (:meth:`LocalLocation.check_placement`, before anything is written). askcorpus keeps
its files apart from the user's, because a rebuild deletes index files and nothing may ever
mistake a document for one. It refuses, with an :class:`IndexLocationError` (one line, a hint):

* an index folder that *is* the corpus folder (however spelled: relative, ``/.``, a symlink);
* an index folder that holds the corpus (``--index ~ --corpus ~/notes``): askcorpus would write
  its files among the user's;
* a path that is a file, not a folder;
* a *new* index (no ``askcorpus.sqlite3`` yet) in a folder already holding anything but
  askcorpus's own file names (:func:`askcorpus.store.local.files.is_own_file`) and the desktop's
  ``.DS_Store`` / ``Thumbs.db`` / ``desktop.ini``. An existing index may have other files next
  to it: they are never touched.

An index folder *inside* the corpus (``--corpus . --index index``, the defaults run from the
corpus) is accepted: discovery leaves out every folder holding an index database
(:func:`askcorpus.ingest.documents.discover`, which logs it, and warns when documents sit in there).

What a rebuild deletes (:meth:`LocalLocation.reset`): exactly the names
:func:`~askcorpus.store.local.files.is_own_file` accepts, except ``writer.lock`` (the rebuild holds
it), as regular files of the index folder itself — no folder, no other name.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from askcorpus.errors import IndexLocationError
from askcorpus.store.base import Manifest
from askcorpus.store.local.files import (
    DATABASE_FILES,
    DB_NAME,
    NEW_DATABASE_FILES,
    is_own_file,
    own_vector_files,
)
from askcorpus.store.local.lock import WriterLock
from askcorpus.store.local.store import LocalStore
from askcorpus.store.local.vectors import EXACT_LIMIT

log = logging.getLogger(__name__)

#: Files a desktop drops into any folder it shows; they do not make a folder the user's.
OS_LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


@dataclass(frozen=True, slots=True)
class LocalLocation:
    """An index folder: SQLite + FTS5 + FAISS files (see :mod:`askcorpus.store.local.store`).

    ``exact_limit``: how many vectors the stores opened here search exactly before they switch
    to the approximate (IVF) index (:data:`~askcorpus.store.local.vectors.EXACT_LIMIT`; tests
    pass a small one to exercise IVF on a few hundred vectors)."""

    folder: Path
    exact_limit: int = EXACT_LIMIT

    @property
    def where(self) -> Path:
        """The index database, which holds the manifest: what messages name."""
        return self.folder / DB_NAME

    def exists(self) -> bool:
        """True when the folder holds an index database."""
        return LocalStore.exists(self.folder)

    def open(self, verify: bool | None = None) -> LocalStore:
        """Open the index in the folder (see :meth:`LocalStore.open`)."""
        return LocalStore.open(self.folder, verify, self.exact_limit)

    def create(self, manifest: Manifest) -> LocalStore:
        """Create an empty index in the folder, atomically."""
        return LocalStore.create(self.folder, manifest, self.exact_limit)

    def lock(self) -> WriterLock:
        """The folder's writer lock (an advisory flock on ``writer.lock``)."""
        return WriterLock(self.folder)

    def reset(self) -> None:
        """Remove the index's files (only askcorpus's own names, never anything else)."""
        reset_index_folder(self.folder)

    def check_placement(self, corpus: Path) -> bool:
        """Refuse a folder an index of ``corpus`` must not live in (module docstring); True
        when it lies inside the corpus."""
        return check_locations(corpus, self.folder)


def reset_index_folder(folder: Path) -> None:
    """Remove an index's files before it is built again: only names askcorpus writes (see the
    module docstring), never anything else in the folder. The caller holds the writer lock."""
    paths = [folder / n for n in (*DATABASE_FILES, *NEW_DATABASE_FILES)]
    removed = []
    for path in paths + own_vector_files(folder):
        if path.is_file() or path.is_symlink():  # a folder of that name is not ours
            path.unlink(missing_ok=True)
            removed.append(path.name)
    log.info("removed the index files %s from %s", sorted(removed), folder)


def check_locations(corpus: Path, index: Path) -> bool:
    """Refuse an index folder askcorpus must not write to (see the module docstring) with an
    :class:`IndexLocationError`; True when the index folder lies inside the corpus."""
    own_folder = "pass --index with a folder of its own, outside the corpus"
    if index.exists() and not index.is_dir():
        raise IndexLocationError(
            f"index path {index} is not a folder", index, "pass --index with a folder"
        )
    if _same_folder(corpus, index):
        raise IndexLocationError(
            f"index folder {index} is the corpus folder {corpus}: askcorpus keeps its index "
            "files apart from your documents",
            index,
            own_folder,
        )
    if _inside(corpus, index):
        raise IndexLocationError(
            f"corpus folder {corpus} lies inside the index folder {index}: askcorpus keeps its "
            "index files apart from your documents",
            index,
            own_folder,
        )
    if not (index / DB_NAME).exists():
        others = _other_files(index)
        if others:
            more = f" and {len(others) - 1} more" if len(others) > 1 else ""
            raise IndexLocationError(
                f"index folder {index} holds no askcorpus index but other files "
                f"({others[0]}{more}): askcorpus creates a new index only in a folder of its own",
                index,
                "pass --index with a new or empty folder",
            )
    return _inside(index, corpus)


def _same_folder(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` are one folder (by identity where both exist, so symlinks,
    ``/.`` and case-insensitive names count; else by resolved path)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _inside(inner: Path, outer: Path) -> bool:
    """True when ``inner`` lies strictly below ``outer``."""
    return any(_same_folder(parent, outer) for parent in inner.resolve().parents)


def _other_files(folder: Path) -> list[str]:
    """Names in ``folder`` that askcorpus did not make, sorted (empty when it is missing)."""
    try:
        with os.scandir(folder) as it:
            names = [e.name for e in it]
    except FileNotFoundError:
        return []
    except OSError:
        return []  # unreadable: taking the writer lock reports it
    return sorted(n for n in names if not is_own_file(n) and n not in OS_LITTER)
