"""Several indexes searched as one (askcorpus.search.multi): merged rankings against each index
alone, hits labelled with their corpus."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.indexer.update import update_index
from askcorpus.records import Hit
from askcorpus.search.index import Index
from askcorpus.search.multi import MultiIndex
from askcorpus.settings import Settings
from tests.conftest import SHIPPED_CORPUS, TEST_CACHE, write


def build(base: Path, embedder: Embedder, files: dict[str, str] | None = None) -> Settings:
    corpus = base / "corpus"
    if files is None:
        shutil.copytree(SHIPPED_CORPUS, corpus)
    else:
        for name, text in files.items():
            write(corpus / name, text)
    settings = Settings(corpus_dir=corpus, index_dir=base / "index", cache_dir=TEST_CACHE)
    update_index(settings, embedder)
    return settings


@pytest.fixture(scope="module")
def corpora(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[tuple[Index, Index, Index]]:
    """The shipped corpus, a copy of it, and a small garden corpus."""
    a = build(tmp_path_factory.mktemp("a"), embedder)
    b = build(tmp_path_factory.mktemp("b"), embedder)
    garden = build(
        tmp_path_factory.mktemp("garden"),
        embedder,
        {
            "roses.txt": "Roses need six hours of sun and a deep watering once a week.\n\n"
            "Prune the roses in early spring, just as the buds swell.",
            "tulips.txt": "Tulip bulbs are planted in autumn, about 15 cm deep.",
        },
    )
    opened = tuple(Index.open(s.index_dir, s, embedder) for s in (a, b, garden))
    yield opened  # type: ignore[misc]
    for index in opened:
        index.close()


def key(h: Hit) -> tuple[str | None, str, int, int, float]:
    return (h.corpus, h.source, h.start, h.end, h.score)


def test_one_index_alone_answers_exactly_as_itself(corpora: tuple[Index, Index, Index]) -> None:
    a, _b, _garden = corpora
    question = "When was the gas deal signed?"
    assert MultiIndex([a]).search(question, 5) == a.search(question, 5)
    assert a.search(question, 5).hits[0].corpus == str(a.store.manifest.corpus)


def test_dense_merge_is_the_best_of_each_index_alone(corpora: tuple[Index, Index, Index]) -> None:
    a, _b, garden = corpora
    for question in ("How deep are tulips planted?", "Who visited Moscow?", "water and sun"):
        merged = MultiIndex([a, garden]).search(question, 6, "dense").hits
        alone = [*a.search(question, 6, "dense").hits, *garden.search(question, 6, "dense").hits]
        best = sorted(alone, key=lambda h: -h.score)[:6]
        assert [key(h) for h in merged] == [key(h) for h in best]
        assert [h.rank for h in merged] == list(range(1, 7))


LONG_QUERY = (
    "Russia and China agreed on a gas pipeline after many years of talks about the price, "
    "and the deal was signed in Shanghai during a visit of the Russian president, when both "
    "sides said the new pipeline would carry gas from Siberia to the north of China for thirty "
    "years"
)


@pytest.mark.parametrize("question", ["What is the Power of Siberia pipeline?", LONG_QUERY])
def test_two_copies_of_one_corpus_score_alike(
    corpora: tuple[Index, Index, Index], question: str
) -> None:
    """Also for a paragraph asked as a question, whose passages are length-normalised."""
    a, b, _garden = corpora
    merged = MultiIndex([a, b]).search(question, 6).hits
    alone = a.search(question, 6).hits[:3]  # hits grow by neighbours as k allows
    assert [h.corpus for h in merged] == [a.store.manifest.corpus, b.store.manifest.corpus] * 3
    for n, h in enumerate(alone):
        first, second = merged[2 * n], merged[2 * n + 1]
        assert key(first)[1:] == key(second)[1:]
        # The same best passage and score as alone. Its span may lack a neighbour that the
        # index alone merges in: the pooled candidate lists are cut to one index's length, so
        # each copy contributes about half of them and a neighbour ranked low may be left out.
        assert (first.source, first.passage_id, first.score) == (h.source, h.passage_id, h.score)
        assert h.start <= first.start and first.end <= h.end


def test_a_question_only_one_corpus_answers(corpora: tuple[Index, Index, Index]) -> None:
    a, _b, garden = corpora
    result = MultiIndex([a, garden]).search("When should roses be pruned?", 5)
    assert result.hits[0].source == "roses.txt"
    assert result.hits[0].corpus == garden.store.manifest.corpus
    assert result.answer_likely
    assert {h.corpus for h in result.hits} <= {
        a.store.manifest.corpus,
        garden.store.manifest.corpus,
    }


def test_not_in_these_corpora_is_judged_by_each_index_s_calibration(
    corpora: tuple[Index, Index, Index],
) -> None:
    a, _b, garden = corpora
    both = MultiIndex([a, garden])
    # Answered by one corpus: likely, and a word the other lacks is not "found nowhere".
    roses = both.search("When should roses be pruned?", 5)
    assert roses.answer_probability is not None and roses.answer_likely
    assert "roses" in a.search("When should roses be pruned?", 5).absent_terms
    assert "roses" not in roses.absent_terms
    # Answered by neither: flagged, with the words no corpus holds, as one index would say.
    bread = both.search("How do I bake sourdough bread at home?", 5)
    alone = a.search("How do I bake sourdough bread at home?", 5)
    assert bread.answer_probability is not None and not bread.answer_likely
    assert alone.answer_probability is not None and not alone.answer_likely
    assert "sourdough" in bread.absent_terms and "sourdough" in alone.absent_terms
    # As likely as the likeliest corpus alone (one corpus answering is enough).
    question = "Why is a Moscow-Beijing axis unlikely?"
    pooled = both.search(question, 5).answer_probability
    assert pooled is not None and pooled >= (a.search(question, 5).answer_probability or 0) - 0.05
    # Keyword-only search judges nothing, together as alone.
    assert both.search("roses pruned", 5, "keyword").answer_probability is None
