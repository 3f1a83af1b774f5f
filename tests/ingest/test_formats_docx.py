"""Word (.docx) reading: paragraphs, headings and tables in order; titles; corrupt files."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest

from askcorpus.ingest.documents import discover, load_document
from askcorpus.ingest.formats import UnreadableFile
from askcorpus.ingest.formats.docx import read_docx
from askcorpus.settings import ChunkingParams
from askcorpus.text.chunking import chunk_document

from ..makedocs import make_docx

BLOCKS = [
    ("title", "Energy Partnership Review"),
    ("p", "This review covers the gas trade between Russia and China."),
    ("h1", "Background"),
    ("p", "Negotiations on the eastern route began in 2004 and lasted a decade."),
    ("h2", "Prices"),
    ("p", "The price formula links gas to oil with a lag of several months."),
    ("list", "Power of Siberia"),
    ("list", "Altai route"),
    ("h1", "Outlook"),
    ("p", "Further contracts depend on demand in northern China."),
]


def read(path: Path):  # noqa: ANN201
    return read_docx(path, path.read_bytes())


def test_paragraphs_headings_and_tables_in_order(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "r.docx", BLOCKS, table=[["Year", "Volume"], ["2019", "5 bcm"]])
    ex = read(path)
    assert ex.kind == "docx"
    assert ex.text.split("\n\n") == [text for _style, text in BLOCKS] + [
        "Year | Volume\n2019 | 5 bcm"
    ]
    assert [s.title for s in ex.sections] == [
        "Energy Partnership Review",
        "Background",
        "Background › Prices",
        "Outlook",
    ]
    for s in ex.sections:
        assert ex.text[s.start :].startswith(s.title.split(" › ")[-1])


def test_title_from_properties_then_title_style_then_first_heading(tmp_path: Path) -> None:
    assert read(make_docx(tmp_path / "a.docx", BLOCKS, title="Official Title")).title == (
        "Official Title"
    )
    assert read(make_docx(tmp_path / "b.docx", BLOCKS)).title == "Energy Partnership Review"
    assert read(make_docx(tmp_path / "c.docx", BLOCKS[1:])).title == "Background"
    plain = make_docx(tmp_path / "notes.docx", [("p", "Just a paragraph of text.")])
    entries, _ = discover(tmp_path)
    doc = load_document(next(e for e in entries if e.path == plain), 10**8)
    assert doc.title == "notes"


def test_passages_carry_heading_context(tmp_path: Path) -> None:
    make_docx(tmp_path / "r.docx", BLOCKS)
    entries, _ = discover(tmp_path)
    doc = load_document(entries[0], 10**8)
    passages = chunk_document(doc, ChunkingParams(target_words=8, max_words=30, min_words=3))
    prices = next(p for p in passages if "oil with a lag" in p.text)
    assert prices.section == "Background › Prices"
    assert prices.context == "Energy Partnership Review — Background › Prices"
    assert all(doc.text[p.start : p.end] == p.text for p in passages)


def _rezip(raw: bytes, damage: dict[str, bytes | None]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            if item.filename in damage:
                if damage[item.filename] is None:
                    continue
                zout.writestr(item, damage[item.filename] or b"")
            else:
                zout.writestr(item, zin.read(item.filename))
    return out.getvalue()


@pytest.mark.parametrize(
    "make_bad",
    [
        lambda raw: raw[: len(raw) // 2],
        lambda raw: b"This is not a Word file.",
        lambda raw: _rezip(raw, {"word/document.xml": b"<w:document><w:body><w:p>"}),
        lambda raw: _rezip(raw, {"word/document.xml": None}),
    ],
    ids=["truncated", "text", "broken-xml", "missing-part"],
)
def test_corrupt_docx_is_reported(tmp_path: Path, make_bad) -> None:  # noqa: ANN001
    good = make_docx(tmp_path / "good.docx", BLOCKS).read_bytes()
    bad = tmp_path / "bad.docx"
    bad.write_bytes(make_bad(good))
    with pytest.raises(UnreadableFile, match=r"^corrupt DOCX"):
        read(bad)


def test_missing_docx_library_gives_a_clear_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_docx(tmp_path / "r.docx", BLOCKS)
    monkeypatch.setitem(sys.modules, "docx", None)
    with pytest.raises(UnreadableFile, match=r"pip install python-docx"):
        read(path)


def test_tracked_insertions_and_text_boxes_are_read_once_deletions_not(tmp_path: Path) -> None:
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    document = docx.Document()
    p = document.add_paragraph("The treaty was signed ")
    p._p.append(parse_xml(f"<w:ins {w}><w:r><w:t>in Beijing </w:t></w:r></w:ins>"))
    p._p.append(parse_xml(f"<w:del {w}><w:r><w:delText>in Moscow </w:delText></w:r></w:del>"))
    p._p.append(parse_xml(f"<w:r {w}><w:t>in 2001.</w:t></w:r>"))
    box = "<w:txbxContent><w:p><w:r><w:t>Sidebar: key dates.</w:t></w:r></w:p></w:txbxContent>"
    p._p.append(
        parse_xml(
            f'<w:r {w} {mc}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>{box}'
            f"</w:drawing></mc:Choice><mc:Fallback><w:pict>{box}</w:pict></mc:Fallback>"
            "</mc:AlternateContent></w:r>"
        )
    )
    document.add_paragraph("Next paragraph.")
    path = tmp_path / "tracked.docx"
    document.save(str(path))
    assert read(path).text == (
        "The treaty was signed in Beijing in 2001.\n\nSidebar: key dates.\n\nNext paragraph."
    )


# --- hostile archives (issue #11) ----------------------------------------------------------------

BOMB_CHILD = """
import resource, sys
from pathlib import Path
from askcorpus.ingest.documents import FileEntry, load_document
from askcorpus.ingest.formats import UnreadableFile

