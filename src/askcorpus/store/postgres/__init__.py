"""The team store: PostgreSQL with pgvector, one index per schema (``postgresql://…?schema=``).

:class:`~askcorpus.store.postgres.location.PostgresLocation` is the way in (made by
:func:`askcorpus.store.factory.locate`); nothing is imported here, so opening a folder never
loads the driver. Setup, roles, replicas and sizing: ``docs/team.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # mypy proves the backend implements the seam's protocols (no runtime cost)
    from askcorpus.store import base
    from askcorpus.store.postgres.location import PostgresLocation
    from askcorpus.store.postgres.lock import AdvisoryLock
    from askcorpus.store.postgres.store import PostgresStore
    from askcorpus.store.postgres.writer import PostgresWriter

    def _conforms(
        location: PostgresLocation,
        store: PostgresStore,
        writer: PostgresWriter,
        lock: AdvisoryLock,
    ) -> tuple[base.StoreLocation, base.Store, base.StoreWriter, base.WriterLock]:
        return location, store, writer, lock
