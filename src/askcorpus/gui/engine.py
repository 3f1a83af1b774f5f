"""The window's connection to the core: owns the open index and runs all work off the UI thread.

Two serial job queues: *queries* (open index, load model, search, fetch documents, every
mention, the other corpora searched together, a team corpus, scan the folder — in order, so a
search waits for the model instead of failing) and *indexing* (the
incremental indexer, cancellable). Searching keeps using the current index while the indexer
writes; when it finishes, the index is reopened on the query queue and swapped in.

Every request carries a number; answers to an older question, or for a corpus that is no longer
open, are dropped rather than shown.

(Over 300 lines: one class, the window's only door to the core; its request numbering, index
swapping and indexing state are one piece and read best together.)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from askcorpus.gui import gc_pause, research_tasks, tasks
from askcorpus.gui.workers import JobRunner
from askcorpus.records import IndexReport, PassageFilter, Progress
from askcorpus.settings import EncoderChoice, Settings

if TYPE_CHECKING:
    from askcorpus.embed.embedder import Embedder
    from askcorpus.search.index import Index

log = logging.getLogger(__name__)

# How long housekeeping queued behind an answer waits for the window to say it is on screen
# (as long as the results panel holds the best hit's document for the same paint).
SHOWN_WAIT_MS = 250


class Engine(QObject):
    """Background work and the current index, for one window."""

    # Payloads are typed; every one of these is emitted on the UI thread (the workers' results
    # arrive there as closures, see askcorpus.gui.workers), so no connection here is queued.
    opened = Signal(tasks.IndexInfo)  # also after a reindex
    foldersFound = Signal(tuple)  # the open index's folders (tuple[str, ...]), after opened
    missing = Signal()  # the corpus has no index yet
    openFailed = Signal(BaseException)  # CorpusError, IndexMismatchError, ...
    modelReady = Signal(float)  # seconds it took
    modelFailed = Signal(BaseException)
    searchDone = Signal(tasks.TimedResult)
    searchFailed = Signal(str, BaseException)  # question, exception
    documentReady = Signal(tasks.DocumentView)
    documentGone = Signal(str)  # source: no longer in the index
    documentFailed = Signal(BaseException)
    indexingStarted = Signal(bool)  # rebuild?
    indexingProgress = Signal(Progress)
    indexingDone = Signal(IndexReport)
    indexingFailed = Signal(BaseException)
    indexingCancelled = Signal(bool)  # were checkpoints kept? (the index then changed)
    changesFound = Signal(tasks.ChangeSummary)
    othersOpened = Signal(research_tasks.OtherCorpora)  # the corpora searched together
    mentionsDone = Signal(research_tasks.TimedMentions)
    mentionsFailed = Signal(str, BaseException)  # phrase, exception
    teamFailed = Signal(BaseException)  # a team corpus URL could not be opened

    def __init__(self, embedder: Embedder | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self.queries = JobRunner("askcorpus-queries", self)
        self.indexing_jobs = JobRunner("askcorpus-indexer", self)
        self.settings: Settings | None = None
        self.index: Index | None = None
        self.others: tuple[Index, ...] = ()  # other corpora's indexes, searched together
        self._others_seq = 0
        self._mention_seq = 0
        self.model_ready = embedder is not None and embedder.loaded
        self.indexing = False
        self._cancel = threading.Event()
        self._generation = 0
        self._search_seq = 0
        self._searching = 0  # searches submitted whose answer has not come back yet
        self._after_answer: list[Callable[[], None]] = []
        self._shown_timer = QTimer(self)
        self._shown_timer.setSingleShot(True)
        self._shown_timer.setInterval(SHOWN_WAIT_MS)
        self._shown_timer.timeout.connect(self._release_after_answer)
        self._doc_seq = 0
        self._pending_rebuild: tuple[bool, EncoderChoice | None] | None = None
        self.dropped_results = 0  # answers to superseded questions, never shown

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        """The shared embedder (created on first use: importing it pulls in numpy)."""
        return self._embedder_for(self.settings or Settings())

    def _embedder_for(self, settings: Settings) -> Embedder:
        # Called on the query worker at start-up (importing the embedder costs ~0.1 s of numpy,
        # which the UI thread should not spend) and on the UI thread later: hence the lock.
        with self._embedder_lock:
            if self._embedder is None:
                from askcorpus.embed.embedder import Embedder

                self._embedder = Embedder(settings)
            return self._embedder

    def _open_index(self, settings: Settings) -> tasks.IndexInfo | None:
        return tasks.open_index(settings, self._embedder_for(settings))

    def _load_model(self, settings: Settings) -> float:
        return tasks.load_model(self._embedder_for(settings))

    def open(self, settings: Settings) -> None:
        """Switch to the corpus and index of ``settings`` (cancelling a running reindex)."""
        self._generation += 1
        self._cancel.set()
        self._release_index()
        self.settings = settings
        gen = self._generation
        self.queries.submit(
            self._open_index,
            settings,
            on_done=partial(self._on_opened, gen),
            on_failed=partial(self._on_open_failed, gen),
        )
        if not self.model_ready:
            self.queries.submit(
                self._load_model,
                settings,
                on_done=self._on_model,
                on_failed=self._on_model_failed,
            )

    def _release_index(self) -> None:
        if self.index is not None:
            self.queries.submit(tasks.close_index, self.index)
            self.index = None

    def _current(self, gen: int) -> bool:
        return gen == self._generation

    def _on_opened(self, gen: int, info: tasks.IndexInfo | None) -> None:
        if not self._current(gen):
            if info is not None:
                self.queries.submit(tasks.close_index, info.index)
            return
        if info is None:
            self.missing.emit()
            return
        self._swap(info.index)
        self._warm(info.index)
        self.opened.emit(info)  # a question typed meanwhile is queued here (IndexingController)
        self.after_search(partial(self._list_folders, gen, info.index))

    def _list_folders(self, gen: int, index: Index) -> None:
        if self._current(gen) and index is self.index:  # not closed since
            self.queries.submit(
                tasks.index_folders, index, on_done=partial(self._on_folders, gen, index)
            )

    def _on_folders(self, gen: int, index: Index, folders: tuple[str, ...]) -> None:
        if self._current(gen) and index is self.index:
            self.foldersFound.emit(folders)

    def _warm(self, index: Index) -> None:
        """Load the encoder the index's questions use, now rather than in the first search: an
        index encoded by another backend than the default (e.g. torch before the ONNX default)
        has its own; for the same backend this only looks the shared model up."""
        embedder = getattr(index, "embedder", None)
        if embedder is not None and embedder is not self._embedder and not embedder.loaded:
            self.queries.submit(
                tasks.load_model,
                embedder,
                on_failed=lambda exc: log.warning("cannot load the index's encoder: %s", exc),
            )

    def _on_open_failed(self, gen: int, exc: BaseException) -> None:
        if self._current(gen):
            self.openFailed.emit(exc)

    def _on_model(self, seconds: float) -> None:
        # Start-up is over (askcorpus.gui.gc_pause) once a question typed meanwhile is answered.
        self.after_search(gc_pause.resume)
        self.model_ready = True
        self.modelReady.emit(seconds)

    def _on_model_failed(self, exc: BaseException) -> None:
        gc_pause.resume()
        self.modelFailed.emit(exc)

    def _swap(self, index: Index) -> None:
        old, self.index = self.index, index
        if old is not None and old is not index:
            # Queued behind any search still holding the old index, so it closes after them.
            self.queries.submit(tasks.close_index, old)

    def shutdown(self, msecs: int = 10000) -> None:
        """Cancel indexing, close the indexes and wait for the workers (window closing)."""
        self._generation += 1
        self._others_seq += 1
        self._cancel.set()
        # What waited for an answer's paint is for a window that is going: none of it runs.
        self._shown_timer.stop()
        self._after_answer.clear()
        gc_pause.resume()
        self._release_index()
        if self.others:
            self.queries.submit(research_tasks.close_all, self.others)
            self.others = ()
        self.indexing_jobs.wait(msecs)
        self.queries.wait(msecs)

    # -- questions and documents ---------------------------------------------------------------
    def search(self, question: str, k: int, where: PassageFilter | None = None) -> bool:
        """Ask ``question`` (inside ``where``) of the corpus shown and the ones searched with
        it; False when there is no index to ask."""
        if self.index is None:
            return False
        self._search_seq += 1
        self._searching += 1
        seq, gen = self._search_seq, self._generation
        # One corpus goes through tasks.search (bench/window.py times that job).
        job, target = (
            (research_tasks.search_together, (self.index, *self.others))
            if self.others
            else (tasks.search, self.index)
        )
        self.queries.submit(
            job,
            target,
            question,
            k,
            where,
            on_done=partial(self._on_search, gen, seq),
            on_failed=partial(self._on_search_failed, gen, seq, question),
        )
        return True

    def _fresh(self, gen: int, seq: int, latest: int) -> bool:
        if gen != self._generation or seq != latest:
            self.dropped_results += 1
            return False
        return True

    def _on_search(self, gen: int, seq: int, result: tasks.TimedResult) -> None:
        if self._fresh(gen, seq, self._search_seq):
            self.searchDone.emit(result)
        self._answered()

    def _on_search_failed(self, gen: int, seq: int, question: str, exc: BaseException) -> None:
        from askcorpus.errors import IndexReencodedError

        if isinstance(exc, IndexReencodedError) and self._current(gen):
            # A rebuild with another encoder published (a checkpoint, or its end) since the
            # index was opened: open it again, so its questions get the new encoder; the
            # question is asked again once it is open (ReadingController.ask_pending).
            self._reopen(gen)
        if self._fresh(gen, seq, self._search_seq):
            self.searchFailed.emit(question, exc)
        self._answered()

    def after_search(self, submit: Callable[[], None]) -> None:
        """Run ``submit`` (it queues housekeeping: the folder scan, listing folders, reading the
        evidence board) once the answer to the question being searched has been painted: the
        worker would otherwise run that work while the UI thread shows the results, the two
        taking turns at the GIL. With no question out, it runs at once."""
        if self._searching:
            self._after_answer.append(submit)
        else:
            submit()

    def _answered(self) -> None:
        self._searching -= 1
        if not self._searching and self._after_answer:
            # The window says when the answer is on screen (answer_shown); a zero timer would
            # fire before the list's delayed layout and paint. The timer covers an answer that
            # paints no rows (no hits, a failure) or a window not being painted.
            self._shown_timer.start()

    def answer_shown(self) -> None:
        """The answer's rows have been painted: housekeeping waiting for it may run (the
        window connects ``ResultsList.resultsPainted`` here)."""
        if self._after_answer and not self._searching:
            QTimer.singleShot(0, self._release_after_answer)  # out of the paint event

    def _release_after_answer(self) -> None:
        self._shown_timer.stop()
        if self._searching:  # another question came meanwhile: after its answer, then
            return
        waiting, self._after_answer = self._after_answer, []
        for submit in waiting:
            submit()

    def index_for(self, corpus: str | None) -> tuple[Index, Path] | None:
        """The open index of the corpus folder ``corpus`` (a hit's) and that folder; the corpus
        shown for None or a folder not searched."""
        if self.index is None or self.settings is None:
            return None
        for other in self.others:
            if corpus and other.store.manifest.corpus == corpus:
                return other, Path(corpus)
        return self.index, self.settings.corpus_dir

    def show_document(
        self,
        source: str,
        passage_id: int | None,
        span: tuple[int, int] | None = None,
        question: str | None = None,
        highlight: tuple[int, int] | None = None,
        corpus: str | None = None,
    ) -> None:
        """Fetch a document (of ``corpus``, default the one shown) positioned at a passage;
        answers via ``documentReady``."""
        found = self.index_for(corpus)
        if found is None:
            return
        self._doc_seq += 1
        seq, gen = self._doc_seq, self._generation
        self.queries.submit(
            tasks.load_document,
            found[0],
            found[1],
            source,
            passage_id,
            span,
            question,
            highlight,
            on_done=partial(self._on_document, gen, seq, source),
            on_failed=partial(self._on_document_failed, gen, seq),
        )

    def show_mention(self, source: str, start: int, end: int, corpus: str | None) -> None:
        """Fetch a document at a mention, the mention marked; answers via ``documentReady``."""
        found = self.index_for(corpus)
        if found is None:
            return
        self._doc_seq += 1
        seq, gen = self._doc_seq, self._generation
        self.queries.submit(
            research_tasks.load_mention,
            *found,
            source,
            start,
            end,
            on_done=partial(self._on_document, gen, seq, source),
            on_failed=partial(self._on_document_failed, gen, seq),
        )

    def mentions(self, phrase: str, where: PassageFilter | None = None) -> bool:
        """Find every mention of ``phrase`` in the corpora searched; False without an index."""
        if self.index is None:
            return False
        self._mention_seq += 1
        seq, gen = self._mention_seq, self._generation
        self.queries.submit(
            research_tasks.mentions,
            (self.index, *self.others),
            phrase,
            where,
            on_done=partial(self._on_mentions, gen, seq),
            on_failed=partial(self._on_mentions_failed, gen, seq, phrase),
        )
        return True

    def _on_mentions(self, gen: int, seq: int, found: research_tasks.TimedMentions) -> None:
        if self._fresh(gen, seq, self._mention_seq):
            self.mentionsDone.emit(found)

    def _on_mentions_failed(self, gen: int, seq: int, phrase: str, exc: BaseException) -> None:
        if self._fresh(gen, seq, self._mention_seq):
            self.mentionsFailed.emit(phrase, exc)

    def search_with(self, settings: list[Settings]) -> None:
        """Search the corpora of ``settings`` together with the one shown (their indexes are
        opened on the query worker; ``othersOpened`` says which could be)."""
        self._others_seq += 1
        seq = self._others_seq
        old, self.others = self.others, ()
        if old:
            self.queries.submit(research_tasks.close_all, old)
        if not settings:
            self.othersOpened.emit(research_tasks.OtherCorpora((), ()))
            return
        self.queries.submit(
            research_tasks.open_others,
            settings,
            self.embedder,
            on_done=partial(self._on_others, seq),
            on_failed=lambda exc: log.warning("cannot open the other corpora: %s", exc),
        )

    def open_team(self, url: str) -> None:
        """Open the team corpus at ``url`` (no password in it) and search it together with the
        corpus shown; answers via ``othersOpened`` or ``teamFailed``."""
        seq = self._others_seq
        self.queries.submit(
            research_tasks.open_team,
            url,
            self.settings or Settings(),
            self.embedder,
            on_done=partial(self._on_team, seq),
            on_failed=self.teamFailed.emit,
        )

    def _on_team(self, seq: int, index: Index) -> None:
        if seq != self._others_seq:
            self.queries.submit(research_tasks.close_all, (index,))
            return
        self.others = (*self.others, index)
        self.othersOpened.emit(research_tasks.OtherCorpora(self.others, ()))

    def _on_others(self, seq: int, others: research_tasks.OtherCorpora) -> None:
        if seq != self._others_seq:
            self.queries.submit(research_tasks.close_all, others.indexes)
            return
        self.others = others.indexes
        self.othersOpened.emit(others)

    def _on_document(
        self, gen: int, seq: int, source: str, view: tasks.DocumentView | None
    ) -> None:
        if gen == self._generation and seq == self._doc_seq:
            if view is None:
                self.documentGone.emit(source)
            else:
                self.documentReady.emit(view)

    def _on_document_failed(self, gen: int, seq: int, exc: BaseException) -> None:
        if gen == self._generation and seq == self._doc_seq:
            self.documentFailed.emit(exc)

    # -- the corpus folder ---------------------------------------------------------------------
    def scan(self) -> None:
        """Compare the corpus folder with the index; answers via ``changesFound``."""
        self.after_search(partial(self._scan, self._generation))

    def _scan(self, gen: int) -> None:
        if self.settings is None or self.indexing or not self._current(gen):
            return
        self.queries.submit(
            tasks.scan_changes,
            self.index,
            self.settings.corpus_dir,
            on_done=partial(self._on_scan, gen),
            on_failed=lambda exc: log.debug("scan failed: %s", exc),
        )

    def _on_scan(self, gen: int, summary: tasks.ChangeSummary) -> None:
        if self._current(gen) and not self.indexing:
            self.changesFound.emit(summary)

    # -- indexing ------------------------------------------------------------------------------
    def reindex(self, rebuild: bool = False, encoder: EncoderChoice | None = None) -> bool:
        """Start the indexer for the current corpus (a rebuild with ``encoder``: an index of
        that encoder); False if one is already running."""
        if self.settings is None:
            return False
        if self.indexing:
            if self._cancel.is_set():  # the old run is stopping: start this one when it has
                self._pending_rebuild = (rebuild, encoder)
                return True
            return False
        self.indexing = True
        self._cancel = threading.Event()
        gen = self._generation
        settings = self.settings if encoder is None else replace(self.settings, encoder=encoder)
        self.indexing_jobs.submit(
            tasks.reindex,
            settings,
            self.embedder,
            rebuild,
            self._cancel,
            on_progress=partial(self._on_progress, gen),
            on_done=partial(self._on_indexed, gen),
            on_failed=partial(self._on_index_failed, gen),
        )
        self.indexingStarted.emit(rebuild)
        return True

    def cancel_indexing(self) -> None:
        """Ask the running indexer to stop at its next check (the old index is kept)."""
        self._cancel.set()

    @property
    def cancelling(self) -> bool:
        """True after Cancel, until the indexer has stopped."""
        return self.indexing and self._cancel.is_set()

    def _on_progress(self, gen: int, progress: Progress) -> None:
        if self._current(gen):
            self.indexingProgress.emit(progress)

    def _run_pending(self) -> bool:
        pending, self._pending_rebuild = self._pending_rebuild, None
        return pending is not None and self.reindex(*pending)

    def _on_indexed(self, gen: int, report: IndexReport) -> None:
        self.indexing = False
        if self._run_pending():
            return
        if not self._current(gen):
            return
        if self.settings is None:
            return
        self._reopen(gen)
        self.indexingDone.emit(report)

    def _reopen(self, gen: int) -> None:
        """Open the index again after a run changed it (a rebuild may have changed its
        encoder: the questions' encoder is chosen when it opens)."""
        self.queries.submit(
            tasks.open_index,
            self.settings,
            self.embedder,
            on_done=partial(self._on_opened, gen),
            on_failed=partial(self._on_open_failed, gen),
        )

    def _on_index_failed(self, gen: int, exc: BaseException) -> None:
        from askcorpus.errors import Cancelled, CancelledAfterCheckpoint

        self.indexing = False
        if self._run_pending() or not self._current(gen):
            return
        if isinstance(exc, Cancelled):
            # Cancelled after a checkpoint: what was published is kept, and it is what
            # questions now search (with the encoder it was written by).
            kept = isinstance(exc, CancelledAfterCheckpoint)
            if kept and self.settings is not None:
                self._reopen(gen)
            self.indexingCancelled.emit(kept)
        else:
            self.indexingFailed.emit(exc)
