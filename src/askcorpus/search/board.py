"""The evidence board: passages a user pinned from results, kept per index, with notes.

Each pin keeps its quote, where it came from (source, title, page or location, offsets) and the
content hash of its document when it was pinned, so :meth:`Board.stale` can flag a pin whose
document changed since (or went away) while the quote itself is kept.

Where a board lives: in the user's data folder (``Settings.data_dir``, default
``~/.local/share/askcorpus``), under ``boards/``, one JSON file per index, named after the index
folder's resolved path (:func:`board_file`). Not beside the index, because an index folder may be
read-only media or shared, a future store may not be a folder at all, and the local store
refuses to create a new index in a folder holding files it did not make (a board left there
would block a rebuild from scratch). The cost: a moved index starts with an empty board (the old
file stays, naming the index and corpus it belonged to).

Every change is written at once, atomically (a temporary file in the same folder, flushed, then
renamed over the board), so a crash leaves the old board or the new one, never half of either.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

from askcorpus.errors import BoardError
from askcorpus.records import DocumentKind, Hit
from askcorpus.search.export import Item
from askcorpus.settings import Settings
from askcorpus.store.base import Store

log = logging.getLogger(__name__)

BOARD_VERSION = 1
#: Why a pin is stale: its document changed, its quote is no longer at its offsets (the
#: document changed in that place), or the document is no longer indexed.
Staleness = Literal["changed", "moved", "removed"]
_KINDS = frozenset(get_args(DocumentKind))


@dataclass(frozen=True, slots=True)
class Pin:
    """One pinned passage: the quote as it was, where it stood, and the document's hash then."""

    quote: str
    source: str
    title: str
    start: int
    end: int
    location: str
    content_hash: str
    pinned_at: str
    kind: DocumentKind = "text"
    page: int | None = None
    date: str | None = None
    note: str | None = None

    @property
    def key(self) -> str:
        """What identifies a pin on its board: its document and offsets."""
        return f"{self.source}#{self.start}-{self.end}"


@dataclass(frozen=True, slots=True)
class StalePin:
    """A pin whose document changed since it was pinned, and how."""

    pin: Pin
    why: Staleness

    @property
    def message(self) -> str:
        """One line for the board's view."""
        return {
            "changed": "the document changed since this was pinned (the quote is still there)",
            "moved": "the document changed: the quote is no longer at its place",
            "removed": "the document is no longer in the index",
        }[self.why]


