"""``merge_hits`` with its per-document bookkeeping equals the merger it replaced
(reference_merge_v1.py) on random candidate lists: same groups, spans, vias and order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from askcorpus.search.fusion import Fused
from askcorpus.search.merge import merge_hits
from askcorpus.store.base import StoredPassage

from . import reference_merge_v1 as v1

DOCS = {"a": "x" * 50 + "   " + "y" * 400, "b": "z\n\n" * 200, "c": "w" * 3000}


@st.composite
def candidates(draw: st.DrawFn) -> list[tuple[StoredPassage, Fused]]:
    out = []
    n = draw(st.integers(0, 80))
    for pid in range(n):
        source = draw(st.sampled_from(sorted(DOCS)))
        length = len(DOCS[source])
        start = draw(st.integers(0, length - 1))
        end = draw(st.integers(start + 1, min(length, start + 1300)))
        passage = StoredPassage(
            id=pid,
            source=source,
            title=source,
            start=start,
            end=end,
            text=DOCS[source][start:end],
            paragraph=1,
            page=None,
            section=None,
        )
        dense = draw(st.sampled_from([None, 1]))
        lexical = draw(st.sampled_from([None, 1])) if dense else 1
        out.append((passage, Fused(pid, 1.0 - pid / 100, 0.5, 0.5, dense, lexical)))
    return out


@settings(max_examples=400, deadline=None)
@given(candidates(), st.integers(1, 30))
def test_merge_equals_the_reference(ranked: list[tuple[StoredPassage, Fused]], k: int) -> None:
    def doc_text(source: str) -> str:
        return DOCS[source]

    new = merge_hits(ranked, k, doc_text)
    old = v1.merge_hits(ranked, k, doc_text)
    assert [(g.best.id, g.start, g.end, g.via, g.fused) for g in new] == [
        (g.best.id, g.start, g.end, g.via, g.fused) for g in old
    ]
