"""The search API: ``Index.open(folder).search(question, k)`` returns typed, ranked hits.

Dense (FAISS) and keyword (FTS5 BM25) candidates are fused (:mod:`askcorpus.search.fusion`), passages
of one document that overlap or touch are merged into one hit, and each hit carries which
side(s) found it and, for the hits shown (the first ten unless asked otherwise, the rest on
demand: :meth:`Index.highlight`), the span of its best-answering sentence and the query terms
it matched. The CLI, the window and ``askcorpus eval`` are thin layers over this.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.errors import IndexReencodedError, QueryError
from askcorpus.records import (
    Document,
    Highlighting,
    Hit,
    KeywordQuery,
    PassageFilter,
    SearchResult,
)
from askcorpus.search import absence, evidence, fusion
from askcorpus.search.meanwhile import Meanwhile, WhileEncoding, hand_over
from askcorpus.search.merge import merge_hits, promote_phrases
from askcorpus.search.present import (
    DENSE_HIGHLIGHT_HITS,
    HIGHLIGHT_HITS,
    EarlyTieBreaks,
    highlight_hits,
    plain_hit,
)
from askcorpus.search.present import (
    DENSE_SENTENCES as DENSE_SENTENCES,  # the reference tests read it here
)
from askcorpus.search.question import check_folder, read_question
from askcorpus.search.tie_break import TieBreak
from askcorpus.settings import Settings, index_location
from askcorpus.store.base import Store, StoreStats, check_manifest
from askcorpus.store.factory import open_index
from askcorpus.text.query import keyword_query, pair_query, quoted_phrases

log = logging.getLogger(__name__)

MODES = ("hybrid", "rrf", "dense", "keyword")
CANDIDATES = 50
# Share of the BM25 score of the question's adjacent word pairs (as phrases) added to the
# BM25 score of its words; tuned on SciFact train and half of ArguAna (docs/quality.md).
PAIR_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class Sides:
    """One index's candidates before fusion: the dense list (id, cosine), the keyword list
    (id, BM25) and the exact cosine of keyword candidates the dense list missed."""

    dense: list[tuple[int, float]]
    lexical: list[tuple[int, float]]
    extra: dict[int, float]


def fuse(sides: Sides, mode: str, params: fusion.FusionParams | None = None) -> list[fusion.Fused]:
    """The fused ranking of ``sides`` in ``mode`` (see :meth:`Index.retrieve`); ``params``:
    the index's model's (:func:`fusion.params_for`; None: the defaults)."""
    if mode == "keyword":
        return fusion.single(sides.lexical, "keyword")
    if mode == "dense":
        return fusion.single(sides.dense, "dense")
    if mode == "rrf":
        return fusion.rrf(sides.dense, sides.lexical, sides.extra)
    p = params or fusion.FusionParams()
    return fusion.convex(sides.dense, sides.lexical, sides.extra, p.weight, p.floor)


class Index:
    """A searchable index: a store plus the embedder that reads questions."""

    def __init__(self, store: Store, settings: Settings, embedder: Embedder | None = None):
        self.store = store
        self.settings = settings
        # Questions must be encoded by the backend that encoded the index's passages.
        self.embedder = (embedder or Embedder(settings)).match_index(
            store.manifest.backend, where=store.where
        )
        #: The encoder of the vectors its questions are encoded for (:meth:`_check_encoder`).
        self._backend = store.manifest.backend
        #: How this index's dense and keyword scores are fused (its model's parameters).
        self.fusion = fusion.params_for(store.manifest.model)
        self._lock = threading.Lock()
        # One worker, started on first use: it encodes the question while this thread runs the
        # keyword side, and the top hit's tie-break while this thread runs the absence
        # estimate (ONNX Runtime and SQLite release the GIL; docs/benchmarks.md, session 6).
        self._executor: ThreadPoolExecutor | None = None
        self.tie_break = TieBreak(self.embedder, self._background)

    @classmethod
    def open(
        cls,
        folder: Path | str | None = None,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
    ) -> Index:
        """Open the index in ``folder`` (default: ``settings.index_dir``); typed errors when it is
        missing, damaged or built with another model."""
        settings = settings or Settings()
        if folder is None:
            folder = settings.index_dir
        elif not isinstance(folder, Path):  # a URL string stays as written
            folder = index_location(folder)
        store = open_index(folder)
        try:
            check_manifest(store.manifest, settings, store.where, for_update=False)
            # An index of a retired encoder is refused here too (Embedder.match_index).
            return cls(store, settings, embedder)
        except BaseException:
            store.close()
            raise

    def _check_encoder(self) -> None:
        """Refuse to search vectors of another encoder than the questions' (after the vectors
        were read, so the manifest is the one of what was searched). A rebuild with another
        encoder (``--rebuild --encoder``, the window's Rebuild for Several Languages) re-encodes
        the index in place, and a reader opened before it follows its published generations:
        cosines between the two models' vectors mean nothing."""
        backend = self.store.manifest.backend
        if backend != self._backend:
            raise IndexReencodedError(
                f"index {self.store.where} was re-encoded by the {backend} encoder since it was "
                f"opened (its questions were encoded by {self._backend})",
                self.store.where,
                "open it again; while it is being rebuilt, ask once the rebuild has finished",
            )

    def stats(self) -> StoreStats:
        """Counts and health of the index."""
        return self.store.stats()

    def document(self, source: str) -> Document | None:
        """The indexed text of a document (exactly what passage offsets index)."""
        return self.store.document(source)

    def retrieve(
        self,
        text: str,
        n: int,
        mode: str = "hybrid",
        query_vec: np.ndarray | None = None,
        where: PassageFilter | None = None,
        while_encoding: WhileEncoding | None = None,
    ) -> tuple[list[fusion.Fused], np.ndarray | None]:
        """Fused passage candidates for a cleaned question (no highlighting), best first,
        among the passages ``where`` lets through (both sides filter inside retrieval).

        ``mode`` is ``hybrid`` (the default fusion), ``rrf``, ``dense`` or ``keyword``; the
        last three exist so the evaluation can compare against them. ``while_encoding`` is
        work to do on this thread once the keyword side is done and the question is still
        being encoded (see :meth:`sides`).
        """
        sides, query_vec = self.sides(text, n, mode, query_vec, where, while_encoding)
        fused = fuse(sides, mode, self.fusion)
        if mode == "hybrid" and fusion.is_long_query(text):  # a paragraph: normalise lengths
            rows = self.store.passages([f.id for f in fused])
            fused = fusion.length_normalised(
                fused, {i: len(p.text.split()) for i, p in rows.items()}
            )
        return fused, query_vec

    def sides(
        self,
        text: str,
        n: int,
        mode: str = "hybrid",
        query_vec: np.ndarray | None = None,
        where: PassageFilter | None = None,
        while_encoding: WhileEncoding | None = None,
    ) -> tuple[Sides, np.ndarray | None]:
        """The unfused candidate lists of both sides (see :meth:`retrieve`), with the raw
        scores several indexes fuse together (:mod:`askcorpus.search.multi`).
        ``while_encoding(lexical, pending)`` runs when the question is encoded here, beside the
        keyword side: after it, with its candidates and the encoding's future."""
        if mode not in MODES:
            raise QueryError(f"unknown search mode {mode!r}", hint=f"use one of {MODES}")
        where = where or None
        ahead: tuple[list[int], np.ndarray] | None = None  # keyword candidates' ids, vectors
        if mode == "keyword":
            return Sides([], self._lexical(text, n, where), {}), query_vec
        if mode == "dense":
            if query_vec is None:
                query_vec = self.embedder.encode_query(text)
            found = self.store.search_vectors(query_vec, n, where)
            self._check_encoder()
            return Sides(found, [], {}), query_vec
        if query_vec is None:
            # The keyword side needs no vector: encode the question beside it.
            pending = self._background().submit(self.embedder.encode_query, text)
            hand_over(pending)
            try:
                lexical = self._lexical(text, n, where)
                if not pending.done():
                    # Most keyword candidates are not among the dense ones and need their
                    # cosine once the vector is there: read their vectors while it is encoded.
                    ids = [pid for pid, _s in lexical]
                    ahead = (ids, self.store.passage_vectors(ids)) if ids else None
                if while_encoding is not None:
                    while_encoding(lexical, pending)
            except BaseException:
                wait([pending])  # no encoding left running behind a failed search
                raise
            query_vec = pending.result()
        else:
            lexical = self._lexical(text, n, where)
        dense = self.store.search_vectors(query_vec, n, where)
        self._check_encoder()
        in_dense = {pid for pid, _s in dense}
        missing = [pid for pid, _s in lexical if pid not in in_dense]
        extra: dict[int, float] = {}
        if missing:
            if ahead is not None:  # the same rows, gathered: the same product as reading them
                row_of = {pid: row for row, pid in enumerate(ahead[0])}
                rows = ahead[1][[row_of[pid] for pid in missing]]
            else:
                rows = self.store.passage_vectors(missing)
            scores = rows @ query_vec.ravel()
            extra = dict(zip(missing, scores.tolist(), strict=True))
        return Sides(dense, lexical, extra), query_vec

    def _lexical(
        self, text: str, n: int, where: PassageFilter | None = None
    ) -> list[tuple[int, float]]:
        """BM25 candidates: the question's words, plus :data:`PAIR_WEIGHT` times the BM25 of
        its adjacent word pairs, so words standing together as in the question count more.
        The filter's required phrases are clauses too, so a question of stopwords and a
        phrase still finds the passages holding it."""
        query = keyword_query(text)
        if where is not None and where.required:
            query = KeywordQuery(tuple(dict.fromkeys(query.clauses + where.required)))
        lexical = self.store.search_lexical(query, n, where)
        pairs = pair_query(text) if PAIR_WEIGHT > 0 else None
        if not pairs:
            return lexical
        combined = dict(lexical)
        for pid, score in self.store.search_lexical(pairs, n, where):
            combined[pid] = combined.get(pid, 0.0) + PAIR_WEIGHT * score
        return sorted(combined.items(), key=lambda item: (-item[1], item[0]))[:n]

    def search(
        self,
        question: str,
        k: int | None = None,
        mode: str = "hybrid",
        where: PassageFilter | None = None,
        syntax: bool = True,
        highlight: int | None = HIGHLIGHT_HITS,
    ) -> SearchResult:
        """The ``k`` best passages for ``question``, fused from dense and keyword search.

        The question may hold filters and phrases (:mod:`askcorpus.text.syntax`); they are
        merged with ``where`` and applied inside retrieval, so the ``k`` hits are the best of
        the passages let through. A malformed query is a :class:`QueryError`. With ``syntax``
        False the question is plain text (a passage asked as a question: "Find similar").
        Only the first ``highlight`` hits (None: :data:`HIGHLIGHT_HITS`) get their answering
        sentence and matched terms now; :meth:`highlight` gives the others theirs when they are
        shown (``Hit.highlighted`` says which have them).
        """
        k, text, note, allowed = read_question(question, k or self.settings.top_k, where, syntax)
        shown = HIGHLIGHT_HITS if highlight is None else highlight
        # One committed state for every read below: a writer publishing meanwhile cannot make
        # a hit's vectors, rows and document text come from different generations.
        meanwhile = Meanwhile(
            text, self.store, self.embedder.encode_query, self._background().submit
        )
        with self.store.snapshot(), meanwhile:
            fused, query_vec = self.retrieve(
                text, max(CANDIDATES, 4 * k), mode, None, allowed or None, meanwhile
            )
            hits = self.present(text, evidence.reranked(self.store, text, fused, mode), k)
            early = self.tie_break.early(text, hits, shown, query_vec) if hits else None
            # Keyword-only search has no dense evidence: it cannot estimate an absence.
            verdict, unjudged = None, None
            if query_vec is not None and hits:
                verdict = absence.assess(
                    self.store, text, fused, query_vec, meanwhile.encode, meanwhile.counts
                )
                unjudged = absence.unjudged(self.store, text) if verdict is None else None
        if not hits and allowed.folder:
            check_folder([self.store], allowed.folder)
        if query_vec is not None:
            self.tie_break.remember(text, query_vec)
        dense_ranks = tuple(range(1, DENSE_HIGHLIGHT_HITS + 1)) if query_vec is not None else ()
        likely = bool(hits) and (verdict is None or verdict.likely)
        result = SearchResult(
            query=question,
            hits=tuple(hits),
            answer_likely=likely,
            caveats=() if likely else absence.caveats(self.store),
            note=note,
            answer_probability=verdict.probability if verdict else None,
            unjudged=unjudged,
            absent_terms=verdict.absent_terms if verdict else (),
            highlighting=Highlighting(text, dense_ranks) if hits else None,
        )
        return self._highlighted(result, 0, shown, early)

    def _background(self) -> ThreadPoolExecutor:
        """The search's one worker thread (started once, on first use)."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="askcorpus-search")
            return self._executor

    def present(self, text: str, fused: Sequence[fusion.Fused], k: int) -> list[Hit]:
        """The first ``k`` hits of the fused candidates ``fused`` of this index: quoted phrases
        promoted, touching passages merged; not highlighted yet (inside a snapshot)."""
        window = fused[: 3 * k + 5]
        passages = self.store.passages([f.id for f in window])
        ranked = [(passages[f.id], f) for f in window if f.id in passages]
        ranked = promote_phrases(ranked, quoted_phrases(text))
        texts: dict[str, str] = {}

        def doc_text(source: str) -> str:
            if source not in texts:
                doc = self.store.document(source)
                texts[source] = doc.text if doc is not None else ""
            return texts[source]

        corpus = self.store.manifest.corpus or None
        hits = []
        for rank, g in enumerate(merge_hits(ranked, k, doc_text), 1):
            p = g.best
            whole = (g.start, g.end) == (p.start, p.end)
            hits.append(
                plain_hit(rank, g, p.text if whole else doc_text(p.source)[g.start : g.end], corpus)
            )
        return hits

    def highlight(
        self, result: SearchResult, first: int = 0, last: int | None = None
    ) -> SearchResult:
        """``result`` with its hits ``first`` to ``last`` (positions, ``last`` exclusive; None:
        to the end) highlighted: answering sentence and matched terms, exactly as the search
        would have given them. Hits highlighted already are kept; cheap to call again."""
        return self._highlighted(result, first, last)

    def _highlighted(
        self,
        result: SearchResult,
        first: int,
        last: int | None,
        early: EarlyTieBreaks | None = None,
    ) -> SearchResult:
        """:meth:`highlight`, using what the search started already (``early``) if given."""
        how = result.highlighting
        if how is None:
            return result
        similarities = self.tie_break.for_question(how)
        hits = highlight_hits(result.hits, how, first, last, lambda _i: similarities, early)
        done = all(h.highlighted for h in hits)
        return dataclasses.replace(result, hits=hits, highlighting=None if done else how)

    def close(self) -> None:
        """Release the store (and the worker thread)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
        self.store.close()
