"""The Mentions tab's controller (:class:`MentionsController`): every mention of the question's
quoted phrase (else of its words) inside the same filters, looked for on the query worker when
the tab is shown, and a mention selected shown in the reading pane at its offset.
"""

from __future__ import annotations

import re
from dataclasses import replace

from PySide6.QtCore import QObject

from askcorpus.errors import QueryError
from askcorpus.gui.engine import Engine
from askcorpus.gui.research_tasks import TimedMentions
from askcorpus.gui.text import message
from askcorpus.gui.views.mentions_panel import MentionRef
from askcorpus.gui.window.corpus import CorpusController
from askcorpus.gui.window.layout import Parts
from askcorpus.gui.window.reading import ReadingController

_QUOTED = re.compile(r"[\"“]([^\"“”]+)[\"”]")
#: A question longer than this (a passage asked by "Find similar") has no mentions to list.
MAX_PHRASE_CHARS = 200


def phrase_of(question: str) -> str:
    """What the Mentions tab looks for: the question's first quoted phrase (with its quotes),
    else the whole question."""
    m = _QUOTED.search(question)
    return m.group(0) if m else question


class MentionsController(QObject):
    """Keeps the Mentions tab in step with the question asked (lazily: only while shown)."""

    def __init__(
        self,
        parent: QObject,
        parts: Parts,
        engine: Engine,
        corpus: CorpusController,
        reading: ReadingController,
    ):
        super().__init__(parent)
        self._parts = parts
        self._engine = engine
        self._reading = reading
        self._asked: str | None = None  # the question the tab shows, or will when shown
        self._shown: str | None = None
        reading.asked.connect(self._on_asked)
        corpus.switching.connect(self._reset)
        corpus.indexOpened.connect(lambda _info: self._on_tab(parts.tabs.currentIndex()))
        parts.tabs.currentChanged.connect(self._on_tab)
        engine.mentionsDone.connect(self._on_done)
        engine.mentionsFailed.connect(self._on_failed)
        parts.mentions.mentionSelected.connect(self._on_selected)

    @property
    def visible(self) -> bool:
        """Whether the Mentions tab is the one shown."""
        return self._parts.tabs.currentWidget() is self._parts.mentions

    def show_tab(self) -> None:
        """Bring the Mentions tab forward (it then looks for the question's mentions)."""
        self._parts.tabs.setCurrentWidget(self._parts.mentions)

    def _reset(self) -> None:
        self._shown = None
        self._parts.mentions.show_message("Ask a question to list every mention of its words.")

    def _on_asked(self, question: str) -> None:
        self._asked = question
        if self.visible:
            self._run()

    def _on_tab(self, _index: int) -> None:
        if self.visible and self._asked is not None and self._asked != self._shown:
            self._run()

    def _run(self) -> None:
        question = self._asked
        if question is None:
            return
        panel = self._parts.mentions
        if len(question) > MAX_PHRASE_CHARS:
            self._shown = question
            panel.show_message(
                "A passage asked by “Find similar” has no mentions to list: ask a word or a "
                "“phrase” to see every place it occurs."
            )
            return
        phrase = phrase_of(question)
        # The question's filters and chips, but every document: mentions are exhaustive.
        where = replace(self._reading.where, exclude_sources=frozenset())
        if self._engine.mentions(phrase, where):
            self._shown = question
            panel.show_searching(phrase)
        else:
            panel.show_message(f"Mentions of “{phrase}” will be listed once the index is open.")

    def _on_done(self, found: TimedMentions) -> None:
        self._parts.mentions.show_mentions(found)

    def _on_failed(self, phrase: str, exc: BaseException) -> None:
        what = "" if isinstance(exc, QueryError) else "Cannot list the mentions: "
        self._parts.mentions.show_message(f"{what}{message(exc)}")

    def _on_selected(self, ref: MentionRef) -> None:
        self._engine.show_mention(ref.source, ref.start, ref.end, ref.corpus)
