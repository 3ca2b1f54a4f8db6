"""The few status colours the request editor uses; mid-tones that read on light and dark."""

from __future__ import annotations

from PySide6.QtGui import QColor

__all__ = ["ERROR", "OK", "VARIABLE", "WARNING", "css"]

ERROR = QColor("#e03131")
OK = QColor("#2f9e44")
WARNING = QColor("#e8890c")
VARIABLE = QColor("#d9480f")


def css(colour: QColor) -> str:
    """``colour`` as a style sheet ``color:`` rule."""
    return f"color: {colour.name()};"