def entry(p):
    st = p.stat()
    return FileEntry(p.name, str(p), st.st_size, st.st_mtime)

load_document(entry(Path(sys.argv[1])), 64 << 20)  # warm up: imports, python-docx, lxml
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    load_document(entry(Path(sys.argv[2])), 64 << 20)
    reason = "indexed"
except UnreadableFile as exc:
    reason = exc.message
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) // 1024)
print(reason)
"""


def make_docx_bomb(path: Path, template: Path, inflated: int) -> Path:
    """A valid DOCX whose document.xml carries ``inflated`` bytes of whitespace (compresses ~1000x)."""
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename != "word/document.xml":
                dst.writestr(info, data)
                continue
            head, tail = data.split(b"<w:body>", 1)
            with dst.open("word/document.xml", "w", force_zip64=True) as out:
                out.write(head + b"<w:body>")
                block = b" " * (1 << 20)
                for _ in range(inflated >> 20):
                    out.write(block)
                out.write(tail)
    return path


def test_a_docx_bomb_is_skipped_without_inflating_it(tmp_path: Path) -> None:
    # A 2 MB .docx whose document.xml inflates to 2 GB was skipped in the end, but only after
    # peaking at 4.3 GB of memory. Here 300 MB: refused from the zip directory, memory flat.
    import os
    import subprocess

    import askcorpus

    small = make_docx(
        tmp_path / "small.docx", [("p", "The harbour crane lifted forty containers.")]
    )
    bomb = make_docx_bomb(tmp_path / "bomb.docx", small, 300 << 20)
    assert bomb.stat().st_size < 2 << 20
    done = subprocess.run(
        [sys.executable, "-c", BOMB_CHILD, str(small), str(bomb)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        # The child imports the same askcorpus as this test.
        env={**os.environ, "PYTHONPATH": str(Path(askcorpus.__file__).parents[1])},
    )
    grew_mb, reason = done.stdout.splitlines()
    assert int(grew_mb) < 50, f"peak memory grew {grew_mb} MB reading a bomb ({reason})"
    assert "word/document.xml" in reason and "skipped" in reason, reason
