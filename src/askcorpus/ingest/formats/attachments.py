"""Reading an e-mail's attachments with the other format readers, within bounds.

An attachment whose name has a supported suffix (.pdf, .docx, .txt, .xlsx, ...) is decoded and
read by that format's reader, exactly as a file of its own would be (zip containers still pass
:mod:`askcorpus.ingest.formats.zipsafe`; a scanned PDF is read by OCR when OCR is on). Its text
becomes part of the message's document (see :mod:`askcorpus.ingest.formats.mail`).

Bounds, per mail file (a mailbox counts all its messages together), so a message cannot make
the reader do more than a file of the same size would: at most :data:`MAX_ATTACHMENTS`
attachments read, each at most :data:`MAX_ATTACHMENT_BYTES` decoded, and at most
:data:`MAX_TOTAL_BYTES` decoded in all. Attached messages (.eml, message/rfc822) are not opened:
a message inside a message inside a message is how a mail bomb nests. An attachment that cannot
be read (unsupported, damaged, encrypted, over a bound) is noted with its reason and costs
nothing else.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path, PurePosixPath, PureWindowsPath

from askcorpus.errors import Cancelled
from askcorpus.ingest.formats import Extracted, UnreadableFile, reader_for
from askcorpus.ingest.formats.builder import one_line

log = logging.getLogger(__name__)

#: Attachments read from one mail file; later ones are only named.
MAX_ATTACHMENTS = 32
#: Decoded bytes of one attachment, and of all the attachments of one mail file.
MAX_ATTACHMENT_BYTES = 32 << 20
MAX_TOTAL_BYTES = 64 << 20
_MAIL_SUFFIXES = frozenset({".eml", ".mbox"})


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attachment: its name, and its text (``extracted``) or why it was not read."""

    name: str
    extracted: Extracted | None = None
    reason: str | None = None


@dataclass(slots=True)
class AttachmentBudget:
    """What is left of one mail file's attachment bounds."""

    # Read when a budget is made, so a caller (a test) may lower the module's bounds.
    count: int = field(default_factory=lambda: MAX_ATTACHMENTS)
    total_bytes: int = field(default_factory=lambda: MAX_TOTAL_BYTES)


def read_attachments(message: Message, path: Path, budget: AttachmentBudget) -> list[Attachment]:
    """Every named attachment of ``message``, read where a reader and the bounds allow."""
    found: list[Attachment] = []
    for part in _attachments(message):
        name = _safe_name(part.get_filename() or "")
        if part.get_content_type() == "message/rfc822":
            found.append(Attachment(name or "attached message", reason="attached e-mail"))
            continue
        if not name:
            continue
        found.append(_read_one(part, name, path, budget))
    return found


def _attachments(message: Message) -> list[Message]:
    try:
        return list(message.iter_attachments())  # type: ignore[attr-defined]
    except Exception:  # a malformed MIME tree costs its attachments, not the message
        log.debug("unreadable MIME structure", exc_info=True)
        return []


def _read_one(part: Message, name: str, path: Path, budget: AttachmentBudget) -> Attachment:
    suffix = PurePosixPath(name).suffix.lower()
    reader = reader_for(Path(name))
    if reader is None or suffix in _MAIL_SUFFIXES:
        return Attachment(name, reason="attached e-mail" if reader else "format not supported")
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding
        payload = None
    if not isinstance(payload, bytes) or not payload.strip():
        return Attachment(name, reason="empty or undecodable")
    if len(payload) > MAX_ATTACHMENT_BYTES:
        return Attachment(name, reason=f"larger than {MAX_ATTACHMENT_BYTES / 2**20:.0f} MB")
    if len(payload) > budget.total_bytes:
        return Attachment(name, reason=f"attachments over {MAX_TOTAL_BYTES / 2**20:.0f} MB in all")
    if budget.count <= 0:
        return Attachment(name, reason=f"more than {MAX_ATTACHMENTS} attachments in this file")
    budget.count -= 1
    budget.total_bytes -= len(payload)
    try:
        extracted = reader(path / name, payload)
    except UnreadableFile as exc:
        return Attachment(name, reason=exc.message)
    except Cancelled:  # the run stops (OCR of an attached scan), not only this attachment
        raise
    except Exception as exc:  # a third-party parser failing on a bad attachment
        log.debug("reader failed on attachment %s of %s", name, path, exc_info=True)
        return Attachment(name, reason=f"cannot parse: {type(exc).__name__}")
    if not extracted.text.strip():
        return Attachment(name, reason="no text")
    return Attachment(name, extracted=extracted)


def _safe_name(raw: str) -> str:
    """The file name alone (no folders: a name may be "../../x.pdf" or "C:\\x\\y.pdf"), on
    one line, bounded."""
    name = PureWindowsPath(PurePosixPath(one_line(raw)).name).name
    return name[:200]
