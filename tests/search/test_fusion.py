"""Fusion of the dense and keyword sides, and length normalisation of long queries."""

from __future__ import annotations

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.search import fusion
from askcorpus.search.fusion import Fused
from askcorpus.search.index import Index, fuse
from askcorpus.settings import MULTILINGUAL, Settings


def _fused(*scores: float) -> list[Fused]:
    return [Fused(i, s, s, s, i + 1, i + 1) for i, s in enumerate(scores)]


def test_only_a_paragraph_long_query_is_long() -> None:
    assert not fusion.is_long_query("Which country is Russia's biggest trade partner?")
    assert not fusion.is_long_query(" ".join(["word"] * (fusion.LONG_QUERY_WORDS - 1)))
    assert fusion.is_long_query(" ".join(["word"] * fusion.LONG_QUERY_WORDS))


def test_length_normalisation_lifts_a_shorter_passage_over_an_equal_longer_one() -> None:
    # Passage 0 (200 words) and passage 1 (60 words) tie; passage 2 has no known length.
    out = fusion.length_normalised(_fused(0.8, 0.8, 0.79), {0: 200, 1: 60})
    assert [f.id for f in out] == [1, 2, 0]
    by_id = {f.id: f for f in out}
    assert by_id[2].score == 0.79  # unknown length: left as it was
    assert by_id[1].score > 0.8 > by_id[0].score
    # The sides' own evidence is kept for presentation.
    assert (by_id[0].dense_score, by_id[0].lexical_rank) == (0.8, 1)


def test_length_normalisation_caps_very_short_passages() -> None:
    # A 2-word heading is normalised as MIN_WORDS long, not 2, so it cannot leap far ahead.
    out = fusion.length_normalised(_fused(0.5), {0: 2})
    capped = fusion.length_normalised(_fused(0.5), {0: fusion.MIN_WORDS})
    assert out[0].score == capped[0].score


def test_a_long_query_is_normalised_and_a_question_is_not(
    shipped_index: Settings, embedder: Embedder
) -> None:
    index = Index.open(shipped_index.index_dir, shipped_index, embedder)
    try:
        question = "How did the gas contract between Gazprom and CNPC come about?"
        sides, _vec = index.sides(question, 50)
        assert index.retrieve(question, 50)[0] == fuse(sides, "hybrid")
        long = " ".join([question] * 5)  # a paragraph of over LONG_QUERY_WORDS words
        sides, _vec = index.sides(long, 50)
        plain = fuse(sides, "hybrid")
        rows = index.store.passages([f.id for f in plain])
        words = {i: len(p.text.split()) for i, p in rows.items()}
        got = index.retrieve(long, 50)[0]
        assert got == fusion.length_normalised(plain, words)
        assert [f.score for f in got] != [f.score for f in plain]
    finally:
        index.close()


def test_a_dense_floor_spreads_compressed_cosines() -> None:
    """With cosines bunched near 0.8 (an e5 index), a floor lets the dense side tell its
    candidates apart: the keyword side's favourite wins without it, the dense side's with it."""
    dense = [(1, 0.86), (2, 0.80)]
    lexical = [(2, 10.0), (1, 6.0)]
    plain = fusion.convex(dense, lexical, {}, 0.3)
    floored = fusion.convex(dense, lexical, {}, 0.3, floor=0.75)
    assert [f.id for f in plain] == [2, 1]
    assert [f.id for f in floored] == [1, 2]
    # (1 - w) * (d - floor) / (max - floor) + w * bm25 / max, a cosine below the floor as 0.
    assert floored[0].score == pytest.approx(0.7 * 1.0 + 0.3 * 0.6)
    assert floored[1].score == pytest.approx(0.7 * (0.05 / 0.11) + 0.3 * 1.0)
    low = fusion.convex([(1, 0.86), (3, 0.5)], [], {}, 0.3, floor=0.75)
    assert low[1].score == 0.0


def test_each_model_has_its_fusion_parameters() -> None:
    assert fusion.params_for("all-MiniLM-L6-v2") == fusion.FusionParams(0.0, fusion.LEXICAL_WEIGHT)
    assert fusion.params_for(MULTILINGUAL) == fusion.FusionParams(floor=0.75, weight=0.3)
