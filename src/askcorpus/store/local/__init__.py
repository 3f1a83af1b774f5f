"""The embedded store: SQLite (documents, passages, FTS5, manifest) plus FAISS files.

:class:`~askcorpus.store.local.location.LocalLocation` is the way in (made by
:func:`askcorpus.store.factory.locate`); nothing is imported here, so importing one module of
the backend does not load the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # mypy proves the backend implements the seam's protocols (no runtime cost)
    from askcorpus.store import base
    from askcorpus.store.local.location import LocalLocation
    from askcorpus.store.local.lock import WriterLock
    from askcorpus.store.local.store import LocalStore
    from askcorpus.store.local.writer import LocalWriter

    def _conforms(
        location: LocalLocation, store: LocalStore, writer: LocalWriter, lock: WriterLock
    ) -> tuple[base.StoreLocation, base.Store, base.StoreWriter, base.WriterLock]:
        return location, store, writer, lock
