"""The store seam: what the indexer and search need from an index, independent of its backend.

Three protocols, and the records they pass:

* :class:`StoreLocation` — where an index lives (a folder today, a server URL tomorrow): does
  an index exist there, open it, create it, take its single-writer lock, reset it;
* :class:`Store` — an open index: its manifest, one consistent snapshot per search, vector and
  keyword search, lookups, checks, and a :class:`StoreWriter` for updates;
* :class:`StoreWriter` — one atomic update: nothing is visible to readers until it commits.

:func:`askcorpus.store.factory.locate` turns a setting into a location. ``search/``,
``indexer/``, ``eval/`` and ``gui/`` reach a backend only through these protocols and that
factory (an import-linter contract checks it); every backend passes the conformance suite in
``tests/store/``. :mod:`askcorpus.store.local` (SQLite + FTS5 + FAISS in one folder) is the
embedded default.

Longer than 300 lines on purpose: the seam is read (and reviewed against a new backend) as a
whole; splitting its protocols from the records they pass would scatter one contract.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol

import numpy as np

from askcorpus.errors import AskcorpusError, IndexMismatchError
from askcorpus.records import (
    Document,
    DocumentKind,
    KeywordQuery,
    Passage,
    PassageFilter,
    SkippedFile,
)
from askcorpus.settings import OWN_MODELS, SCHEMA_VERSION, Settings

REBUILD = "run `askcorpus index --rebuild`"


#: The label (:meth:`StoreWriter.set_label`) under which the indexer keeps how many files and
#: folders the corpus's ``.askcorpusignore`` left out at its last run ("files folders"), for the
#: absence check's caveats (an answer may sit in one of them).
EXCLUDED_LABEL = "excluded-by-rules"


@dataclass(frozen=True, slots=True)
class Manifest:
    """What an index was built with; a mismatch with the running settings is an error."""

    schema_version: int
    model: str
    dimension: int
    chunking: dict[str, int]
    created: str
    updated: str
    backend: str = "torch"
    #: The corpus folder the index was built from (absolute), as the last indexing run saw it.
    corpus: str = ""
    #: The "not in this corpus" model fitted to this corpus at index time (feature weights by
    #: name, see :mod:`askcorpus.search.calibration`); empty: the default calibration.
    absence_calibration: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        """Serialised form stored beside the index."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse a stored manifest (raises ValueError/KeyError/TypeError when malformed)."""
        data = json.loads(text)
        return cls(
            schema_version=int(data["schema_version"]),
            model=str(data["model"]),
            dimension=int(data["dimension"]),
            chunking={str(k): int(v) for k, v in dict(data["chunking"]).items()},
            created=str(data["created"]),
            updated=str(data["updated"]),
            backend=str(data.get("backend", "torch")),
            corpus=str(data.get("corpus", "")),
            absence_calibration={
                str(k): float(v) for k, v in dict(data.get("absence_calibration") or {}).items()
            },
        )


@dataclass(frozen=True, slots=True)
class DocState:
    """What the store remembers of a document to decide whether it changed."""

    source: str
    content_hash: str
    size: int
    mtime: float
    passages: int


