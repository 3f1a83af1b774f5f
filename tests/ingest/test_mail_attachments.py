"""Attachments of e-mail a reader can read become sections of the message's document,
bounded in size and count; unreadable ones are noted, never fatal."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from askcorpus.ingest.documents import discover, load_document
from askcorpus.ingest.formats import attachments
from askcorpus.ingest.formats.mail import read_eml, read_mbox
from askcorpus.settings import ChunkingParams
from askcorpus.text.chunking import chunk_document

from ..makedocs import make_docx, make_pdf


def message(subject: str, files: list[tuple[str, bytes, str]]) -> bytes:
    msg = EmailMessage()
    msg["From"] = "olga@example.org"
    msg["Date"] = "Tue, 03 Jun 2025 09:15:00 +0000"
    msg["Subject"] = subject
    msg.set_content("Please find the tariff papers attached.\n")
    for name, raw, mime in files:
        maintype, subtype = mime.split("/")
        msg.add_attachment(raw, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def papers(tmp_path: Path) -> list[tuple[str, bytes, str]]:
    pdf = make_pdf(
        tmp_path / "t.pdf",
        [["Tariff schedule for grain."], ["The export duty on barley is 7 percent from July."]],
    )
    docx = make_docx(
        tmp_path / "n.docx",
        [("h1", "Port notes"), ("p", "Novorossiysk loaded 31 million tonnes of wheat.")],
    )
    return [
        ("tariffs.pdf", pdf.read_bytes(), "application/pdf"),
        ("../../notes.docx", docx.read_bytes(), "application/octet-stream"),
        ("photo.heic", b"\x00\x01binary", "image/heic"),
        ("summary.txt", b"Rice prices rose by a tenth.\n", "text/plain"),
    ]


def test_readable_attachments_become_sections_and_the_rest_are_noted(tmp_path: Path) -> None:
    ex = read_eml(tmp_path / "m.eml", message("Grain tariffs", papers(tmp_path)))
    assert (
        "Attachments: tariffs.pdf, notes.docx, photo.heic (not read: format not supported), "
        "summary.txt" in ex.text
    )
    text_at = {s.title: ex.text[s.start : s.start + 60] for s in ex.sections}
    assert text_at["Message: Grain tariffs › Attachment: tariffs.pdf"].startswith("Tariff schedule")
    assert text_at["Message: Grain tariffs › Attachment: tariffs.pdf › p. 2"].startswith(
        "The export duty on barley"
    )
    assert text_at["Message: Grain tariffs › Attachment: notes.docx"].startswith("Port notes")
    assert text_at["Message: Grain tariffs › Attachment: summary.txt"].startswith("Rice prices")
    assert [s.start for s in ex.sections] == sorted(s.start for s in ex.sections)


def test_a_passage_from_an_attachment_says_so_in_its_location(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "m.eml").write_bytes(message("Grain tariffs", papers(tmp_path)))
    (entry,) = discover(corpus)[0]
    doc = load_document(entry, 1 << 20)
    passages = chunk_document(
        doc, ChunkingParams(target_words=12, max_words=20, min_words=1, overlap_sentences=0)
    )
    at = doc.text.index("barley")
    assert doc.section_at(at) == "Message: Grain tariffs › Attachment: tariffs.pdf › p. 2"
    assert any(p.start <= at < p.end for p in passages)
    body = next(p for p in passages if "tariff papers attached" in p.text)
    assert body.section is None


def test_attachments_are_bounded_per_mail_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attachments, "MAX_ATTACHMENTS", 2)
    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 1000)
    notes = [(f"n{i}.txt", f"Note {i} on the harvest.\n".encode(), "text/plain") for i in range(2)]
    big = [("big.txt", b"wheat " * 400, "text/plain")]
    raw = b"".join(
        b"From a@b Tue Jun  3 09:15:00 2025\n" + m + b"\n"
        for m in [
            message("One", notes),
            message("Two", [*big, ("n2.txt", b"Third.\n", "text/plain")]),
        ]
    )
    ex = read_mbox(tmp_path / "box.mbox", raw)
    assert "Note 0 on the harvest." in ex.text and "Note 1 on the harvest." in ex.text
    assert "big.txt (not read: larger than" in ex.text
    # The count is per mailbox: the third readable attachment is only named.
    assert "n2.txt (not read: more than 2 attachments in this file)" in ex.text
    assert "Third." not in ex.text


def test_attached_messages_are_not_opened(tmp_path: Path) -> None:
    inner = message("Inner", [("x.txt", b"Hidden inside.\n", "text/plain")])
    outer = EmailMessage()
    outer["Subject"] = "Fwd"
    outer.set_content("See below.\n")
    outer.add_attachment(inner, maintype="application", subtype="octet-stream", filename="fwd.eml")
    ex = read_eml(tmp_path / "o.eml", outer.as_bytes())
    assert "fwd.eml (not read: attached e-mail)" in ex.text
    assert "Hidden inside." not in ex.text
