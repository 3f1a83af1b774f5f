"""A real corpus is a mess: every bad file gets a one-line reason, every good file is searchable.

One folder holds good documents in every format and encoding, odd file names, and each kind of
bad input the indexer must survive. The run must index all good files, report each bad one with
its reason (in the report, the CLI and ``status --json``), ignore hidden and temporary files,
and exit 0; it fails only when nothing at all can be indexed.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from askcorpus.cli import main
from askcorpus.embed.embedder import Embedder
from askcorpus.indexer.update import update_index
from askcorpus.ingest import documents
from askcorpus.search.index import Index
from askcorpus.settings import Settings

from ..conftest import write
from ..makedocs import make_docx, make_pdf

# Good files: name -> (how to write it, a question only it answers well, a phrase in its answer).
LEGACY = "Le café de la gare ouvre à six heures; les croissants sont prêts à l’aube."


def build_good(root: Path) -> dict[str, tuple[str, str]]:
    """Write the good files; returns source -> (question, phrase the top passage must hold)."""
    write(root / "notes.txt", "The observatory telescope mirror was polished in Jena in 1931.")
    write(root / "legacy-cp1252.txt", LEGACY, "cp1252")
    write(root / "latin1.txt", "Der Fußgänger überquerte die Brücke über die Spree.", "latin-1")
    write(root / "utf16-bom.txt", "Beekeepers harvest lavender honey in late July.", "utf-16")
    write(root / "utf16-nobom.txt", "The glacier retreated two kilometres since 1950.", "utf-16-le")
    write(
        root / "guide.md",
        "# Sourdough Guide\n\n## Starter\n\nFeed the sourdough starter with rye flour daily.\n",
    )
    write(
        root / "saved page.html",
        "<html><head><title>Volcano news</title><script>track()</script></head><body>"
        "<nav>Home | World</nav><main><p>Mount Etna erupted again, sending ash over Catania."
        "</p></main><footer>Copyright</footer></body></html>",
    )
    make_docx(
        root / "report.docx",
        [("title", "Harbour Report"), ("p", "The harbour crane lifted forty containers an hour.")],
    )
    make_pdf(
        root / "paper.pdf",
        [["Intro", "", "Penguins huddle together to survive the Antarctic winter."]],
        title="Penguin Paper",
    )
    write(root / "sub dir" / "Überblick — 北京.md", "Der Pekinger Zoo hält seltene Pandabären.")
    write(root / "new\nline.txt", "The lighthouse keeper logged every passing tanker.")
    write(root / 'it\'s "quoted".txt', "Saffron is the dried stigma of the crocus flower.")
    return {
        "notes.txt": ("Where was the telescope mirror polished?", "Jena"),
        "legacy-cp1252.txt": ("café croissants gare", "croissants sont prêts à l’aube"),
        "latin1.txt": ("Fußgänger Brücke Spree", "Fußgänger überquerte"),
        "utf16-bom.txt": ("When is lavender honey harvested?", "lavender honey"),
        "utf16-nobom.txt": ("How far did the glacier retreat?", "two kilometres"),
        "guide.md": ("What do I feed the sourdough starter?", "rye flour"),
        "saved page.html": ("Which volcano erupted over Catania?", "Mount Etna"),
        "report.docx": ("How many containers did the harbour crane lift?", "forty containers"),
        "paper.pdf": ("How do penguins survive the winter?", "Penguins huddle"),
        "sub dir/Überblick — 北京.md": ("Pekinger Zoo Pandabären", "Pandabären"),
        "new\nline.txt": ("What did the lighthouse keeper log?", "passing tanker"),
        'it\'s "quoted".txt': ("What is saffron made of?", "stigma of the crocus"),
    }


def build_bad(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Write the bad files (and simulate the live ones); returns source -> expected reason."""
    (root / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (root / "empty.txt").write_bytes(b"")
    write(root / "blank.md", "  \n\n\t \r\n")
    make_pdf(root / "scanned.pdf", [[], []], image_only=True)
    make_pdf(root / "locked.pdf", [["Secret minutes."]], user_password="pw")
    (root / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog")
    (root / "broken.docx").write_bytes(b"PK\x03\x04 this zip is cut short")
    write(root / "secret.txt", "Classified text nobody may read.")
    os.symlink(root / "missing.txt", root / "dangling.txt")
    os.symlink(root / "loop-b.txt", root / "loop-a.txt")
    os.symlink(root / "loop-a.txt", root / "loop-b.txt")
    os.symlink(root / "sub dir", root / "linked folder")
    write(root / os.fsdecode(b"caf\xe9.txt"), "A name in Latin-1 bytes.")
    with (root / "huge.txt").open("wb") as f:  # 200 MB, sparse: costs no disk
        f.truncate(200 * 2**20)
    write(root / "changing.txt", "A log file that another program is writing.")
    write(root / "vanishing.txt", "A download that gets cleaned up mid-run.")

    real_open, real_read = documents._open_readonly, documents._read_all
    current: dict[str, Path] = {}

    def open_readonly(path: Path) -> int:
        if path.name == "secret.txt" and os.geteuid() == 0:
            # Tests run as root, who can read mode-000 files: raise what others get from open.
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        current["path"] = path
        return real_open(path)

    def read_all(fd: int, limit: int) -> bytes:
        data = real_read(fd, limit)
        path = current["path"]
        if path.name == "changing.txt":
            with path.open("a") as f:
                f.write("appended during the read\n")
        elif path.name == "vanishing.txt":
            path.unlink()
        return data

    if os.geteuid() != 0:
        (root / "secret.txt").chmod(0)
    monkeypatch.setattr(documents, "_open_readonly", open_readonly)
    monkeypatch.setattr(documents, "_read_all", read_all)
    return {
        "binary.txt": "binary file (contains NUL bytes)",
        "empty.txt": "empty file (0 bytes)",
        "blank.md": "only whitespace, no text",
        "scanned.pdf": "no text layer — scanned? (2 pages, needs OCR)",
        "locked.pdf": "encrypted PDF (needs a password)",
        "broken.pdf": "corrupt PDF",
        "broken.docx": "corrupt DOCX (not a zip archive)",
        "secret.txt": "permission denied — cannot read it",
        "dangling.txt": "broken symlink",
        "loop-a.txt": "symlink loop",
        "loop-b.txt": "symlink loop",
        "linked folder": "folder symlink — not followed",
        "caf\ufffd.txt": "file name is not valid UTF-8 — rename it",
        "huge.txt": "too large (200 MB > limit 64 MB)",
        "changing.txt": "changed while being read — will be indexed next run",
        "vanishing.txt": "vanished while being read",
    }


def build_ignored(root: Path) -> list[str]:
    names = [".hidden.txt", "~$report.docx", ".~lock.guide.md#", "notes.txt.swp", "draft.md~"]
    for name in names:
        write(root / name, "should never be looked at")
    write(root / ".git" / "HEAD.txt", "ref: refs/heads/main")
    return names


def test_messy_folder_indexes_every_good_file_and_reports_every_bad_one(
    tmp_path: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    corpus = tmp_path / "corpus"
    good = build_good(corpus)
    bad = build_bad(corpus, monkeypatch)
    ignored = build_ignored(corpus)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")

    report = update_index(settings, embedder)

    reasons = {s.source: s.reason for s in report.skipped}
    assert set(reasons) == set(bad)
    for source, expected in bad.items():
        assert reasons[source].startswith(expected), (source, reasons[source])
        assert "\n" not in reasons[source]
    assert report.added == len(good)
    assert not any(name in reasons for name in ignored)

    index = Index.open(settings.index_dir, settings, embedder)
    try:
        for source, (question, phrase) in good.items():
            hits = index.search(question, 3).hits
            assert hits, question
            top = hits[0]
            assert (top.source, phrase in top.text) == (source, True), (question, top)
            doc = index.document(source)
            assert doc.text[top.start : top.end] == top.text
    finally:
        index.close()

    # The report is kept: `status --json` lists the skipped files with their reasons.
    assert main(["status", "--index", str(settings.index_dir), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert {s["source"]: s["reason"] for s in status["skipped"]} == reasons
    assert status["documents"] == len(good)


def test_cli_index_exits_0_with_skips_and_1_when_nothing_is_indexable(
    tmp_path: Path, embedder: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "good.md", "# Tides\n\nThe moon raises the tides twice a day.")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 16)
    make_pdf(corpus / "scan.pdf", [[]], image_only=True)
    index_dir = tmp_path / "index"

    code = main(["index", "--corpus", str(corpus), "--index", str(index_dir)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "skipped binary.txt: binary file (contains NUL bytes)" in out.err.splitlines()
    assert "skipped scan.pdf: no text layer — scanned? (1 page, needs OCR)" in out.err
    assert "1 added" in out.out and "2 skipped" in out.out

    nothing = tmp_path / "nothing"
    (nothing / "x.txt").parent.mkdir()
    (nothing / "x.txt").write_bytes(b"")
    make_pdf(nothing / "scan.pdf", [[]], image_only=True)
    code = main(["index", "--corpus", str(nothing), "--index", str(tmp_path / "index2")])
    err = capsys.readouterr().err
    assert code == 1
    assert "nothing in" in err and "could be indexed" in err


def test_hostile_files_are_bounded_and_the_rest_of_the_folder_indexes(
    tmp_path: Path, embedder: Embedder
) -> None:
    # Issue #11: one bad file must never stall a run or exhaust memory.
    from .test_formats_docx import make_docx_bomb

    corpus = tmp_path / "corpus"
    write(corpus / "notes.txt", "The observatory telescope mirror was polished in Jena in 1931.")
    padding = "Routine log line with nothing to report today. " * 200  # past the 8 KiB check
    (corpus / "nul.txt").write_bytes(
        (padding + "\n\nThe pump\x00 valve failed at midnight in the boiler room.").encode()
    )
    chinese = "一个工程师在北京工作了一年，他修好了 3 座桥。\n" * 5
    (corpus / "chinese.txt").write_bytes(chinese.encode("utf-16-le"))
    write(
        corpus / "tail.html",
        "<p>The lighthouse keeper logged every passing tanker.</p>" + "<a " * 3000,
    )
    write(corpus / "token.txt", "Saffron crocus. " + "z" * 200_000)
    small = make_docx(
        corpus / "harbour.docx", [("p", "The harbour crane lifted forty containers.")]
    )
    make_docx_bomb(corpus / "bomb.docx", small, 300 << 20)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")

    report = update_index(settings, embedder)

    reasons = {s.source: s.reason for s in report.skipped}
    assert list(reasons) == ["bomb.docx"] and "inflates to" in reasons["bomb.docx"]
    assert report.added == 6
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        for question, source, phrase in [
            ("When did the pump valve fail?", "nul.txt", "valve failed at midnight"),
            ("北京 工程师 桥", "chinese.txt", "北京工作"),
            ("What did the lighthouse keeper log?", "tail.html", "passing tanker"),
            ("How many containers did the crane lift?", "harbour.docx", "forty containers"),
        ]:
            top = index.search(question, 3).hits[0]
            assert (top.source, phrase in top.text) == (source, True), (question, top)
            assert index.document(source).text[top.start : top.end] == top.text
        token = index.document("token.txt")
        assert len(token.text) == 200_016
    finally:
        index.close()
