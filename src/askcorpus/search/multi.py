"""Several indexes searched as one (``askcorpus ask --index A --index B``): one ranked list,
each hit labelled with the corpus its index was built from (:attr:`Hit.corpus`).

Scores are made comparable by fusing once over all indexes, not by sorting each index's own
fused scores: the indexes must share the embedding model (so their cosines are on one scale),
every index contributes its raw dense and keyword candidates, and one convex combination (or
RRF) normalises them by the best of the pooled lists. Each index then turns its share of the
pooled ranking into hits (merging touching passages), the hits are ordered by their pooled
score and the first ones highlighted (each index's own top hit with the embedding tie-break,
as when it is searched alone). Whether the corpora answer at all ("not in this corpus") is
decided by each index's own calibrated estimate (:func:`askcorpus.search.absence.assess`) on its
share of the pooled list: the question is likely answered when one corpus likely answers it
(the highest probability), and the terms found nowhere are those no corpus holds. One index
alone gives exactly :meth:`Index.search`'s answer.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.errors import IndexMismatchError, QueryError
from askcorpus.records import Highlighting, Hit, PassageFilter, SearchResult
from askcorpus.search import absence, evidence, fusion
from askcorpus.search.absence import caveats as caveats_of
from askcorpus.search.index import CANDIDATES, Index, Sides, fuse
from askcorpus.search.present import HIGHLIGHT_HITS, highlight_hits
from askcorpus.search.question import check_folder, read_question
from askcorpus.settings import Settings

#: Passage ids of index ``i`` are pooled as ``i << ID_BITS | id`` (ids stay far below 2**40).
ID_BITS = 40


class MultiIndex:
    """Indexes of several corpora, searched together (see the module docstring)."""

    def __init__(self, indexes: Sequence[Index]):
        if not indexes:
            raise QueryError("no index to search", hint="give at least one --index")
        first = indexes[0].store.manifest
        for other in indexes[1:]:
            m = other.store.manifest
            if (m.model, m.dimension) != (first.model, first.dimension):
                raise IndexMismatchError(
                    f"index {other.store.where} was built with {m.model}, index "
                    f"{indexes[0].store.where} with {first.model}: their scores cannot be "
                    "compared",
                    other.store.where,
                    "rebuild one with the other's encoder (askcorpus index --rebuild --encoder …)",
                )
        self.indexes = list(indexes)

    @classmethod
    def open(
        cls,
        folders: Sequence[Path | str],
        settings: Settings | None = None,
        embedder: Embedder | None = None,
    ) -> MultiIndex:
        """Open every index in ``folders`` with one embedder (typed errors as
        :meth:`Index.open`); those already opened are closed again when one fails."""
        settings = settings or Settings()
        embedder = embedder or Embedder(settings)
        opened: list[Index] = []
        try:
            for folder in folders:
                opened.append(Index.open(folder, settings, embedder))
            return cls(opened)
        except BaseException:
            for index in opened:
                index.close()
            raise

    def search(
        self,
        question: str,
        k: int | None = None,
        mode: str = "hybrid",
        where: PassageFilter | None = None,
        syntax: bool = True,
        highlight: int | None = HIGHLIGHT_HITS,
    ) -> SearchResult:
        """The ``k`` best passages of all the indexes for ``question`` (filters, query syntax
        and ``highlight`` as :meth:`Index.search`; ``in:`` names a folder inside each
        corpus)."""
        if len(self.indexes) == 1:
            return self.indexes[0].search(question, k, mode, where, syntax, highlight)
        k, text, note, parsed_filter = read_question(
            question, k or self.indexes[0].settings.top_k, where, syntax
        )
        allowed = parsed_filter or None
        n = max(CANDIDATES, 4 * k)
        with contextlib.ExitStack() as stack:
            for index in self.indexes:
                stack.enter_context(index.store.snapshot())
            sides, query_vec = self._pooled(text, n, mode, allowed)
            pooled = fuse(sides, mode, self.indexes[0].fusion)  # one model: one scale
            if mode == "hybrid" and fusion.is_long_query(text):  # as one index does
                pooled = fusion.length_normalised(pooled, self._words(pooled))
            hits: list[tuple[int, Hit]] = []
            verdicts: list[absence.Assessment] = []
            unjudged: list[str] = []
            for i, index in enumerate(self.indexes):
                own = [_unpooled(f) for f in pooled if f.id >> ID_BITS == i]
                if query_vec is not None and own:
                    verdict = absence.assess(
                        index.store, text, own, query_vec, index.embedder.encode_query
                    )
                    reason = absence.unjudged(index.store, text) if verdict is None else None
                    verdicts += [verdict] if verdict else []
                    unjudged += [reason] if reason else []
                own = evidence.reranked(index.store, text, own, mode)  # as one index shows
                hits += [(i, h) for h in index.present(text, own, k)]
        if not hits and allowed is not None and allowed.folder:
            check_folder([index.store for index in self.indexes], allowed.folder)
        hits.sort(key=lambda ih: (-ih[1].score, ih[0], ih[1].rank))
        hits = hits[:k]
        ranked = tuple(dataclasses.replace(h, rank=r) for r, (_i, h) in enumerate(hits, 1))
        verdict = _pooled_verdict(verdicts)
        likely = bool(ranked) and (verdict is None or verdict.likely)
        # Each index's own first hit gets the embedding tie-break, as when searched alone.
        dense = (
            ()
            if query_vec is None
            else tuple(r for r, (_i, h) in enumerate(hits, 1) if h.rank == 1)
        )
        how = Highlighting(text, dense, tuple(i for i, _h in hits))
        if query_vec is not None:
            for index in self.indexes:
                index.tie_break.remember(text, query_vec)
        caveats = () if likely else tuple(c for i in self.indexes for c in caveats_of(i.store))
        result = SearchResult(
            query=question,
            hits=ranked,
            answer_likely=likely,
            note=note,
            answer_probability=verdict.probability if verdict else None,
            unjudged=unjudged[0] if unjudged and ranked and not verdict else None,
            absent_terms=verdict.absent_terms if verdict else (),
            highlighting=how,
            caveats=tuple(dict.fromkeys(caveats)),
        )
        return self.highlight(result, 0, HIGHLIGHT_HITS if highlight is None else highlight)

    def highlight(
        self, result: SearchResult, first: int = 0, last: int | None = None
    ) -> SearchResult:
        """``result`` with hits ``first`` to ``last`` highlighted (as :meth:`Index.highlight`),
        each by the index it came from."""
        how = result.highlighting
        if how is None:
            return result
        if not how.origins:  # one index's result
            return self.indexes[0].highlight(result, first, last)
        hits = highlight_hits(
            result.hits,
            how,
            first,
            last,
            lambda i: self.indexes[how.origins[i]].tie_break.for_question(how),
        )
        done = all(h.highlighted for h in hits)
        return dataclasses.replace(result, hits=hits, highlighting=None if done else how)

    def close(self) -> None:
        """Release every index."""
        for index in self.indexes:
            index.close()

    def _words(self, pooled: Sequence[fusion.Fused]) -> dict[int, int]:
        """Each pooled candidate's length in words, read from its own index."""
        words: dict[int, int] = {}
        for i, index in enumerate(self.indexes):
            own = [f.id & ((1 << ID_BITS) - 1) for f in pooled if f.id >> ID_BITS == i]
            rows = index.store.passages(own) if own else {}
            words.update({i << ID_BITS | pid: len(p.text.split()) for pid, p in rows.items()})
        return words

    def _pooled(
        self,
        text: str,
        n: int,
        mode: str,
        where: PassageFilter | None,
    ) -> tuple[Sides, np.ndarray | None]:
        """Every index's candidate lists in one, ids made distinct, each list best first and
        cut to ``n`` as one index's would be; and the question's vector (None in keyword
        mode), encoded by the first index beside its keyword side and reused by the others."""
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        cosine: dict[int, float] = {}
        query_vec: np.ndarray | None = None
        for i, index in enumerate(self.indexes):
            sides, query_vec = index.sides(text, n, mode, query_vec, where)
            dense += [(i << ID_BITS | pid, s) for pid, s in sides.dense]
            lexical += [(i << ID_BITS | pid, s) for pid, s in sides.lexical]
            cosine.update({i << ID_BITS | pid: s for pid, s in sides.extra.items()})
        cosine.update(dense)
        dense.sort(key=lambda item: (-item[1], item[0]))
        lexical.sort(key=lambda item: (-item[1], item[0]))
        dense, lexical = dense[:n], lexical[:n]
        # Keyword candidates outside the pooled dense list keep their exact cosine (from their
        # own index's dense list or its extra scores), as one index's would.
        kept = {pid for pid, _s in dense}
        extra = {pid: cosine[pid] for pid, _s in lexical if pid not in kept and pid in cosine}
        return Sides(dense, lexical, extra), query_vec


def _pooled_verdict(verdicts: Sequence[absence.Assessment]) -> absence.Assessment | None:
    """The verdict for corpora searched together from each one's (None when none judged): as
    likely as the likeliest (one corpus answering is enough), and the terms none holds (an
    index that judged with no term absent holds them all)."""
    if not verdicts:
        return None
    best = max(verdicts, key=lambda v: v.probability)
    nowhere = set.intersection(*(set(v.absent_terms) for v in verdicts))
    absent = tuple(t for t in verdicts[0].absent_terms if t in nowhere)
    return absence.Assessment(best.probability, best.likely, absent)


def _unpooled(f: fusion.Fused) -> fusion.Fused:
    """A pooled candidate with its index's own passage id again."""
    return dataclasses.replace(f, id=f.id & ((1 << ID_BITS) - 1))
