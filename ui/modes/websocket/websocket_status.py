"""What the WebSocket pane says about its connection: a state chip, and the inline bar that
closes the connection with a chosen code and reason."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ui.modes.base import ConnectionState as S
from ui.request.tones import ERROR, css

__all__ = ["STATE_LOOKS", "CloseBar", "StateChip", "close_code_problem"]

#: state -> (words, colour)
STATE_LOOKS = {
    S.CLOSED: ("Not connected", "#6b7280"),
    S.CONNECTING: ("Connecting…", "#b45309"),
    S.OPEN: ("Open", "#15803d"),
    S.CLOSING: ("Closing…", "#b45309"),
    S.FAILED: ("Failed", "#b91c1c"),
    S.DISCONNECTED: ("Disconnected", "#b91c1c"),
}


class StateChip(QLabel):
    """The connection state in a coloured chip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wsState")
        self.show_state(S.CLOSED)

    def show_state(self, state: S) -> None:
        words, colour = STATE_LOOKS[state]
        self.setText(words)
        self.setStyleSheet(f"#wsState {{ background: {colour}; color: white; "
                           "border-radius: 4px; padding: 2px 8px; font-weight: bold; }")


def close_code_problem(code: int, reason: str) -> str:
    """Why a client may not close with ``code`` and ``reason`` (RFC 6455, 7.4), or ""."""
    if not (code in (1000, 1001, 1002, 1003) or 1007 <= code <= 1011 or 3000 <= code <= 4999):
        return f"{code} is not a code a client may send: use 1000, 1001-1003, 1007-1011 " \
               "or 3000-4999"
    if len(reason.encode("utf-8")) > 123:
        return "The reason must fit in 123 bytes"
    return ""


class CloseBar(QFrame):
    """"Close with code [1000] and reason [...]", inline under the connection bar."""

    #: (code, reason), once valid.
    close_requested = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.code = QSpinBox()
        self.code.setRange(1000, 4999)
        self.code.setValue(1000)
        self.code.setToolTip("1000 is a normal close; 3000-4999 are for applications")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Reason (optional, up to 123 bytes)")
        self.problem = QLabel()
        self.problem.setStyleSheet(css(ERROR))
        self.problem.hide()
        self.close_button = QPushButton("Close connection")
        self.cancel_button = QPushButton("Cancel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Close with code"))
        layout.addWidget(self.code)
        layout.addWidget(self.reason, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.close_button)
        layout.addWidget(self.cancel_button)
        self.close_button.clicked.connect(self._submit)
        self.reason.returnPressed.connect(self._submit)
        self.cancel_button.clicked.connect(self.hide)
        self.hide()

    def open(self) -> None:
        self.problem.hide()
        self.show()
        self.reason.setFocus()

    def _submit(self) -> None:
        code, reason = self.code.value(), self.reason.text()
        problem = close_code_problem(code, reason)
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        if not problem:
            self.hide()
            self.close_requested.emit(code, reason)
