"""Helpers for the window tests: open a real window on a real index and drive it."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import random  # noqa: E402
from pathlib import Path  # noqa: E402

from askcorpus.embed.embedder import Embedder  # noqa: E402
from askcorpus.gui.prefs import Preferences  # noqa: E402
from askcorpus.gui.window.main_window import MainWindow  # noqa: E402
from askcorpus.settings import Settings  # noqa: E402

TIMEOUT = 120_000  # ms: generous, the CPU is shared with other test processes


def open_window(
    qtbot,
    settings: Settings,
    embedder: Embedder | None,
    tmp_path: Path,
    wait_ready: bool = True,
    auto_reindex: bool = False,
) -> MainWindow:
    """A shown, started window on ``settings`` with private preferences; waits for the index.
    Automatic reindexing is off unless asked for, so a test sees the "changed" bar."""
    prefs = Preferences(tmp_path / "prefs.ini")
    prefs.set_auto_reindex(settings.corpus_dir, auto_reindex)
    window = MainWindow(settings, prefs, embedder, tmp_path / "appdata")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.start()
    if wait_ready:
        qtbot.waitUntil(lambda: window.info is not None, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: window.engine.model_ready, timeout=TIMEOUT)
    return window


def ask(qtbot, window: MainWindow, question: str) -> None:
    """Type ``question``, press Enter, and wait for its answer (or a 'no results' state)."""
    from PySide6.QtCore import Qt

    window.parts.question_edit.clear()
    qtbot.keyClicks(window.parts.question_edit, question)
    with qtbot.waitSignal(window.engine.searchDone, timeout=TIMEOUT):
        qtbot.keyClick(window.parts.question_edit, Qt.Key.Key_Return)


def wait_reader(qtbot, window: MainWindow, source: str) -> None:
    """Wait until the reading pane shows ``source``."""
    qtbot.waitUntil(
        lambda: (
            window.parts.reader.view is not None
            and window.parts.reader.view.document.source == source
        ),
        timeout=TIMEOUT,
    )


WORDS = [
    "river",
    "harbour",
    "lantern",
    "copper",
    "meadow",
    "orchard",
    "glacier",
    "canyon",
    "falcon",
    "ember",
    "quartz",
    "willow",
    "thunder",
    "saffron",
    "marble",
    "compass",
    "beacon",
    "prairie",
    "harvest",
    "lagoon",
    "summit",
    "cedar",
    "velvet",
    "anchor",
    "pepper",
    "violet",
    "granite",
    "ribbon",
    "cobalt",
    "nectar",
    "tundra",
    "walnut",
    "juniper",
    "crystal",
    "bramble",
]


def generated_text(seed: int, paragraphs: int, words: int = 90) -> str:
    """Deterministic filler text: sentences of random words, in paragraphs."""
    rng = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(words // 15):
            s = " ".join(rng.choice(WORDS) for _ in range(15))
            sentences.append(s[0].upper() + s[1:] + ".")
        out.append(" ".join(sentences))
    return "\n\n".join(out) + "\n"
