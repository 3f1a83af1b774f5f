"""Index documents that are not files of a corpus folder (a benchmark's records, say).

:func:`index_documents` builds a new index from an iterable of :class:`Document` through the
indexer's own steps: :func:`~askcorpus.text.chunking.chunk_document`, the block-wise embed-and-
write loop of :mod:`askcorpus.indexer.update` (progress, cancellation, checkpoints), the writer
lock and one atomic publish. So an evaluation measures the pipeline a user's corpus goes
through, not a copy of it. It reuses update.py's private run object on purpose: one loop, not two.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from askcorpus.embed.embedder import Embedder
from askcorpus.indexer.setup import expected_manifest
from askcorpus.indexer.update import CancelFn, ProgressFn, _Run, _Work
from askcorpus.records import Document, IndexReport
from askcorpus.settings import Settings
from askcorpus.store.factory import locate
from askcorpus.text.chunking import chunk_document


def index_documents(
    settings: Settings,
    documents: Iterable[Document],
    embedder: Embedder,
    progress: ProgressFn | None = None,
    cancelled: CancelFn | None = None,
    replace: bool = False,
) -> IndexReport:
    """Build a new index of ``documents`` at ``settings.index_dir`` (in their order).

    An index already there is an error from the store, unless ``replace`` asks to remove it
    first (only the store's own files, under the writer lock). Raises :class:`Cancelled` when
    ``cancelled()`` turns true, :class:`IndexLockedError` when another process is writing.
    """
    t0 = time.perf_counter()
    work = [_Work(doc, chunk_document(doc, settings.chunking), is_new=True) for doc in documents]
    location = locate(settings.index_dir)
    with location.lock() as lock:
        if replace and location.exists():
            location.reset()
        manifest = expected_manifest(settings, embedder.dimension, embedder.backend)
        store = location.create(manifest)
        try:
            with store.write_errors():
                run = _Run(settings, store, embedder, lock, t0, progress, cancelled)
                run.files_total = len(work)
                with store.writer(lock) as writer:
                    run._embed_and_add(writer, work)
                    if run.cancelled():
                        raise run._cancelled(writer)
                    writer.commit()
        finally:
            store.close()
    return IndexReport(
        added=len(work),
        passages_embedded=sum(len(w.passages) for w in work),
        seconds=time.perf_counter() - t0,
    )
