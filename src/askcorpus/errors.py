"""Typed errors: every failure a user can cause or meet derives from :class:`AskcorpusError`.

Each error carries the offending path (when there is one) and a hint saying what to do next,
so entry points can print one clear line instead of a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path


class AskcorpusError(Exception):
    """Base class of all askcorpus errors: a message, an optional path and a next-step hint."""

    def __init__(self, message: str, path: Path | str | None = None, hint: str | None = None):
        self.message = message
        self.path = Path(path) if path is not None else None
        self.hint = hint
        super().__init__(self.user_message())

    def user_message(self) -> str:
        """The one line shown to a user: what went wrong and what to do about it. Control
        characters (from file names, say) are shown escaped, so the line stays one line and
        cannot drive a terminal."""
        text = self.message
        if self.hint:
            text = f"{text} — {self.hint}"
        return escape_controls(text)


# C0 and C1 controls (ESC, BEL, CSI U+009B, carriage return, ...), line and paragraph
# separators, and the bidirectional overrides and isolates that reorder what a terminal shows.
# Other characters Python calls unprintable (no-break and zero-width spaces, ...) cannot drive
# a terminal or break a line, so they stay as they are: quotes keep their text.
_OTHER_CONTROLS = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile("[\x00-\x1f" + _OTHER_CONTROLS + "]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f" + _OTHER_CONTROLS + "]")


def _escaped(match: re.Match[str]) -> str:
    return match.group(0).encode("unicode_escape").decode("ascii")


def escape_controls(text: str) -> str:
    """``text`` with control characters (newlines, escape codes) shown as escapes, so a file
    name or passage cannot break a one-line message or drive a terminal."""
    return _CONTROL.sub(_escaped, text)


def escape_terminal(text: str) -> str:
    """Like :func:`escape_controls` but keeping newlines and tabs: for multi-line human-readable output
    (passages, reports) written to a terminal."""
    return _CONTROL_BUT_LINES.sub(_escaped, text)


class CorpusError(AskcorpusError):
    """The corpus folder is missing, unreadable or holds nothing indexable."""


class IndexMissingError(AskcorpusError):
    """No index exists at the given folder."""


class IndexMismatchError(AskcorpusError):
    """The index was built with another schema version, model, dimension or chunking."""


class IndexReencodedError(IndexMismatchError):
    """The index was re-encoded by another encoder since it was opened (a rebuild in place):
    opening it again reads its questions with the new encoder."""


class IndexCorruptError(AskcorpusError):
    """An index file is truncated, garbled or inconsistent with the others."""


class IndexLocationError(AskcorpusError):
    """The index folder is where askcorpus must not write: the corpus itself, a folder holding
    the corpus, or (for a new index) a folder already holding other files."""


class IndexAccessError(AskcorpusError):
    """The index exists but cannot be opened or read (permissions, unreadable media)."""


class IndexLockedError(AskcorpusError):
    """Another process is updating the index."""


class IndexWriteError(AskcorpusError):
    """The index could not be written (disk full, read-only folder, ...); the old index is kept."""


class ModelError(AskcorpusError):
    """The embedding model could not be found or loaded."""


class SettingsError(AskcorpusError):
    """A setting (an ``ASKCORPUS_*`` environment variable, say) has an unusable value."""


class QueryError(AskcorpusError):
    """A question or a queries file is unusable."""


class BoardError(AskcorpusError):
    """An evidence board file cannot be read or written (damaged, unreadable, a full disk)."""


class Cancelled(AskcorpusError):
    """A long operation was cancelled by the user; the previous index is intact."""


class CancelledAfterCheckpoint(Cancelled):
    """Indexing was cancelled after it published a checkpoint: the documents indexed by then
    are kept (the index changed, and is marked incomplete until the next run finishes it)."""
