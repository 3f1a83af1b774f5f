"""Entry point of the window: ``run_app(settings)`` shows it at once, then loads in the background;
``main()`` is the ``askcorpus-gui`` command (``askcorpus-gui [FOLDER]``).

Nothing heavy is imported before the window is on screen: the model (torch) and the index are
loaded by the window's workers after the first paint. Qt itself is imported inside the functions,
not at the top: ``main()`` first checks that the window can open here
(:mod:`askcorpus.gui.platform_check`), and importing QtGui already needs some of the libraries it
names (libEGL, libfontconfig, ...), so a missing one must not fail this module's import.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from askcorpus.embed.native_env import NATIVE_ENV_DEFAULTS
from askcorpus.errors import AskcorpusError
from askcorpus.gui.platform_check import PendingCheck
from askcorpus.settings import Settings

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from askcorpus.embed.embedder import Embedder
    from askcorpus.gui.prefs import Preferences
    from askcorpus.gui.window.main_window import MainWindow


def make_app(argv: list[str] | None = None, check: PendingCheck | None = None) -> QApplication:
    """The QApplication (created once), named, with the icon and the palette-based style.
    ``check`` (the platform check, started before Qt is imported) is waited for before Qt loads
    its display plugin."""
    try:
        from PySide6.QtCore import QCoreApplication, Qt
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtWidgets import QApplication
    except ImportError:
        if check is not None:
            check.wait()  # a missing library: the check's one message, not the ImportError
        raise
    if check is not None:
        check.wait()

    from askcorpus.gui.theme import app_icon

    _skip_feature_hook()
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


def _skip_feature_hook() -> None:
    """Import as Python does again, without PySide6's ``__feature__`` hook in between.

    Once PySide6 is loaded every later import goes through that hook, which reads the source of
    each newly imported module (``inspect.getsource``) to see whether it names PySide6; at
    start-up that is every module of numpy, FAISS and ONNX Runtime, ~0.05 CPU-s (measured in
    docs/benchmarks.md, "Cold start, session 6"). The hook only serves ``from __feature__ import snake_case`` (or
    ``true_property``), which askcorpus never uses. The import PySide6 itself chains to
    (``__orig_import__``, its lazy loading of Qt types) stays; where those names are not there
    (another PySide6) nothing changes.
    """
    import builtins

    chained = getattr(builtins, "__orig_import__", None)
    hook = getattr(builtins, "__feature_import__", None)
    if chained is not None and hook is not None and builtins.__import__ is hook:
        builtins.__import__ = chained


def apply_style(app: QApplication) -> None:
    """(Re)apply the style sheet for the current palette (light or dark)."""
    from askcorpus.gui.theme import stylesheet

    app.setStyleSheet(stylesheet(app.palette()))


def show_window(
    settings: Settings,
    prefs: Preferences | None = None,
    embedder: Embedder | None = None,
    data_dir: Path | None = None,
) -> MainWindow:
    """Create and show the window and let it paint; loading starts with ``window.start()``."""
    from PySide6.QtWidgets import QApplication

    from askcorpus.gui.window.main_window import MainWindow

    window = MainWindow(settings, prefs, embedder, data_dir)
    window.show()
    QApplication.processEvents()
    return window


def run_app(
    settings: Settings, app: QApplication | None = None, check: PendingCheck | None = None
) -> int:
    """Open the window on ``settings.corpus_dir`` and run until it is closed (``check``: the
    platform check, see :func:`make_app`)."""
    app = app or make_app(check=check)
    window = show_window(settings)
    window.start()
    return app.exec()


def main(argv: Sequence[str] | None = None) -> int:
    """``askcorpus-gui [FOLDER]``: open the window (on FOLDER, e.g. from a file manager's "Open
    with"). Settings come from the environment as for the CLI; an :class:`AskcorpusError` (no
    display, a missing library, a bad setting) is one line on stderr and exit code 1."""
    for name, value in NATIVE_ENV_DEFAULTS:  # before numpy loads (askcorpus.embed.native_env)
        os.environ.setdefault(name, value)
    parser = argparse.ArgumentParser(prog="askcorpus-gui", description="Open the askcorpus window.")
    parser.add_argument("folder", nargs="?", type=Path, help="corpus folder (default: corpus/)")
    parser.add_argument("--index", type=Path, help="index folder (default: index/)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        launch = Settings.from_env()
        from askcorpus.gui import gc_pause

        gc_pause.pause()  # until the model has loaded (Engine): start-up makes no garbage
        app = make_app(check=PendingCheck())
        index = args.index
        if args.folder is not None and index is None:
            # A folder opened from a file manager keeps its index where the window keeps the
            # index of any folder it opens, not in index/ of whatever the working folder is.
            from askcorpus.gui.prefs import default_data_dir, index_dir_for

            index = index_dir_for(args.folder, launch, default_data_dir())
        return run_app(launch.with_paths(args.folder, index), app)
    except AskcorpusError as exc:
        print(f"askcorpus: {exc.user_message()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # ``python -m askcorpus.gui.app``: the desktop entry's fallback
    sys.exit(main())
