"""The network side of the WebSocket pane: connects with the tab's request, appends every
message to the log the moment it arrives, sends what the console asks, and narrates the
connection by signals. No widgets here.

Messages never travel by signal: the receiving task appends them to the ``MessageLog`` and the
console looks at the log once a frame. The connection's state does travel by signal::

    closed -> connecting -> open -> closing -> closed
                  |           |
                  v           v
               failed     disconnected      (the connection broke: reconnect is one click)

The connection is one task owned by the ``TaskRunner`` under the pane's key; sending and
closing go through a queue that a helper task of that same connection drains, so the order of
what the user sent is kept and nothing outlives the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.client import WebSocketMessageType
from app.storage.history_entry import Outcome
from app.streams.export import export_jsonl_async
from app.streams.message_log import MessageLog
from ui.error_messages import ErrorText, describe_error
from ui.modes.base import ConnectionState

if TYPE_CHECKING:
    from app.client import WebSocketResponse
    from app.model.compose import SessionPool
    from app.model.request import RequestModel
    from ui.modes.base import VariablesSource
    from ui.tasks import TaskRunner

__all__ = ["STATES", "WebSocketController"]

log = logging.getLogger(__name__)

#: The states a WebSocket goes through (see the module docstring).
STATES = (ConnectionState.CLOSED, ConnectionState.CONNECTING, ConnectionState.OPEN,
          ConnectionState.CLOSING, ConnectionState.FAILED, ConnectionState.DISCONNECTED)
_ACTIVE = frozenset({ConnectionState.CONNECTING, ConnectionState.OPEN, ConnectionState.CLOSING})
#: The receiving task gives the loop a turn after this long without one: a firehose whose
#: frames are already buffered would otherwise keep the window from painting. On a busy
#: machine a slice's wall time is several times its CPU time (the longest stalls measured are
#: one slice stretched so), so it is kept short: 2 ms costs no measurable throughput.
SLICE_S = 0.002


@dataclass(frozen=True)
class _Send:
    kind: str                   # "text" or "binary"
    data: str | bytes


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str


class WebSocketController(QObject):
    """Owns one tab's WebSocket: the task that runs it and the log it fills."""

    state_changed = Signal(object)  # ConnectionState
    #: ``start`` was asked to connect with (model, variables): the pane shows that request.
    started = Signal(object, object)
    #: (model, Outcome, secret values) once a connection ``start`` asked for opened or failed.
    exchanged = Signal(object, object, object)
    #: The handshake succeeded; the negotiated subprotocol, or None.
    opened = Signal(object)
    #: The connection closed cleanly: (code or None, reason, "server" or "client").
    closed = Signal(object, str, str)
    #: Connecting failed or the connection broke: an ErrorText (state failed/disconnected).
    failed = Signal(object)
    #: An export finished: (path, rows written) or (path, ErrorText).
    exported = Signal(str, object)

    def __init__(self, runner: TaskRunner, sessions: Callable[[], SessionPool], key: str,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._sessions = sessions
        self._key = key
        self._export_key = f"{key} / export"
        self.log = MessageLog()
        self._spill_noted: str | None = None
        self._state = ConnectionState.CLOSED
        #: The connection ``start`` asked for, until it has an answer: (model, wall-clock
        #: start, the secret values it substituted).
        self._sent: tuple[RequestModel, float, tuple[str, ...]] | None = None
        self._generation = 0
        self._outbox: asyncio.Queue[_Send | _Close] | None = None
        #: The negotiated subprotocol of the open connection (or of the last one).
        self.protocol: str | None = None
        #: The last failure, shown until the next connection.
        self.error: ErrorText | None = None

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def running(self) -> bool:
        """The connection's task runs (it may be finishing a close)."""
        return self._runner.running(self._key)

    @property
    def active(self) -> bool:
        """Connecting, open or closing."""
        return self._state in _ACTIVE

    @property
    def busy(self) -> bool:
        """Connecting, open or closing: there is a connection to stop."""
        return self.active

    def _set_state(self, state: ConnectionState) -> None:
        if state == self._state:
            return
        self._state = state
        if self._sent is not None and state != ConnectionState.CONNECTING:
            model, started, secrets = self._sent
            self._sent = None
            if state != ConnectionState.CLOSED:  # (closed while connecting: nothing to say)
                error = None if state == ConnectionState.OPEN or self.error is None \
                    else self.error.title
                outcome = Outcome(started, time.time() - started,
                                  101 if error is None else None, error)
                self.exchanged.emit(model, outcome, secrets)
        self.state_changed.emit(state)

    # -- commands from the pane ---------------------------------------------------------------

    def start(self, model: RequestModel, variables: VariablesSource | None = None) -> None:
        """Connect with ``model`` and its subprotocols (the tab's Connect); the connection
        goes to the history once it opens or fails."""
        self._sent = (model, time.time(), ())
        self.started.emit(model, variables)
        self.connect_(model, variables, model.ws_subprotocols)

    def stop(self) -> bool:
        """Close normally (1000), or stop connecting at once; False when not connected."""
        if not self.active:
            return False
        self.close_socket(1000, "")
        return True

    def connect_(self, model: RequestModel, variables: VariablesSource | None = None,
                 protocols: Sequence[str] = ()) -> None:
        """Open a connection with ``model`` (URL, headers, auth), ending any current one."""
        self._generation += 1
        self.error = None
        self.protocol = None
        self._set_state(ConnectionState.CONNECTING)
        self._runner.start(self._key, self._run(self._generation, model, variables,
                                                tuple(protocols)), on_error=self._on_failed)

    def close_socket(self, code: int = 1000, reason: str = "") -> None:
        """Close with ``code`` and ``reason`` (the peer answers); stop connecting at once."""
        if self._state == ConnectionState.OPEN and self._outbox is not None:
            self._set_state(ConnectionState.CLOSING)
            self._outbox.put_nowait(_Close(code, reason))
        elif self._state in (ConnectionState.CONNECTING, ConnectionState.CLOSING):
            self.abort()

    def abort(self) -> None:
        """Stop at once: the task is cancelled (leaving the socket sends a plain close frame,
        and nobody waits for the answer)."""
        self._generation += 1
        self._outbox = None
        if self._runner.cancel(self._key) or self.active:
            self.log.append("", "info", "Disconnected")
        if self.active:
            self._set_state(ConnectionState.CLOSED)

    def send(self, kind: str, data: str | bytes) -> bool:
        """Queue a ``text`` (str) or ``binary`` (bytes) message; False when not open."""
        if self._state != ConnectionState.OPEN or self._outbox is None:
            return False
        self._outbox.put_nowait(_Send(kind, data))
        return True

    def export(self, path: str) -> None:
        """Write the log as it is now to ``path`` as JSON lines; ``exported`` tells the end."""
        self._runner.start(self._export_key, self._export(path, self.log.end),
                           on_result=functools.partial(self.exported.emit, path),
                           on_error=lambda exc: self.exported.emit(path, describe_error(exc)))

    def dispose(self) -> None:
        """The pane is going: stop the connection and delete the log's file."""
        self._generation += 1
        self._runner.cancel(self._key)
        self._runner.cancel(self._export_key)
        self._outbox = None
        self.log.close()

    # -- the connection task ------------------------------------------------------------------

    async def _run(self, generation: int, model: RequestModel,
                   source: VariablesSource | None, protocols: tuple[str, ...]) -> None:
        from app.model.compose import compose

        def current() -> bool:
            return generation == self._generation

        try:
            variables: dict[str, str] = {}
            if source is not None:
                resolution = await source(model)
                variables = dict(resolution.values)
                if self._sent is not None and self._sent[0] is model:
                    self._sent = (model, self._sent[1], resolution.secrets)
            pool = self._sessions()
            session = pool.for_request(model, variables, websocket=True)
            composed = compose(session, model, variables, websocket=True,
                               auth_cache=pool.auth_cache)
            composed.close()        # a WebSocket handshake sends no body: no files stay open
            self.log.append("", "info", f"Connecting to {composed.url}")
            async with composed.request.connect_websocket(protocols=protocols) as ws:
                if not current():
                    return
                outbox: asyncio.Queue[_Send | _Close] = asyncio.Queue()
                self._outbox, self.protocol = outbox, ws.protocol
                chosen = f" (subprotocol {ws.protocol})" if ws.protocol else ""
                self.log.append("", "info", f"Connected{chosen}")
                self._set_state(ConnectionState.OPEN)
                self.opened.emit(ws.protocol)
                sender = asyncio.ensure_future(self._send_all(ws, outbox))
                try:
                    by, code, reason = await self._receive_all(ws)
                    if by == "client":
                        await sender        # it is finishing the close handshake
                        code, reason = sender.result()
                finally:
                    if not sender.done():
                        sender.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await sender
            if current():
                self._finish(by, code, reason)
        finally:
            if current():
                self._outbox = None

    def _finish(self, by: str, code: int | None, reason: str) -> None:
        if by == "server":
            words = f"{code}" + (f" {reason}" if reason else "")
            self.log.append("in", "close", words)
        self._set_state(ConnectionState.CLOSED)
        self.closed.emit(code, reason, by)

    async def _receive_all(self, ws: WebSocketResponse) -> tuple[str, int | None, str]:
        """Log every message until the connection closes: (who closed, code, reason)."""
        append = self.log.append
        clock = time.perf_counter
        text, binary = WebSocketMessageType.TEXT, WebSocketMessageType.BINARY
        turn_at = clock() + SLICE_S
        received = 0
        while True:
            msg = await ws.receive()
            kind = msg.type
            if kind is text:
                append("in", "text", msg.data)
            elif kind is binary:
                append("in", "binary", msg.data)
            elif kind is WebSocketMessageType.CLOSE:
                return "server", msg.close_code, msg.close_reason
            else:
                return "client", ws.close_code, ""
            received += 1
            if not received & 63 and clock() > turn_at:
                self._note_spill_error()
                await asyncio.sleep(0)
                turn_at = clock() + SLICE_S

    def _note_spill_error(self) -> None:
        """Say once in the log that old rows could not go to disk (the log's writer thread
        found out): memory now grows."""
        error = self.log.spill_error
        if error is None or error == self._spill_noted:
            self._spill_noted = error
            return
        self._spill_noted = error
        self.log.append("", "error", f"Could not move old messages to disk ({error}): they stay "
                                     "in memory, which now grows")

    async def _send_all(self, ws: WebSocketResponse,
                        outbox: asyncio.Queue[_Send | _Close]) -> tuple[int | None, str]:
        """Send what the user queued, in order, until a close: the code and reason sent."""
        from app.client import ClientError

        while True:
            item = await outbox.get()
            if isinstance(item, _Close):
                self.log.append("out", "close", f"{item.code} {item.reason}".rstrip())
                await ws.close(code=item.code, message=item.reason.encode("utf-8"))
                return item.code, item.reason
            # Logged before it goes: the peer's answer can then never come first.
            self.log.append("out", item.kind, item.data)
            try:
                if isinstance(item.data, bytes):
                    await ws.send_bytes(item.data)
                else:
                    await ws.send_str(item.data)
            except ClientError as exc:
                self.log.append("", "error", f"Not sent: {describe_error(exc).detail}")

    async def _export(self, path: str, stop: int) -> int:
        """Write the rows before ``stop`` still kept, atomically, on a worker thread."""
        return await export_jsonl_async(self.log.snapshot(stop), path)

    def _on_failed(self, exc: BaseException) -> None:
        from app.client import APIError, StreamError

        text = describe_error(exc)
        if isinstance(exc, APIError) and exc.data:
            data = exc.data if isinstance(exc.data, str) else json.dumps(exc.data)
            text = replace(text, detail=f"{text.detail}\n{data[:500]}")
        if text.unexpected:
            log.error("unexpected failure in %s", self._key, exc_info=exc)
        self.error = text
        self._outbox = None
        dropped = isinstance(exc, StreamError) and self._state in (ConnectionState.OPEN,
                                                                    ConnectionState.CLOSING)
        self.log.append("", "error", f"{text.title}: {text.detail}")
        self._set_state(ConnectionState.DISCONNECTED if dropped else ConnectionState.FAILED)
        self.failed.emit(text)
