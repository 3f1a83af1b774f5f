"""Discovery and reading of text and Markdown files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from askcorpus.documents import discover, iter_documents, load_document
from askcorpus.errors import CorpusError
from askcorpus.formats import UnreadableFile
from askcorpus.records import Document, SkippedFile

from .conftest import write


def load_all(root: Path) -> tuple[dict[str, Document], dict[str, str]]:
    docs, skipped = {}, {}
    for item in iter_documents(root, 10**8):
        if isinstance(item, SkippedFile):
            skipped[item.source] = item.reason
        else:
            docs[item.source] = item
    return docs, skipped


def test_discovery_is_recursive_and_ignores_hidden_and_temporary(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "alpha")
    write(tmp_path / "sub" / "deeper" / "b.md", "# B\n\nbeta")
    write(tmp_path / ".hidden.txt", "x")
    write(tmp_path / ".git" / "c.txt", "x")
    write(tmp_path / "~$report.txt", "x")
    write(tmp_path / ".~lock.a.txt#", "x")
    write(tmp_path / "notes.txt.swp", "x")
    write(tmp_path / "image.png", "x")
    entries, skipped = discover(tmp_path)
    assert [e.source for e in entries] == ["a.txt", "sub/deeper/b.md"]
    assert skipped == []


def test_text_is_decoded_unchanged(tmp_path: Path) -> None:
    raw = "Line one\r\n\r\n  Indented\u00a0text\twith tabs  \n\n\nEnd"
    write(tmp_path / "a.txt", raw)
    docs, _ = load_all(tmp_path)
    assert docs["a.txt"].text == raw


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("cp1252", "Café déjà vu — “quoted” naïve text about Gazprom’s deal in 2014."),
        ("utf-16", "Unicode with BOM: Москва и Пекин, 北京."),
        ("utf-8-sig", "UTF-8 with a byte order mark: Beijing."),
    ],
)
def test_legacy_encodings_are_detected(tmp_path: Path, encoding: str, data: str) -> None:
    write(tmp_path / "a.txt", data, encoding)
    docs, skipped = load_all(tmp_path)
    assert skipped == {}
    assert docs["a.txt"].text == data


def test_unreadable_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    write(tmp_path / "good.txt", "A good document.")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 10)
    write(tmp_path / "empty.txt", "")
    write(tmp_path / "blank.md", "   \n\n\t  ")
    os.symlink(tmp_path / "nowhere.txt", tmp_path / "broken.txt")
    docs, skipped = load_all(tmp_path)
    assert set(docs) == {"good.txt"}
    assert "binary" in skipped["binary.txt"]
    assert "empty" in skipped["empty.txt"]
    assert "empty" in skipped["blank.md"] or "whitespace" in skipped["blank.md"]
    assert "broken symlink" in skipped["broken.txt"]


def test_titles_come_from_headings_or_lines_echoing_the_file_name(tmp_path: Path) -> None:
    write(tmp_path / "notes.md", "Intro line\n\n# The Real Title\n\n## Part\n\ntext")
    write(
        tmp_path / "gas-deal-report.txt",
        "Skip to content\nMenu\nThe Gas Deal Report of 2014\n\nBody.",
    )
    write(tmp_path / "untitled.txt", "x" * 300)
    docs, _ = load_all(tmp_path)
    assert docs["notes.md"].title == "The Real Title"
    assert [s.title for s in docs["notes.md"].sections] == ["The Real Title", "Part"]
    assert docs["gas-deal-report.txt"].title == "The Gas Deal Report of 2014"
    assert docs["untitled.txt"].title == "untitled"


def test_missing_corpus_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        discover(tmp_path / "nope")


def test_too_large_file_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "big.txt", "word " * 1000)
    entries, _ = discover(tmp_path)
    with pytest.raises(UnreadableFile, match="too large"):
        load_document(entries[0], max_bytes=100)
