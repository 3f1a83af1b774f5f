"""The search API: ``Index.open(folder).search(question, k)`` returns typed, ranked hits.

Dense (FAISS) and keyword (FTS5 BM25) candidates are fused, near-duplicate passages of one
document are collapsed, and each hit carries the span of its best-answering sentence, the query
terms it matched and which side(s) found it. The CLI and the window are thin layers over this.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from askcorpus.embedding import Embedder
from askcorpus.errors import IndexMissingError, QueryError
from askcorpus.highlight import best_sentence, matched_terms
from askcorpus.indexer import check_manifest
from askcorpus.query import clean_question, fts_match
from askcorpus.records import Document, Hit, SearchResult
from askcorpus.settings import Settings
from askcorpus.store import StoredPassage, StoreStats
from askcorpus.store_local import LocalStore

log = logging.getLogger(__name__)

RRF_K = 60
CANDIDATES = 50
ANSWER_THRESHOLD = 0.30


class Index:
    """A searchable index: a store plus the embedder that reads questions."""

    def __init__(self, store: LocalStore, settings: Settings, embedder: Embedder | None = None):
        self.store = store
        self.settings = settings
        self.embedder = embedder or Embedder(settings)
        self._lock = threading.Lock()

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
        folder = Path(folder) if folder is not None else settings.index_dir
        if not LocalStore.exists(folder):
            raise IndexMissingError(f"no index at {folder}", folder, "run `askcorpus index`")
        store = LocalStore.open(folder)
        check_manifest(store.manifest, settings, folder, for_update=False)
        return cls(store, settings, embedder)

    @property
    def folder(self) -> Path:
        """The index folder."""
        return self.store.folder

    def stats(self) -> StoreStats:
        """Counts and health of the index."""
        return self.store.stats()

    def document(self, source: str) -> Document | None:
        """The indexed text of a document (exactly what passage offsets index)."""
        return self.store.document(source)

    def search(self, question: str, k: int | None = None) -> SearchResult:
        """The ``k`` best passages for ``question``, fused from dense and keyword search."""
        k = k or self.settings.top_k
        if k < 1:
            raise QueryError(f"top-k must be at least 1, not {k}")
        text, note = clean_question(question)
        if not text:
            raise QueryError("the question is empty", hint="type a question")
        n = max(CANDIDATES, 4 * k)
        query_vec = self.embedder.encode_query(text)
        dense = self.store.search_vectors(query_vec, n)
        lexical = self.store.search_lexical(fts_match(text), n)
        dense_rank = {pid: r for r, (pid, _s) in enumerate(dense, 1)}
        dense_score = dict(dense)
        lex_rank = {pid: r for r, (pid, _s) in enumerate(lexical, 1)}
        fused: dict[int, float] = {}
        for pid, r in dense_rank.items():
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + r)
        for pid, r in lex_rank.items():
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + r)
        order = sorted(fused, key=lambda pid: fused[pid], reverse=True)
        missing = [pid for pid in order[: 3 * k] if pid not in dense_score]
        if missing:
            vecs = self.store.passage_vectors(missing)
            for pid, score in zip(missing, (vecs @ query_vec.ravel()).tolist(), strict=True):
                dense_score[pid] = float(score)
        passages = self.store.passages(order[: 3 * k])
        chosen = _collapse([passages[p] for p in order[: 3 * k] if p in passages], k)
        hits = []
        for rank, p in enumerate(chosen, 1):
            via = (
                "both"
                if p.id in dense_rank and p.id in lex_rank
                else ("dense" if p.id in dense_rank else "keyword")
            )
            hits.append(
                Hit(
                    rank=rank,
                    score=round(fused[p.id] * (RRF_K + 1) / 2, 4),
                    passage_id=p.id,
                    source=p.source,
                    title=p.title,
                    start=p.start,
                    end=p.end,
                    text=p.text,
                    paragraph=p.paragraph,
                    page=p.page,
                    section=p.section,
                    highlight=best_sentence(text, p.text, p.start),
                    matched_terms=matched_terms(text, p.text),
                    via=via,
                    dense_score=round(dense_score.get(p.id, 0.0), 4),
                    lexical_rank=lex_rank.get(p.id),
                )
            )
        top_dense = max((h.dense_score or 0.0 for h in hits), default=0.0)
        likely = bool(hits) and top_dense >= ANSWER_THRESHOLD
        return SearchResult(query=question, hits=tuple(hits), answer_likely=likely, note=note)

    def close(self) -> None:
        """Release the store."""
        self.store.close()


def _collapse(ranked: list[StoredPassage], k: int) -> list[StoredPassage]:
    """The first ``k`` passages, skipping any that overlaps one already chosen from its document."""
    chosen: list[StoredPassage] = []
    for p in ranked:
        if any(c.source == p.source and c.start < p.end and p.start < c.end for c in chosen):
            continue
        chosen.append(p)
        if len(chosen) == k:
            break
    return chosen
