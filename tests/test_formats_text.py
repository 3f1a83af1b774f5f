"""Plain text and Markdown: encodings (legacy, UTF-16 with and without BOM, damaged UTF-8),
binary detection, Markdown headings as sections with their parents, front matter titles."""

from __future__ import annotations

from pathlib import Path

import pytest

from askcorpus.chunking import chunk_document
from askcorpus.documents import discover, load_document
from askcorpus.formats import UnreadableFile
from askcorpus.formats.text import decode_text, read_markdown
from askcorpus.settings import ChunkingParams

SAMPLE = "Café déjà vu — “quoted” naïve text about Gazprom’s deal in 2014.\nSecond line.\n"


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le", "utf-16-be"]
)
def test_encodings_are_decoded(encoding: str) -> None:
    assert decode_text(SAMPLE.encode(encoding)) == SAMPLE


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "text", ["Москва и Пекин, 2014.\n" * 20, "北京 2008 年奥运会。\n" * 30, "北京欢迎你。" * 40]
)
def test_utf16_without_bom_in_other_scripts(encoding: str, text: str) -> None:
    assert decode_text(text.encode(encoding)) == text


def test_16_bit_binary_data_is_not_taken_for_utf16() -> None:
    import random
    import struct

    rng = random.Random(0)
    samples = b"".join(struct.pack("<H", rng.randrange(0, 2000)) for _ in range(3000))
    with pytest.raises(UnreadableFile, match="binary"):
        decode_text(samples)


def test_latin1_text_is_decoded() -> None:
    text = "Ångström à la française, señor Müller: ½ × ¾ ± ¼.\n" * 3
    assert decode_text(text.encode("latin-1")) == text


def test_utf8_with_a_few_broken_bytes_stays_utf8() -> None:
    raw = ("Москва и Пекин — the deal. " * 5).encode("utf-8") + b"\xff\xfe\x80 tail"
    text = decode_text(raw)
    assert text.startswith("Москва и Пекин — the deal.")
    assert text.endswith(" tail") and "\ufffd" in text


def test_binary_is_refused() -> None:
    with pytest.raises(UnreadableFile, match="binary"):
        decode_text(bytes(range(256)) * 40)


def test_markdown_sections_carry_parent_headings() -> None:
    md = (
        "# Field Guide\n\nIntro.\n\n## Install\n\nGeneral steps.\n\n### Linux\n\n"
        "apt-get it.\n\n```sh\n# not a heading\n```\n\n## Use\n\nRun it.\n\n"
        "Setext Heading\n--------------\n\nBody.\n"
    )
    ex = read_markdown(Path("g.md"), md.encode())
    assert ex.title == "Field Guide"
    assert [s.title for s in ex.sections] == [
        "Field Guide",
        "Install",
        "Install › Linux",
        "Use",
        "Setext Heading",
    ]
    for s in ex.sections:
        line = ex.text[s.start :].split("\n", 1)[0]
        assert s.title.split(" › ")[-1] in line


def test_markdown_front_matter_title_and_no_false_heading() -> None:
    md = '---\ntitle: "Notes on the Deal"\ntags: [gas]\n---\n\n# First Heading\n\nText.\n'
    ex = read_markdown(Path("n.md"), md.encode())
    assert ex.title == "Notes on the Deal"
    assert [s.title for s in ex.sections] == ["First Heading"]
    assert ex.text == md  # text unchanged, so offsets index the file


def test_markdown_passages_have_section_context(tmp_path: Path) -> None:
    intro = "This guide describes the routes that carry gas from Siberia to China. " * 3
    body = "The pipeline route crosses the Amur river near Blagoveshchensk. " * 2
    (tmp_path / "g.md").write_text(
        f"# Field Guide\n\n{intro}\n\n## Routes\n\n{intro}\n\n### Eastern\n\n{body}\n\n"
        "## Prices\n\nOil-linked.\n",
        encoding="utf-8",
    )
    entries, _ = discover(tmp_path)
    doc = load_document(entries[0], 10**8)
    passages = chunk_document(doc, ChunkingParams(target_words=10, max_words=30, min_words=2))
    eastern = next(p for p in passages if "Amur" in p.text)
    assert eastern.section == "Routes › Eastern"
    assert eastern.context == "Field Guide — Routes › Eastern"


def test_section_paths_leave_out_only_a_single_top_heading() -> None:
    from askcorpus.formats import heading_sections

    single = heading_sections([(0, 2, "Guide"), (10, 3, "Install"), (20, 4, "Linux")])
    assert [s.title for s in single] == ["Guide", "Install", "Install › Linux"]
    several = heading_sections([(0, 1, "Install"), (10, 2, "Linux"), (20, 1, "Use")])
    assert [s.title for s in several] == ["Install", "Install › Linux", "Use"]
    assert [s.start for s in several] == [0, 10, 20]
