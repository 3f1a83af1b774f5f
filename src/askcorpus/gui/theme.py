"""Look and feel derived from the platform palette, so light and dark modes both work.

No colour is hard-coded for text or backgrounds: tints are blends of palette roles (the accent
``Highlight`` mixed into ``Base``), recomputed whenever the palette changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QWidget

ASSETS = Path(__file__).resolve().parent / "assets"
ICON_PATH = ASSETS / "askcorpus.svg"


def app_icon() -> QIcon:
    """The application icon (SVG, rendered at any size)."""
    return QIcon(str(ICON_PATH))


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` towards ``b`` (opaque result)."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def is_dark(palette: QPalette) -> bool:
    """True when the window background is dark."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


@dataclass(frozen=True, slots=True)
class Tints:
    """Colours used by the results list and reading pane, computed from a palette."""

    text: QColor
    muted: QColor
    accent: QColor
    passage_bg: QColor
    sentence_bg: QColor
    selected_bg: QColor
    hover_bg: QColor
    separator: QColor
    bar_track: QColor
    warning_bg: QColor
    warning_border: QColor

    @classmethod
    def from_palette(cls, palette: QPalette) -> Tints:
        """Tints for ``palette`` (works for light and dark palettes alike)."""
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        accent = palette.color(QPalette.ColorRole.Highlight)
        dark = is_dark(palette)
        # A warm marker colour reads as "highlighted" in both modes; its strength is kept low
        # enough that the palette's own text colour stays readable on it.
        marker = QColor("#f5c542") if not dark else QColor("#c9a227")
        return cls(
            text=text,
            muted=blend(text, base, 0.45),
            accent=accent,
            passage_bg=blend(base, accent, 0.16 if not dark else 0.24),
            sentence_bg=blend(base, marker, 0.45 if not dark else 0.38),
            selected_bg=blend(base, accent, 0.13 if not dark else 0.22),
            hover_bg=blend(base, text, 0.04 if not dark else 0.07),
            separator=blend(base, text, 0.12),
            bar_track=blend(base, text, 0.10),
            warning_bg=blend(base, QColor("#f0a020"), 0.14 if not dark else 0.22),
            warning_border=blend(base, QColor("#f0a020"), 0.55),
        )

    @classmethod
    def current(cls, widget: QWidget | None = None) -> Tints:
        """Tints for a widget's palette (or the application's)."""
        palette = widget.palette() if widget is not None else QApplication.palette()
        return cls.from_palette(palette)


def css(color: QColor) -> str:
    """A colour as a CSS hex string."""
    return color.name(QColor.NameFormat.HexRgb)


def stylesheet(palette: QPalette) -> str:
    """The application style sheet: spacing and shape only, colours from ``palette()``."""
    t = Tints.from_palette(palette)
    return f"""
QLineEdit#question {{
    padding: 7px 10px;
    border: 1px solid {
        css(
            blend(
                palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text), 0.25
            )
        )
    };
    border-radius: 7px;
    background: palette(base);
    selection-background-color: palette(highlight);
}}
QLineEdit#question:focus {{ border: 2px solid palette(highlight); padding: 6px 9px; }}
QFrame#notice {{
    background: {css(t.warning_bg)};
    border: 1px solid {css(t.warning_border)};
    border-radius: 6px;
}}
QFrame#info {{
    background: {css(t.selected_bg)};
    border: 1px solid {css(blend(palette.color(QPalette.ColorRole.Base), t.accent, 0.4))};
    border-radius: 6px;
}}
QLabel#ocrNote {{
    background: {css(t.warning_bg)};
    border-radius: 5px;
    padding: 3px 8px;
}}
QLabel#readerTitle {{ font-weight: 600; }}
QLabel#muted, QLabel#readerMeta {{ color: {css(t.muted)}; }}
QLabel#emptyTitle {{ font-weight: 600; }}
QLabel#emptyBody {{ color: {css(t.muted)}; }}
QListView#results, QTreeView#mentions {{ border: none; background: palette(base); }}
QTextEdit#reader {{ border: none; background: palette(base); }}
QWidget#pane {{ background: palette(base); }}
QToolButton#chip {{
    background: {css(t.selected_bg)};
    border: 1px solid {css(blend(palette.color(QPalette.ColorRole.Base), t.accent, 0.4))};
    border-radius: 10px;
    padding: 1px 8px;
}}
QToolButton#chip:hover {{ border-color: palette(highlight); }}
QLabel#queryError {{ color: {css(blend(t.text, QColor("#d03020"), 0.75))}; padding-left: 6px; }}
QToolBar {{ spacing: 6px; padding: 4px 6px; }}
QSplitter::handle {{ background: {css(t.separator)}; }}
"""
