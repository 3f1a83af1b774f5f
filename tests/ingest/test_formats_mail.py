"""E-mail reading (.eml, .mbox): headers, plain and HTML bodies, messages as sections."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from askcorpus.ingest.formats import UnreadableFile
from askcorpus.ingest.formats.mail import read_eml, read_mbox


def message(subject: str, body: str, html: str | None = None, attach: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Olga Petrova <olga@example.org>"
    msg["To"] = "desk@example.org"
    msg["Date"] = "Tue, 03 Jun 2025 09:15:00 +0000"
    msg["Subject"] = subject
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    if attach:
        msg.add_attachment(
            b"%PDF-1.4 ...", maintype="application", subtype="pdf", filename="tariffs.pdf"
        )
    return msg.as_bytes()


def test_eml_headers_body_paragraphs_and_attachment_names(tmp_path: Path) -> None:
    raw = message(
        "Grain tariff change",
        "Hello,\n\nThe export duty on wheat falls to 4 percent in July.\n\nRegards,\nOlga\n",
        html="<p>HTML copy, not used when there is plain text</p>",
        attach=True,
    )
    ex = read_eml(tmp_path / "m.eml", raw)
    assert ex.kind == "email"
    assert ex.title == "Grain tariff change"
    assert ex.text.split("\n\n") == [
        "From: Olga Petrova <olga@example.org>\nTo: desk@example.org\n"
        "Date: Tue, 03 Jun 2025 09:15:00 +0000\nSubject: Grain tariff change",
        "Hello,",
        "The export duty on wheat falls to 4 percent in July.",
        "Regards,\nOlga",
        # A damaged attachment is noted with its reason and costs nothing else.
        "Attachments: tariffs.pdf (not read: corrupt PDF (data format error))",
    ]


def test_an_html_only_message_is_read_through_the_html_reader(tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["Subject"] = "Élévateur update"
    msg.set_content(
        "<html><body><p>The elevator at Taman &amp; Azov is full.</p>"
        "<script>x()</script></body></html>",
        subtype="html",
    )
    ex = read_eml(tmp_path / "h.eml", msg.as_bytes())
    assert ex.text == "Subject: Élévateur update\n\nThe elevator at Taman & Azov is full."
    assert ex.title == "Élévateur update"


def test_mbox_messages_are_sections(tmp_path: Path) -> None:
    raw = b"".join(
        b"From sender@example.org Tue Jun  3 09:15:00 2025\n" + m + b"\n"
        for m in [
            message("Port closure", "Taman closes on Friday for dredging.\n"),
            message("Re: Port closure", "It reopens on the 14th.\n>From the harbour master\n"),
        ]
    )
    ex = read_mbox(tmp_path / "box.mbox", raw)
    assert [s.title for s in ex.sections] == [
        "Message 1: Port closure",
        "Message 2: Re: Port closure",
    ]
    for s in ex.sections:
        assert ex.text[s.start :].startswith("From: Olga Petrova")
    assert "Taman closes on Friday for dredging." in ex.text
    assert ">From the harbour master" in ex.text
    assert ex.text.index("It reopens") > ex.sections[1].start


def test_files_that_are_not_mail_are_skipped_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match=r"^not an e-mail message"):
        read_eml(tmp_path / "x.eml", b"just some notes\nwith no headers at all\n")
    with pytest.raises(UnreadableFile, match=r"^not an mbox"):
        read_mbox(tmp_path / "x.mbox", message("Hi", "no separator line\n"))
