"""The WebSocket terminal pane of a request tab: connect with the tab's request (URL, headers,
auth) and the subprotocols typed here, talk to the peer in the console, close with a code.

It lays out and connects: the connection is the ``WebSocketController``'s (a task owned by the
tab's ``TaskRunner`` under the pane's key), the messages are the console's. Errors show in a
banner in plain words (``describe_error``), with a one-click Reconnect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.streams.message_log import MessageLog
from ui.error_messages import ErrorText
from ui.modes.base import ConnectionState as S
from ui.modes.events.event_stream_status import StreamBanner
from ui.modes.websocket.websocket_console import WebSocketConsole
from ui.modes.websocket.websocket_controller import WebSocketController
from ui.modes.websocket.websocket_status import CloseBar, StateChip
from ui.request.tones import ERROR, css

if TYPE_CHECKING:
    from app.model.compose import SessionPool
    from app.model.request import RequestModel
    from ui.modes.base import VariablesSource
    from ui.tasks import TaskRunner

__all__ = ["WebSocketPane"]

_BUTTON_WORDS = {S.CLOSED: "Connect", S.CONNECTING: "Cancel", S.OPEN: "Disconnect",
                 S.CLOSING: "Disconnect", S.FAILED: "Connect", S.DISCONNECTED: "Reconnect"}


class WebSocketPane(QWidget):
    """Connect, talk, close: one WebSocket session of one request tab."""

    #: The ConnectionState: closed, connecting, open, closing, failed or disconnected.
    state_changed = Signal(object)

    def __init__(self, runner: TaskRunner, sessions: Callable[[], SessionPool], key: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = WebSocketController(runner, sessions, key, self)
        self._model: RequestModel | None = None
        self._variables: VariablesSource | None = None
        self._saved: dict[str, list[dict[str, str]]] = {}
        #: The peer's close (code, reason) of the last connection, or None.
        self.peer_close: tuple[int | None, str] | None = None

        self.state_chip = StateChip()
        self.connect_button = QPushButton("Connect")
        self.connect_button.setObjectName("wsConnect")
        self.connect_button.setMinimumWidth(100)
        self.protocols_edit = QLineEdit()
        self.protocols_edit.setPlaceholderText("none; comma-separated, e.g. chat, json")
        self.protocols_edit.setToolTip("Offered in Sec-WebSocket-Protocol; the server picks one")
        self.protocol_label = QLabel()
        self.protocol_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QPushButton("Close…")
        self.close_button.setToolTip("Close the connection with a code and a reason")
        self.url_label = QLabel()
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_label = QLabel()
        self.close_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.state_chip)
        bar.addWidget(self.connect_button)
        bar.addWidget(self.close_button)
        bar.addSpacing(8)
        bar.addWidget(QLabel("Subprotocols"))
        bar.addWidget(self.protocols_edit, 1)
        bar.addWidget(self.protocol_label)
        status = QHBoxLayout()
        status.setContentsMargins(0, 0, 0, 0)
        status.addWidget(self.url_label, 1)
        status.addWidget(self.close_label)

        self.close_bar = CloseBar()
        self.banner = StreamBanner()
        self.console = WebSocketConsole(self.controller.log)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addLayout(status)
        layout.addWidget(self.close_bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.message)
        layout.addWidget(self.console, 1)

        c = self.controller
        c.state_changed.connect(self._on_state)
        c.started.connect(self._on_started)
        c.opened.connect(self._on_opened)
        c.closed.connect(self._on_closed)
        c.failed.connect(self._on_failed)
        c.exported.connect(self._on_exported)
        self.connect_button.clicked.connect(self._connect_or_disconnect)
        self.close_button.clicked.connect(self.close_bar.open)
        self.close_bar.close_requested.connect(self.close_socket)
        self.banner.reconnect.connect(self.connect_)
        self.console.send_requested.connect(self._send)
        self.console.export_requested.connect(self._choose_export_path)
        self.console.saved.changed.connect(self._keep_saved)
        self._on_state(S.CLOSED)

    # -- the public API -----------------------------------------------------------------------

    @property
    def state(self) -> S:
        """closed, connecting, open, closing, failed or disconnected."""
        return self.controller.state

    @property
    def protocol(self) -> str | None:
        """The subprotocol the server chose (None: none was)."""
        return self.controller.protocol

    @property
    def log(self) -> MessageLog:
        return self.controller.log

    def set_model(self, model: RequestModel, variables: VariablesSource | None = None) -> None:
        """The request to connect with (its URL, headers, auth, options), and where its
        ``{{variables}}`` come from. Switches the saved messages to this request's."""
        self._model = model
        self._variables = variables
        self.url_label.setText(model.url)
        self.console.saved.set_messages(self._saved.get(model.url, []))

    def subprotocols(self) -> list[str]:
        return [p.strip() for p in self.protocols_edit.text().split(",") if p.strip()]

    def set_subprotocols(self, protocols: list[str]) -> None:
        self.protocols_edit.setText(", ".join(protocols))

    def connect_(self) -> None:
        """Connect (or reconnect) with the request given to ``set_model``."""
        if self._model is None:
            self._say("Enter a ws:// or wss:// URL first.", error=True)
            return
        self._begin()
        self.controller.connect_(self._model, self._variables, self.subprotocols())

    def _begin(self) -> None:
        """A new connection: what the pane said of the last one goes."""
        self.peer_close = None
        self.banner.hide()
        self.close_bar.hide()
        self.close_label.setText("")
        self._say("")
        self.console.follow()

    def disconnect_(self) -> None:
        """Close normally (1000); stop connecting or closing at once."""
        self.close_socket(1000, "")

    def close_socket(self, code: int = 1000, reason: str = "") -> None:
        """Close with ``code`` and ``reason``; the peer's answer ends the connection."""
        self.close_bar.hide()
        self.controller.close_socket(code, reason)

    def send(self, mode: str, text: str) -> bool:
        """Send ``text`` as ``mode`` (text, json or binary as hex) as if typed; False when it
        is invalid or the connection is not open (the pane says which)."""
        data = self.console.composer.check(text, mode)
        if data is None:
            return False
        return self._send("binary" if isinstance(data, bytes) else "text", data, False)

    def saved_messages(self) -> list[dict[str, str]]:
        """The current request's saved messages: ``[{"mode": ..., "text": ...}]``."""
        return self.console.saved.messages()

    def set_saved_messages(self, messages: list[dict[str, str]]) -> None:
        self.console.saved.set_messages(messages)
        self._keep_saved()

    def export_to(self, path: str) -> None:
        """Write the log to ``path`` as JSON lines, off the UI thread."""
        self._say("Exporting…")
        self.controller.export(path)

    def dispose(self) -> None:
        """The tab is closing: stop the connection, the export, and delete the log's file."""
        self.console.dispose()
        self.controller.dispose()
        # The log is empty now: a paint before the widget goes must not ask for its old rows.
        self.console.model.reset()

    # -- reactions ----------------------------------------------------------------------------

    def _connect_or_disconnect(self) -> None:
        if self.controller.active:
            self.disconnect_()
        else:
            self.connect_()

    def _send(self, kind: str, data: object, typed: bool) -> bool:
        assert isinstance(data, str | bytes)
        if not self.controller.send(kind, data):
            self.console.composer.show_problem("Not connected: connect first, then send.")
            return False
        if typed:
            self.console.composer.sent()
        return True

    def _keep_saved(self) -> None:
        if self._model is not None:
            self._saved[self._model.url] = self.console.saved.messages()

    def _on_started(self, model: RequestModel, variables: VariablesSource | None) -> None:
        """The tab connects with ``model``: show it, with its saved messages."""
        self.set_model(model, variables)
        self.set_saved_messages(model.ws_saved)  # kept when the URL was edited
        self._begin()

    def _on_state(self, state: S) -> None:
        self.state_chip.show_state(state)
        self.connect_button.setText(_BUTTON_WORDS[state])
        self.close_button.setEnabled(state == S.OPEN)
        self.console.composer.send_button.setEnabled(state == S.OPEN)
        if state in (S.CLOSED, S.FAILED, S.DISCONNECTED):
            self.console.stop_following()
            self.close_bar.hide()
        elif state == S.CLOSING:
            self.close_bar.hide()
        if state != S.OPEN and not self.protocol:
            self.protocol_label.setText("")
        self.state_changed.emit(state)

    def _on_opened(self, protocol: object) -> None:
        self.protocol_label.setText(f"Subprotocol: {protocol}" if protocol
                                    else "No subprotocol")
        self.console.composer.show_problem("")
        self.console.composer.input.setFocus()

    def _on_closed(self, code: object, reason: str, by: str) -> None:
        assert code is None or isinstance(code, int)
        words = f"{code}" if code is not None else "no code"
        if reason:
            words += f" {reason}"
        if by == "server":
            self.peer_close = (code, reason)
            self.close_label.setText(f"Closed by the server: {words}")
        else:
            self.close_label.setText(f"Closed by you: {words}")

    def _on_failed(self, text: ErrorText) -> None:
        self.close_label.setText("")
        self.banner.show_error(text, disconnected=self.state == S.DISCONNECTED,
                               can_reconnect=self._model is not None)

    def _choose_export_path(self) -> None:
        dialog = QFileDialog(self, "Export messages")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile("messages.jsonl")
        dialog.fileSelected.connect(self.export_to)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _on_exported(self, path: str, result: object) -> None:
        if isinstance(result, ErrorText):
            self._say(f"Could not export to {path}: {result.detail}", error=True)
        else:
            self._say(f"Exported {result:,} messages to {path}.")

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(css(ERROR) if error else "")
        self.message.setVisible(bool(text))
