"""The network side of the terminal pane: opens ``connect_terminal`` with the tab's request,
sends what is typed and the pane's size, and narrates the session by signals. No widgets here.

The screen is fed by the terminal's own reader task (``app.terminal.connect``), in slices with
a turn of the loop every few milliseconds, so a flood never holds the window; the view paints
the screen at its own pace. What the user types goes through a queue that a task of the same
session drains at once (several keys queued meanwhile go as one frame), so keys and Ctrl+C
never wait behind output::

    closed -> connecting -> open -> closing -> closed
                  |           |
                  v           v
               failed     disconnected      (it broke: Reconnect is one click)

The history gets one entry per session, when it ends: opened or not, how it ended and the
exit code, never what was on the screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.storage.history_entry import Outcome
from app.streams.message_log import MessageLog
from app.terminal import TerminalScreen
from ui.error_messages import ErrorText, describe_error
from ui.modes.base import ConnectionState

if TYPE_CHECKING:
    from app.model.compose import SessionPool
    from app.model.request import RequestModel
    from app.terminal.connect import TerminalResponse
    from app.terminal.protocols import Event, Frame
    from ui.modes.base import VariablesSource
    from ui.tasks import TaskRunner

__all__ = ["TerminalController"]

log = logging.getLogger(__name__)

S = ConnectionState
_ACTIVE = frozenset({S.CONNECTING, S.OPEN, S.CLOSING})
#: A pattern no screen holds: ``wait_for`` on it returns only when the connection ends.
_NEVER = re.compile(r"(?!)")
#: ``wait_for`` wants a timeout (and the Qt loop's timers a small one): it is renewed.
_WAKE_S = 3600.0


@dataclass(frozen=True)
class _Resize:
    rows: int
    cols: int


class _Close:
    pass


class TerminalController(QObject):
    """Owns one tab's terminal session: the task that runs it and the screen it feeds."""

    state_changed = Signal(object)  # ConnectionState
    #: ``start`` was asked to connect with (model, variables).
    started = Signal(object, object)
    #: (model, Outcome, secret values) once per session, when it ended or failed to open.
    exchanged = Signal(object, object, object)
    #: The session opened: (its TerminalScreen, the negotiated subprotocol or None).
    opened = Signal(object, object)
    #: The program ended, as the protocol said: (exit code or None, words).
    exited = Signal(object, str)
    #: The connection closed cleanly: (code or None, reason, "server" or "client").
    closed = Signal(object, str, str)
    #: Connecting failed or the connection broke: an ErrorText.
    failed = Signal(object)
    #: A frame broke its protocol: what was wrong (shown; the session goes on).
    protocol_error = Signal(str)

    def __init__(self, runner: TaskRunner, sessions: Callable[[], SessionPool], key: str,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._sessions = sessions
        self._key = key
        self._state = S.CLOSED
        self._generation = 0
        self._outbox: asyncio.Queue[bytes | _Resize | _Close] | None = None
        #: (model, wall-clock start, secrets, opened) of the session not yet in the history.
        self._sent: tuple[RequestModel, float, tuple[str, ...], bool] | None = None
        #: The raw frames both ways, when ``log_frames`` is on.
        self.log = MessageLog()
        self.log_frames = False
        #: Whether the session's protocol can tell the program a new size (raw cannot).
        self.resizable = True
        #: The screen of the current (or last) session.
        self.screen = TerminalScreen()
        #: The size to open with and to keep: the pane's.
        self.size: tuple[int, int] | None = None
        #: The protocol of the current (or last) session (the model's ``terminal.protocol``).
        self.protocol = "raw"
        #: The negotiated subprotocol of the open (or last) session.
        self.subprotocol: str | None = None
        self.exit_code: int | None = None
        self.error: ErrorText | None = None

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def busy(self) -> bool:
        """Connecting, open or closing: there is a session to stop."""
        return self._state in _ACTIVE

    def _set_state(self, state: ConnectionState) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    def _report(self, *, error: str | None = None, ended: str = "") -> None:
        """The session's one history entry (opened or not, how it ended, the exit code)."""
        if self._sent is None:
            return
        model, started, secrets, opened = self._sent
        self._sent = None
        outcome = Outcome(started, time.time() - started, 101 if opened else None, error,
                          ended=ended, exit_code=self.exit_code)
        self.exchanged.emit(model, outcome, secrets)

    # -- commands -----------------------------------------------------------------------------

    def start(self, model: RequestModel, variables: VariablesSource | None = None) -> None:
        """Open a session with ``model`` (the tab's Open), ending any current one."""
        self.abort()
        self._generation += 1
        self._sent = (model, time.time(), (), False)
        self.error = None
        self.exit_code = None
        self.subprotocol = None
        self.started.emit(model, variables)
        self._set_state(S.CONNECTING)
        self._runner.start(self._key, self._run(self._generation, model, variables),
                           on_error=self._on_failed)

    def stop(self) -> bool:
        """Close the session (stop connecting at once); False when there was none."""
        if self._state == S.OPEN and self._outbox is not None:
            self._set_state(S.CLOSING)
            self._outbox.put_nowait(_Close())
            return True
        if self.busy:
            self.abort()
            return True
        return False

    def abort(self) -> None:
        """Stop at once: the task is cancelled and the connection dropped."""
        self._generation += 1
        self._outbox = None
        self._runner.cancel(self._key)
        if self.busy:
            if self._sent is not None and self._sent[3]:
                self._report(ended="closed by you")
            self._sent = None           # (stopped while connecting: nothing to say)
            self._set_state(S.CLOSED)

    def send(self, data: bytes) -> bool:
        """Queue keys for the program; False when no session is open."""
        if self._state != S.OPEN or self._outbox is None or not data:
            return False
        self._outbox.put_nowait(data)
        return True

    def resize(self, rows: int, cols: int) -> None:
        """The pane's size changed: the screen and the server follow (the next session opens
        with it)."""
        self.size = (rows, cols)
        if self._state == S.OPEN and self._outbox is not None and self.resizable:
            self._outbox.put_nowait(_Resize(rows, cols))

    def dispose(self) -> None:
        """The tab is going: stop the session and delete the frame log's file."""
        self._generation += 1
        self._sent = None
        self._runner.cancel(self._key)
        self._outbox = None
        self.log.close()

    # -- the session task ---------------------------------------------------------------------

    async def _run(self, generation: int, model: RequestModel,
                   source: VariablesSource | None) -> None:
        from app.model.compose import compose
        from app.terminal.connect import connect_terminal

        variables: dict[str, str] = {}
        if source is not None:
            resolution = await source(model)
            variables = dict(resolution.values)
            if self._sent is not None and self._sent[0] is model:
                self._sent = (model, self._sent[1], resolution.secrets, False)
        session = self._sessions().for_request(model, variables, websocket=True)
        composed = compose(session, model, variables,
                           websocket=True)
        composed.close()            # a WebSocket handshake sends no body
        from app.terminal.protocols import PROTOCOLS

        self.protocol = model.terminal.protocol
        codec = PROTOCOLS[self.protocol]
        # A protocol with no resize message (raw) cannot tell the program a new size: the
        # screen keeps the size the request opens with, which the program was started with.
        self.resizable = codec().encode_resize(24, 80) is not None
        opening = (model.terminal.rows, model.terminal.cols)
        rows, cols = (self.size or opening) if self.resizable else opening
        self.log.append("", "info", f"Connecting to {composed.url} ({self.protocol})")
        async with connect_terminal(composed.request, self.protocol, rows=rows,
                                    cols=cols) as term:
            if generation != self._generation:
                return
            outbox: asyncio.Queue[bytes | _Resize | _Close] = asyncio.Queue()
            self._outbox, self.screen, self.subprotocol = outbox, term.screen, term.protocol
            if self._sent is not None:
                self._sent = (*self._sent[:3], True)
            unsubscribe = [term.on_event(self._on_event), term.on_frame(self._on_frame)]
            self.log.append("", "info", "Open" + (f" (subprotocol {term.protocol})"
                                                  if term.protocol else ""))
            self._set_state(S.OPEN)
            self.opened.emit(term.screen, term.protocol)
            if self.resizable and self.size is not None and self.size != (rows, cols):
                outbox.put_nowait(_Resize(*self.size))     # resized while connecting
            try:
                by = await self._serve(term, outbox)
            finally:
                for stop in unsubscribe:
                    stop()
                self._outbox = None
        if generation == self._generation:
            self._finish(term, by)

    async def _serve(self, term: TerminalResponse,
                     outbox: asyncio.Queue[bytes | _Resize | _Close]) -> str:
        """Send what is queued until the server ends the session ("server") or the user
        closes it ("client")."""
        sender = asyncio.ensure_future(self._send_all(term, outbox))
        ender = asyncio.ensure_future(self._until_ended(term))
        try:
            done, _ = await asyncio.wait({sender, ender}, return_when=asyncio.FIRST_COMPLETED)
            if sender in done:
                sender.result()
                return "client"
            ender.result()
            return "server"
        finally:
            for task in (sender, ender):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    @staticmethod
    async def _until_ended(term: TerminalResponse) -> None:
        from app.client import RequestTimeout, StreamError

        # wait_for raises StreamError as soon as the connection ends: the one public way
        # to be woken by the end rather than to poll for it.
        while True:
            try:
                await term.wait_for(_NEVER, timeout=_WAKE_S)
            except RequestTimeout:
                continue
            except StreamError:
                return

    async def _send_all(self, term: TerminalResponse,
                        outbox: asyncio.Queue[bytes | _Resize | _Close]) -> None:
        from app.client import ClientError

        held: _Resize | _Close | None = None
        while True:
            item = held if held is not None else await outbox.get()
            held = None
            if isinstance(item, bytes):
                # Keys typed while the last frame went out go together.
                while not outbox.empty():
                    more = outbox.get_nowait()
                    if not isinstance(more, bytes):
                        held = more
                        break
                    item += more
            try:
                if isinstance(item, _Close):
                    await term.close()
                    return
                if isinstance(item, _Resize):
                    await term.resize(item.rows, item.cols)
                else:
                    await term.send_input(item)
            except ClientError as exc:
                if term.ended:
                    return          # the end is told by the reader
                self.log.append("", "error", f"Not sent: {describe_error(exc).detail}")

    def _finish(self, term: TerminalResponse, by: str) -> None:
        failure = term.failure
        if failure is not None and by == "server":
            text = describe_error(failure)
            self.error = text
            self.log.append("", "error", f"{text.title}: {text.detail}")
            self._report(error=text.title, ended=f"broke: {text.detail}")
            self._set_state(S.DISCONNECTED)
            self.failed.emit(text)
            return
        code, reason = term.close_code, term.close_reason
        words = f"{code}" + (f" {reason}" if reason else "") if code is not None else "no code"
        self.log.append("", "info", f"Closed by the {'server' if by == 'server' else 'user'}: "
                                    f"{words}")
        self._report(ended=f"closed by {'the server' if by == 'server' else 'you'}: {words}")
        self._set_state(S.CLOSED)
        self.closed.emit(code, reason, by)

    def _on_event(self, event: Event) -> None:
        from app.terminal.protocols import Error, Exit

        if isinstance(event, Exit):
            self.exit_code = event.code
            self.log.append("", "info", f"Exit {event.code}: {event.message}".rstrip(": "))
            self.exited.emit(event.code, event.message)
        elif isinstance(event, Error):
            self.log.append("", "error", event.message)
            self.protocol_error.emit(event.message)

    def _on_frame(self, direction: str, frame: Frame) -> None:
        if self.log_frames:
            self.log.append(direction, "text" if isinstance(frame, str) else "binary", frame)

    def _on_failed(self, exc: BaseException) -> None:
        text = describe_error(exc)
        if text.unexpected:
            log.error("unexpected failure in %s", self._key, exc_info=exc)
        self.error = text
        self._outbox = None
        opened = self._sent is not None and self._sent[3]
        self.log.append("", "error", f"{text.title}: {text.detail}")
        self._report(error=text.title, ended=f"broke: {text.detail}" if opened else "")
        self._set_state(S.DISCONNECTED if opened else S.FAILED)
        self.failed.emit(text)
