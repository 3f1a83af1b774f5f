"""Index coverage: per folder of the corpus, what the index holds and what it does not, and why.

For each folder: documents indexed, of them read by OCR, files skipped by the last run (with the
reason), files and folders excluded by ``.askcorpusignore`` (with the rule), files new or
changed on disk since (waiting for the next run) and documents whose file is gone, and when the
folder was last indexed.

Cheap enough to run on demand: excluded and waiting files come from a fresh discovery (names,
sizes and mtimes, nothing read); skipped files are what the last run stored. Only PDFs and
image files, the documents OCR can have read, are opened to count OCR'd ones. "Last indexed" is
the index's last update: every run examines every file of the corpus, so a folder's documents
are as of that run unless they wait (``waiting``); the store keeps no time per document.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from askcorpus.errors import CorpusError
from askcorpus.ingest.discover import discover, is_unchanged
from askcorpus.records import ExcludedFile, SkippedFile
from askcorpus.store.base import Store

# Documents only these can have had pages read by OCR (scans and image files).
_OCR_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif")


@dataclass(frozen=True, slots=True)
class FolderCoverage:
    """What the index holds of one folder ("." for the corpus root); files of its subfolders
    count in theirs."""

    folder: str
    indexed: int = 0
    ocr: int = 0
    waiting: int = 0
    missing: int = 0
    skipped: tuple[SkippedFile, ...] = field(default=())
    excluded: tuple[ExcludedFile, ...] = field(default=())
    last_indexed: str = ""


@dataclass(frozen=True, slots=True)
class Coverage:
    """The coverage of one index over its corpus, folder by folder (sorted by path)."""

    corpus: str
    updated: str
    folders: tuple[FolderCoverage, ...]
    #: Why the corpus folder could not be listed (excluded and waiting are then unknown), or "".
    problem: str = ""

    @property
    def corpus_readable(self) -> bool:
        """False when the corpus folder (or its rules file) could not be read."""
        return not self.problem

    @property
    def indexed(self) -> int:
        """Documents indexed in all folders."""
        return sum(f.indexed for f in self.folders)

    def summary(self) -> str:
        """One line: totals over all folders."""
        total = {
            name: sum(getattr(f, name) for f in self.folders)
            for name in ("indexed", "ocr", "waiting", "missing")
        }
        skipped = sum(len(f.skipped) for f in self.folders)
        excluded = sum(len(f.excluded) for f in self.folders)
        line = (
            f"{total['indexed']} documents indexed ({total['ocr']} read by OCR) in "
            f"{len(self.folders)} folders; {skipped} skipped, {excluded} excluded, "
            f"{total['waiting']} new or changed and {total['missing']} gone since "
            f"{self.updated or 'the last run'}"
        )
        return f"{line} — {self.problem}" if self.problem else line


def _folder(source: str) -> str:
    """The folder a file's source lies in ("." for the corpus root)."""
    return posixpath.dirname(source) or "."


def coverage(store: Store, corpus: Path) -> Coverage:
    """The coverage of ``store`` (an open index) over the corpus folder ``corpus``."""
    states = store.document_states()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    skipped: dict[str, list[SkippedFile]] = defaultdict(list)
    excluded_by: dict[str, list[ExcludedFile]] = defaultdict(list)
    for source in states:
        counts[_folder(source)]["indexed"] += 1
        if source.lower().endswith(_OCR_SUFFIXES):
            doc = store.document(source)
            if doc is not None and doc.ocr_pages:
                counts[_folder(source)]["ocr"] += 1
    last_skipped = store.skipped()
    for skip in last_skipped:
        skipped[_folder(skip.source)].append(skip)
    # A file the last run skipped is counted there, not as waiting (the store keeps no size
    # or mtime of it, so a skipped file fixed since shows up at the next run).
    skipped_sources = {s.source for s in last_skipped}
    problem = ""
    excluded: list[ExcludedFile] = []
    try:
        entries, _skipped_now = discover(corpus, excluded)
    except CorpusError as exc:
        problem, entries = exc.user_message(), []
    on_disk = set()
    for entry in entries:
        on_disk.add(entry.source)
        state = states.get(entry.source)
        if state is None and entry.source in skipped_sources:
            continue
        if state is None or not is_unchanged(entry.size, entry.mtime, state):
            counts[_folder(entry.source)]["waiting"] += 1
    if not problem:
        for source in states.keys() - on_disk:
            counts[_folder(source)]["missing"] += 1
    for ex in excluded:
        # An excluded folder is shown as itself; an excluded file in its folder.
        where = ex.source.rstrip("/") if ex.source.endswith("/") else _folder(ex.source)
        excluded_by[where].append(ex)
    updated = store.manifest.updated
    names = sorted(set(counts) | set(skipped) | set(excluded_by))
    folders = tuple(
        FolderCoverage(
            folder=name,
            indexed=counts[name]["indexed"],
            ocr=counts[name]["ocr"],
            waiting=counts[name]["waiting"],
            missing=counts[name]["missing"],
            skipped=tuple(skipped[name]),
            excluded=tuple(excluded_by[name]),
            last_indexed=updated if counts[name]["indexed"] or skipped[name] else "",
        )
        for name in names
    )
    return Coverage(str(corpus), updated, folders, problem)
