"""Filters and the query language through the search API, on a small real corpus with the real
model: every hit passes the filter, and a narrow filter still returns its best passages."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.errors import QueryError
from askcorpus.indexer.update import update_index
from askcorpus.records import PassageFilter
from askcorpus.search.index import Index
from askcorpus.settings import Settings
from tests.conftest import TEST_CACHE, write

FILES = {
    "reports/2023/gas.md": (
        "2023-03-01",
        "# Gas\n\nThe Power of Siberia pipeline carries gas from Yakutia to China.\n\n"
        "Gazprom signed the contract in 2014 after a decade of talks.",
    ),
    "reports/2021/oil.txt": (
        "2021-06-01",
        "Oil exports to China rose through the pipeline from Skovorodino.\n\n"
        "The pipeline was extended in 2018.",
    ),
    "notes/pipeline.txt": (
        "2022-09-01",
        "A pipeline of ideas: the team keeps notes on every pipeline project.\n\n"
        "Nord Stream carried gas to Germany under the Baltic Sea.",
    ),
    "notes/garden.txt": (
        "2020-01-01",
        "Roses and tulips filled the garden.\n\nThe gardener watered the tulips each morning.",
    ),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Index]:
    base = tmp_path_factory.mktemp("filters")
    for source, (day, text) in FILES.items():
        path = write(base / "corpus" / source, text)
        stamp = datetime.datetime.fromisoformat(day + "T12:00:00+00:00").timestamp()
        os.utime(path, (stamp, stamp))
    settings = Settings(corpus_dir=base / "corpus", index_dir=base / "index", cache_dir=TEST_CACHE)
    update_index(settings, embedder)
    idx = Index.open(settings.index_dir, settings, embedder)
    yield idx
    idx.close()


def sources(index: Index, question: str, where: PassageFilter | None = None) -> list[str]:
    return [h.source for h in index.search(question, 10, where=where).hits]


def test_in_question_filters_mean_the_same_as_explicit_ones(index: Index) -> None:
    assert set(sources(index, "in:reports pipeline")) == {
        "reports/2023/gas.md",
        "reports/2021/oil.txt",
    }
    assert sources(index, "in:reports pipeline") == sources(
        index, "pipeline", PassageFilter(folder="reports")
    )
    assert set(sources(index, "type:md pipeline")) == {"reports/2023/gas.md"}
    assert set(sources(index, "after:2022 before:2023-01 gas")) == {"notes/pipeline.txt"}


def test_a_narrow_filter_still_returns_its_best_passage(index: Index) -> None:
    # The garden notes are nowhere near the question, yet filtered to them they are the answer.
    assert "notes/garden.txt" not in sources(index, "gas pipeline to China")[:3]
    hits = index.search("in:notes type:txt before:2021 gas pipeline to China", 3).hits
    assert hits and {h.source for h in hits} == {"notes/garden.txt"}


def test_a_quoted_phrase_must_occur_and_an_excluded_word_must_not(index: Index) -> None:
    hits = index.search('"Power of Siberia" gas', 10).hits
    assert hits and all("power of siberia" in h.text.lower() for h in hits)
    hits = index.search('gas pipeline -Gazprom -"Nord Stream"', 10).hits
    assert hits
    for h in hits:
        assert "gazprom" not in h.text.lower() and "nord stream" not in h.text.lower()


def test_an_explicit_filter_and_the_questions_narrow_together(index: Index) -> None:
    got = sources(index, "in:reports/2023 gas", PassageFilter(folder="reports"))
    assert set(got) == {"reports/2023/gas.md"}
    with pytest.raises(QueryError):
        index.search("in:notes gas", 5, where=PassageFilter(folder="reports"))


def test_a_malformed_query_is_a_query_error(index: Index) -> None:
    for question in ('the "Power of Siberia pipeline', "colour:red gas", "after:2023-02-30 gas"):
        with pytest.raises(QueryError):
            index.search(question, 5)


def test_a_plain_question_is_unchanged_by_an_empty_filter(index: Index) -> None:
    plain = index.search("gas pipeline to China", 5)
    assert index.search("gas pipeline to China", 5, where=PassageFilter()) == plain
