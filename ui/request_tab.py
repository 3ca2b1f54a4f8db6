"""One request tab: the editor above, and below it the response, the event stream or the
WebSocket console, whichever way the request is sent."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.model.request import RequestModel
from ui.request.request_editor import RequestEditor
from ui.request.tones import ERROR, banner_css
from ui.response.response_pane import ResponsePane
from ui.modes.http.controller import SendController, VariablesSource
from ui.tasks import TaskRunner
from ui.upload_progress import UploadProgress

if TYPE_CHECKING:
    from app.model.compose import SessionPool
    from ui.error_messages import ErrorText
    from ui.modes.http.controller import ResponseHead
    from ui.modes.events.event_stream_pane import EventStreamPane
    from ui.modes.websocket.websocket_pane import WebSocketPane

__all__ = ["MODES", "RequestTab"]

#: How a request is sent: (model value, label in the mode box)
MODES = (("http", "HTTP"), ("sse", "Event stream"), ("websocket", "WebSocket"))
_BUTTONS = {"http": ("Send", "Cancel"), "sse": ("Stream", "Stop"),
            "websocket": ("Connect", "Disconnect")}
_ACTIVE = {"connecting", "open", "reconnecting", "closing"}


def _secret_texts(model: RequestModel) -> list[str]:
    from app.storage.workspace import SECRET_AUTH_FIELDS

    return [v for k in SECRET_AUTH_FIELDS if (v := getattr(model.auth, k))]


def _variable_texts(model: RequestModel) -> list[tuple[str, str]]:
    """(where, text) of every field ``{{variables}}`` are substituted in."""
    out = [("URL", model.url)]
    out += [("headers", f"{h.name}: {h.value}") for h in model.headers if h.enabled]
    if model.body.kind in ("json", "text", "xml"):
        out.append(("body", model.body.text))
    out += [("body", f"{r.name}={r.value}") for r in model.body.form if r.enabled]
    out += [("body", f"{r.name}={r.value}") for r in model.body.multipart if r.enabled]
    if model.body.kind == "binary":
        out.append(("body", model.body.file_path))
    if model.auth.kind != "none":
        out += [("auth", str(v)) for k, v in vars(model.auth).items() if k != "kind"]
    return out


def unresolved_names(model: RequestModel, known: Any) -> list[tuple[str, str]]:
    """(name, where) of every ``{{name}}`` in ``model`` that ``known`` does not define."""
    from app.model.templating import unresolved

    out: dict[str, str] = {}
    for where, text in _variable_texts(model):
        if "{{" in text:
            for name in unresolved(text, known):
                out.setdefault(name, where)
    return list(out.items())


class RequestTab(QWidget):
    """Composes, sends and shows one request; owns the tab's task keys."""

    title_changed = Signal(str)
    #: A request went out and came back (or failed): (app.storage.history.HistoryEntry, the secret
    #: values it used, to redact).
    exchanged = Signal(object)

    def __init__(self, runner: TaskRunner, sessions: Callable[[], SessionPool], tab_id: int,
                 variables: VariablesSource, model: RequestModel | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._sessions = sessions
        self._key = f"tab {tab_id}"
        self._variables = variables
        self._lookup: Callable[[], dict[str, Any]] | None = None
        #: The workspace file this tab's request came from (None: not saved yet).
        self.origin: Path | None = None
        self.collection: str | None = None
        self._saved: dict[str, Any] | None = None
        self.modified = False
        #: Restored from the last session, its secrets not yet read back from the keyring.
        self.secrets_pending = False
        #: The secret values the last send used (for redacting its history entry).
        self.sent_secrets: list[str] = []
        self._sent: tuple[RequestModel, float] | None = None
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
        self.unresolved = QLabel()
        self.unresolved.setObjectName("unresolvedVariables")
        self.unresolved.setWordWrap(True)
        self.unresolved.setStyleSheet(banner_css(ERROR, "4px 6px", "0 8px"))
        self.unresolved.hide()
        top_layout.addWidget(self.unresolved)
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
        # Comparing with the saved file and looking for undefined variables read the whole
        # request: done once typing pauses, not on every key.
        self._edit_timer = QTimer(self)
        self._edit_timer.setSingleShot(True)
        self._edit_timer.setInterval(150)
        self._edit_timer.timeout.connect(self._on_edited)
        self.editor.changed.connect(self._edit_timer.start)
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
            title = model.name
        else:
            url = model.url.split("://", 1)[-1]
            title = f"{model.method} {url}" if url else "New request"
        return f"● {title}" if self.modified else title

    def _emit_title(self) -> None:
        self.title_changed.emit(self.title())

    def _on_edited(self) -> None:
        if self._saved is not None:
            self.modified = self.to_model().to_dict() != self._saved
        self._emit_title()
        self.refresh_variables()

    # -- the workspace --------------------------------------------------------------------

    def set_origin(self, origin: Path | None, collection: str | None) -> None:
        """The workspace file the request is saved in (None: not saved)."""
        self.origin = origin
        self.collection = collection
        if origin is None:
            self._saved = None
            self.modified = False
        self.setToolTip(str(origin) if origin else "")
        self._emit_title()

    def mark_saved(self, model: RequestModel) -> None:
        """``model`` is what the file holds now: the tab has no unsaved change if equal."""
        self._saved = model.to_dict()
        self.modified = self.to_model().to_dict() != self._saved
        self._emit_title()

    def is_blank(self) -> bool:
        """An untouched new tab (opening a request from the sidebar may take its place)."""
        return (self.origin is None and not self.busy
                and self.to_model().to_dict() == RequestModel().to_dict()
                and self.response.body.store is None)

    # -- variables ------------------------------------------------------------------------

    def set_variables(self, source: VariablesSource,
                      lookup: Callable[[], dict[str, Any]]) -> None:
        """Where the values come from when sending, and the values known now (for the
        hover preview and the unresolved warning)."""
        self._variables = source
        self._lookup = lookup
        self.editor.url_bar.set_variable_lookup(lookup)
        self.editor.body.set_variable_lookup(lookup)
        for table in (self.editor.params, self.editor.headers, self.editor.body.form):
            table.model.variable_lookup = lookup
        self.refresh_variables()

    def refresh_variables(self) -> None:
        """Redraw the variables and say which names nothing defines."""
        if self._lookup is None:
            return
        known = self._lookup()
        self.editor.url_bar.refresh_variables()
        self.editor.body.refresh_variables()
        for table in (self.editor.params, self.editor.headers, self.editor.body.form):
            table.model.refresh_variables()
        missing = unresolved_names(self.to_model(), known)
        if not missing:
            self.unresolved.hide()
            return
        names = ", ".join(f"<b>{{{{{n}}}}}</b> ({where})" for n, where in missing[:6])
        more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        self.unresolved.setText(
            f"Not defined: {names}{more}. Choose an environment in the sidebar, or add "
            "the variable to one (Ctrl+E); the request cannot be sent until then.")
        self.unresolved.show()

    # -- the panes below ------------------------------------------------------------------

    def events_pane(self) -> EventStreamPane:
        """The event-stream pane, built on first use."""
        if self._events is None:
            from ui.modes.events.event_stream_pane import EventStreamPane

            self._events = EventStreamPane(self._runner, self._sessions, f"{self._key} / events")
            self._events.state_changed.connect(self._on_stream_state)
            self.lower.addWidget(self._events)
        return self._events

    def socket_pane(self) -> WebSocketPane:
        """The WebSocket pane, built on first use."""
        if self._socket is None:
            from ui.modes.websocket.websocket_pane import WebSocketPane

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
        if mode in ("sse", "websocket"):
            self._sent = (model, time.time())
        if mode == "sse":
            self.events_pane().start(model, self._variables)
        elif mode == "websocket":
            pane = self.socket_pane()
            pane.set_model(model, self._variables)
            pane.set_saved_messages(model.ws_saved)  # kept when the URL was edited
            pane.connect_()
        else:
            self._sent = (model, time.time())
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

    def _record_stream(self, state: str) -> None:
        """A stream sent from this tab opened (or failed to): it goes to the history too."""
        if self._sent is None or state not in ("open", "failed", "ended", "disconnected"):
            return
        started = self._sent[1]
        if self.mode == "sse" and self._events is not None:
            c = self._events.controller
            status = int(c.status_text.split()[-1]) if c.status_text[-3:].isdigit() else None
            error = None if state != "failed" or c.error is None else c.error.title
            self._history_entry(status if error is None else None, error, c.url,
                                time.time() - started, 0)
        elif self.mode == "websocket" and self._socket is not None:
            ws = self._socket.controller
            error = None if state == "open" or ws.error is None else ws.error.title
            self._history_entry(101 if error is None else None, error, "",
                                time.time() - started, 0)
        self._sent = None

    def _on_stream_state(self, state: str) -> None:
        self._record_stream(state)
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

    def _history_entry(self, status: int | None, error: str | None, url: str,
                       duration: float, size: int) -> None:
        if self._sent is None:
            return
        from app.storage.history import HistoryEntry
        from app.storage.workspace import SECRET_AUTH_FIELDS

        model, started = self._sent
        self._sent = None
        data = model.to_dict()
        for key in SECRET_AUTH_FIELDS:
            data["auth"][key] = ""
        headers = [[h.name, h.value] for h in model.headers if h.enabled]
        request = {"model": data, "headers": headers, "origin": str(self.origin or "")}
        entry = HistoryEntry(method=model.method, url=url or model.url, status=status,
                             error=error, duration=duration, response_size=size,
                             request=request, time=started)
        self.exchanged.emit((entry, [*_secret_texts(model), *self.sent_secrets]))

    def _on_finished(self, summary: object) -> None:
        from ui.modes.http.controller import ResponseSummary

        if isinstance(summary, ResponseSummary):
            self._history_entry(summary.head.status, None, summary.head.url, summary.elapsed,
                                summary.size)
        self._set_busy(False)
        if not self._end_routing(None):
            self.response.show_finished(summary)  # type: ignore[arg-type]

    def _on_failed(self, text: ErrorText, had_response: bool) -> None:
        if self._sent is not None and not text.field:  # (a field error: nothing was sent)
            self._history_entry(None, f"{text.title}: {text.detail}".rstrip(": "), "",
                                time.time() - self._sent[1], 0)
        self._sent = None
        self._set_busy(False)
        self.upload.hide()
        if not self._end_routing(text):
            self.response.show_error(text, had_response)

    def _on_cancelled(self) -> None:
        self._sent = None
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
