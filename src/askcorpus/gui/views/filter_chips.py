"""Filter chips beside the question field: one removable chip per filter of a
:class:`~askcorpus.records.PassageFilter` (folder, kinds, dates, languages, phrases), and the
completion of folder names for ``in:``.

The chips show what the search is narrowed to; removing one (its ✕) emits the filter without
it. Filters typed in the question (``in:reports``) and filters set here mean the same
(:func:`askcorpus.text.syntax.merge_filters` joins them in the search).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import QCompleter, QHBoxLayout, QToolButton, QWidget

from askcorpus.records import PassageFilter

#: Which fields a chip clears, by chip key.
_CLEARED: dict[str, dict[str, object]] = {
    "folder": {"folder": None},
    "kinds": {"kinds": frozenset()},
    "after": {"after": None},
    "before": {"before": None},
    "languages": {"languages": frozenset()},
}


def chip_labels(where: PassageFilter) -> list[tuple[str, str]]:
    """``(key, label)`` of each chip of ``where``, in a fixed order; phrase chips have keys
    ``required:N`` / ``excluded:N``."""
    chips: list[tuple[str, str]] = []
    if where.folder:
        chips.append(("folder", f"in: {where.folder}"))
    if where.kinds:
        chips.append(("kinds", "type: " + ", ".join(sorted(where.kinds))))
    if where.after:
        chips.append(("after", f"after: {where.after}"))
    if where.before:
        chips.append(("before", f"before: {where.before}"))
    if where.languages:
        chips.append(("languages", "lang: " + ", ".join(sorted(where.languages))))
    for n, words in enumerate(where.required):
        chips.append((f"required:{n}", f"“{' '.join(words)}”"))
    for n, words in enumerate(where.excluded):
        chips.append((f"excluded:{n}", f"not “{' '.join(words)}”"))
    return chips


def without(where: PassageFilter, key: str) -> PassageFilter:
    """``where`` with the chip ``key`` removed."""
    if key in _CLEARED:
        return dataclasses.replace(where, **_CLEARED[key])  # type: ignore[arg-type]
    field, _sep, number = key.partition(":")
    phrases = list(where.required if field == "required" else where.excluded)
    del phrases[int(number)]
    if field == "required":
        return dataclasses.replace(where, required=tuple(phrases))
    return dataclasses.replace(where, excluded=tuple(phrases))


def folder_names(sources: Iterable[str]) -> list[str]:
    """Every folder holding a document of ``sources`` (and the folders above), sorted."""
    folders: set[str] = set()
    for source in sources:
        parts = source.split("/")[:-1]
        for n in range(1, len(parts) + 1):
            folders.add("/".join(parts[:n]))
    return sorted(folders)


def folder_completer(sources: Iterable[str], parent: QWidget | None = None) -> QCompleter:
    """A completer offering ``in:<folder>`` for the question field (case-insensitive)."""
    completer = QCompleter(parent)
    # Parented to the completer, so the model lives as long as it does.
    completer.setModel(QStringListModel([f"in:{f}" for f in folder_names(sources)], completer))
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    return completer


class FilterChips(QWidget):
    """A row of chips, one per filter; ``filterChanged`` carries the filter after a chip's
    removal."""

    filterChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._where = PassageFilter()
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(4)
        self._row.addStretch(1)
        self.chips: dict[str, QToolButton] = {}

    @property
    def where(self) -> PassageFilter:
        """The filter the chips show."""
        return self._where

    def set_filter(self, where: PassageFilter) -> None:
        """Show the chips of ``where`` (replacing those shown)."""
        self._where = where
        for chip in self.chips.values():
            self._row.removeWidget(chip)
            chip.deleteLater()
        self.chips = {}
        for n, (key, label) in enumerate(chip_labels(where)):
            chip = QToolButton(self)
            chip.setObjectName("filterChip")
            chip.setText(f"{label}  ✕")
            chip.setToolTip("Remove this filter")
            chip.setAutoRaise(True)
            chip.clicked.connect(lambda _checked=False, k=key: self.remove(k))
            self._row.insertWidget(n, chip)
            self.chips[key] = chip
        self.setVisible(bool(self.chips))

    def remove(self, key: str) -> None:
        """Drop the chip ``key`` and emit the filter without it."""
        self.set_filter(without(self._where, key))
        self.filterChanged.emit(self._where)
