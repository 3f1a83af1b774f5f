"""The window's background work as plain functions over the core (no Qt here).

Each function runs on a worker thread and returns a typed record; heavy modules (search, indexer
and, through the embedder, torch) are imported here, never at window start-up.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from askcorpus.errors import CorpusError
from askcorpus.gui.filters import folders_of
from askcorpus.records import Document, IndexReport, PassageFilter, SearchResult, SkippedFile
from askcorpus.settings import Settings

if TYPE_CHECKING:
    from askcorpus.embed.embedder import Embedder
    from askcorpus.search.index import Index
    from askcorpus.store.base import StoreStats

log = logging.getLogger(__name__)

MAX_WATCHED_DIRS = 2000
# Passages per model call when the window indexes (Settings.encode_block): the bar moves every
# few seconds and Cancel is honoured soon; the CLI keeps the default 512.
ENCODE_BLOCK = 32


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """An opened index and what the window shows about it."""

    index: Index
    stats: StoreStats
    skipped: tuple[SkippedFile, ...]
    updated: str


@dataclass(frozen=True, slots=True)
class TimedResult:
    """A search result with the time it took."""

    result: SearchResult
    seconds: float


@dataclass(frozen=True, slots=True)
class DocumentView:
    """What the reading pane needs to show one passage of one document."""

    document: Document
    full_path: Path
    passages: tuple[tuple[int, int, int], ...]  # (passage id, start, end) in document order
    position: int  # index into ``passages`` of the passage shown
    span: tuple[int, int]  # document offsets of the text shown highlighted (a hit's exact span)
    highlight: tuple[int, int] | None  # best sentence (document offsets), if any
    file_state: str  # "ok", "changed" (since indexing) or "missing"
    location: str = ""  # 'p. 3 · ¶ 12 · Section' of the passage shown
    corpus: str | None = None  # the corpus folder of the document's index (its manifest's)

    @property
    def text(self) -> str:
        """The highlighted text, exactly as indexed."""
        return self.document.text[self.span[0] : self.span[1]]


@dataclass(frozen=True, slots=True)
class ChangeSummary:
    """How the corpus folder differs from the index (cheap check: size and mtime)."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    folders: tuple[str, ...]  # folders to watch
    files: tuple[str, ...]  # files to watch
    #: More folders or files than are watched (MAX_WATCHED_DIRS): changes beyond go unseen.
    truncated: bool = False

    @property
    def count(self) -> int:
        """Documents added, changed or removed."""
        return len(self.added) + len(self.changed) + len(self.removed)


def open_index(settings: Settings, embedder: Embedder) -> IndexInfo | None:
    """Open the index of ``settings``; None when there is none yet (typed errors otherwise)."""
    from askcorpus.search.index import Index
    from askcorpus.store.factory import locate

    if not settings.corpus_dir.is_dir():
        raise CorpusError(
            f"corpus folder {settings.corpus_dir} does not exist",
            settings.corpus_dir,
            "open another folder or create this one",
        )
    if not locate(settings.index_dir).exists():
        return None
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        return describe(index)
    except BaseException:
        index.close()
        raise


def describe(index: Index) -> IndexInfo:
    """Counts, skipped files and last update of an open index."""
    return IndexInfo(
        index=index,
        stats=index.stats(),
        skipped=tuple(index.store.skipped()),
        updated=index.store.manifest.updated,
    )


def index_folders(index: Index) -> tuple[str, ...]:
    """Every folder holding a document of ``index`` (what ``in:`` completes). Asked after the
    index is shown, not with it: on a corpus of 5,000 documents it costs ~50 ms, which a question
    typed at start-up should not wait for."""
    return tuple(folders_of(index.store.document_states()))


def load_model(embedder: Embedder) -> float:
    """Load the model and run one query through it (so the first real question is fast);
    returns the seconds it took."""
    t0 = time.perf_counter()
    embedder.load()
    embedder.encode_query("warm up")
    return time.perf_counter() - t0


def search(index: Index, question: str, k: int, where: PassageFilter | None = None) -> TimedResult:
    """Answer ``question`` from ``index``, inside ``where`` (filters of the window's chips)."""
    t0 = time.perf_counter()
    # Another process (the CLI, another window) may have updated the index since we opened it.
    refresh = getattr(index.store, "refresh", None)
    if refresh is not None:
        refresh()
    # The window lists every hit with its sentence: all are highlighted here, on the worker.
    result = index.search(question, k, where=where or None, highlight=k)
    return TimedResult(result, time.perf_counter() - t0)


