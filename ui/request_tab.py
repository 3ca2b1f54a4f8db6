"""One request tab: the editor above, and below it the response, the event stream or the
WebSocket console, whichever way the request is sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.models import RequestModel
from ui.request.request_editor import RequestEditor
from ui.response.response_pane import ResponsePane
from ui.send_controller import SendController, VariablesSource
from ui.tasks import TaskRunner
from ui.upload_progress import UploadProgress

if TYPE_CHECKING:
    from app.compose import SessionPool
    from ui.error_messages import ErrorText
    from ui.send_controller import ResponseHead
    from ui.streams.event_stream_pane import EventStreamPane
    from ui.streams.websocket_pane import WebSocketPane

__all__ = ["MODES", "RequestTab"]

#: How a request is sent: (model value, label in the mode box)
MODES = (("http", "HTTP"), ("sse", "Event stream"), ("websocket", "WebSocket"))
_BUTTONS = {"http": ("Send", "Cancel"), "sse": ("Stream", "Stop"),
            "websocket": ("Connect", "Disconnect")}
_ACTIVE = {"connecting", "open", "reconnecting", "closing"}


class RequestTab(QWidget):
    """Composes, sends and shows one request; owns the tab's task keys."""

    title_changed = Signal(str)

    def __init__(self, runner: TaskRunner, sessions: Callable[[], SessionPool], tab_id: int,
                 variables: VariablesSource, model: RequestModel | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._sessions = sessions
        self._key = f"tab {tab_id}"
        self._variables = variables
        self.controller = SendController(runner, sessions, f"{self._key} / send", self)
        self.editor = RequestEditor()
        self.mode_box = QComboBox()
        for value, label in MODES:
            self.mode_box.addItem(label, value)
        self.mode_box.setToolTip("Send as plain HTTP, as an event stream (SSE), or open a "
                                 "WebSocket")
        self.mode_box.currentIndexChanged.connect(self._on_mode_changed)
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("sendButton")
        self.send_button.setToolTip("Send (Ctrl+Enter) · Cancel (Esc)")
        self.send_button.setMinimumWidth(96)
        self.send_button.clicked.connect(self._send_or_cancel)
        self.editor.add_to_url_row(self.mode_box)
        self.editor.add_to_url_row(self.send_button)
        # Enter in the URL sends, as in a browser's address bar.
        self.editor.url_bar.returnPressed.connect(self._send_or_cancel)
        self.editor.url_bar.textChanged.connect(self._guess_mode)
        self.upload = UploadProgress()
        self.response = ResponsePane()
        self.response.retry_requested.connect(self.send)
        self._events: EventStreamPane | None = None
        self._socket: WebSocketPane | None = None
        self._routing_events = False  # an HTTP response that turned out to be an event stream
        # The WebSocket settings of the model, until the WebSocket pane is built.
        self._pending_ws: tuple[list[str], list[dict[str, str]]] = ([], [])

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.editor, 1)
        top_layout.addWidget(self.upload)
        self.lower = QStackedWidget()
        self.lower.addWidget(self.response)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.lower)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        c = self.controller
        c.started.connect(self._on_started)
        c.upload_progress.connect(self.upload.update_progress)
        c.response_head.connect(self._on_head)
        c.body_chunk.connect(self._on_chunk)
        c.download_progress.connect(self.response.show_download)
        c.finished.connect(self._on_finished)
        c.failed.connect(self._on_failed)
        c.cancelled.connect(self._on_cancelled)
        self.editor.changed.connect(self._emit_title)
        if model is not None:
            self.load_model(model)
            if model.body.kind != "none":  # a request opened with a body shows it first
                self.editor.show_page(self.editor.body)
        self._emit_title()

    # -- model ----------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return str(self.mode_box.currentData())

    def set_mode(self, mode: str) -> None:
        index = self.mode_box.findData(mode)
        self.mode_box.setCurrentIndex(max(index, 0))

    def to_model(self) -> RequestModel:
        model = self.editor.to_model()
        model.mode = self.mode
        if self._socket is not None:
            model.ws_subprotocols = self._socket.subprotocols()
            model.ws_saved = self._socket.saved_messages()
        else:
            model.ws_subprotocols = list(self._pending_ws[0])
            model.ws_saved = list(self._pending_ws[1])
        return model

    def load_model(self, model: RequestModel) -> None:
        self.editor.load_model(model)
        self._pending_ws = (list(model.ws_subprotocols), list(model.ws_saved))
        self.set_mode(model.mode)
        if self._socket is not None:
            self._socket.set_subprotocols(model.ws_subprotocols)
            self._socket.set_saved_messages(model.ws_saved)
        self._emit_title()

    def title(self) -> str:
        model = self.editor.to_model()
        if model.name and model.name != "New request":
            return model.name
        url = model.url.split("://", 1)[-1]
        return f"{model.method} {url}" if url else "New request"

    def _emit_title(self) -> None:
        self.title_changed.emit(self.title())

    # -- the panes below ------------------------------------------------------------------

    def events_pane(self) -> EventStreamPane:
        """The event-stream pane, built on first use."""
        if self._events is None:
            from ui.streams.event_stream_pane import EventStreamPane

            self._events = EventStreamPane(self._runner, self._sessions, f"{self._key} / events")
            self._events.state_changed.connect(self._on_stream_state)
            self.lower.addWidget(self._events)
        return self._events

    def socket_pane(self) -> WebSocketPane:
        """The WebSocket pane, built on first use."""
        if self._socket is None:
            from ui.streams.websocket_pane import WebSocketPane

            self._socket = WebSocketPane(self._runner, self._sessions, f"{self._key} / websocket")
            self._socket.state_changed.connect(self._on_stream_state)
            # The pane keeps saved messages per URL: give it the request before them.
            self._socket.set_model(self.editor.to_model(), self._variables)
            self._socket.set_subprotocols(self._pending_ws[0])
            self._socket.set_saved_messages(self._pending_ws[1])
            self.lower.addWidget(self._socket)
        return self._socket

    def _on_mode_changed(self) -> None:
        mode = self.mode
        if mode == "sse":
            self.lower.setCurrentWidget(self.events_pane())
        elif mode == "websocket":
            self.lower.setCurrentWidget(self.socket_pane())
        else:
            self.lower.setCurrentWidget(self.response)
        self._set_busy(self.busy)

    def _guess_mode(self, url: str) -> None:
        """A ws:// or wss:// URL means a WebSocket; leaving one goes back to HTTP."""
        scheme = url.strip().split("://", 1)[0].lower() if "://" in url else ""
        if scheme in ("ws", "wss") and self.mode != "websocket":
            self.set_mode("websocket")
        elif scheme in ("http", "https") and self.mode == "websocket":
            self.set_mode("http")

    # -- sending --------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        mode = self.mode
        if mode == "sse":
            return self._events is not None and self._events.state in _ACTIVE
        if mode == "websocket":
            return self._socket is not None and self._socket.state in _ACTIVE
        return self.controller.busy

    def send(self) -> None:
        model = self.to_model()
        mode = self.mode
        if mode == "sse":
            self.events_pane().start(model, self._variables)
        elif mode == "websocket":
            pane = self.socket_pane()
            pane.set_model(model, self._variables)
            pane.set_saved_messages(model.ws_saved)  # kept when the URL was edited
            pane.connect_()
        else:
            self.controller.send(model, self._variables)

    def cancel(self) -> bool:
        """Stop what is under way in this tab (Esc); False when nothing was."""
        if not self.busy:
            return False
        mode = self.mode
        if mode == "sse" and self._events is not None:
            self._events.stop()
        elif mode == "websocket" and self._socket is not None:
            self._socket.disconnect_()
        else:
            return self.controller.cancel()
        return True

    def _send_or_cancel(self) -> None:
        if self.busy:
            self.cancel()
        else:
            self.send()

    def _set_busy(self, busy: bool) -> None:
        idle_text, busy_text = _BUTTONS[self.mode]
        self.send_button.setText(busy_text if busy else idle_text)
        self.send_button.setProperty("busy", busy)

    def _on_stream_state(self, state: str) -> None:
        if state == "stopped" and self._routing_events:
            self.controller.cancel()  # Stop on a stream fed by a plain response ends it too
        self._set_busy(self.busy)

    def _on_started(self) -> None:
        self._routing_events = False
        self.lower.setCurrentWidget(self.response)
        self._set_busy(True)
        self.upload.begin()
        self.upload.hide()
        self.response.show_sending()

    def _on_head(self, head: ResponseHead) -> None:
        self.upload.hide()
        if head.content_type.split(";", 1)[0].strip().lower() == "text/event-stream":
            # A plain request answered with an event stream: show it as one, fed by the
            # same response (sending it again could repeat a POST's side effects).
            pane = self.events_pane()
            pane.set_model(self.to_model(), self._variables)
            pane.begin_external(head.url, f"{head.status} {head.reason}".strip())
            self.lower.setCurrentWidget(pane)
            self._routing_events = True
            return
        self.response.show_head(head)

    def _on_chunk(self, chunk: bytes) -> None:
        if self._routing_events and self._events is not None:
            self._events.feed(chunk)
        else:
            self.response.append_body(chunk)

    def _end_routing(self, error: ErrorText | None) -> bool:
        if not self._routing_events or self._events is None:
            return False
        self._routing_events = False
        self._events.end_external(error)
        return True

    def _on_finished(self, summary: object) -> None:
        self._set_busy(False)
        if not self._end_routing(None):
            self.response.show_finished(summary)  # type: ignore[arg-type]

    def _on_failed(self, text: ErrorText, had_response: bool) -> None:
        self._set_busy(False)
        self.upload.hide()
        if not self._end_routing(text):
            self.response.show_error(text, had_response)

    def _on_cancelled(self) -> None:
        self._set_busy(False)
        self.upload.hide()
        if not self._end_routing(None):
            self.response.show_cancelled()

    def open_find(self) -> None:
        if self.lower.currentWidget() is self.response:
            self.response.open_find()

    def dispose(self) -> None:
        """The tab is closing: stop its work and drop its temporary files."""
        self.controller.dispose()
        self.response.body.clear()
        if self._events is not None:
            self._events.dispose()
        if self._socket is not None:
            self._socket.dispose()
