"""Index health: is an index usable, complete and consistent? Never raises for a damaged index.

:func:`diagnose` opens an index the way search does, then checks it deeper (SQLite's page check,
every document and passage against its checksum, FTS5's check of the keyword index, FAISS and
SQLite holding the same passages and vectors, vector dimensions, the manifest against the running
settings), so it reports whatever would make a search refuse or quote wrong text. ``askcorpus status`` and the window show its verdict; every problem is a typed error
carrying the file at fault and the fix (usually ``askcorpus index --rebuild``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from askcorpus.errors import (
    AskcorpusError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexMissingError,
)
from askcorpus.records import SkippedFile
from askcorpus.settings import Settings
from askcorpus.store.base import REBUILD, Manifest, StoreStats, check_manifest
from askcorpus.store.factory import locate


@dataclass(frozen=True, slots=True)
class IndexHealth:
    """The verdict on one index folder."""

    folder: Path
    problems: tuple[AskcorpusError, ...] = ()
    manifest: Manifest | None = None
    stats: StoreStats | None = None
    skipped: tuple[SkippedFile, ...] = field(default=())

    @property
    def healthy(self) -> bool:
        """True when the index opens, matches the settings and FAISS agrees with SQLite."""
        return not self.problems and self.stats is not None and self.stats.healthy

    @property
    def complete(self) -> bool:
        """False while an interrupted build awaits the next ``askcorpus index``."""
        return self.stats is not None and self.stats.complete

    @property
    def error(self) -> AskcorpusError | None:
        """The first problem (what to show a user), or None when healthy."""
        return self.problems[0] if self.problems else None


def diagnose(settings: Settings, deep: bool = True) -> IndexHealth:
    """Check the index in ``settings.index_dir``; raises only :class:`IndexMissingError`."""
    folder = settings.index_dir
    location = locate(folder)
    if not location.exists():
        raise IndexMissingError(f"no index at {folder}", folder, "run `askcorpus index`")
    try:
        store = location.open()
    except (IndexCorruptError, IndexMismatchError, IndexLockedError) as exc:
        return IndexHealth(folder, (exc,))
    try:
        problems: list[AskcorpusError] = []
        try:
            check_manifest(store.manifest, settings, store.where, for_update=False)
        except IndexMismatchError as exc:
            problems.append(exc)
        problems.extend(store.check(deep))
        try:
            stats = store.stats()
            skipped = tuple(store.skipped())
        except (IndexCorruptError, IndexLockedError) as exc:
            return IndexHealth(folder, (*problems, exc), store.manifest)
        if not stats.healthy and not problems:
            problems.append(
                IndexCorruptError(
                    f"index {folder} holds {stats.vectors} vectors for {stats.passages} passages",
                    folder,
                    REBUILD,
                )
            )
        return IndexHealth(folder, tuple(problems), store.manifest, stats, skipped)
    finally:
        store.close()