def board_file(settings: Settings, index_dir: Path | None = None) -> Path:
    """The board file of the index in ``index_dir`` (default ``settings.index_dir``)."""
    folder = Path(index_dir if index_dir is not None else settings.index_dir).resolve()
    base = settings.data_dir or Path.home() / ".local" / "share" / "askcorpus"
    digest = hashlib.sha256(str(folder).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", folder.name)[:40] or "index"
    return base / "boards" / f"{name}-{digest}.json"


class Board:
    """The pins of one index, read from and written to one JSON file."""

    def __init__(self, path: Path, index: str = "", corpus: str = ""):
        self.path = path
        self.index = index
        self.corpus = corpus
        self._pins: list[Pin] = self._load()

    @classmethod
    def for_index(cls, settings: Settings, store: Store, index_dir: Path | None = None) -> Board:
        """The board of an open index."""
        folder = Path(index_dir if index_dir is not None else settings.index_dir)
        return cls(board_file(settings, folder), str(folder.resolve()), store.manifest.corpus)

    def pins(self) -> list[Pin]:
        """The pins, oldest first (as on disk: another window may have changed them)."""
        return list(self._load())

    def pin(self, hit: Hit, store: Store, note: str | None = None) -> Pin:
        """Pin ``hit`` (read from ``store``) with an optional note; pinning it again replaces
        its note and keeps its place."""
        document = store.document(hit.source)
        if document is None:
            raise BoardError(
                f"cannot pin {hit.source}: the document is no longer in the index",
                self.path,
                "search again",
            )
        pin = Pin(
            quote=hit.text,
            source=hit.source,
            title=hit.title,
            start=hit.start,
            end=hit.end,
            location=hit.place,
            content_hash=document.content_hash,
            pinned_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
            kind=hit.kind,
            page=hit.page,
            date=hit.date,
            note=note or None,
        )
        pins = self._load()
        keys = [p.key for p in pins]
        if pin.key in keys:
            pins[keys.index(pin.key)] = pin
        else:
            pins.append(pin)
        self._save(pins)
        return pin

    def annotate(self, key: str, note: str | None) -> Pin:
        """Set (or clear, with None or "") the note of the pin ``key``."""
        pins = self._load()
        for i, p in enumerate(pins):
            if p.key == key:
                pins[i] = replace(p, note=note or None)
                self._save(pins)
                return pins[i]
        raise BoardError(f"no pin {key} on the board", self.path, "reload the board")

    def unpin(self, key: str) -> bool:
        """Remove the pin ``key``; False when it was not on the board."""
        pins = self._load()
        kept = [p for p in pins if p.key != key]
        if len(kept) == len(pins):
            return False
        self._save(kept)
        return True

    def stale(self, store: Store) -> list[StalePin]:
        """The pins whose document changed since they were pinned (by content hash), moved
        their quote away from its offsets, or left the index, in board order."""
        out = []
        hashes = {s: d.content_hash for s, d in store.document_states().items()}
        for p in self._load():
            current = hashes.get(p.source)
            if current is None:
                out.append(StalePin(p, "removed"))
            elif current != p.content_hash:
                doc = store.document(p.source)
                still = doc is not None and doc.text[p.start : p.end] == p.quote
                out.append(StalePin(p, "changed" if still else "moved"))
        return out

    def items(self, stale: Sequence[StalePin] = ()) -> list[Item]:
        """The pins as export items (:mod:`askcorpus.search.export`), stale ones flagged."""
        flagged = {s.pin.key for s in stale}
        return [
            Item(
                source=p.source,
                title=p.title,
                start=p.start,
                end=p.end,
                text=p.quote,
                location=p.location,
                kind=p.kind,
                page=p.page,
                date=p.date,
                note=p.note,
                pinned_at=p.pinned_at,
                stale=p.key in flagged,
            )
            for p in self._pins
        ]

    # --- the file -----------------------------------------------------------------------------

    def _load(self) -> list[Pin]:
        """The pins on disk (none when the board was never written); a damaged file is a
        :class:`BoardError`, never a silently emptied board."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):  # never written (writing will say why)
            self._pins = []
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise BoardError(f"cannot read the board {self.path}: {exc}", self.path) from exc
        try:
            data = json.loads(text)
            pins = [_pin_from_json(p) for p in data["pins"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise BoardError(
                f"the board {self.path} is damaged ({exc})",
                self.path,
                "move the file away to start an empty board",
            ) from exc
        self.index = self.index or str(data.get("index", ""))
        self.corpus = self.corpus or str(data.get("corpus", ""))
        self._pins = pins
        return pins

    def _save(self, pins: list[Pin]) -> None:
        data = {
            "version": BOARD_VERSION,
            "index": self.index,
            "corpus": self.corpus,
            "pins": [asdict(p) for p in pins],
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".board-", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(data, f, ensure_ascii=False, indent=1)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise BoardError(
                f"cannot write the board {self.path}: {exc.strerror or exc}",
                self.path,
                "free some disk space or check the folder's permissions; the board is unchanged",
            ) from exc
        self._pins = pins
        log.info("board %s: %d pins", self.path, len(pins))


def _pin_from_json(data: Any) -> Pin:
    """A pin from its stored form (raises ValueError/KeyError/TypeError when malformed)."""
    if not isinstance(data, dict):
        raise TypeError("a pin is not an object")
    kind = str(data.get("kind", "text"))
    page = data.get("page")
    note = data.get("note")
    date = data.get("date")
    return Pin(
        quote=str(data["quote"]),
        source=str(data["source"]),
        title=str(data["title"]),
        start=int(data["start"]),
        end=int(data["end"]),
        location=str(data["location"]),
        content_hash=str(data["content_hash"]),
        pinned_at=str(data["pinned_at"]),
        kind=kind if kind in _KINDS else "text",  # type: ignore[arg-type]
        page=int(page) if page is not None else None,
        date=str(date) if date is not None else None,
        note=str(note) if note is not None else None,
    )