@dataclass(frozen=True, slots=True)
class StoredPassage:
    """A passage as read back from the store, with its document's title."""

    id: int
    source: str
    title: str
    start: int
    end: int
    text: str
    paragraph: int
    page: int | None
    section: str | None
    kind: DocumentKind = "text"
    #: True when the passage's page was read by OCR (its quote may hold OCR errors).
    ocr: bool = False
    #: Its document's date (:attr:`~askcorpus.records.Document.date`).
    date: str | None = None


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Counts and health of an index."""

    documents: int
    passages: int
    vectors: int
    skipped: int
    size_bytes: int
    vector_index: str
    complete: bool = True
    #: Documents per detected main language (ISO 639-1 code, most documents first); documents
    #: whose language could not be judged are not counted.
    languages: tuple[tuple[str, int], ...] = ()

    @property
    def healthy(self) -> bool:
        """True when the vector index and the passage table agree."""
        return self.vectors == self.passages


class WriterLock(Protocol):
    """The single-writer lock of an index, held for a whole indexing run."""

    def __enter__(self) -> WriterLock: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class StoreWriter(Protocol):
    """One atomic update: nothing is visible to readers until :meth:`commit`."""

    #: How many checkpoints this update has published so far.
    checkpoints: int

    def remove_document(self, source: str) -> int:
        """Drop a document and its passages; returns how many passages went."""
        ...

    def add_document(
        self, document: Document, passages: Sequence[Passage], vectors: np.ndarray
    ) -> None:
        """Insert a document (replacing one with the same source) with its passages' vectors."""
        ...

    def touch_document(self, source: str, mtime: float) -> None:
        """Record a new modification time for a document whose content did not change."""
        ...

    def set_manifest(self, manifest: Manifest) -> None:
        """Replace the manifest (published with the update)."""
        ...

    def set_skipped(self, skipped: Sequence[SkippedFile]) -> None:
        """Replace the list of files the last run could not index."""
        ...

    def set_label(self, key: str, value: str | None) -> None:
        """Record (or, with None, remove) a note a tool keeps with the index, e.g. what a
        benchmark index was built from; published with the update."""
        ...

    def checkpoint(self) -> None:
        """Publish the work so far as a consistent but incomplete state, and go on."""
        ...

    def commit(self) -> None:
        """Make the update visible, atomically."""
        ...

    def rollback(self) -> None:
        """Abandon the update; the index stays as it was."""
        ...

    def __enter__(self) -> StoreWriter: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class Store(Protocol):
    """An open index: manifest, documents, passages, vectors and keyword index."""

    manifest: Manifest

    @property
    def where(self) -> Path:
        """What messages about this index name (the local store's database file)."""
        ...

    @property
    def complete(self) -> bool:
        """False while a long build is between checkpoints and its last run has not finished."""
        ...

    def snapshot(self) -> AbstractContextManager[None]:
        """Every read inside sees one committed state, even while a writer publishes."""
        ...

    def refresh(self) -> bool:
        """Follow a writer's publish; True when the index changed."""
        ...

    def document_states(self) -> dict[str, DocState]:
        """Every indexed document's state, keyed by source."""
        ...

    def writer(self, lock: WriterLock | None = None) -> StoreWriter:
        """Start an update; it takes the writer lock unless the caller passes the one it holds."""
        ...

    def write_errors(self) -> AbstractContextManager[None]:
        """Inside, what the backend raises while an update runs becomes a typed error
        (:class:`~askcorpus.errors.IndexWriteError` for a full disk or read-only media,
        :class:`~askcorpus.errors.IndexCorruptError` for a damaged index)."""
        ...

    def check(self, deep: bool = True) -> list[AskcorpusError]:
        """Problems found in the index as typed errors (empty when healthy); never raises."""
        ...

    def search_vectors(
        self, query: np.ndarray, k: int, where: PassageFilter | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` passages nearest ``query`` as (passage id, inner product), best first;
        with ``where``, the ``k`` nearest among the passages it lets through."""
        ...

    def search_lexical(
        self, query: KeywordQuery, k: int, where: PassageFilter | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` best BM25 matches of ``query`` (an ``OR`` of its clauses) as (passage id,
        score, higher is better), among the passages ``where`` lets through; an empty query
        finds nothing. ``k`` may be as large as the index (every match, for mentions)."""
        ...

    def match_count(self, query: KeywordQuery, cap: int) -> int:
        """How many passages match ``query`` (an ``OR`` of its clauses), counted up to
        ``cap``: no ranking, so it is cheap where ranking every match is not (the absence
        check asks it of each of a question's terms)."""
        ...

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        """Passages by id (missing ids are left out); their text is verified against its
        checksum."""
        ...

    def passage_vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of passages ``ids``, one row each, in that order."""
        ...

    def document(self, source: str) -> Document | None:
        """A stored document with its extracted text (verified), or None."""
        ...

    def document_passages(self, source: str) -> list[tuple[int, int, int]]:
        """A document's passages as (id, start, end), in order."""
        ...

    def skipped(self) -> list[SkippedFile]:
        """Files the last indexing run could not use."""
        ...

    def label(self, key: str) -> str | None:
        """The note recorded under ``key`` (:meth:`StoreWriter.set_label`), or None."""
        ...

    def stats(self) -> StoreStats:
        """Counts and consistency of the index."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...


class StoreLocation(Protocol):
    """Where an index lives; :func:`askcorpus.store.factory.locate` makes one from a setting."""

    @property
    def where(self) -> Path:
        """What messages about this index name."""
        ...

    def exists(self) -> bool:
        """True when an index is there."""
        ...

    def open(self, verify: bool | None = None) -> Store:
        """Open the index there (typed errors when it is missing, damaged or of another
        schema); ``verify`` asks for the deeper checks on open (default: the backend's)."""
        ...

    def create(self, manifest: Manifest) -> Store:
        """Create an empty index there, atomically (there must not be one)."""
        ...

    def lock(self) -> WriterLock:
        """The single-writer lock (taken on ``with``; IndexLockedError names the holder)."""
        ...

    def reset(self) -> None:
        """Remove a damaged index, and only what the backend itself made; the caller holds
        the lock."""
        ...

    def check_placement(self, corpus: Path) -> bool:
        """Refuse, with an IndexLocationError, a location an index of ``corpus`` must not be
        written to; True when the location lies inside the corpus (discovery leaves it out)."""
        ...


def check_manifest(manifest: Manifest, settings: Settings, where: Path, for_update: bool) -> None:
    """Raise :class:`IndexMismatchError` (naming ``where``, the index's manifest) when the index
    was built differently than ``settings``."""
    if manifest.schema_version != SCHEMA_VERSION:
        raise IndexMismatchError(
            f"index {where} has schema version {manifest.schema_version}, this askcorpus reads "
            f"version {SCHEMA_VERSION}",
            where,
            REBUILD,
        )
    # An encoder that brings its own model (the multilingual one) names it in the manifest.
    model = OWN_MODELS.get(manifest.backend, settings.model_name)
    if manifest.model != model:
        raise IndexMismatchError(
            f"index {where} was built with model {manifest.model}, not {model}",
            where,
            REBUILD,
        )
    if for_update and manifest.chunking != settings.chunking.as_dict():
        raise IndexMismatchError(
            f"index {where} was built with other chunking parameters ({manifest.chunking})",
            where,
            REBUILD,
        )


def now_iso() -> str:
    """The current UTC time, ISO 8601, for manifests."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def expected_manifest(settings: Settings, dimension: int, backend: str) -> Manifest:
    """The manifest an index of ``settings.corpus_dir`` built now with ``settings`` and encoder
    ``backend`` carries."""
    stamp = now_iso()
    return Manifest(
        schema_version=SCHEMA_VERSION,
        model=OWN_MODELS.get(backend, settings.model_name),
        dimension=dimension,
        chunking=settings.chunking.as_dict(),
        created=stamp,
        updated=stamp,
        backend=backend,
        corpus=str(Path(settings.corpus_dir).resolve()),
    )
