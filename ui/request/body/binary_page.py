"""The binary body page: one file, chosen or dropped, with its name and size."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ui.request.body.files import dropped_files, file_size, pick_files, size_text
from ui.request.tones import ERROR, css

__all__ = ["BinaryPage"]


class BinaryPage(QWidget):
    """Sends one file as the whole body. The drop area shows the file's name, folder and size,
    or "File not found" in red when the path no longer exists."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: Asks for a file; replaced in tests. The argument is the dialog's title.
        self.pick_file: Callable[[str], list[str]] = lambda title: pick_files(self, title)
        self._path = ""
        self._imported = False
        self.area = QFrame()
        self.area.setObjectName("dropArea")
        self.area.setMinimumHeight(110)
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon).pixmap(32))
        self.name_label = QLabel()
        font = self.name_label.font()
        font.setBold(True)
        self.name_label.setFont(font)
        self.folder_label = QLabel()
        self.folder_label.setEnabled(False)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.size_label = QLabel()
        self.choose_button = QPushButton("Choose file…")
        self.choose_button.setToolTip("Choose the file to send as the request body")
        self.choose_button.clicked.connect(self._choose)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Send no file")
        self.clear_button.clicked.connect(lambda: self._set_path("", user=True))

        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.name_label)
        text.addWidget(self.folder_label)
        text.addWidget(self.size_label)
        buttons = QVBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        inside = QHBoxLayout(self.area)
        inside.setContentsMargins(16, 12, 12, 12)
        inside.setSpacing(12)
        inside.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        inside.addLayout(text, 1)
        inside.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.area)
        layout.addStretch(1)
        self.setAcceptDrops(True)
        self._set_highlight(False)
        self._refresh()

    def path(self) -> str:
        """The file to send ("" when none is chosen)."""
        return self._path

    def imported(self) -> bool:
        """Whether the path came from an import and the user has not chosen it since."""
        return self._imported

    def set_path(self, path: str, *, imported: bool = False) -> None:
        """Show ``path`` (``imported``: named by an import) without emitting :attr:`changed`."""
        self._set_path(path, user=False)
        self._imported = imported

    def clear_import_mark(self) -> None:
        """The file an import named may be sent: an edit, when it was marked."""
        if self._imported:
            self._imported = False
            self.changed.emit()

    def _set_path(self, path: str, *, user: bool) -> None:
        changed = path != self._path
        self._path = path
        if user:
            self._imported = False             # chosen, dropped or cleared: the user's own
        self._refresh()
        if user and changed:
            self.changed.emit()

    def _choose(self) -> None:
        paths = self.pick_file("Choose the file to send")
        if paths:
            self._set_path(paths[0], user=True)

    def _refresh(self) -> None:
        path = self._path
        self.clear_button.setVisible(bool(path))
        self.folder_label.setVisible(bool(path))
        if not path:
            self.name_label.setText("No file chosen")
            self.size_label.setText("Drop a file here, or choose one: its bytes are sent "
                                    "as they are.")
            self.size_label.setStyleSheet("")
            self.size_label.setEnabled(False)
            self.setToolTip("")
            return
        self.name_label.setText(os.path.basename(path) or path)
        self.folder_label.setText(os.path.dirname(path))
        missing = file_size(path) is None
        self.size_label.setText("File not found" if missing else size_text(path))
        self.size_label.setStyleSheet(css(ERROR) if missing else "")
        self.size_label.setEnabled(True)
        self.setToolTip(path)

    def _set_highlight(self, on: bool) -> None:
        colour = "palette(highlight)" if on else "palette(mid)"
        self.area.setStyleSheet(f"QFrame#dropArea {{ border: 1px dashed {colour}; "
                                "border-radius: 6px; }")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresh()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if len(dropped_files(event.mimeData())) == 1:
            event.acceptProposedAction()
            self._set_highlight(True)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_highlight(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_highlight(False)
        paths = dropped_files(event.mimeData())
        if len(paths) == 1:
            event.acceptProposedAction()
            self._set_path(paths[0], user=True)
