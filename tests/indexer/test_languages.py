"""The advice to rebuild with the multilingual encoder (askcorpus.indexer.languages): given on a
corpus mostly not in English, by ``askcorpus index`` and ``askcorpus status``, never on an
English corpus or an index of the multilingual encoder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from askcorpus.cli import main
from askcorpus.indexer.languages import REBUILD_MULTILINGUAL, SHARE, advise
from askcorpus.settings import MULTILINGUAL, Settings
from askcorpus.store.base import StoreStats

from ..conftest import ROOT

MINILM = "all-MiniLM-L6-v2"
MULTILINGUAL_CORPUS = ROOT / "eval" / "multilingual" / "corpus"


def stats(*languages: tuple[str, int]) -> StoreStats:
    return StoreStats(sum(n for _c, n in languages), 0, 0, 0, 0, "flat", True, languages)


def test_advice_follows_the_share_of_documents_not_in_english() -> None:
    assert advise(stats(("en", 40)), MINILM) is None
    assert advise(stats(), MINILM) is None
    few = int(SHARE * 50) - 1  # just under the share: English with a few others
    assert advise(stats(("en", 50 - few), ("ru", few)), MINILM) is None
    advice = advise(stats(("en", 6), ("ru", 3), ("zh", 1)), MINILM)
    assert advice is not None and (advice.other, advice.detected) == (4, 10)
    assert advice.languages_text() == "3 Russian, 1 Chinese"
    assert advice.message().startswith("4 of 10 documents are not in English (3 Russian, 1")
    assert REBUILD_MULTILINGUAL in advice.message()
    assert advise(stats(("xx", 2)), MINILM) is not None  # an unnamed code is shown as it is
    assert "2 xx" in advise(stats(("xx", 2)), MINILM).message()  # type: ignore[union-attr]


def test_an_index_of_the_multilingual_encoder_needs_no_advice() -> None:
    assert advise(stats(("ru", 12), ("zh", 12)), MULTILINGUAL) is None


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_index_and_status_advise_it_for_russian_and_chinese_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], embedder: object
) -> None:
    corpus = tmp_path / "docs"
    shutil.copytree(MULTILINGUAL_CORPUS, corpus)
    index = str(tmp_path / "index")
    code, out, err = run(capsys, "index", "--corpus", str(corpus), "--index", index)
    assert code == 0 and "24 added" in out
    assert "note: None of the 24 documents is in English (12 Russian, 12 Chinese)" in err
    assert REBUILD_MULTILINGUAL in err
    code, out, _ = run(capsys, "status", "--index", index, "--json")
    data = json.loads(out)
    assert data["languages"] == {"ru": 12, "zh": 12}
    assert data["advice"].startswith("None of the 24 documents")
    code, out, _ = run(capsys, "status", "--index", index)
    assert "languages: ru 12, zh 12" in out and "advice:" in out


def test_an_english_corpus_gets_no_advice(
    shipped_index: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "status", "--index", str(shipped_index.index_dir), "--json")
    data = json.loads(out)
    assert data["languages"] == {"en": 5} and data["advice"] is None
    code, out, _ = run(capsys, "status", "--index", str(shipped_index.index_dir))
    assert "languages: en 5" in out and "advice:" not in out
