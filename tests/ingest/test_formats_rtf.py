"""RTF reading: paragraphs, escapes, the info title, files that are not RTF."""

from __future__ import annotations

from pathlib import Path

import pytest

from askcorpus.ingest.formats import UnreadableFile
from askcorpus.ingest.formats.rtf import read_rtf

RTF = (
    rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times New Roman;}}"
    rb"{\info{\title Caspian Pipeline Memo}{\author A. Analyst}}"
    rb"\f0\fs24 The pipeline carries oil from Tengiz to Novorossiysk.\par "
    rb"\par "
    rb"Capacity reached 67 million tonnes in 2023 \'e0 la {\b CPC} report.\par "
    rb"Caf\u233?s line the {\i quay}.\par}"
)


def test_paragraphs_escapes_and_title(tmp_path: Path) -> None:
    path = tmp_path / "memo.rtf"
    path.write_bytes(RTF)
    ex = read_rtf(path, RTF)
    assert ex.kind == "rtf"
    assert ex.text.split("\n\n") == [
        "The pipeline carries oil from Tengiz to Novorossiysk.",
        "Capacity reached 67 million tonnes in 2023 à la CPC report.",
        "Cafés line the quay.",
    ]
    assert ex.title == "Caspian Pipeline Memo"
    assert read_rtf(path, RTF.replace(rb"{\title Caspian Pipeline Memo}", b"")).title is None


def test_files_that_are_not_rtf_are_skipped_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match=r"^not an RTF file"):
        read_rtf(tmp_path / "x.rtf", b"PK\x03\x04 a zip renamed to .rtf")
    with pytest.raises(UnreadableFile, match=r"^not an RTF file"):
        read_rtf(tmp_path / "x.rtf", RTF[len(RTF) // 2 :])
