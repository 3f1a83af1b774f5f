"""Open or create the index an indexing run writes to, and check it was built the way the
running settings say (schema, model, chunking, encoder, dimension): a mismatch is a clear error
naming the index's manifest and the fix, never vectors of two kinds mixed in one index.

Where an index may live, and what a rebuild may delete, is the store's to say
(:meth:`~askcorpus.store.base.StoreLocation.check_placement`, ``reset``).
"""

from __future__ import annotations

import logging

from askcorpus.embed.embedder import E5, VECTORS, Embedder
from askcorpus.errors import IndexCorruptError, IndexMismatchError, ModelError
from askcorpus.settings import Settings
from askcorpus.store.base import (
    REBUILD,
    Store,
    StoreLocation,
    check_manifest,
    expected_manifest,
)

__all__ = ["expected_manifest", "open_for_update"]

log = logging.getLogger(__name__)


def open_for_update(
    location: StoreLocation, settings: Settings, embedder: Embedder, rebuild: bool
) -> tuple[Store, bool, Embedder]:
    """Open (or create) the store for writing; returns it, whether it must be emptied first,
    and the embedder (a view of ``embedder``) whose encoder its vectors need. The caller holds
    the writer lock."""
    fresh = embedder.with_backend(settings.encoder, strict=settings.encoder != "auto")
    if location.exists():
        try:
            store = location.open()
        except (IndexCorruptError, IndexMismatchError):
            if not rebuild:
                raise
            log.warning("index %s is damaged; rebuilding from scratch", location.where)
            location.reset()
        else:
            if rebuild:
                if settings.encoder == "auto" and VECTORS.get(store.manifest.backend) == E5:
                    # A rebuild keeps the multilingual encoder unless another is asked for: the
                    # index's questions and documents are not the default model's to read.
                    fresh = embedder.with_backend(E5)
                # Rebuild in place (readers keep the old index until the first publish) unless
                # the old one is damaged deeper than opening it shows.
                if store.manifest.dimension == fresh.dimension and not store.check(deep=True):
                    return store, True, fresh
                store.close()
                location.reset()
            else:
                try:
                    same = _check_for_update(store, settings, embedder)
                except IndexMismatchError:
                    store.close()
                    raise
                return store, False, same
    manifest = expected_manifest(settings, fresh.dimension, fresh.backend)
    return location.create(manifest), False, fresh


def _check_for_update(store: Store, settings: Settings, embedder: Embedder) -> Embedder:
    manifest, db = store.manifest, store.where
    check_manifest(manifest, settings, db, for_update=True)
    # Asking for the multilingual encoder on an index of the other model, or the other way
    # round, is a new index: its vectors cannot join the old ones.
    multilingual = VECTORS.get(manifest.backend) == E5
    if settings.encoder != "auto" and multilingual != (settings.encoder == E5):
        raise IndexMismatchError(
            f"index {db} was encoded with the {manifest.backend} encoder, not {settings.encoder}",
            db,
            f"run `askcorpus index --rebuild --encoder {settings.encoder}` to re-encode it",
        )
    # New vectors must come from the encoder that made the old ones (a retired one: rebuild).
    embedder = embedder.match_index(manifest.backend, strict=True, where=db)
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
