"""Incremental indexing: bring an index in line with its corpus folder.

Documents are keyed by their path under the corpus and their content hash. Files whose size and
mtime are unchanged are not even read; files whose bytes are unchanged are not re-embedded.

The whole run holds the index's writer lock, so a second indexer stops at once with "index is
being updated by another process (pid N)"; readers go on reading the last published state.

Crash safety and checkpoints: changes are embedded in blocks and land in atomic store publishes
(see :mod:`askcorpus.store.local.writer`). A run shorter than ``settings.checkpoint_seconds`` (default
10 minutes) publishes once, at the end, so a crash or a cancel leaves exactly the previous
index. A longer run also publishes a *checkpoint* whenever that much time has passed (and at
least 20× the time the last publish took, so checkpoints never cost more than ~5 %): a killed
10-hour build keeps all but its last few minutes of work. A checkpoint is a consistent state:
every document in it is entirely its old version or entirely its new one (a document is never
split across publishes), removed documents are gone, FAISS and SQLite agree, and the index is
marked incomplete (``Store.complete``) until a run finishes; ``askcorpus status`` says so and
the next ``askcorpus index`` picks up where the last one stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from askcorpus.embed.embedder import Embedder
from askcorpus.errors import Cancelled, CancelledAfterCheckpoint, CorpusError
from askcorpus.indexer.languages import advise
from askcorpus.indexer.setup import open_for_update
from askcorpus.ingest.documents import FileEntry, discover, is_unchanged, load_document
from askcorpus.ingest.formats import UnreadableFile
from askcorpus.ingest.ocr import OcrOptions
from askcorpus.records import (
    Document,
    ExcludedFile,
    IndexReport,
    Passage,
    Phase,
    Progress,
    SkippedFile,
)
from askcorpus.settings import Settings
from askcorpus.store.base import (
    EXCLUDED_LABEL,
    Store,
    StoreWriter,
    WriterLock,
    expected_manifest,
)
from askcorpus.store.factory import locate
from askcorpus.text.chunking import chunk_document
from askcorpus.text.language import release as release_language_model
from askcorpus.text.language import use_cache_dir

log = logging.getLogger(__name__)

ProgressFn = Callable[[Progress], None]
CancelFn = Callable[[], bool]
#: Fits "not in this corpus" to an indexed store (``askcorpus.search.calibration.calibrate``,
#: passed in by the caller: the indexer does not import search). Its result is kept in the
#: manifest (``Manifest.absence_calibration``); empty means the default calibration.
CalibrateFn = Callable[[Store, Settings, Embedder], dict[str, float]]


@dataclass(frozen=True, slots=True)
class _Work:
    document: Document
    passages: list[Passage]
    is_new: bool


def read_entry(entry: FileEntry, settings: Settings, cancelled: CancelFn | None = None) -> Document:
    """Read one changed file into a :class:`Document` (raises :class:`UnreadableFile`).

    The single place where the indexer reads the corpus (read-only): checks on a file's state
    while it is read belong here.
    """
    # cancelled: OCR checks it between the pages of a long scan.
    ocr = OcrOptions.from_settings(settings, cancelled=cancelled)
    return load_document(entry, settings.max_file_bytes, ocr)


def update_index(
    settings: Settings,
    embedder: Embedder | None = None,
    rebuild: bool = False,
    progress: ProgressFn | None = None,
    cancelled: CancelFn | None = None,
    calibrate: CalibrateFn | None = None,
) -> IndexReport:
    """Index ``settings.corpus_dir`` into ``settings.index_dir``, incrementally.

    With ``calibrate``, a run that changed the index ends by fitting "not in this corpus" to
    it and storing the fit in the manifest, in a second atomic update (the probes search the
    published state); a cancel or crash in between leaves the index with its previous
    calibration, which the next run replaces.

    Raises :class:`IndexLocationError` before writing anything when the index folder is the
    corpus, holds it, or (for a new index) holds other files (see :mod:`askcorpus.indexer.setup`),
    :class:`CorpusError` when the corpus is missing or nothing in it can be indexed,
    :class:`IndexLockedError` when another process is updating the index, :class:`Cancelled`
    when ``cancelled()`` turns true (the last published state is kept: the previous index, or
    the last checkpoint of a long run), :class:`IndexWriteError` when the disk is full or the
    folder read-only (the last published state is kept).
    """
    t0 = time.perf_counter()
    use_cache_dir(settings.cache_dir)  # the language model's unpacked copy lives there too
    location = locate(settings.index_dir)
    if location.check_placement(settings.corpus_dir):  # raises where an index must not be
        log.info(
            "index folder %s lies inside the corpus %s; discovery leaves it out",
            settings.index_dir,
            settings.corpus_dir,
        )
    excluded: list[ExcludedFile] = []
    entries, skipped = discover(settings.corpus_dir, excluded)
    if not entries and not skipped:
        raise CorpusError(
            f"corpus folder {settings.corpus_dir} holds no supported documents",
            settings.corpus_dir,
            "add .txt or .md files (or others askcorpus reads) and run `askcorpus index` again",
        )
    embedder = embedder or Embedder(settings)
    with location.lock() as lock:
        store, reset, embedder = open_for_update(location, settings, embedder, rebuild)
        try:
            with store.write_errors():
                run = _Run(settings, store, embedder, lock, t0, progress, cancelled)
                report = run.update(entries, skipped, reset)
                _store_exclusions(store, lock, excluded)
                if calibrate is not None and (
                    reset or report.added or report.changed or report.removed
                ):
                    _store_calibration(store, lock, calibrate(store, settings, embedder))
                return replace(report, excluded=tuple(excluded))
        finally:
            store.close()


def _store_exclusions(store: Store, lock: WriterLock, excluded: list[ExcludedFile]) -> None:
    """Remember how many files and folders the rules left out (for the absence check's
    caveats: an answer may sit in one of them); one more atomic update, only on a change."""
    folders = sum(1 for e in excluded if e.source.endswith("/"))
    value = f"{len(excluded) - folders} {folders}" if excluded else None
    if store.label(EXCLUDED_LABEL) == value:
        return
    with store.writer(lock) as writer:
        writer.set_label(EXCLUDED_LABEL, value)
        writer.commit()


def _store_calibration(store: Store, lock: WriterLock, calibration: dict[str, float]) -> None:
    """Replace the manifest's absence calibration (one more atomic update)."""
    if calibration == store.manifest.absence_calibration:
        return
    with store.writer(lock) as writer:
        writer.set_manifest(replace(store.manifest, absence_calibration=calibration))
        writer.commit()


