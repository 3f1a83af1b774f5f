"""Incremental indexing (:func:`update_index`), opening an index for update, and index health.

``askcorpus.indexer.update_index`` is public API."""

from askcorpus.indexer.update import update_index

__all__ = ["update_index"]
