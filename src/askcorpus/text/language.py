"""A text's main language (ISO 639-1), detected offline with py3langid.

py3langid (BSD-3-Clause; a maintained fork of langid.py) is a naive-Bayes classifier over byte
n-grams for 97 languages whose model (4.6 MB) ships inside its wheel: nothing is downloaded,
ever. The model is loaded once, on first use (about 2 s), and a detection then costs well under
a millisecond for the few thousand characters it reads: a long document is judged by windows
spread over it, not by its whole text. Text with too few letters to judge (a table of numbers,
a title) gets None rather than a guess.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

#: Fewer letters than this (a caption, a number table) are too little to judge.
MIN_LETTERS = 12
#: Characters read from a long text: this many windows of ``_WINDOW`` characters.
_WINDOWS = 4
_WINDOW = 1500

_lock = threading.Lock()
_identifier: Any = None
_unavailable = False


def detect_language(text: str) -> str | None:
    """The main language of ``text`` as an ISO 639-1 code ("en", "ru", "zh", "de", ...), or
    None when the text has too few letters or py3langid is not installed."""
    sample = _sample(text)
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    identifier = _load()
    if identifier is None:
        return None
    language, _score = identifier.classify(sample)
    return str(language)


def _sample(text: str) -> str:
    """The whole text when short, else windows from its start to its last quarter (a long
    document's end is often references or appendices in another language)."""
    if len(text) <= _WINDOWS * _WINDOW:
        return text
    step = (len(text) * 3 // 4) // _WINDOWS
    return "\n".join(text[i * step : i * step + _WINDOW] for i in range(_WINDOWS))


def _load() -> Any:
    global _identifier, _unavailable
    if _identifier is not None or _unavailable:
        return _identifier
    with _lock:
        if _identifier is None and not _unavailable:
            try:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier
            except ImportError:
                log.warning("py3langid is not installed: document languages are not detected")
                _unavailable = True
                return None
            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    return _identifier
