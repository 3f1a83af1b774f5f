"""Per-file bounds of the reading path (issue #11): what any reader produces is safe to store.

Every document's text is a verbatim quote source (``passage == text[start:end]``, also when
SQLite slices it), holds no NUL or lone surrogate, and is bounded in characters.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from askcorpus.ingest.documents import FileEntry, load_document
from askcorpus.ingest.formats import UnreadableFile
from askcorpus.records import Document
from askcorpus.settings import ChunkingParams
from askcorpus.text.chunking import chunk_document

from ..makedocs import make_docx

MAX = 10**8


def entry(path: Path) -> FileEntry:
    st_ = path.stat()
    return FileEntry(path.name, str(path), st_.st_size, st_.st_mtime)


def sqlite_quotes(document: Document) -> list[tuple[str, str]]:
    """(passage text, SQLite's substr of the stored document text) for every passage."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE d (text TEXT)")
    db.execute("INSERT INTO d VALUES (?)", (document.text,))
    out = []
    for p in chunk_document(document, ChunkingParams()):
        (got,) = db.execute(
            "SELECT substr(text, ?, ?) FROM d", (p.start + 1, p.end - p.start)
        ).fetchone()
        out.append((p.text, got))
    db.close()
    return out


def test_nul_after_the_first_8k_still_gives_exact_quotes(tmp_path: Path) -> None:
    # Indexed (the binary check looks at the first 8 KiB), but SQLite's substr stopped at the
    # NUL, so the passage holding it came back cut.
    text = "Plain opening words of the file. " * 300 + "The valve\x00 opened at noon sharp."
    path = tmp_path / "log.txt"
    path.write_bytes(text.encode())
    document = load_document(entry(path), MAX)
    for passage, stored in sqlite_quotes(document):
        assert stored == passage
    assert "\x00" not in document.text
    assert len(document.text) == len(text)  # replaced in place: offsets still index the file
    assert "The valve\ufffd opened at noon" in document.text


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(min_size=1, max_size=400), st.sampled_from([".txt", ".md", ".html"]))
def test_no_reader_lets_a_nul_through_and_quotes_survive_sqlite(
    tmp_path: Path, body: str, suffix: str
) -> None:
    path = tmp_path / f"any{suffix}"
    # An ASCII opening past the 8 KiB binary check, so what follows reaches the reader.
    path.write_bytes(("Opening words. " * 600 + body).encode("utf-8", "surrogatepass"))
    try:
        document = load_document(entry(path), MAX)
    except UnreadableFile:
        return
    assert "\x00" not in document.text + document.title
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in document.text + document.title)
    for passage, stored in sqlite_quotes(document):
        assert stored == passage


def test_extracted_text_past_the_character_limit_is_skipped_with_a_reason(tmp_path: Path) -> None:
    # A small container can hold far more text than its size: the limit applies to the text.
    words = "compressible words repeat endlessly " * 2000  # 72,000 characters
    path = make_docx(tmp_path / "dense.docx", [("p", words)])
    assert path.stat().st_size < 40_000
    with pytest.raises(UnreadableFile, match="too much text"):
        load_document(entry(path), 40_000)
    assert load_document(entry(path), 100_000).text.startswith("compressible")