class _Run:
    """One indexing run over an open store, under the writer lock."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        embedder: Embedder,
        lock: WriterLock,
        t0: float,
        progress: ProgressFn | None,
        cancelled: CancelFn | None,
    ):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.lock = lock
        self.t0 = t0
        self.progress = progress
        self.cancelled = cancelled or (lambda: False)
        self.files_total = 0

    def report(self, phase: Phase, done: int, total: int, files_done: int) -> None:
        if self.progress is not None:
            elapsed = time.perf_counter() - self.t0
            self.progress(Progress(phase, done, total, files_done, self.files_total, elapsed))

    def update(
        self, entries: list[FileEntry], skipped: list[SkippedFile], reset: bool
    ) -> IndexReport:
        settings, store = self.settings, self.store
        states = {} if reset else store.document_states()
        present = {e.source for e in entries}
        removed = sorted(s for s in states if s not in present)
        work: list[_Work] = []
        touched: list[tuple[str, float]] = []
        unchanged = 0
        self.files_total = len(entries)

        for n, entry in enumerate(entries, 1):
            if self.cancelled():
                raise Cancelled("indexing cancelled; the previous index is unchanged")
            state = states.get(entry.source)
            if state is not None and is_unchanged(entry.size, entry.mtime, state):
                unchanged += 1
                continue
            try:
                document = read_entry(entry, settings, self.cancelled)
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
            self.report("reading", n, self.files_total, n)
        release_language_model()  # every file is read: its caches need not sit beside the model

        if not work and unchanged == 0:
            reasons = "; ".join(f"{s.source}: {s.reason}" for s in skipped[:3])
            more = f"; and {len(skipped) - 3} more" if len(skipped) > 3 else ""
            raise CorpusError(
                f"nothing in {settings.corpus_dir} could be indexed ({len(skipped)} files "
                f"skipped: {reasons}{more})",
                settings.corpus_dir,
                "fix or replace those files, or add readable documents",
            )
        previous_skipped = {(s.source, s.reason) for s in store.skipped()}
        now_skipped = {(s.source, s.reason) for s in skipped}
        nothing_to_do = not (work or removed or touched or reset)
        if nothing_to_do and previous_skipped == now_skipped and store.complete:
            return IndexReport(
                unchanged=unchanged,
                seconds=time.perf_counter() - self.t0,
                skipped=tuple(skipped),
                advice=_advice(store),
            )

        with store.writer(self.lock) as writer:
            if reset:
                writer.set_manifest(
                    expected_manifest(settings, self.embedder.dimension, self.embedder.backend)
                )
                for source in store.document_states():
                    writer.remove_document(source)
            for source in removed:
                writer.remove_document(source)
            for source, mtime in touched:
                writer.touch_document(source, mtime)
            writer.set_skipped(skipped)
            self._embed_and_add(writer, work)
            if self.cancelled():
                raise self._cancelled(writer)
            writer.commit()
        added = sum(1 for w in work if w.is_new)
        return IndexReport(
            added=added,
            changed=len(work) - added,
            removed=len(removed),
            unchanged=unchanged,
            passages_embedded=sum(len(w.passages) for w in work),
            seconds=time.perf_counter() - self.t0,
            skipped=tuple(skipped),
            advice=_advice(store),
        )

    def _embed_and_add(self, writer: StoreWriter, work: list[_Work]) -> None:
        """Embed and store ``work`` block by block, publishing checkpoints when they are due."""
        total = sum(len(w.passages) for w in work)
        block_size = max(16, 16 * self.settings.batch_size)
        done = 0
        last_publish = time.monotonic()
        publish_cost = 0.0
        self.report("embedding", 0, total, self.files_total)  # the total, before the first block
        for block in _blocks(work, block_size):
            texts = [p.search_text for w in block for p in w.passages]

            def on_progress(encoded: int, _total: int, base: int = done) -> None:
                self.report("embedding", base + encoded, total, self.files_total)

            try:
                vectors = self.embedder.encode_passages(
                    texts,
                    progress=on_progress,
                    cancelled=self.cancelled,
                    block=self.settings.encode_block,
                )
            except Cancelled:
                raise self._cancelled(writer) from None
            offset = 0
            for w in block:
                count = len(w.passages)
                writer.add_document(w.document, w.passages, vectors[offset : offset + count])
                offset += count
            done += len(texts)
            interval = max(self.settings.checkpoint_seconds, 20 * publish_cost)
            if done < total and time.monotonic() - last_publish >= interval:
                started = time.monotonic()
                writer.checkpoint()
                publish_cost = time.monotonic() - started
                last_publish = time.monotonic()

    def _cancelled(self, writer: StoreWriter) -> Cancelled:
        if writer.checkpoints:
            return CancelledAfterCheckpoint(
                "indexing cancelled; the documents indexed before the last checkpoint are kept",
                self.settings.index_dir,
                "run `askcorpus index` to finish",
            )
        return Cancelled("indexing cancelled; the previous index is unchanged")


def _blocks(work: list[_Work], size: int) -> list[list[_Work]]:
    """Documents grouped into blocks of about ``size`` passages; a document is never split."""
    blocks: list[list[_Work]] = []
    current: list[_Work] = []
    count = 0
    for w in work:
        if current and count + len(w.passages) > size:
            blocks.append(current)
            current, count = [], 0
        current.append(w)
        count += len(w.passages)
    if current:
        blocks.append(current)
    return blocks


__all__ = ["update_index", "read_entry"]


def _advice(store: Store) -> str:
    """The advice on the index's encoder for its documents' languages (:mod:`.languages`)."""
    advice = advise(store.stats(), store.manifest.model)
    return advice.message() if advice is not None else ""
