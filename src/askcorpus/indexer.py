"""Incremental indexing: bring an index in line with its corpus folder.

Documents are keyed by their path under the corpus and their content hash. Files whose size and
mtime are unchanged are not even read; files whose bytes are unchanged are not re-embedded. All
changes land in one atomic store update, so a crash or a cancel leaves the previous index.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from askcorpus.chunking import chunk_document
from askcorpus.documents import FileEntry, discover, load_document
from askcorpus.embedding import Embedder
from askcorpus.errors import (
    AskcorpusError,
    Cancelled,
    CorpusError,
    IndexCorruptError,
    IndexMismatchError,
)
from askcorpus.formats import UnreadableFile
from askcorpus.records import Document, IndexReport, Passage, Progress, SkippedFile
from askcorpus.settings import SCHEMA_VERSION, Settings
from askcorpus.store import Manifest
from askcorpus.store_local import DB_NAME, LocalStore, now_iso

log = logging.getLogger(__name__)

ProgressFn = Callable[[Progress], None]
CancelFn = Callable[[], bool]


@dataclass(frozen=True, slots=True)
class _Work:
    document: Document
    passages: list[Passage]
    is_new: bool


def expected_manifest(settings: Settings, dimension: int, backend: str = "torch") -> Manifest:
    """The manifest an index built with ``settings`` carries."""
    stamp = now_iso()
    return Manifest(
        schema_version=SCHEMA_VERSION,
        model=settings.model_name,
        dimension=dimension,
        chunking=settings.chunking.as_dict(),
        created=stamp,
        updated=stamp,
        backend=backend,
    )


def check_manifest(manifest: Manifest, settings: Settings, folder: Path, for_update: bool) -> None:
    """Raise :class:`IndexMismatchError` when the index was built differently than ``settings``."""
    rebuild = "run `askcorpus index --rebuild`"
    if manifest.schema_version != SCHEMA_VERSION:
        raise IndexMismatchError(
            f"index {folder} has schema version {manifest.schema_version}, this askcorpus reads "
            f"version {SCHEMA_VERSION}",
            folder,
            rebuild,
        )
    if manifest.model != settings.model_name:
        raise IndexMismatchError(
            f"index {folder} was built with model {manifest.model}, not {settings.model_name}",
            folder,
            rebuild,
        )
    if for_update and manifest.chunking != settings.chunking.as_dict():
        raise IndexMismatchError(
            f"index {folder} was built with other chunking parameters ({manifest.chunking})",
            folder,
            rebuild,
        )


def _reset_index_folder(folder: Path) -> None:
    """Remove a damaged index's files (only our own files: never anything else in the folder)."""
    for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", DB_NAME + "-journal"):
        (folder / name).unlink(missing_ok=True)
    for path in folder.glob("vectors-*.faiss*"):
        path.unlink(missing_ok=True)
    stray = folder / "tmp"
    if stray.is_dir():
        shutil.rmtree(stray)


def _open_for_update(
    settings: Settings, embedder: Embedder, rebuild: bool
) -> tuple[LocalStore, bool]:
    """Open (or create) the store for writing; returns it and whether it must be emptied first."""
    folder = settings.index_dir
    if LocalStore.exists(folder):
        try:
            store = LocalStore.open(folder)
        except (IndexCorruptError, IndexMismatchError):
            if not rebuild:
                raise
            log.warning("index %s is damaged; rebuilding from scratch", folder)
            _reset_index_folder(folder)
        else:
            if rebuild:
                if store.manifest.dimension == embedder.dimension:
                    return store, True
                store.close()
                _reset_index_folder(folder)
            else:
                check_manifest(store.manifest, settings, folder, for_update=True)
                return store, False
    return LocalStore.create(folder, expected_manifest(settings, embedder.dimension)), False


