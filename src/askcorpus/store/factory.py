"""Turning a setting into a :class:`~askcorpus.store.base.StoreLocation`: the one place that
knows which backends exist.

A folder is a :class:`~askcorpus.store.local.location.LocalLocation`; a ``postgresql://`` (or
``postgres://``) URL a :class:`~askcorpus.store.postgres.location.PostgresLocation`. Backends
are imported only when asked for, so opening a folder never loads a server driver.
"""

from __future__ import annotations

from pathlib import Path

from askcorpus.errors import AskcorpusError, IndexMissingError
from askcorpus.store.base import Store, StoreLocation

#: URL schemes of the PostgreSQL backend.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def locate(index: Path | str) -> StoreLocation:
    """The location ``index`` names: a folder path (a ``Path`` or a string without a URL
    scheme) or a PostgreSQL URL. An unknown URL is an :class:`AskcorpusError` saying what is
    supported; a PostgreSQL URL without the driver installed says what to install."""
    text = str(index)
    if text.startswith(POSTGRES_SCHEMES):
        try:
            from askcorpus.store.postgres.location import PostgresLocation
        except ImportError as exc:
            raise AskcorpusError(
                f"index location {text} is on a PostgreSQL server, and the PostgreSQL driver "
                f"is not installed ({exc.name})",
                hint="pip install 'askcorpus[postgres]'",
            ) from exc
        return PostgresLocation(text)
    if "://" in text:
        raise AskcorpusError(
            f"index location {text} is neither a folder nor a postgresql:// URL",
            hint="pass --index with a folder or a postgresql://user@host/database?schema=name URL",
        )
    from askcorpus.store.local.location import LocalLocation

    return LocalLocation(Path(index))


def open_index(index: Path | str, verify: bool | None = None) -> Store:
    """The index at ``index``, opened for reading: :class:`IndexMissingError` when there is
    none, the backend's typed errors when it is damaged or of another schema."""
    location = locate(index)
    if not location.exists():
        where = index if isinstance(index, Path) else Path(index)  # an IndexURL keeps its //
        raise IndexMissingError(f"no index at {index}", where, "run `askcorpus index`")
    return location.open(verify)
