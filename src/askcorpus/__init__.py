"""askcorpus: answer questions about your own documents with exact, ranked passages, offline.

The public Python API is :class:`askcorpus.search.index.Index` (``Index.open(folder).search(q, k)``)
and :func:`askcorpus.indexer.update.update_index`. This package imports nothing heavy at import time.
"""

__version__ = "0.1.0"
