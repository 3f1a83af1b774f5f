"""What the window remembers between sessions (QSettings) and where each corpus keeps its index.

The corpus the app was started with keeps the index folder from :class:`Settings` (``index/`` for
the shipped corpus); any other corpus gets its own folder under the platform's application-data
location, named after the corpus folder plus a hash of its absolute path.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QByteArray, QCoreApplication, QStandardPaths

from askcorpus.gui.settings_writer import SettingsWriter, open_settings
from askcorpus.settings import Settings

MAX_RECENT_CORPORA = 8
MAX_RECENT_QUESTIONS = 50


def default_data_dir() -> Path:
    """The per-user application-data folder (e.g. ~/.local/share/askcorpus)."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location or Path.home() / ".askcorpus")


def index_dir_for(corpus: Path, launch: Settings, data_dir: Path) -> Path:
    """The index folder of ``corpus``: the launch settings' own for the launch corpus, else a
    stable per-corpus folder under ``data_dir``."""
    if _same_folder(corpus, launch.corpus_dir):
        return launch.index_dir
    resolved = corpus.expanduser().resolve()
    digest = hashlib.sha1(str(resolved).encode("utf-8")).hexdigest()[:10]
    name = re.sub(r"[^\w.-]+", "_", resolved.name or "corpus")[:40]
    return data_dir / "indexes" / f"{name}-{digest}"


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.expanduser().resolve() == b.expanduser().resolve()
    except OSError:
        return False


class Preferences:
    """Typed access to the window's QSettings (a private INI file when ``path`` is given, which
    is how tests keep their preferences apart from the user's)."""

    def __init__(self, path: Path | None = None):
        self._qs = open_settings(path)
        self._questions = self._list("recent/questions")
        # Recent questions change on every Enter: written off the UI thread.
        self._background = SettingsWriter(path, self)

    def close(self) -> None:
        """Write everything to disk and stop the background writer."""
        self._background.close()
        self._qs.sync()

    def _list(self, key: str) -> list[str]:
        value = self._qs.value(key, [])
        if isinstance(value, str):
            return [value] if value else []
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        return []

    @staticmethod
    def _pushed(items: list[str], item: str, limit: int) -> list[str]:
        return ([item] + [i for i in items if i != item])[:limit]

    # -- recent corpora ----------------------------------------------------------------------
    def recent_corpora(self) -> list[Path]:
        """Corpus folders opened before, most recent first."""
        return [Path(p) for p in self._list("recent/corpora")]

    def add_recent_corpus(self, folder: Path) -> None:
        """Remember ``folder`` as the most recent corpus."""
        items = self._pushed(
            self._list("recent/corpora"), str(folder.expanduser().resolve()), MAX_RECENT_CORPORA
        )
        self._qs.setValue("recent/corpora", items)

    def clear_recent_corpora(self) -> None:
        """Forget the recent corpora."""
        self._qs.setValue("recent/corpora", [])

    # -- the list of corpora ---------------------------------------------------------------------
    def corpora(self) -> list[Path]:
        """The corpora the window keeps (File > Corpora…), in the user's order."""
        return [Path(p) for p in self._list("corpora/list")]

    def set_corpora(self, folders: list[Path]) -> None:
        """Remember the list of corpora."""
        self._qs.setValue("corpora/list", list(dict.fromkeys(str(f) for f in folders)))

    def searched_together(self) -> list[Path]:
        """The corpora searched together with the one shown."""
        return [Path(p) for p in self._list("corpora/together")]

    def set_searched_together(self, folders: list[Path]) -> None:
        """Remember which corpora are searched together."""
        self._qs.setValue("corpora/together", list(dict.fromkeys(str(f) for f in folders)))

    # -- recent questions --------------------------------------------------------------------
    def recent_questions(self) -> list[str]:
        """Questions asked before, most recent first."""
        return list(self._questions)

    def add_recent_question(self, question: str) -> list[str]:
        """Remember ``question`` (written to disk off the UI thread); returns the updated list."""
        self._questions = self._pushed(self._questions, question, MAX_RECENT_QUESTIONS)
        if QCoreApplication.instance() is None:  # no event loop to write from: write here
            self._qs.setValue("recent/questions", list(self._questions))
        else:
            self._background.write("recent/questions", list(self._questions))
        return list(self._questions)

    # -- reading and indexing options ----------------------------------------------------------
    def reader_mode(self) -> Literal["text", "page"]:
        """How the reading pane shows PDFs: their rendered page (the default) or their text."""
        return "text" if self._qs.value("reader/pdf_view", "page") == "text" else "page"

    def set_reader_mode(self, mode: Literal["text", "page"]) -> None:
        """Remember how to show PDFs."""
        self._qs.setValue("reader/pdf_view", mode)

    @staticmethod
    def _corpus_key(corpus: Path) -> str:
        resolved = str(corpus.expanduser().resolve())
        return hashlib.sha1(resolved.encode("utf-8")).hexdigest()[:16]

    def auto_reindex(self, corpus: Path) -> bool:
        """Whether ``corpus`` is reindexed by itself when its folder changes (on by default)."""
        value = self._qs.value(f"auto_reindex/{self._corpus_key(corpus)}", True)
        return value not in (False, "false", "0", 0)

    def set_auto_reindex(self, corpus: Path, on: bool) -> None:
        """Turn automatic reindexing of ``corpus`` on or off."""
        self._qs.setValue(f"auto_reindex/{self._corpus_key(corpus)}", bool(on))

    # -- window state --------------------------------------------------------------------------
    def geometry(self, key: str) -> QByteArray | None:
        """A saved geometry/state blob, or None."""
        value = self._qs.value(f"window/{key}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, key: str, value: QByteArray) -> None:
        """Save a geometry/state blob."""
        self._qs.setValue(f"window/{key}", value)

    def sync(self) -> None:
        """Write to disk now (waiting for the background writer)."""
        self._background.flush()
        self._qs.sync()
