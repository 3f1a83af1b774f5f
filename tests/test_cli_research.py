"""The CLI contract of the research tools: filters as options and in the question, several
indexes at once, ``askcorpus mentions`` and its JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from askcorpus.cli import main
from askcorpus.settings import Settings

from .conftest import write


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> tuple[Path, Path]:
    """A corpus with sub-folders, indexed by the CLI: (corpus, index)."""
    base = tmp_path_factory.mktemp("cli")
    write(base / "c" / "reports" / "gas.txt", "The Power of Siberia pipeline carries gas.")
    write(base / "c" / "reports" / "oil.md", "# Oil\n\nOil goes through the ESPO pipeline.")
    write(base / "c" / "notes" / "pipe.txt", "A pipeline of ideas; pipelines everywhere.")
    assert main(["index", "--corpus", str(base / "c"), "--index", str(base / "i")]) == 0
    return base / "c", base / "i"


def test_ask_filters_as_options_mean_the_same_as_in_the_question(
    folders: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, index = folders
    base = ("ask", "--index", str(index), "--json")
    _c, by_option, err = run(capsys, *base, "--in", "reports", "--type", "txt,md", "pipeline")
    assert _c == 0, err
    _c, in_question, _e = run(capsys, *base, "in:reports type:txt,md pipeline")
    got = [r["source"] for r in json.loads(by_option)["results"]]
    assert set(got) == {"reports/gas.txt", "reports/oil.md"}
    assert got == [r["source"] for r in json.loads(in_question)["results"]]
    for r in json.loads(by_option)["results"]:
        assert r["corpus"] == str(corpus.resolve()) and r["date"]


def test_several_indexes_are_merged_and_labelled(
    folders: tuple[Path, Path], shipped_index: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _corpus, index = folders
    code, out, err = run(
        capsys,
        "ask",
        "--index",
        str(index),
        "--index",
        str(shipped_index.index_dir),
        "--json",
        "--top-k",
        "8",
        "Power of Siberia pipeline",
    )
    assert code == 0, err
    corpora = {r["corpus"] for r in json.loads(out)["results"]}
    assert corpora == {str(_corpus.resolve()), str(shipped_index.corpus_dir.resolve())}


def test_mentions_json_contract(
    folders: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, index = folders
    code, out, err = run(capsys, "mentions", "--index", str(index), "--json", "pipeline")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"query", "total", "documents"} and data["query"] == "pipeline"
    assert data["total"] == sum(d["count"] for d in data["documents"]) == 4
    for d in data["documents"]:
        assert set(d) == {"source", "title", "corpus", "count", "mentions"}
        assert d["count"] == len(d["mentions"]) and d["corpus"] == str(corpus.resolve())
        raw = (corpus / d["source"]).read_text()
        for m in d["mentions"]:
            assert set(m) == {"start", "end", "page", "location", "context"}
            assert raw[m["start"] : m["end"]].lower().startswith("pipeline")
    code, out, _e = run(capsys, "mentions", "--index", str(index), "--in", "notes", "pipeline")
    assert code == 0 and out.startswith("2 mentions of pipeline in 1 document")


def test_mentions_counts_what_a_text_search_counts(
    shipped_index: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "mentions", "--index", str(shipped_index.index_dir), "--json", "Power of Siberia"
    )
    assert code == 0, err
    literal = sum(
        len(re.findall(r"\bpower\s+of\s+siberia\b", p.read_text(), re.I))
        for p in shipped_index.corpus_dir.iterdir()
    )
    assert json.loads(out)["total"] == literal > 0


@pytest.mark.parametrize(
    "argv",
    [
        ("ask", 'the "Power of Siberia'),
        ("ask", "colour:red gas"),
        ("ask", "--after", "2023-02-30", "gas"),
        ("mentions", "--type", "exe", "gas"),
    ],
)
def test_a_malformed_query_is_one_line_and_exit_1(
    folders: tuple[Path, Path], capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    _corpus, index = folders
    code, out, err = run(capsys, argv[0], "--index", str(index), *argv[1:])
    assert code == 1 and out == ""
    assert err.startswith("askcorpus: ") and err.count("\n") == 1 and " — " in err
