"""The search API: :class:`Index` (``Index.open(folder).search(question, k)``), retrieval,
fusion, merging and highlighting. ``askcorpus.search.Index`` is public API."""

from askcorpus.search.index import Index

__all__ = ["Index"]
