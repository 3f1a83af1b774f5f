"""E-mail (.eml: one message; .mbox: a mailbox of them), via the standard library's email parser.

A message becomes a header paragraph ("From: ...", "Date: ...", "Subject: ..."), then its body:
the plain-text part split into paragraphs at blank lines, else the HTML part read by the HTML
reader (:func:`askcorpus.ingest.formats.html.read_html`), then a line naming its attachments
("Attachments: report.pdf, photo.heic (not read: format not supported)"), then the text of each
attachment a reader can read (:mod:`askcorpus.ingest.formats.attachments`, bounded), each a
section "Message: <subject> › Attachment: report.pdf" (in an .mbox "Message N: ..."), with the
attachment's own pages and headings below it ("... › Attachment: report.pdf › p. 2"), so a
hit's location says it came from the attachment. An .eml's title is its subject and its date its ``Date`` header; in an .mbox each message is
a section "Message N: <subject>", and the mailbox's date is its latest message's.

The mailbox is split from the bytes already read (the ``From `` separator lines, as
:mod:`mailbox` does) rather than re-opened by path with :class:`mailbox.mbox`: the loader's
bounded, change-checked read stays the only read of the file.
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage, Message
from pathlib import Path

from askcorpus.ingest.formats import Extracted, UnreadableFile, register
from askcorpus.ingest.formats.attachments import AttachmentBudget, read_attachments
from askcorpus.ingest.formats.builder import TextBuilder, one_line
from askcorpus.ingest.formats.dates import iso_date
from askcorpus.ingest.formats.html import read_html
from askcorpus.records import SLIDE_KINDS, Section

_FROM_LINE = re.compile(rb"^From [^\r\n]*\r?\n", re.MULTILINE)
_HEADERS = ("From", "To", "Date", "Subject")
_BLANK_LINES = re.compile(r"\n[ \t]*\n")


@register(".eml")
def read_eml(path: Path, raw: bytes) -> Extracted:
    """One message's headers and body; raises :class:`UnreadableFile` when it is not e-mail."""
    message = _parse(raw)
    if not any(message.get(h) for h in _HEADERS):
        raise UnreadableFile("not an e-mail message (no From, Date or Subject header)")
    out = TextBuilder()
    subject = _header(message, "Subject")
    prefix = f"Message: {subject}" if subject else "Message"
    _add_message(out, message, path, AttachmentBudget(), prefix)
    date = iso_date(_header(message, "Date"))
    return out.extracted("email", _header(message, "Subject") or None, path, date=date)


@register(".mbox")
def read_mbox(path: Path, raw: bytes) -> Extracted:
    """Every message of a mailbox, each a section; raises :class:`UnreadableFile` when none."""
    starts = [m.end() for m in _FROM_LINE.finditer(raw)]
    if not starts or _FROM_LINE.match(raw) is None:
        raise UnreadableFile("not an mbox mailbox (it does not begin with a 'From ' line)")
    ends = [m.start() for m in _FROM_LINE.finditer(raw)][1:] + [len(raw)]
    out = TextBuilder()
    budget = AttachmentBudget()  # for the whole mailbox, not per message
    dates: list[str] = []
    for number, (start, end) in enumerate(zip(starts, ends, strict=True), start=1):
        message = _parse(raw[start:end])
        if (date := iso_date(_header(message, "Date"))) is not None:
            dates.append(date)
        subject = _header(message, "Subject")
        section = f"Message {number}: {subject}" if subject else f"Message {number}"
        out.section(section)
        _add_message(out, message, path, budget, section)
        if out.full:
            break
    # A mailbox's date is its latest message's, as a folder's is its newest file's.
    return out.extracted("email", None, path, date=max(dates, default=None))


def _parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def _header(message: Message, name: str) -> str:
    try:
        return one_line(str(message.get(name) or ""))[:500]
    except Exception:  # a malformed header must not cost the message
        return ""


def _add_message(
    out: TextBuilder, message: EmailMessage, path: Path, budget: AttachmentBudget, section: str
) -> None:
    lines = [f"{h}: {v}" for h in _HEADERS if (v := _header(message, h))]
    out.add("\n".join(lines))
    for paragraph in _body_paragraphs(message, path):
        if not out.add(paragraph):
            return
    attachments = read_attachments(message, path, budget)
    if attachments:
        names = [
            a.name if a.reason is None else f"{a.name} (not read: {a.reason})" for a in attachments
        ]
        out.add("Attachments: " + ", ".join(names))
    for a in attachments:
        if a.extracted is not None and not _add_attachment(out, a.name, a.extracted, section):
            return


def _add_attachment(out: TextBuilder, name: str, extracted: Extracted, section: str) -> bool:
    """The attachment's text as a section of its own, its pages (slides) and headings as
    sections below it; False once the builder's limit is reached."""
    title = f"{section} › Attachment: {name}"
    lead = len(extracted.text) - len(extracted.text.lstrip("\n"))  # what add() strips
    start = out.next_start
    out.section(title)
    if not out.add(extracted.text):
        return False
    word = "slide" if extracted.kind in SLIDE_KINDS else "p."
    marks = [(p, f"{word} {n}") for n, p in enumerate(extracted.page_starts, 1)]
    marks += [(s.start, s.title) for s in extracted.sections]
    for offset, label in sorted(marks, key=lambda m: m[0]):
        if offset - lead > 0:
            out.sections.append(Section(start + offset - lead, f"{title} › {label}"[:200]))
    return True


def _body_paragraphs(message: EmailMessage, path: Path) -> list[str]:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return []
    content = _content(body)
    if body.get_content_subtype() == "html":
        try:
            return read_html(path, content.encode("utf-8")).text.split("\n\n")
        except UnreadableFile:
            return []
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = []
    for block in _BLANK_LINES.split(text):
        lines = [line.rstrip() for line in block.split("\n")]
        paragraph = "\n".join(line for line in lines if line.strip())
        if paragraph:
            paragraphs.append(paragraph)
    return paragraphs


def _content(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError):  # an unknown or wrong charset
        pass
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
