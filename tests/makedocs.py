"""Build test documents in tmp_path: PDFs written by hand (text, scanned, encrypted) and DOCX.

The PDF writer is minimal but real: objects, a content stream per page with the standard
Helvetica font, an xref table, optional document info, outline and RC4 (revision 2) encryption,
so pdfium reads these files exactly as it reads PDFs from the wild.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

# A page: lines top to bottom ("" leaves a paragraph gap), or (x, y, text) lines placed freely.
Page = list[str] | list[tuple[float, float, str]]

_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _pdf_string(text: str) -> bytes:
    raw = text.encode("latin-1")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(lines: Page, font_size: float = 11.0) -> bytes:
    if lines and isinstance(lines[0], tuple):
        return b"\n".join(
            b"BT /F1 %.1f Tf %.2f %.2f Td (%s) Tj ET" % (font_size, x, y, _pdf_string(text))
            for x, y, text in lines  # type: ignore[misc]
        )
    ops = [b"BT", b"/F1 %.1f Tf" % font_size, b"72 740 Td"]
    leading = font_size * 1.25
    for line in lines:
        if line:
            ops.append(b"(" + _pdf_string(line) + b") Tj")
        ops.append(b"0 %.2f Td" % -(leading * (1.6 if not line else 1.0)))
    ops.append(b"ET")
    return b"\n".join(ops)


def make_pdf(
    path: Path,
    pages: list[Page],
    title: str | None = None,
    outline: list[tuple[str, int]] | None = None,
    user_password: str | None = None,
    image_only: bool = False,
) -> Path:
    """Write a PDF with one text page per entry of ``pages``.

    ``outline`` adds bookmarks (title, 0-based page); ``user_password`` encrypts the file with
    RC4-40 so it cannot be opened without that password; ``image_only`` draws a grey image
    instead of text on every page (a scan without OCR).
    """
    objects: dict[int, bytes] = {}
    n_pages = len(pages)
    page_ids = [4 + 2 * i for i in range(n_pages)]
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R%s >>"
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n_pages)
    objects[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    next_id = 4 + 2 * n_pages
    image_id = next_id
    streams: dict[int, bytes] = {}
    if image_only:
        next_id += 1
        streams[image_id] = bytes([128]) * (32 * 32)
        objects[image_id] = (
            b"<< /Type /XObject /Subtype /Image /Width 32 /Height 32 /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Length %d >>"
        )
    for i, lines in enumerate(pages):
        pid, cid = page_ids[i], page_ids[i] + 1
        resources = b"/Font << /F1 3 0 R >>"
        if image_only:
            resources += b" /XObject << /Im1 %d 0 R >>" % image_id
            streams[cid] = b"q 400 0 0 500 100 150 cm /Im1 Do Q"
        else:
            streams[cid] = _content(lines)
        objects[pid] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << %s >> "
            b"/Contents %d 0 R >>" % (resources, cid)
        )
        objects[cid] = b"<< /Length %d >>"
    strings: dict[int, list[str]] = {}
    info_id = None
    if title is not None:
        info_id = next_id
        next_id += 1
        objects[info_id] = b"<< /Title (%s) /Producer (askcorpus tests) >>"
        strings[info_id] = [title]
    outline_ref = b""
    if outline:
        root_id = next_id
        item_ids = list(range(root_id + 1, root_id + 1 + len(outline)))
        next_id = item_ids[-1] + 1
        objects[root_id] = b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (
            item_ids[0],
            item_ids[-1],
            len(outline),
        )
        for k, (text, page) in enumerate(outline):
            links = b""
            if k > 0:
                links += b" /Prev %d 0 R" % item_ids[k - 1]
            if k + 1 < len(outline):
                links += b" /Next %d 0 R" % item_ids[k + 1]
            objects[item_ids[k]] = (
                b"<< /Title (%%s) /Parent %d 0 R%s /Dest [%d 0 R /XYZ 0 792 0] >>"
                % (root_id, links, page_ids[page])
            )
            strings[item_ids[k]] = [text]
        outline_ref = b" /Outlines %d 0 R" % root_id
    objects[1] = objects[1] % outline_ref

    file_id = hashlib.md5(str(path).encode()).digest()
    key = b""
    encrypt_id = None
    if user_password is not None:
        owner = hashlib.md5((b"owner" + _PAD)[:32]).digest()[:5]
        o_value = _rc4(owner, (user_password.encode("latin-1") + _PAD)[:32])
        permissions = -4
        digest = hashlib.md5(
            (user_password.encode("latin-1") + _PAD)[:32]
            + o_value
            + struct.pack("<i", permissions)
            + file_id
        ).digest()
        key = digest[:5]
        u_value = _rc4(key, _PAD)
        encrypt_id = next_id
        next_id += 1
        objects[encrypt_id] = b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>" % (
            o_value.hex().encode(),
            u_value.hex().encode(),
            permissions,
        )

    def crypt(obj_id: int, data: bytes) -> bytes:
        if not key or obj_id == encrypt_id:
            return data
        obj_key = hashlib.md5(key + struct.pack("<i", obj_id)[:3] + b"\0\0").digest()[:10]
        return _rc4(obj_key, data)

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for obj_id in sorted(objects):
        body = objects[obj_id]
        for text in strings.get(obj_id, []):
            if key:
                literal = b"<" + crypt(obj_id, text.encode("latin-1")).hex().encode() + b">"
            else:
                literal = b"(" + _pdf_string(text) + b")"
            body = body.replace(b"(%s)", literal, 1)
        stream = streams.get(obj_id)
        offsets[obj_id] = len(out)
        if stream is not None:
            data = crypt(obj_id, stream)
            body = body % len(data)
            out += b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (obj_id, body, data)
        else:
            out += b"%d 0 obj\n%s\nendobj\n" % (obj_id, body)
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for obj_id in range(1, size):
        out += b"%010d 00000 n \n" % offsets[obj_id]
    trailer = b"/Size %d /Root 1 0 R /ID [<%s> <%s>]" % (
        size,
        file_id.hex().encode(),
        file_id.hex().encode(),
    )
    if info_id is not None:
        trailer += b" /Info %d 0 R" % info_id
    if encrypt_id is not None:
        trailer += b" /Encrypt %d 0 R" % encrypt_id
    out += b"trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(out))
    return path


def make_docx(
    path: Path,
    blocks: list[tuple[str, str]],
    title: str | None = None,
    table: list[list[str]] | None = None,
) -> Path:
    """Write a DOCX from (style, text) blocks: style "p", "title", or "h1".."h3"."""
    import docx

    document = docx.Document()
    if title is not None:
        document.core_properties.title = title
    for style, text in blocks:
        if style == "p":
            document.add_paragraph(text)
        elif style == "title":
            document.add_heading(text, level=0)
        elif style == "list":
            document.add_paragraph(text, style="List Bullet")
        else:
            document.add_heading(text, level=int(style[1:]))
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
