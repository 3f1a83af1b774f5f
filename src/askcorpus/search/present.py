"""From merged passages to hits, and highlighting hits when they are shown.

A hit is built without its answering sentence and matched terms (:func:`plain_hit`); those cost
more than everything else a hit needs (a large ``k`` spent most of its time on them), and only
the hits someone sees need them. :func:`highlight_hits` computes them for a range of hits,
exactly as they would have been computed at search time: the same sentence split and term
overlaps, and the same embedding tie-break for the hits :class:`Highlighting` names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from askcorpus.records import Highlighting, Hit
from askcorpus.search.highlight import HitText, Question, pick_sentence, read_hit
from askcorpus.search.merge import Group

# Embedding a hit's sentences costs ~5 query embeddings, so only the first hit's sentences are
# embedded, and only when term overlap does not single out one sentence (docs/quality.md).
DENSE_HIGHLIGHT_HITS = 1
# At most this many sentences of a hit are embedded to pick its highlight (bounds the p95).
DENSE_SENTENCES = 6
#: How many hits a search highlights unless told otherwise (what a reader sees at once).
HIGHLIGHT_HITS = 10

#: ``similarities(hit, sentences, chosen)``: the question's cosine with the sentences
#: ``chosen`` of ``hit`` (indexes into ``sentences``, its sentences), -1 for the others.
Similarities = Callable[[Hit, list[str], list[int]], list[float]]


def plain_hit(rank: int, g: Group, text: str, corpus: str | None) -> Hit:
    """The hit of group ``g`` (its text ``text``), not highlighted yet."""
    p = g.best
    return Hit(
        rank=rank,
        score=round(g.fused.score, 4),
        passage_id=p.id,
        source=p.source,
        title=p.title,
        start=g.start,
        end=g.end,
        text=text,
        paragraph=p.paragraph,
        page=p.page,
        section=p.section,
        via=g.via,
        dense_score=round(g.fused.dense_score, 4),
        lexical_rank=g.fused.lexical_rank,
        kind=p.kind,
        ocr=p.ocr,
        date=p.date,
        corpus=corpus,
        highlighted=False,
    )


def tied_sentences(read: HitText) -> list[int]:
    """The sentences of a read hit that the embedding tie-break is asked about: those sharing
    the most question terms when more than one does (the first :data:`DENSE_SENTENCES`),
    else none: one sentence singled out by term overlap needs no embedding."""
    top = max(read.overlaps, default=0)
    tied = [i for i, o in enumerate(read.overlaps) if o == top]
    # A heading loses a tie with a sentence (highlight.pick_sentence): not worth embedding.
    sentences = [i for i in tied if i not in read.headings]
    tied = sentences or tied
    return tied[:DENSE_SENTENCES] if len(tied) > 1 else []


def highlight_hit(
    hit: Hit, asked: Question, similarities: Similarities | None, read: HitText | None = None
) -> Hit:
    """``hit`` with its answering sentence and matched terms. ``similarities`` (given for the
    hits whose ties are told apart by meaning) is asked only when term overlap alone leaves
    several sentences tied, for at most :data:`DENSE_SENTENCES` of them (bounds the p95).
    ``read`` is :func:`read_hit` of the hit when the caller has it already."""
    if hit.highlighted:
        return hit
    # Sentences, term overlaps and matched terms in one pass.
    read = read if read is not None else read_hit(asked, hit.text)
    scores = None
    if similarities is not None:
        chosen = tied_sentences(read)
        if chosen:
            scores = similarities(hit, read.sentences(hit.text), chosen)
    sentence = pick_sentence(
        read.spans, read.overlaps, len(asked.keys), hit.start, scores, read.headings
    )
    return dataclasses.replace(
        hit, highlight=sentence, matched_terms=read.matched, highlighted=True
    )


def highlight_hits(
    hits: Sequence[Hit],
    how: Highlighting,
    first: int,
    last: int | None,
    similarities: Callable[[int], Similarities],
    early: EarlyTieBreaks | None = None,
) -> tuple[Hit, ...]:
    """``hits`` with those at positions ``first`` to ``last`` (exclusive; None: to the end)
    highlighted; the others as they are. ``similarities(position)`` gives the tie-break of
    the hit at that position (its index's embedder), asked only for ranks in
    ``how.dense_ranks``; ``early`` holds what a search started before (its reads and
    tie-breaks), used instead of computing them again."""
    out = list(hits)
    stop = len(out) if last is None else min(last, len(out))
    asked: Question | None = early.asked if early is not None else None
    # The hits whose tie-break is running elsewhere go last, so it has the most time.
    positions = list(range(max(first, 0), stop))
    if early is not None:
        positions.sort(key=lambda i: i in early.pending)
    for i in positions:
        hit = out[i]
        if hit.highlighted:
            continue
        asked = asked or Question.of(how.question)  # read once for every hit
        read = early.reads.get(i) if early is not None else None
        dense = None
        if hit.rank in how.dense_ranks:
            dense = early.pending.get(i) if early is not None else None
            dense = dense or similarities(i)
        out[i] = highlight_hit(hit, asked, dense, read)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class EarlyTieBreaks:
    """What a search computed of its highlighting before the rest of its work: the question
    read once, the reads of the hits at some positions, and for those needing it the
    embedding tie-break, started in the background (``pending``: position to a
    :data:`Similarities` that waits for it)."""

    asked: Question
    reads: dict[int, HitText]
    pending: dict[int, Similarities]
