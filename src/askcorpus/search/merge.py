"""Turning fused candidates into hits: passages holding the question's quoted phrases first,
then passages of one document that overlap or touch merged into one readable hit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from askcorpus.records import Via
from askcorpus.search import fusion
from askcorpus.store.base import StoredPassage

# Merged neighbours must stay readable: a hit never grows beyond this many characters.
MERGE_MAX_CHARS = 2400
# A passage containing a quoted phrase of the question exactly gets this much extra score.
PHRASE_BONUS = 0.25


@dataclass(frozen=True, slots=True)
class Group:
    """Passages of one document merged into one hit (best passage first)."""

    best: StoredPassage
    fused: fusion.Fused
    start: int
    end: int
    via: Via


def promote_phrases(
    ranked: list[tuple[StoredPassage, fusion.Fused]], phrases: list[str]
) -> list[tuple[StoredPassage, fusion.Fused]]:
    """Re-rank so passages holding the question's quoted phrases verbatim come first."""
    if not phrases:
        return ranked
    wanted = [" ".join(p.lower().split()) for p in phrases]

    def bonus(p: StoredPassage) -> float:
        body = " ".join(p.text.lower().split())
        return PHRASE_BONUS * sum(w in body for w in wanted) / len(wanted)

    return sorted(ranked, key=lambda pf: -(pf[1].score + bonus(pf[0])))


def merge_hits(
    ranked: list[tuple[StoredPassage, fusion.Fused]], k: int, doc_text: Callable[[str], str]
) -> list[Group]:
    """The first ``k`` hits, merging passages of one document that overlap or touch.

    A lower-ranked passage overlapping or adjacent to chosen hits (only blank space between)
    joins them into one hit whose span is the union, up to :data:`MERGE_MAX_CHARS`; if the
    union would be longer the passage is dropped, so the top results are never near-copies
    of each other and never continue one another.
    """
    groups: list[Group] = []
    # Hits per document: most candidates share a document with no hit, and then no hit needs
    # looking at (this keeps a large k from costing candidates x hits comparisons).
    per_source: dict[str, int] = {}
    for p, f in ranked:
        touched = (
            [i for i, g in enumerate(groups) if _touches(g, p, doc_text)]
            if per_source.get(p.source)
            else []
        )
        if not touched:
            if len(groups) < k:
                groups.append(Group(p, f, p.start, p.end, f.via))
                per_source[p.source] = per_source.get(p.source, 0) + 1
            continue
        start = min(p.start, *(groups[i].start for i in touched))
        end = max(p.end, *(groups[i].end for i in touched))
        if end - start > MERGE_MAX_CHARS:
            continue
        first = groups[touched[0]]
        vias = {f.via, *(groups[i].via for i in touched)}
        via = vias.pop() if len(vias) == 1 else "both"
        groups[touched[0]] = Group(first.best, first.fused, start, end, via)
        for i in reversed(touched[1:]):
            del groups[i]
        per_source[p.source] -= len(touched) - 1
    return groups


def _touches(g: Group, p: StoredPassage, doc_text: Callable[[str], str]) -> bool:
    """True when passage ``p`` overlaps hit ``g`` or only blank space separates them."""
    if g.best.source != p.source:
        return False
    lo, hi = (g.end, p.start) if g.end <= p.start else (p.end, g.start)
    return lo >= hi or not doc_text(p.source)[lo:hi].strip()
