"""The console's input: a mode (text, JSON, binary as hex), a line with history, Send and Save.

Enter sends, Shift+Enter starts a new line; Up on the first line and Down on the last walk the
history. JSON and hex are checked as they are typed: invalid input is shown in red with the
reason, and Enter does not send it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.streams.typed_input import InputError, encode_outgoing
from ui.request.tones import ERROR, css

__all__ = ["MODES", "MessageComposer", "MessageInput"]

#: (mode, label, placeholder)
MODES = (
    ("text", "Text", "Message — Enter sends, Shift+Enter adds a line, Up/Down for history"),
    ("json", "JSON", '{"type": "hello"} — checked as you type; Enter sends'),
    ("binary", "Binary (hex)", "Hex bytes, spaces allowed: 48 65 6c 6c 6f — Enter sends"),
)
HISTORY_SIZE = 500
#: Longer input is checked when sent, not at every key press.
LIVE_CHECK_LIMIT = 256 * 1024


class MessageInput(QPlainTextEdit):
    """A multi-line input that submits on Enter and keeps a history of what was sent."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setTabChangesFocus(True)
        self._history: list[str] = []
        self._position = 0           # == len(history): editing the draft
        self._draft = ""
        lines = 3
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 14)

    @property
    def history(self) -> list[str]:
        return list(self._history)

    def remember(self, text: str) -> None:
        """Add ``text`` to the history (not twice in a row) and start a new draft."""
        if text and (not self._history or self._history[-1] != text):
            self._history.append(text)
            del self._history[:-HISTORY_SIZE]
        self._position = len(self._history)
        self._draft = ""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        modifiers = event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if modifiers & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            elif not modifiers & (Qt.KeyboardModifier.ControlModifier
                                  | Qt.KeyboardModifier.AltModifier):
                self.submitted.emit()
            else:
                event.ignore()      # Ctrl+Enter belongs to the window (send the request)
            return
        if key == Qt.Key.Key_Up and not modifiers and self._on_edge(up=True):
            self._walk(-1)
            return
        if key == Qt.Key.Key_Down and not modifiers and self._on_edge(up=False):
            self._walk(1)
            return
        super().keyPressEvent(event)

    def _on_edge(self, *, up: bool) -> bool:
        """The cursor is on the first (or last) visual line: Up (Down) cannot move it."""
        cursor = QTextCursor(self.textCursor())
        before = cursor.position()
        moved = cursor.movePosition(QTextCursor.MoveOperation.Up if up
                                    else QTextCursor.MoveOperation.Down)
        return not moved or cursor.position() == before

    def _walk(self, step: int) -> None:
        target = self._position + step
        if not 0 <= target <= len(self._history):
            return
        if self._position == len(self._history):
            self._draft = self.toPlainText()
        self._position = target
        text = self._draft if target == len(self._history) else self._history[target]
        self.setPlainText(text)
        self.moveCursor(QTextCursor.MoveOperation.End)


class MessageComposer(QWidget):
    """Mode, input, Send and Save; emits what to send once it is valid."""

    #: (kind "text"/"binary", data str/bytes): valid input the user sent.
    send_requested = Signal(str, object)
    #: (mode, text): the user saves the input as it is.
    save_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode_box = QComboBox()
        for mode, label, _ in MODES:
            self.mode_box.addItem(label, mode)
        self.mode_box.setToolTip("Send as text, as JSON (checked first) or as bytes typed in hex")
        self.input = MessageInput()
        self.send_button = QPushButton("Send")
        self.send_button.setToolTip("Send (Enter)")
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Keep this message in the Saved list, to send it again")
        self.problem = QLabel()
        self.problem.setStyleSheet(css(ERROR))
        self.problem.setWordWrap(True)
        self.problem.hide()

        side = QVBoxLayout()
        side.setSpacing(4)
        side.addWidget(self.mode_box)
        side.addWidget(self.send_button)
        side.addWidget(self.save_button)
        side.addStretch(1)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.input, 1)
        row.addLayout(side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.problem)

        self.input.submitted.connect(self.submit)
        self.send_button.clicked.connect(self.submit)
        self.save_button.clicked.connect(self._save)
        self.input.textChanged.connect(self._check_live)
        self.mode_box.currentIndexChanged.connect(self._mode_changed)
        self._mode_changed()

    def mode(self) -> str:
        return str(self.mode_box.currentData())

    def set_mode(self, mode: str) -> None:
        index = self.mode_box.findData(mode)
        if index < 0:
            raise ValueError(f"unknown input mode {mode!r}")
        self.mode_box.setCurrentIndex(index)

    def text(self) -> str:
        return self.input.toPlainText()

    def set_text(self, text: str) -> None:
        self.input.setPlainText(text)
        self.input.moveCursor(QTextCursor.MoveOperation.End)

    def submit(self) -> None:
        """Send the input if it is valid; otherwise say why and keep it."""
        text = self.text()
        if not text:
            return
        data = self.check(text)
        if data is None:
            return
        self.send_requested.emit("binary" if isinstance(data, bytes) else "text", data)

    def sent(self) -> None:
        """The pane sent the input: remember it and empty the line."""
        self.input.remember(self.text())
        self.input.clear()

    def check(self, text: str, mode: str | None = None) -> str | bytes | None:
        """What ``text`` sends as in ``mode`` (default: the chosen one), or None after
        showing the problem."""
        try:
            data = encode_outgoing(mode or self.mode(), text)
        except InputError as exc:
            self.show_problem(str(exc))
            return None
        self.show_problem("")
        return data

    def show_problem(self, text: str) -> None:
        """A reason in red under the input ("" hides it); the input's frame turns red too."""
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        self.input.setStyleSheet(f"QPlainTextEdit {{ border: 1px solid {ERROR.name()}; }}"
                                 if text else "")

    def _check_live(self) -> None:
        text = self.text()
        if not text or self.mode() == "text":
            self.show_problem("")
        elif len(text) <= LIVE_CHECK_LIMIT:
            self.check(text)

    def _mode_changed(self) -> None:
        self.input.setPlaceholderText(MODES[self.mode_box.currentIndex()][2])
        self._check_live()

    def _save(self) -> None:
        text = self.text()
        if text and self.check(text) is not None:
            self.save_requested.emit(self.mode(), text)
