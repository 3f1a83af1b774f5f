"""The evidence board on a real index: pins survive a restart, stale pins are flagged when their
document changes (and keep their quote), writes are atomic, the board exports."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.errors import BoardError
from askcorpus.indexer.update import update_index
from askcorpus.search.board import Board, board_file
from askcorpus.search.export import Origin, csv_cell_text, render
from askcorpus.search.index import Index
from askcorpus.settings import Settings

from ..conftest import write

GAS = "Gazprom signed a thirty-year gas supply contract with CNPC in May 2014 in Shanghai."
ARCTIC = "Icebreakers escorted tankers along the Northern Sea Route during the Arctic summer."
PANDAS = "The zoo in Moscow received two giant pandas on loan from Beijing in 2019."


def make(tmp_path: Path, embedder: Embedder) -> Settings:
    corpus = tmp_path / "corpus"
    write(corpus / "gas.txt", GAS)
    write(corpus / "arctic.md", f"# Arctic\n\n{ARCTIC}")
    write(corpus / "zoo" / "pandas.txt", PANDAS)
    settings = Settings(
        corpus_dir=corpus, index_dir=tmp_path / "index", data_dir=tmp_path / "xdg" / "askcorpus"
    )
    update_index(settings, embedder)
    return settings


def open_index(settings: Settings, embedder: Embedder) -> Index:
    return Index.open(settings.index_dir, settings, embedder)


def test_pins_survive_a_restart_and_unpin(tmp_path: Path, embedder: Embedder) -> None:
    settings = make(tmp_path, embedder)
    index = open_index(settings, embedder)
    try:
        board = Board.for_index(settings, index.store)
        gas = index.search("When was the gas contract signed?", 1).hits[0]
        pandas = index.search("Where did the giant pandas come from?", 1).hits[0]
        board.pin(gas, index.store, note='check the "price", too')
        board.pin(pandas, index.store)
        board.pin(gas, index.store, note="pinned twice: one pin, new note")
        assert board.stale(index.store) == []
    finally:
        index.close()
    # A new process-like start: a new Board object reads the file back.
    again = Board(board_file(settings))
    pins = again.pins()
    assert [p.source for p in pins] == ["gas.txt", "zoo/pandas.txt"]
    assert pins[0].quote == gas.text and pins[0].note == "pinned twice: one pin, new note"
    assert (pins[0].start, pins[0].end, pins[0].location) == (gas.start, gas.end, gas.place)
    assert again.corpus == str(settings.corpus_dir.resolve())
    assert again.annotate(pins[1].key, "from Beijing").note == "from Beijing"
    assert again.unpin(pins[0].key) and not again.unpin(pins[0].key)
    assert [(p.source, p.note) for p in Board(board_file(settings)).pins()] == [
        ("zoo/pandas.txt", "from Beijing")
    ]
    # Written atomically: no temporary file left beside it, and the file is whole JSON.
    folder = board_file(settings).parent
    assert [p.name for p in folder.iterdir()] == [board_file(settings).name]
    json.loads(board_file(settings).read_text(encoding="utf-8"))


def test_stale_pins_are_flagged_and_keep_their_quote(tmp_path: Path, embedder: Embedder) -> None:
    settings = make(tmp_path, embedder)
    index = open_index(settings, embedder)
    board = Board.for_index(settings, index.store)
    try:
        for q in ("gas contract", "icebreakers Arctic", "giant pandas"):
            board.pin(index.search(q, 1).hits[0], index.store)
    finally:
        index.close()
    corpus = settings.corpus_dir
    # gas.txt: text appended after the quote (it stays at its offsets); arctic: text put before
    # it (it moves); pandas: deleted.
    write(corpus / "gas.txt", GAS + " The price was never disclosed.")
    write(corpus / "arctic.md", f"# Arctic\n\nA new first paragraph.\n\n{ARCTIC}")
    (corpus / "zoo" / "pandas.txt").unlink()
    update_index(settings, embedder)
    index = open_index(settings, embedder)
    try:
        stale = {s.pin.source: s for s in Board(board_file(settings)).stale(index.store)}
    finally:
        index.close()
    assert {s: v.why for s, v in stale.items()} == {
        "gas.txt": "changed",
        "arctic.md": "moved",
        "zoo/pandas.txt": "removed",
    }
    assert stale["zoo/pandas.txt"].pin.quote == PANDAS  # the quote is kept
    assert all(s.message for s in stale.values())
    # The export flags them too.
    items = board.items(list(stale.values()))
    rows = list(csv.DictReader(io.StringIO(render("csv", items, Origin("", "")), newline="")))
    assert [r["stale"] for r in rows] == ["1", "1", "1"]
    assert {csv_cell_text(r["text"]) for r in rows} >= {PANDAS}


def test_a_damaged_board_is_an_error_not_an_empty_board(tmp_path: Path) -> None:
    path = tmp_path / "boards" / "b.json"
    path.parent.mkdir()
    path.write_text('{"pins": [{"quote": 1', encoding="utf-8")
    with pytest.raises(BoardError, match="damaged") as err:
        Board(path)
    assert err.value.hint and "move the file away" in err.value.hint
    assert path.read_text(encoding="utf-8") == '{"pins": [{"quote": 1'


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_unwritable_board_keeps_the_old_one(tmp_path: Path, embedder: Embedder) -> None:
    settings = make(tmp_path, embedder)
    index = open_index(settings, embedder)
    try:
        board = Board.for_index(settings, index.store)
        hit = index.search("gas contract", 1).hits[0]
        board.pin(hit, index.store)
        before = board_file(settings).read_bytes()
        board_file(settings).parent.chmod(0o500)
        try:
            with pytest.raises(BoardError, match="cannot write the board"):
                board.pin(index.search("giant pandas", 1).hits[0], index.store)
        finally:
            board_file(settings).parent.chmod(0o700)
        assert board_file(settings).read_bytes() == before
    finally:
        index.close()


def test_a_board_that_cannot_be_written_is_one_error(tmp_path: Path, embedder: Embedder) -> None:
    settings = make(tmp_path, embedder)
    (tmp_path / "file").write_text("not a folder")
    blocked = Settings(data_dir=tmp_path / "file" / "askcorpus", index_dir=settings.index_dir)
    index = open_index(settings, embedder)
    try:
        board = Board.for_index(blocked, index.store)
        with pytest.raises(BoardError, match="cannot write the board") as err:
            board.pin(index.search("gas contract", 1).hits[0], index.store)
        assert err.value.hint and board.pins() == []
    finally:
        index.close()


def test_boards_are_kept_per_index(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    a, b = (
        board_file(settings, tmp_path / "a" / "index"),
        board_file(settings, tmp_path / "b" / "index"),
    )
    assert a != b and a.parent == b.parent == tmp_path / "data" / "boards"
    assert board_file(settings, tmp_path / "a" / "index") == a


def test_cli_board_lists_and_exports(tmp_path: Path, embedder: Embedder) -> None:
    settings = make(tmp_path, embedder)
    index = open_index(settings, embedder)
    try:
        board = Board.for_index(settings, index.store)
        board.pin(index.search("gas contract", 1).hits[0], index.store, note="=HYPERLINK()")
    finally:
        index.close()
    # The CLI finds the board through XDG_DATA_HOME (Settings.from_env).
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "askcorpus", "board", "--index", str(settings.index_dir), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            timeout=300,
            check=False,
        )

    listed = run()
    assert listed.returncode == 0, listed.stderr
    assert "gas.txt" in listed.stdout and "=HYPERLINK()" in listed.stdout
    rows = list(csv.DictReader(io.StringIO(run("--format", "csv").stdout, newline="")))
    assert [csv_cell_text(r["note"]) for r in rows] == ["=HYPERLINK()"]
    assert rows[0]["note"] == "'=HYPERLINK()"
    md = run("--format", "md").stdout
    assert "gas.txt" in md and (settings.corpus_dir.resolve() / "gas.txt").as_uri() in md
