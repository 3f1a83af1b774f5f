"""Zip-safety checks shared by the zip-based readers (issue #11): nothing inflates past bounds."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from askcorpus.ingest.formats import UnreadableFile
from askcorpus.ingest.formats.zipsafe import ZipLimits, open_zip, read_member


def make_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def lie_about_size(raw: bytes, name: str, declared: int) -> bytes:
    """``raw`` with ``name``'s inflated size set to ``declared`` in both its headers."""
    data = bytearray(raw)
    encoded = name.encode()
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == encoded:
            struct.pack_into("<I", data, central + 24, declared)
            local = struct.unpack_from("<I", data, central + 42)[0]
            struct.pack_into("<I", data, local + 22, declared)
            return bytes(data)
        central = data.find(b"PK\x01\x02", central + 4)
    raise AssertionError(f"{name} not in the archive")


def test_an_ordinary_archive_opens_and_reads() -> None:
    raw = make_zip({"word/document.xml": b"<doc>hello</doc>" * 100, "img.png": b"\x89PNG" * 10})
    with open_zip(raw, "DOCX") as archive:
        assert read_member(archive, "word/document.xml", "DOCX") == b"<doc>hello</doc>" * 100


def test_a_part_declaring_more_than_the_limit_is_refused_before_inflating() -> None:
    raw = make_zip({"word/document.xml": b" " * (3 << 20)})
    limits = ZipLimits(max_member_bytes=2 << 20, max_ratio=10**6)
    with pytest.raises(UnreadableFile, match=r"word/document.xml inflates to 3 MB \(limit 2 MB\)"):
        open_zip(raw, "DOCX", limits)


def test_a_bomb_ratio_is_refused() -> None:
    raw = make_zip({"word/document.xml": b" " * (4 << 20)})  # ~1000x
    with pytest.raises(UnreadableFile, match="zip bomb"):
        open_zip(raw, "DOCX")


def test_the_total_and_the_member_count_are_bounded() -> None:
    raw = make_zip({f"p{i}.xml": b"x" * 1000 for i in range(20)})
    with pytest.raises(UnreadableFile, match="in all"):
        open_zip(raw, "EPUB", ZipLimits(max_total_bytes=10_000))
    with pytest.raises(UnreadableFile, match="too many parts"):
        open_zip(raw, "EPUB", ZipLimits(max_members=10))


def test_a_directory_that_lies_cannot_make_a_part_inflate_more() -> None:
    raw = lie_about_size(make_zip({"content.xml": b"<x/>" * 500_000}), "content.xml", 1000)
    archive = open_zip(raw, "ODT")  # the directory looks harmless
    with archive, pytest.raises(UnreadableFile, match="corrupt ODT"):
        read_member(archive, "content.xml", "ODT")


def test_a_caller_limit_and_a_missing_part_are_reasons() -> None:
    raw = make_zip({"a.xml": b"x" * 5000})
    with open_zip(raw, "XLSX") as archive:
        with pytest.raises(UnreadableFile, match="inflates to"):
            read_member(archive, "a.xml", "XLSX", limit=100)
        with pytest.raises(UnreadableFile, match="missing"):
            read_member(archive, "b.xml", "XLSX")


def test_not_a_zip_is_a_reason() -> None:
    with pytest.raises(UnreadableFile, match="not a zip"):
        open_zip(b"PK\x03\x04 cut short", "PPTX")
