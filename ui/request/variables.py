"""How ``{{variables}}`` are found and drawn, the same in the URL bar and the body editor."""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QTextCharFormat

from ui.request.tones import VARIABLE

__all__ = ["variable_format", "variable_spans"]

_VARIABLE = re.compile(r"\{\{[^{}]*\}\}")


def variable_spans(text: str) -> list[tuple[int, int]]:
    """``(start, length)`` of every ``{{name}}`` in ``text``."""
    return [(m.start(), m.end() - m.start()) for m in _VARIABLE.finditer(text)]


def variable_format() -> QTextCharFormat:
    """The variable colour on a faint tint of itself."""
    fmt = QTextCharFormat()
    fmt.setForeground(VARIABLE)
    background = QColor(VARIABLE)
    background.setAlpha(36)
    fmt.setBackground(background)
    return fmt
