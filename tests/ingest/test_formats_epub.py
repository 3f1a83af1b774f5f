"""EPUB reading: chapters in spine order, chapter titles as sections, bad and DRM books."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from askcorpus.ingest.formats import UnreadableFile
from askcorpus.ingest.formats.epub import read_epub

from .zipbombs import add_bomb_member, truncated

CHAPTERS = [
    (
        "c2.xhtml",
        "The Voyage",
        "<h1>The Voyage</h1><p>The Fram drifted north for three years.</p>"
        "<h2>Ice</h2><p>Pack ice closed around the hull in September.</p>",
    ),
    ("c1.xhtml", "Departure", "<p>Nansen left Christiania in June 1893.</p>"),
]


def make_epub(path: Path, title: str = "Farthest North") -> Path:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("fram-1")
    book.set_title(title)
    book.set_language("en")
    items = {}
    for name, chapter_title, body in CHAPTERS:
        item = epub.EpubHtml(title=chapter_title, file_name=name, lang="en")
        item.content = f"<html><body>{body}</body></html>"
        book.add_item(item)
        items[name] = item
    # The spine, not the manifest or the file names, gives the reading order.
    order = [items["c1.xhtml"], items["c2.xhtml"]]
    book.toc = [epub.Link(i.file_name, i.title, i.file_name) for i in order]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = order
    epub.write_epub(str(path), book)
    return path


def read(path: Path):  # noqa: ANN201
    return read_epub(path, path.read_bytes())


def test_chapters_in_spine_order_with_sections(tmp_path: Path) -> None:
    ex = read(make_epub(tmp_path / "fram.epub"))
    assert ex.kind == "epub"
    assert ex.title == "Farthest North"
    assert ex.text.split("\n\n") == [
        "Nansen left Christiania in June 1893.",
        "The Voyage",
        "The Fram drifted north for three years.",
        "Ice",
        "Pack ice closed around the hull in September.",
    ]
    assert [(s.title, ex.text[s.start :][:12]) for s in ex.sections] == [
        ("Departure", "Nansen left "),
        ("The Voyage", "The Voyage\n\n"),
        ("The Voyage › Ice", "Ice\n\nPack ic"),
    ]


def test_bad_books_are_skipped_with_a_reason(tmp_path: Path) -> None:
    good = make_epub(tmp_path / "good.epub")
    with pytest.raises(UnreadableFile, match=r"^corrupt EPUB"):
        read(truncated(good, tmp_path / "half.epub"))
    bomb = add_bomb_member(good, tmp_path / "bomb.epub", "EPUB/c1.xhtml")
    with pytest.raises(UnreadableFile, match=r"zip bomb"):
        read(bomb)
    drm = tmp_path / "drm.epub"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(drm, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr(
            "META-INF/encryption.xml",
            '<encryption><EncryptedData><CipherReference URI="EPUB/c1.xhtml"/>'
            "</EncryptedData></encryption>",
        )
    with pytest.raises(UnreadableFile, match=r"^DRM-protected EPUB"):
        read(drm)
