"""The window's PDF pages (:class:`PageController`): renders what the page view asks for on its
own worker, one request at a time, cancelling the one before; shows the answer; remembers
whether PDFs are read as text or as pages; opens a PDF at its page in the user's viewer.
"""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices, QImage
from PySide6.QtWidgets import QMainWindow

from askcorpus.gui import viewer
from askcorpus.gui.page_render import PageCancelled, PageRenderer, PageRequest, RenderedPage
from askcorpus.gui.prefs import Preferences
from askcorpus.gui.text import message
from askcorpus.gui.window.layout import Parts
from askcorpus.gui.workers import JobRunner


def to_image(rendered: RenderedPage) -> QImage:
    """The rendered pixels as a QImage (a copy: it must not borrow the cache's bytes)."""
    px = rendered.image
    return QImage(px.pixels, px.width, px.height, px.stride, QImage.Format.Format_RGB32).copy()


class PageController(QObject):
    """Page renders for the reading pane, off the UI thread."""

    def __init__(self, window: QMainWindow, parts: Parts, prefs: Preferences):
        super().__init__(window)
        self._parts = parts
        self._prefs = prefs
        self.runner = JobRunner("askcorpus-pages", self)
        self.renderer = PageRenderer()
        self._cancel = threading.Event()
        self._seq = 0
        self.cancelled = 0  # renders dropped because the selection moved on
        reader = parts.reader
        reader.set_mode(prefs.reader_mode())
        reader.modeChanged.connect(self._on_mode_changed)
        reader.page_view.renderRequested.connect(self.render)
        reader.page_view.cancelRequested.connect(self.cancel)
        # Another result chosen: the page still rendering for the last one is not wanted.
        parts.results.hitSelected.connect(lambda _hit: self.cancel())

    def _on_mode_changed(self, mode: str) -> None:
        self._prefs.set_reader_mode("page" if mode == "page" else "text")

    def render(self, request: PageRequest) -> None:
        """Render ``request`` in the background, cancelling any render still out."""
        self.cancel()
        self._seq += 1
        seq, cancel = self._seq, self._cancel
        self.runner.submit(
            self.renderer.render,
            request,
            cancel,
            on_done=partial(self._on_rendered, seq),
            on_failed=partial(self._on_failed, seq, request),
        )

    def cancel(self) -> None:
        """Stop the render still out, if any (the selection changed)."""
        self._cancel.set()
        self._cancel = threading.Event()

    def _on_rendered(self, seq: int, rendered: RenderedPage) -> None:
        if seq == self._seq:
            self._parts.reader.page_view.show_page(rendered, to_image(rendered))

    def _on_failed(self, seq: int, request: PageRequest, exc: BaseException) -> None:
        if isinstance(exc, PageCancelled):
            self.cancelled += 1
        elif seq == self._seq:
            self._parts.reader.page_view.show_failure(request, message(exc))

    def shutdown(self, msecs: int = 5000) -> None:
        """Cancel, wait for the worker and close the open PDF (window closing)."""
        self.cancel()
        self.runner.wait(msecs)
        self.renderer.close()

    def open_at_page(self, path: Path, page: int) -> str:
        """Open the PDF ``path`` at ``page``: in a viewer that takes a page where one is
        installed, else the usual way; returns what to tell the user."""
        name = viewer.open_at_page(path, page)
        if name is not None:
            return f"Opened {path.name} at page {page} in {name}"
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.resolve()))):
            return f"No app is set up to open {path.name}"
        return f"Opened {path.name} — the passage is on page {page}"
