"""What an exported passage is and how it is named: :class:`Item` (a hit or a pin), where it
comes from (:class:`Origin`: the corpus folder and the date indexed), a ``file://`` link to its
document and a one-line citation. Shared by :mod:`askcorpus.search.export` and
:mod:`askcorpus.search.references`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from askcorpus.records import DocumentKind, Hit, SearchResult


@dataclass(frozen=True, slots=True)
class Origin:
    """Where exported passages come from: the corpus folder (absolute; empty when the index
    predates it) and the date the index was last updated (ISO)."""

    corpus: str
    indexed: str

    @property
    def indexed_day(self) -> str:
        """The day the index was updated, ``YYYY-MM-DD``."""
        return self.indexed[:10]


@dataclass(frozen=True, slots=True)
class Item:
    """One exported passage: a hit of a result list, or a pin of a board (with its note)."""

    source: str
    title: str
    start: int
    end: int
    text: str
    location: str
    kind: DocumentKind = "text"
    page: int | None = None
    rank: int | None = None
    score: float | None = None
    date: str | None = None
    note: str | None = None
    pinned_at: str | None = None
    stale: bool = False


def item_from_hit(hit: Hit) -> Item:
    """The exported form of a hit."""
    return Item(
        source=hit.source,
        title=hit.title,
        start=hit.start,
        end=hit.end,
        text=hit.text,
        location=hit.place,
        kind=hit.kind,
        page=hit.page,
        rank=hit.rank,
        score=hit.score,
        date=hit.date,
    )


def items_from_result(result: SearchResult) -> list[Item]:
    """The hits of a result, in rank order."""
    return [item_from_hit(h) for h in result.hits]


def file_url(item: Item, origin: Origin) -> str | None:
    """A ``file://`` URL of the item's document (``#page=N`` for a PDF page), or None when the
    corpus folder is unknown."""
    if not origin.corpus:
        return None
    url = PurePosixPath(origin.corpus, item.source).as_uri()
    if item.kind == "pdf" and item.page is not None:
        url += f"#page={item.page}"
    return url


def citation(item: Item, origin: Origin) -> str:
    """A one-line citation: title, path, location, offsets and the date indexed."""
    parts = [item.title, item.source, item.location, f"characters {item.start}–{item.end}"]
    if origin.indexed:
        parts.append(f"indexed {origin.indexed_day}")
    return ", ".join(parts)
