"""Entry point of the window: ``run_app(settings)`` shows it at once, then loads in the background.

Nothing heavy is imported before the window is on screen: the model (torch) and the index are
loaded by the window's workers after the first paint.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from askcorpus.gui.prefs import Preferences
from askcorpus.gui.theme import app_icon, stylesheet
from askcorpus.gui.window.main_window import MainWindow
from askcorpus.settings import Settings

if TYPE_CHECKING:
    from askcorpus.embed.embedder import Embedder


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), named, with the icon and the palette-based style."""
    QCoreApplication.setOrganizationName("askcorpus")
    QCoreApplication.setApplicationName("askcorpus")
    QGuiApplication.setDesktopFileName("askcorpus")
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setWindowIcon(app_icon())
    apply_style(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_style(app))
    return app


def apply_style(app: QApplication) -> None:
    """(Re)apply the style sheet for the current palette (light or dark)."""
    app.setStyleSheet(stylesheet(app.palette()))


def show_window(
    settings: Settings,
    prefs: Preferences | None = None,
    embedder: Embedder | None = None,
    data_dir: Path | None = None,
) -> MainWindow:
    """Create and show the window and let it paint; loading starts with ``window.start()``."""
    window = MainWindow(settings, prefs, embedder, data_dir)
    window.show()
    QApplication.processEvents()
    return window


def run_app(settings: Settings) -> int:
    """Open the window on ``settings.corpus_dir`` and run until it is closed."""
    app = make_app()
    window = show_window(settings)
    window.start()
    return app.exec()
