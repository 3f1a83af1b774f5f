"""Incremental indexing (:func:`update_index`), opening an index for update, and index health.

``askcorpus.indexer.update_index`` is public API.

``update_index`` is imported on first use (PEP 562): the window imports the light
``indexer.languages`` before it shows itself, and must not pull in numpy and the store then."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from askcorpus.indexer.update import update_index

__all__ = ["update_index"]


def __getattr__(name: str) -> Any:
    if name == "update_index":
        from askcorpus.indexer.update import update_index

        return update_index
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
