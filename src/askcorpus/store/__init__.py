"""Index storage: the seam (:mod:`~askcorpus.store.base`: protocols and shared records), the
factory that turns a setting into a location (:mod:`~askcorpus.store.factory`), and the
backends (:mod:`~askcorpus.store.local`: SQLite + FTS5 + FAISS in one folder)."""
