"""A message strip for the top of a panel or a dialog (no keyring, files that cannot be read,
a save that failed)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from ui.request.tones import ERROR, WARNING, banner_css

__all__ = ["banner"]


def banner(kind: str) -> QLabel:
    """A word-wrapped message strip (``kind`` is "warning" or "error"), hidden until set."""
    label = QLabel()
    label.setObjectName(f"{kind}Banner")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setStyleSheet(banner_css(WARNING if kind == "warning" else ERROR))
    label.hide()
    return label
