"""Saved messages: a short list per request, each sent again with one click.

A saved message is a plain dict ``{"mode": "text"|"json"|"binary", "text": ...}`` (what the
user typed, and how to send it), so that whoever persists the list can write it as it is.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QVBoxLayout,
    QWidget,
)

__all__ = ["SavedMessagesPanel"]

_BADGES = {"text": "T", "json": "{}", "binary": "0x"}


class _SavedList(QListWidget):
    delete_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_pressed.emit()
            return
        super().keyPressEvent(event)


class SavedMessagesPanel(QWidget):
    """The saved messages of the current request: click sends, the menu edits."""

    #: (mode, text) to send now.
    send_requested = Signal(str, str)
    #: (mode, text) to put in the input line.
    edit_requested = Signal(str, str)
    #: The list changed (the pane keeps it per request).
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Saved")
        title.setStyleSheet("font-weight: bold;")
        self.hint = QLabel("Type a message and press Save to keep it here.")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        self.list = _SavedList()
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setUniformItemSizes(True)
        self.list.setToolTip("Click to send · right-click to edit or remove · Delete removes")
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.itemClicked.connect(self._clicked)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.delete_pressed.connect(self.remove_current)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(title)
        layout.addWidget(self.hint)
        layout.addWidget(self.list, 1)
        self._messages: list[dict[str, str]] = []

    def messages(self) -> list[dict[str, str]]:
        return [dict(m) for m in self._messages]

    def set_messages(self, messages: list[dict[str, str]]) -> None:
        """Show ``messages`` (dicts with ``mode`` and ``text``; others are skipped)."""
        self._messages = [{"mode": str(m["mode"]), "text": str(m["text"])} for m in messages
                          if isinstance(m, dict) and m.get("mode") in _BADGES and "text" in m]
        self._fill()

    def add(self, mode: str, text: str) -> None:
        entry = {"mode": mode, "text": text}
        if entry not in self._messages:
            self._messages.append(entry)
            self._fill()
            self.changed.emit()

    def remove_current(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self._messages):
            del self._messages[row]
            self._fill()
            self.changed.emit()

    def _fill(self) -> None:
        self.list.clear()
        for entry in self._messages:
            one_line = " ".join(entry["text"].split())
            item = QListWidgetItem(f"{_BADGES[entry['mode']]}  {one_line[:80]}")
            item.setToolTip(entry["text"][:2000])
            self.list.addItem(item)
        self.hint.setVisible(not self._messages)

    def _clicked(self, item: QListWidgetItem) -> None:
        entry = self._messages[self.list.row(item)]
        self.send_requested.emit(entry["mode"], entry["text"])

    def _menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        self.list.setCurrentItem(item)
        entry = self._messages[self.list.row(item)]
        menu = QMenu(self)
        menu.addAction("Send", lambda: self.send_requested.emit(entry["mode"], entry["text"]))
        menu.addAction("Put in the input line",
                       lambda: self.edit_requested.emit(entry["mode"], entry["text"]))
        menu.addAction("Remove", self.remove_current)
        menu.popup(self.list.viewport().mapToGlobal(pos))
