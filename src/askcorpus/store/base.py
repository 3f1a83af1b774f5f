"""The store seam: what the indexer and search need from an index, independent of its backend.

:class:`Store` is a small protocol (documents' states, a write transaction, vector and keyword
search, lookups). :class:`~askcorpus.store.local.store.LocalStore` (FAISS + SQLite in one folder) is the
embedded default; a server-backed store can implement the same protocol.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

import numpy as np

from askcorpus.errors import AskcorpusError
from askcorpus.records import Document, Passage, SkippedFile


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

    @property
    def healthy(self) -> bool:
        """True when the vector index and the passage table agree."""
        return self.vectors == self.passages


class StoreWriter(Protocol):
    """One atomic update: nothing is visible to readers until :meth:`commit`."""

    def remove_document(self, source: str) -> int:
        """Drop a document and its passages; returns how many passages went."""

    def add_document(
        self, document: Document, passages: Sequence[Passage], vectors: np.ndarray
    ) -> None:
        """Insert a document (replacing one with the same source) with its passages' vectors."""

    def touch_document(self, source: str, mtime: float) -> None:
        """Record a new modification time for a document whose content did not change."""

    def set_skipped(self, skipped: Sequence[SkippedFile]) -> None:
        """Replace the list of files the last run could not index."""

    def checkpoint(self) -> None:
        """Publish the work so far as a consistent but incomplete state, and go on."""

    def commit(self) -> None:
        """Make the update visible, atomically."""

    def rollback(self) -> None:
        """Abandon the update; the index stays as it was."""


class Store(Protocol):
    """An index: manifest, documents, passages, vectors and keyword index."""

    manifest: Manifest

    def document_states(self) -> dict[str, DocState]:
        """Every indexed document's state, keyed by source."""

    def writer(self) -> StoreWriter:
        """Start an update (takes the single-writer lock)."""

    def check(self, deep: bool = True) -> list[AskcorpusError]:
        """Problems found in the index as typed errors (empty when healthy); never raises."""

    def search_vectors(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` passages nearest ``query`` as (passage id, inner product), best first."""

    def search_lexical(self, query: str, k: int) -> list[tuple[int, float]]:
        """The ``k`` best keyword matches as (passage id, BM25 score, higher is better)."""

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        """Passages by id (missing ids are left out)."""

    def document(self, source: str) -> Document | None:
        """A stored document with its extracted text, or None."""

    def neighbours(self, passage_id: int) -> tuple[int | None, int | None]:
        """Ids of the previous and next passages of the same document."""

    def skipped(self) -> list[SkippedFile]:
        """Files the last indexing run could not use."""

    def stats(self) -> StoreStats:
        """Counts and consistency of the index."""

    def close(self) -> None:
        """Release files and connections."""
