"""The few status colours the request editor uses; mid-tones that read on light and dark."""

from __future__ import annotations

from PySide6.QtGui import QColor

__all__ = ["ERROR", "OK", "VARIABLE", "WARNING", "banner_css", "css"]

ERROR = QColor("#e03131")
OK = QColor("#2f9e44")
WARNING = QColor("#e8890c")
VARIABLE = QColor("#d9480f")


def css(colour: QColor) -> str:
    """``colour`` as a style sheet ``color:`` rule."""
    return f"color: {colour.name()};"


def banner_css(colour: QColor, padding: str = "6px", margin: str = "0") -> str:
    """A label's style sheet as a message strip: a faint tint of ``colour`` with its border."""
    r, g, b = colour.red(), colour.green(), colour.blue()
    return (f"QLabel {{ background: rgba({r}, {g}, {b}, 0.16); border: 1px solid "
            f"rgba({r}, {g}, {b}, 0.55); border-radius: 4px; padding: {padding}; "
            f"margin: {margin}; }}")
