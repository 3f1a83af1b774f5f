"""Document-level evidence: only fact questions get it, and only from a document's separate
passages."""

from __future__ import annotations

from askcorpus.embed.embedder import Embedder
from askcorpus.search import evidence, fusion
from askcorpus.search.fusion import Fused
from askcorpus.search.index import Index, fuse
from askcorpus.settings import Settings
from askcorpus.store.base import StoredPassage


def _passage(pid: int, source: str, start: int, end: int) -> StoredPassage:
    return StoredPassage(pid, source, "", start, end, "x" * (end - start), 0, None, None)


def _fused(*scores: float) -> list[Fused]:
    return [Fused(i, s, s, s, i + 1, i + 1) for i, s in enumerate(scores)]


def test_questions_are_fact_questions_and_claims_and_paragraphs_are_not() -> None:
    assert evidence.is_fact_question("Which islands does China dispute with Japan?")
    assert evidence.is_fact_question("who signed the 2001 treaty")  # no question mark
    assert evidence.is_fact_question("Когда был подписан договор?")
    assert evidence.is_fact_question("Gazprom contract worth?")
    # A SciFact-style claim and a keyword query ask for a matching document, not a fact.
    assert not evidence.is_fact_question("0-dimensional biomaterials show inductive properties.")
    assert not evidence.is_fact_question("gas contract Gazprom")
    # An argument that happens to ask something is a paragraph ("Find similar"), not a question.
    paragraph = " ".join(["word"] * fusion.LONG_QUERY_WORDS) + " why?"
    assert not evidence.is_fact_question(paragraph)
    assert not evidence.is_fact_question("   ")


def test_a_passage_gains_from_a_separate_match_in_its_document() -> None:
    # 0 (an argument) and 1 (an article's passage) tie; 2 is another passage of the article.
    passages = {
        0: _passage(0, "argument", 0, 500),
        1: _passage(1, "article", 2000, 2600),
        2: _passage(2, "article", 5000, 5600),
    }
    out = evidence.with_document_evidence(_fused(0.8, 0.8, 0.5), passages, 0.2)
    assert [f.id for f in out] == [1, 0, 2]
    by_id = {f.id: f for f in out}
    assert by_id[1].score == 0.8 + 0.2 * 0.5
    assert by_id[2].score == 0.5 + 0.2 * 0.8
    assert by_id[0].score == 0.8  # alone in its document
    assert (by_id[1].dense_rank, by_id[1].lexical_score) == (2, 0.8)  # the sides' evidence kept


def test_overlapping_or_touching_passages_are_no_second_evidence() -> None:
    passages = {
        0: _passage(0, "abstract", 0, 600),
        1: _passage(1, "abstract", 400, 1000),  # overlaps 0
        2: _passage(2, "abstract", 1000, 1500),  # touches 1 (and is apart from 0)
    }
    out = {f.id: f.score for f in evidence.with_document_evidence(_fused(0.9, 0.8, 0.7), passages)}
    assert out[1] == 0.8
    assert out[0] == 0.9 + evidence.DOCUMENT_WEIGHT * 0.7
    assert out[2] == 0.7 + evidence.DOCUMENT_WEIGHT * 0.9
    # A candidate the store no longer has gains nothing and still ranks.
    missing = evidence.with_document_evidence(_fused(0.4), {})
    assert [(f.id, f.score) for f in missing] == [(0, 0.4)]


def test_a_question_is_shown_with_evidence_and_judged_without(
    shipped_index: Settings, embedder: Embedder
) -> None:
    index = Index.open(shipped_index.index_dir, shipped_index, embedder)
    try:
        question = "Which islands does China dispute with Japan?"
        sides, _vec = index.sides(question, 50)
        plain = fuse(sides, "hybrid")
        # Retrieval (and the absence model reading it) sees the plain fusion ...
        assert index.retrieve(question, 50)[0] == plain
        shown = evidence.reranked(index.store, question, plain, "hybrid")
        rows = index.store.passages([f.id for f in plain])
        assert shown == evidence.with_document_evidence(plain, rows)
        assert [f.score for f in shown] != [f.score for f in plain]
        # ... and the hits shown follow the evidence.
        result = index.search(question, 5)
        with index.store.snapshot():
            expected = index.present(question, shown, 5)
        assert [(h.source, h.start, h.end) for h in result.hits] == [
            (h.source, h.start, h.end) for h in expected
        ]
        # A claim, and the baseline modes, are shown as fused.
        claim = "China disputes islands with Japan."
        sides, _vec = index.sides(claim, 50)
        assert evidence.reranked(index.store, claim, fuse(sides, "hybrid"), "hybrid") == fuse(
            sides, "hybrid"
        )
        rrf = fuse(index.sides(question, 50, "rrf")[0], "rrf")
        assert evidence.reranked(index.store, question, rrf, "rrf") == rrf
    finally:
        index.close()
