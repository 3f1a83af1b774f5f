"""Discovery and reading of text and Markdown files."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from askcorpus.errors import CorpusError
from askcorpus.ingest import documents
from askcorpus.ingest.documents import discover, iter_documents, load_document
from askcorpus.ingest.formats import UnreadableFile
from askcorpus.records import Document, SkippedFile

from ..conftest import write


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
    write(tmp_path / "drawing.xcf", "x")
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


def only_entry(root: Path, name: str):  # noqa: ANN201
    entries, _ = discover(root)
    return next(e for e in entries if e.path.name == name)


def test_file_changed_while_being_read_is_skipped_for_this_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "live.txt", "First version of a log that keeps growing.\n")
    entry = only_entry(tmp_path, "live.txt")
    real_read = documents._read_all

    def read_while_appending(fd: int, limit: int) -> bytes:
        data = real_read(fd, limit)
        with path.open("a", encoding="utf-8") as f:  # another program writes meanwhile
            f.write("A line appended during the read.\n")
        return data

    monkeypatch.setattr(documents, "_read_all", read_while_appending)
    with pytest.raises(UnreadableFile) as info:
        load_document(entry, 10**8)
    assert info.value.message == "changed while being read — will be indexed next run"
    monkeypatch.undo()
    # Next run: read normally, with the mtime of the bytes actually read.
    doc = load_document(only_entry(tmp_path, "live.txt"), 10**8)
    assert doc.text.endswith("A line appended during the read.\n")
    assert doc.mtime == path.stat().st_mtime


def test_file_replaced_while_being_read_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "doc.txt", "Old text of the document.")
    entry = only_entry(tmp_path, "doc.txt")
    real_read = documents._read_all

    def read_then_replace(fd: int, limit: int) -> bytes:
        data = real_read(fd, limit)
        write(tmp_path / "doc.new", "New text saved by an editor.")
        os.replace(tmp_path / "doc.new", path)  # atomic save: a new inode under the old name
        return data

    monkeypatch.setattr(documents, "_read_all", read_then_replace)
    with pytest.raises(UnreadableFile, match="changed while being read"):
        load_document(entry, 10**8)


def test_file_vanishing_before_or_while_read_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "gone.txt", "Soon deleted.")
    entry = only_entry(tmp_path, "gone.txt")
    path.unlink()
    with pytest.raises(UnreadableFile, match="vanished before it could be read"):
        load_document(entry, 10**8)

    path = write(tmp_path / "gone.txt", "Soon deleted.")
    entry = only_entry(tmp_path, "gone.txt")
    real_read = documents._read_all

    def read_then_delete(fd: int, limit: int) -> bytes:
        data = real_read(fd, limit)
        path.unlink()
        return data

    monkeypatch.setattr(documents, "_read_all", read_then_delete)
    with pytest.raises(UnreadableFile, match="vanished while being read"):
        load_document(entry, 10**8)


def test_unreadable_file_is_skipped_with_permission_denied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "secret.txt", "Not for your eyes.")
    entry = only_entry(tmp_path, "secret.txt")
    if os.geteuid() == 0:
        # root reads mode-000 files, so raise what os.open raises for everyone else.
        def deny(p: Path) -> int:
            raise PermissionError(errno.EACCES, "Permission denied", str(p))

        monkeypatch.setattr(documents, "_open_readonly", deny)
    else:
        path.chmod(0)
    with pytest.raises(UnreadableFile) as info:
        load_document(entry, 10**8)
    assert info.value.message == "permission denied — cannot read it"


def test_size_limits_and_a_file_growing_past_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "big.txt", "word " * 100)
    with pytest.raises(UnreadableFile, match=r"too large \(0 MB > limit 0 MB\)"):
        load_document(only_entry(tmp_path, "big.txt"), max_bytes=100)
    # A container (.pdf) over the text limit is still read (its bytes are mostly images and
    # fonts); past the container limit it is refused unread like a text file.
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.4 not really a pdf " * 10)
    with pytest.raises(UnreadableFile) as bad:
        load_document(only_entry(tmp_path, "doc.pdf"), max_bytes=100)
    assert "too large" not in bad.value.message
    (tmp_path / "big.pdf").write_bytes(b"x" * (100 * documents.CONTAINER_FACTOR + 1))
    with pytest.raises(UnreadableFile, match="too large"):
        load_document(only_entry(tmp_path, "big.pdf"), max_bytes=100)
    # A file that grows after discovery is never read past the limit.
    path = write(tmp_path / "grows.txt", "small")
    entry = only_entry(tmp_path, "grows.txt")
    write(path, "x" * 5000)
    with pytest.raises(UnreadableFile, match="too large"):
        load_document(entry, max_bytes=1000)


def test_odd_file_names_are_read_and_bad_ones_reported(tmp_path: Path) -> None:
    names = ["with space.txt", "Überblick — 北京.md", "new\nline.txt", 'it\'s "quoted".txt']
    for n, name in enumerate(names):
        write(tmp_path / name, f"Document number {n} has text.")
    undecodable = os.fsdecode(b"caf\xe9.txt")
    write(tmp_path / undecodable, "Latin-1 file name.")
    docs, skipped = load_all(tmp_path)
    assert sorted(docs) == sorted(names)
    assert skipped == {"caf\ufffd.txt": "file name is not valid UTF-8 — rename it"}


def test_symlinks_loops_folders_and_fifos(tmp_path: Path) -> None:
    write(tmp_path / "real.txt", "Real text.")
    os.symlink(tmp_path / "real.txt", tmp_path / "alias.txt")
    os.symlink(tmp_path / "loop-b.txt", tmp_path / "loop-a.txt")
    os.symlink(tmp_path / "loop-a.txt", tmp_path / "loop-b.txt")
    (tmp_path / "sub").mkdir()
    os.symlink(tmp_path, tmp_path / "sub" / "up")  # a folder loop
    os.mkfifo(tmp_path / "pipe.txt")
    docs, skipped = load_all(tmp_path)
    assert sorted(docs) == ["alias.txt", "real.txt"]
    assert skipped == {
        "loop-a.txt": "symlink loop",
        "loop-b.txt": "symlink loop",
        "sub/up": "folder symlink — not followed",
        "pipe.txt": "not a regular file",
    }


def test_is_unchanged_follows_the_files_size_and_mtime(tmp_path: Path) -> None:
    """The one "changed?" test: a read document is unchanged until its file's size or mtime
    moves (a rewrite with the same bytes and a new mtime counts as changed: not read again
    only when nothing moved)."""
    path = write(tmp_path / "a.txt", "some words to read")
    (entry,), _ = discover(tmp_path)
    doc = load_document(entry, 1 << 20)
    assert documents.is_unchanged(entry.size, entry.mtime, doc)
    os.utime(path, (1_600_000_000, 1_600_000_000))
    (moved,), _ = discover(tmp_path)
    assert not documents.is_unchanged(moved.size, moved.mtime, doc)
    write(path, "some words to read, and more")
    os.utime(path, (doc.mtime, doc.mtime))
    (grown,), _ = discover(tmp_path)
    assert not documents.is_unchanged(grown.size, grown.mtime, doc)
