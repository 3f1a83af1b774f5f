"""Untrusted content: hostile questions and documents (1 MB, control characters, right-to-left
text, emoji) are handled. (That no code unpickles, evals or execs what it reads is checked on
every `make lint` by ruff's bandit rules S102/S301/S302/S307/S506, not here.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from askcorpus.cli import main
from askcorpus.embed.embedder import Embedder
from askcorpus.errors import IndexCorruptError, QueryError
from askcorpus.indexer.update import update_index
from askcorpus.search.index import Index
from askcorpus.settings import Settings
from askcorpus.store.local.store import DB_NAME, LocalStore

from .conftest import write

# The shipped article that reports the gas supply deal ("$400 billion gas supply agreement").
GAS_DEAL_SOURCE = "why-a-moscow-beijing-axis-is-unlikely.txt"


@pytest.mark.parametrize(
    "question",
    [
        "Who signed the gas deal? " * 40_000,  # 1 MB
        "gas\x00deal\x1b[31m signed\x07 \u202e\u200f when?\r\n\x7f",
        "من وقع صفقة الغاز؟ gas deal",  # right-to-left
        "מי חתם על עסקת הגז? gas deal",
        "🔥⛽ gas deal signed? 🇨🇳🇷🇺 👍🏽",
        "unbalanced ) AND OR NOT ( * ^ gas NEAR(deal signed",  # FTS5 syntax
    ],
    ids=["1MB", "control", "arabic", "hebrew", "emoji", "fts-syntax"],
)
def test_hostile_questions_are_answered(shipped_index: Settings, question: str) -> None:
    index = Index.open(shipped_index.index_dir, shipped_index)
    try:
        result = index.search(question, 5)
    finally:
        index.close()
    sources = [h.source for h in result.hits]
    assert GAS_DEAL_SOURCE in sources, f"the gas-deal passage should still be found: {sources}"
    if len(question) > 100_000:
        assert result.note and "truncated" in result.note


def test_an_unclosed_quote_is_a_clear_error_not_an_fts5_one(shipped_index: Settings) -> None:
    index = Index.open(shipped_index.index_dir, shipped_index)
    try:
        with pytest.raises(QueryError, match="unclosed quote"):
            index.search('"unbalanced quote AND OR NOT ( * ^ gas NEAR(deal', 5)
    finally:
        index.close()


def test_questions_of_only_control_characters_are_a_clear_error(shipped_index: Settings) -> None:
    index = Index.open(shipped_index.index_dir, shipped_index)
    try:
        with pytest.raises(QueryError, match="empty"):
            index.search("\x00\x01\x1b\u200b \t\n", 5)
    finally:
        index.close()


def test_cli_ask_with_a_1mb_question_from_a_file(
    shipped_index: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    queries = write(tmp_path / "q.txt", "When was the gas deal signed? " * 35_000 + "\n")
    code = main(["ask", "--index", str(shipped_index.index_dir), "--queries", str(queries)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Traceback" not in out.err


def test_hostile_document_text_is_indexed_and_quoted_exactly(
    tmp_path: Path, embedder: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "Plain start.\x07 Bell and \x1b[2J escape codes. "
        "مرحبا بالعالم — Arabic greeting about the harbour ledger. "
        "שלום עולם — Hebrew greeting. Emoji 🚢⚓🧊 mark the icebreaker convoy. "
        "Bidi override \u202e reversed \u202c and zero-width\u200bjoiner."
    )
    write(tmp_path / "corpus" / "odd.txt", text)
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    update_index(settings, embedder)
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        for question in ("icebreaker convoy 🚢", "مرحبا بالعالم", "harbour ledger"):
            hit = index.search(question, 1).hits[0]
            raw = (settings.corpus_dir / hit.source).read_text(encoding="utf-8")
            assert raw[hit.start : hit.end] == hit.text
    finally:
        index.close()
    # The JSON contract carries the quote exactly too (controls, bidi marks and all).
    assert main(["ask", "--index", str(settings.index_dir), "--json", "harbour ledger"]) == 0
    top = json.loads(capsys.readouterr().out)["results"][0]
    assert text[top["start"] : top["end"]] == top["text"]


def test_errors_from_hostile_paths_stay_on_one_line(tmp_path: Path) -> None:
    """A folder name with a line break or a terminal escape cannot break the one-line error or
    drive the terminal: control characters are shown escaped."""
    folder = tmp_path / "line\nbreak\x1b[2J"
    folder.mkdir()
    (folder / DB_NAME).write_bytes(b"not a database at all" * 10)
    with pytest.raises(IndexCorruptError) as caught:
        LocalStore.open(folder)
    message = caught.value.user_message()
    assert "\n" not in message and "\x1b" not in message
    assert "line\\nbreak\\x1b[2J" in message
    assert caught.value.path == folder / DB_NAME  # the real path is kept for the program
