"""Open or create the index an indexing run writes to, and check it was built the way the
running settings say (schema, model, chunking, encoder, dimension): a mismatch is a clear error
naming the index database and the fix, never vectors of two kinds mixed in one index."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from askcorpus.embedding import Embedder
from askcorpus.errors import IndexCorruptError, IndexMismatchError, ModelError
from askcorpus.settings import SCHEMA_VERSION, Settings
from askcorpus.store import Manifest
from askcorpus.store_files import DB_NAME, now_iso
from askcorpus.store_local import LocalStore

log = logging.getLogger(__name__)

REBUILD = "run `askcorpus index --rebuild`"


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
    """Remove a damaged index's files (only our own files: never anything else in the folder).
    The caller holds the writer lock."""
    for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", DB_NAME + "-journal"):
        (folder / name).unlink(missing_ok=True)
    for path in folder.glob("vectors-*.faiss*"):
        path.unlink(missing_ok=True)
    stray = folder / "tmp"
    if stray.is_dir():
        shutil.rmtree(stray)


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
