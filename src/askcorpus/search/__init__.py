"""The search API: :class:`Index` (``Index.open(folder).search(question, k)``), retrieval,
fusion, merging and highlighting. ``askcorpus.search.Index`` is public API.

``Index`` is imported on first use (PEP 562): importing a light submodule (the board, export,
citations) must not pull in numpy and the store, which the window's start-up does not need."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from askcorpus.search.index import Index

__all__ = ["Index"]


def __getattr__(name: str) -> Any:
    if name == "Index":
        from askcorpus.search.index import Index

        return Index
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
