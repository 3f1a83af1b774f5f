"""The search's presentation step as it was before the query-time speed work (issue #18),
kept verbatim as the oracle the faster path must equal: from the fused candidates to the hits
(phrase promotion, merging, each hit's answering sentence and matched terms), computed with
the reference highlighter and merger of this folder. Do not optimise this file. (One rule was
added since, marked "later rule": headings lose ties with sentences.)"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from askcorpus.records import Hit, SearchResult
from askcorpus.search import evidence
from askcorpus.search.index import (
    CANDIDATES,
    DENSE_HIGHLIGHT_HITS,
    DENSE_SENTENCES,
    Index,
)
from askcorpus.text.query import clean_question, quoted_phrases

from .reference_highlight_v1 import (
    best_sentence,
    heading_indexes,
    matched_terms,
    sentence_overlaps,
)
from .reference_merge_v1 import Group, merge_hits, promote_phrases


def reference_search(index: Index, question: str, k: int, mode: str = "hybrid") -> SearchResult:
    """``Index.search`` as it was (k and the question assumed valid)."""
    text, note = clean_question(question)
    query_vec = None if mode == "keyword" else index.embedder.encode_query(text)
    with index.store.snapshot():
        fused, query_vec = index.retrieve(text, max(CANDIDATES, 4 * k), mode, query_vec)
        fused = evidence.reranked(index.store, text, fused, mode)  # ranking, not presentation
        window = fused[: 3 * k + 5]
        passages = index.store.passages([f.id for f in window])
        ranked = [(passages[f.id], f) for f in window if f.id in passages]
        ranked = promote_phrases(ranked, quoted_phrases(text))
        texts: dict[str, str] = {}

        def doc_text(source: str) -> str:
            if source not in texts:
                doc = index.store.document(source)
                texts[source] = doc.text if doc is not None else ""
            return texts[source]

        groups = merge_hits(ranked, k, doc_text)
        hits = [_hit(index, rank, g, text, query_vec, doc_text) for rank, g in enumerate(groups, 1)]
    # The cosine rule of then (top dense cosine >= 0.35); not compared, kept for the record.
    top = max((f.dense_score for f in fused[:k]), default=0.0)
    likely = bool(hits) and (query_vec is None or top >= 0.35)
    return SearchResult(query=question, hits=tuple(hits), answer_likely=likely, note=note)


def _hit(
    index: Index,
    rank: int,
    g: Group,
    question: str,
    query_vec: np.ndarray | None,
    doc_text: Callable[[str], str],
) -> Hit:
    p = g.best
    text = p.text if (g.start, g.end) == (p.start, p.end) else doc_text(p.source)[g.start : g.end]
    similarities = overlaps = None
    heads = heading_indexes(text)  # later rule: headings lose ties, and are not embedded
    if query_vec is not None and rank <= DENSE_HIGHLIGHT_HITS:
        overlaps = sentence_overlaps(question, text)
        top = max(overlaps, default=0)
        tied = [i for i, o in enumerate(overlaps) if o == top]
        tied = [i for i in tied if i not in heads] or tied
        if len(tied) > 1:
            similarities = index.tie_break.sentence_similarities(
                text, tied[:DENSE_SENTENCES], query_vec
            )
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
        highlight=best_sentence(question, text, g.start, similarities, overlaps, heads),
        matched_terms=matched_terms(question, text),
        via=g.via,
        dense_score=round(g.fused.dense_score, 4),
        lexical_rank=g.fused.lexical_rank,
        kind=p.kind,
        ocr=p.ocr,
        date=p.date,
        corpus=index.store.manifest.corpus or None,  # a field added since
    )
