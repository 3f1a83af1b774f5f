"""Turning a setting into a :class:`~askcorpus.store.base.StoreLocation`: the one place that
knows which backends exist.

Today every location is a folder (:class:`~askcorpus.store.local.location.LocalLocation`); a
server backend adds its URL scheme here (``postgresql://…``) and nothing else changes above the
seam. Backends are imported only when asked for, so opening a folder never loads a server
driver.
"""

from __future__ import annotations

from pathlib import Path

from askcorpus.errors import AskcorpusError
from askcorpus.store.base import StoreLocation

#: URL schemes of backends that are not built yet, with what to say instead.
_PLANNED = ("postgresql://", "postgres://", "qdrant://")


def locate(index: Path | str) -> StoreLocation:
    """The location ``index`` names: a folder path (a ``Path`` or a string without a URL
    scheme). An unknown URL is an :class:`AskcorpusError` saying what is supported."""
    text = str(index)
    if text.startswith(_PLANNED) or "://" in text:
        raise AskcorpusError(
            f"index location {text} is not a folder, and askcorpus reads only index folders so far",
            hint="pass --index with a folder",
        )
    from askcorpus.store.local.location import LocalLocation

    return LocalLocation(Path(index))