def update_index(
    settings: Settings,
    embedder: Embedder | None = None,
    rebuild: bool = False,
    progress: ProgressFn | None = None,
    cancelled: CancelFn | None = None,
) -> IndexReport:
    """Index ``settings.corpus_dir`` into ``settings.index_dir``, incrementally.

    Raises :class:`CorpusError` when the corpus is missing or nothing in it can be indexed,
    :class:`Cancelled` when ``cancelled()`` turns true (the previous index is kept).
    """
    t0 = time.perf_counter()
    entries, skipped = discover(settings.corpus_dir)
    if not entries and not skipped:
        raise CorpusError(
            f"corpus folder {settings.corpus_dir} holds no supported documents",
            settings.corpus_dir,
            "add .txt or .md files (or others askcorpus reads) and run `askcorpus index` again",
        )
    embedder = embedder or Embedder(settings)
    store, reset = _open_for_update(settings, embedder, rebuild)
    try:
        return _update(settings, store, embedder, entries, skipped, reset, t0, progress, cancelled)
    finally:
        store.close()


def _update(
    settings: Settings,
    store: LocalStore,
    embedder: Embedder,
    entries: list[FileEntry],
    skipped: list[SkippedFile],
    reset: bool,
    t0: float,
    progress: ProgressFn | None,
    cancelled: CancelFn | None,
) -> IndexReport:
    states = {} if reset else store.document_states()
    present = {e.source for e in entries}
    removed = sorted(s for s in states if s not in present)
    work: list[_Work] = []
    touched: list[tuple[str, float]] = []
    unchanged = 0
    files_total = len(entries)

    def report(phase: str, done: int, total: int, files_done: int) -> None:
        if progress is not None:
            progress(
                Progress(phase, done, total, files_done, files_total, time.perf_counter() - t0)
            )

    for n, entry in enumerate(entries, 1):
        if cancelled is not None and cancelled():
            raise Cancelled("indexing cancelled; the previous index is unchanged")
        state = states.get(entry.source)
        if state is not None and state.size == entry.size and state.mtime == entry.mtime:
            unchanged += 1
            continue
        try:
            document = load_document(entry, settings.max_file_bytes)
        except UnreadableFile as exc:
            skipped.append(SkippedFile(entry.source, exc.message))
            if state is not None:
                removed.append(entry.source)
            continue
        if state is not None and state.content_hash == document.content_hash:
            touched.append((entry.source, entry.mtime))
            unchanged += 1
            continue
        passages = chunk_document(document, settings.chunking)
        work.append(_Work(document, passages, is_new=state is None))
        report("reading", n, files_total, n)

    if not work and unchanged == 0:
        raise CorpusError(
            f"nothing in {settings.corpus_dir} could be indexed ({len(skipped)} files skipped)",
            settings.corpus_dir,
            "see the skipped files reported above",
        )
    previous_skipped = {(s.source, s.reason) for s in store.skipped()}
    now_skipped = {(s.source, s.reason) for s in skipped}
    if not (work or removed or touched or reset) and previous_skipped == now_skipped:
        return IndexReport(
            unchanged=unchanged, seconds=time.perf_counter() - t0, skipped=tuple(skipped)
        )

    texts = [p.search_text for w in work for p in w.passages]
    total_passages = len(texts)
    with store.writer() as writer:
        if reset:
            writer.set_manifest(expected_manifest(settings, embedder.dimension))
            for source in store.document_states():
                writer.remove_document(source)
        for source in removed:
            writer.remove_document(source)
        for source, mtime in touched:
            writer.touch_document(source, mtime)
        vectors = (
            embedder.encode_passages(
                texts,
                progress=lambda done, total: report("embedding", done, total, files_total),
                cancelled=cancelled,
            )
            if texts
            else None
        )
        offset = 0
        for w in work:
            count = len(w.passages)
            if vectors is not None:
                writer.add_document(w.document, w.passages, vectors[offset : offset + count])
            offset += count
        writer.set_skipped(skipped)
        if cancelled is not None and cancelled():
            raise Cancelled("indexing cancelled; the previous index is unchanged")
        writer.commit()
    added = sum(1 for w in work if w.is_new)
    return IndexReport(
        added=added,
        changed=len(work) - added,
        removed=len(removed),
        unchanged=unchanged,
        passages_embedded=total_passages,
        seconds=time.perf_counter() - t0,
        skipped=tuple(skipped),
    )


__all__ = ["update_index", "check_manifest", "expected_manifest", "AskcorpusError"]
