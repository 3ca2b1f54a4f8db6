"""What the event-stream pane says about its stream: a state chip, the counters line, and a
banner for an end, a stop or a failure, with a one-click Reconnect."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.error_messages import ErrorText
from ui.modes.base import ConnectionState as S

__all__ = ["STATE_LOOKS", "StateChip", "StreamBanner"]

#: state -> (words, colour)
STATE_LOOKS = {
    S.IDLE: ("Not connected", "#6b7280"),
    S.CONNECTING: ("Connecting…", "#6b7280"),
    S.OPEN: ("Open", "#15803d"),
    S.RECONNECTING: ("Reconnecting…", "#b45309"),
    S.ENDED: ("Ended", "#1d4ed8"),
    S.FAILED: ("Failed", "#b91c1c"),
    S.DISCONNECTED: ("Disconnected", "#b91c1c"),
    S.STOPPED: ("Stopped", "#6b7280"),
}


class StateChip(QLabel):
    """The connection state in a coloured chip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("streamState")
        self.show_state(S.IDLE)

    def show_state(self, state: S) -> None:
        words, colour = STATE_LOOKS[state]
        self.setText(words)
        self.setStyleSheet(f"#streamState {{ background: {colour}; color: white; "
                           "border-radius: 4px; padding: 2px 8px; font-weight: bold; }")


class StreamBanner(QFrame):
    """A title, a hint and a detail, with a Reconnect button."""

    reconnect = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("streamBanner")
        self.title = QLabel()
        self.title.setObjectName("streamBannerTitle")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reconnect_button = QPushButton("Reconnect")
        self.reconnect_button.clicked.connect(self.reconnect)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.reconnect_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(top)
        layout.addWidget(self.hint)
        layout.addWidget(self.detail)
        self.hide()

    def show_text(self, title: str, hint: str, detail: str, *, error: bool,
                  can_reconnect: bool) -> None:
        colour = "#b91c1c" if error else "#6b7280"
        self.setStyleSheet(
            f"#streamBanner {{ border: 1px solid {colour}; border-radius: 6px; }}"
            f"#streamBannerTitle {{ color: {colour}; font-weight: bold; }}")
        self.title.setText(title)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.reconnect_button.setVisible(can_reconnect)
        self.show()

    def show_error(self, text: ErrorText, *, disconnected: bool, can_reconnect: bool) -> None:
        if disconnected:
            hint = f"{text.title}. {text.hint}".strip()
            self.show_text("Disconnected", hint, text.detail, error=True,
                           can_reconnect=can_reconnect)
        else:
            self.show_text(text.title, text.hint, text.detail, error=True,
                           can_reconnect=can_reconnect)