def load_document(
    index: Index,
    corpus: Path,
    source: str,
    passage_id: int | None,
    span: tuple[int, int] | None,
    question: str | None,
    highlight: tuple[int, int] | None,
) -> DocumentView | None:
    """The indexed text of ``source`` showing ``span`` (a hit's exact span) or else the passage
    ``passage_id``; None when the document is no longer in the index."""
    from askcorpus.search.highlight import best_sentence

    document = index.document(source)
    if document is None:
        return None
    passages = tuple(tuple(p) for p in index.store.document_passages(source))
    if not passages:
        return None
    position = next((i for i, p in enumerate(passages) if p[0] == passage_id), None)
    if position is None and span is not None:
        position = next((i for i, p in enumerate(passages) if p[1] <= span[0] < p[2]), None)
    position = position or 0
    start, end = span if span is not None else passages[position][1:]
    if highlight is None or not (start <= highlight[0] < highlight[1] <= end):
        highlight = best_sentence(question, document.text[start:end], start) if question else None
    full_path = corpus / source
    stored = index.store.passages([passages[position][0]]).get(passages[position][0])
    location = span_location(document, start, end, stored.paragraph if stored else None)
    if stored is not None and stored.section and document.section_at(start) is None:
        location = f"{location} · {stored.section}"
    return DocumentView(
        document=document,
        full_path=full_path,
        passages=passages,  # type: ignore[arg-type]
        position=position,
        span=(start, end),
        highlight=highlight,
        file_state=file_state(full_path, document),
        location=location,
        corpus=index.store.manifest.corpus or None,
    )


def span_location(document: Document, start: int, end: int, paragraph: int | None) -> str:
    """'pp. 2–3 · ¶ 7 · Methods': the pages a span covers (PDFs), its paragraph and section."""
    parts = []
    if document.page_starts:
        first = document.page_at(start)
        last = document.page_at(max(start, end - 1))
        parts.append(f"p. {first}" if first == last else f"pp. {first}–{last}")
    if paragraph is not None:
        parts.append(f"¶ {paragraph}")
    section = document.section_at(start)
    if section:
        parts.append(section)
    return " · ".join(parts)


def file_state(path: Path, document: Document) -> str:
    """'missing' when the file is gone, 'changed' when its size or mtime moved, else 'ok'."""
    from askcorpus.ingest.documents import is_unchanged

    try:
        st = path.stat()
    except OSError:
        return "missing"
    if not is_unchanged(st.st_size, st.st_mtime, document):
        return "changed"
    return "ok"


def scan_changes(index: Index | None, corpus: Path) -> ChangeSummary:
    """Compare the corpus folder with the index by path, size and modification time."""
    from askcorpus.ingest.documents import discover, is_unchanged

    entries, _skipped = discover(corpus)
    states = index.store.document_states() if index is not None else {}
    # A file the indexer skipped (unreadable) is not new: unless it changed since that run,
    # reporting it as added would ask for a reindex, and an automatic one, forever.
    skipped = {s.source for s in index.store.skipped()} if index is not None else set()
    indexed_at = _timestamp(index.store.manifest.updated) if index is not None else 0.0
    added, changed = [], []
    for e in entries:
        state = states.get(e.source)
        if state is None:
            if e.source not in skipped or e.mtime > indexed_at:
                added.append(e.source)
        elif not is_unchanged(e.size, e.mtime, state):
            changed.append(e.source)
    present = {e.source for e in entries}
    removed = [s for s in states if s not in present]
    folders = [str(corpus)]
    truncated = len(entries) > MAX_WATCHED_DIRS
    for dirpath, dirnames, _files in os.walk(corpus, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        if dirpath != str(corpus):
            if len(folders) >= MAX_WATCHED_DIRS:
                truncated = True
                break
            folders.append(dirpath)
    return ChangeSummary(
        tuple(added),
        tuple(changed),
        tuple(sorted(removed)),
        tuple(folders),
        tuple(str(e.path) for e in entries[:MAX_WATCHED_DIRS]),
        truncated,
    )


def _timestamp(iso: str) -> float:
    """Seconds since the epoch of an ISO 8601 time (0 when it cannot be read)."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0


def reindex(
    settings: Settings,
    embedder: Embedder,
    rebuild: bool,
    cancel: threading.Event,
    progress: object = None,
) -> IndexReport:
    """Run the incremental indexer (or a rebuild), cancellable through ``cancel``."""
    from askcorpus.indexer.update import update_index

    return update_index(
        replace(settings, encode_block=ENCODE_BLOCK),
        embedder,
        rebuild=rebuild,
        progress=progress,  # type: ignore[arg-type]
        cancelled=cancel.is_set,
    )


def close_index(index: Index) -> None:
    """Close an index that is no longer used (queued after any search still using it)."""
    index.close()
