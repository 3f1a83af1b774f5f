"""Open or create the index an indexing run writes to, and check it was built the way the
running settings say (schema, model, chunking, encoder, dimension): a mismatch is a clear error
naming the index database and the fix, never vectors of two kinds mixed in one index.

Where an index may live (:func:`check_locations`, before anything is written). askcorpus keeps
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

What a rebuild deletes (:func:`reset_index_folder`): exactly the names
:func:`~askcorpus.store.local.files.is_own_file` accepts, except ``writer.lock`` (the rebuild holds
it), as regular files of the index folder itself — no folder, no other name.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from askcorpus.embed.embedder import Embedder
from askcorpus.errors import IndexCorruptError, IndexLocationError, IndexMismatchError, ModelError
from askcorpus.settings import SCHEMA_VERSION, Settings
from askcorpus.store.base import Manifest
from askcorpus.store.local.files import (
    DATABASE_FILES,
    DB_NAME,
    NEW_DATABASE_FILES,
    is_own_file,
    now_iso,
    own_vector_files,
)
from askcorpus.store.local.store import LocalStore

log = logging.getLogger(__name__)

REBUILD = "run `askcorpus index --rebuild`"
#: Files a desktop drops into any folder it shows; they do not make a folder the user's.
OS_LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


def expected_manifest(settings: Settings, dimension: int, backend: str) -> Manifest:
    """The manifest an index built with ``settings`` and encoder ``backend`` carries."""
    stamp = now_iso()
    return Manifest(
        schema_version=SCHEMA_VERSION,
        model=settings.model_name,
        dimension=dimension,
        chunking=settings.chunking.as_dict(),
        created=stamp,
        updated=stamp,
        backend=backend,
    )


def check_manifest(manifest: Manifest, settings: Settings, folder: Path, for_update: bool) -> None:
    """Raise :class:`IndexMismatchError` (naming the index database, where the manifest lives)
    when the index was built differently than ``settings``."""
    db = folder / DB_NAME
    if manifest.schema_version != SCHEMA_VERSION:
        raise IndexMismatchError(
            f"index {db} has schema version {manifest.schema_version}, this askcorpus reads "
            f"version {SCHEMA_VERSION}",
            db,
            REBUILD,
        )
    if manifest.model != settings.model_name:
        raise IndexMismatchError(
            f"index {db} was built with model {manifest.model}, not {settings.model_name}",
            db,
            REBUILD,
        )
    if for_update and manifest.chunking != settings.chunking.as_dict():
        raise IndexMismatchError(
            f"index {db} was built with other chunking parameters ({manifest.chunking})",
            db,
            REBUILD,
        )


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


def check_locations(settings: Settings) -> bool:
    """Refuse an index folder askcorpus must not write to (see the module docstring) with an
    :class:`IndexLocationError`; True when the index folder lies inside the corpus."""
    corpus, index = settings.corpus_dir, settings.index_dir
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


def open_for_update(
    settings: Settings, embedder: Embedder, rebuild: bool
) -> tuple[LocalStore, bool, Embedder]:
    """Open (or create) the store for writing; returns it, whether it must be emptied first,
    and the embedder (a view of ``embedder``) whose encoder its vectors need. The caller holds
    the writer lock."""
    folder = settings.index_dir
    fresh = embedder.with_backend(settings.encoder, strict=settings.encoder != "auto")
    if LocalStore.exists(folder):
        try:
            store = LocalStore.open(folder)
        except (IndexCorruptError, IndexMismatchError):
            if not rebuild:
                raise
            log.warning("index %s is damaged; rebuilding from scratch", folder)
            reset_index_folder(folder)
        else:
            if rebuild:
                # Rebuild in place (readers keep the old index until the first publish) unless
                # the old one is damaged deeper than opening it shows.
                if store.manifest.dimension == fresh.dimension and not store.check(deep=True):
                    return store, True, fresh
                store.close()
                reset_index_folder(folder)
            else:
                try:
                    same = _check_for_update(store, settings, embedder)
                except IndexMismatchError:
                    store.close()
                    raise
                return store, False, same
    manifest = expected_manifest(settings, fresh.dimension, fresh.backend)
    return LocalStore.create(folder, manifest), False, fresh


def _check_for_update(store: LocalStore, settings: Settings, embedder: Embedder) -> Embedder:
    manifest, db = store.manifest, store.db_path
    check_manifest(manifest, settings, store.folder, for_update=True)
    # New vectors must come from the encoder that made the old ones.
    embedder = embedder.with_backend(manifest.backend, strict=True)
    try:
        dimension = embedder.dimension
    except ModelError as exc:
        raise IndexMismatchError(
            f"index {db} was encoded with the {manifest.backend} encoder, which cannot run "
            f"here ({exc.message})",
            db,
            f"{REBUILD} to re-encode it with the encoder available here",
        ) from exc
    if manifest.dimension != dimension:
        raise IndexMismatchError(
            f"index {db} holds {manifest.dimension}-dimensional vectors, the model makes "
            f"{dimension}",
            db,
            REBUILD,
        )
    return embedder
