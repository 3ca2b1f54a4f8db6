"""The network side of the gRPC pane: makes the tab's call, logs every message both ways, sends
what the stream view asks, and narrates the call by signals. No widgets here.

Every call, of any kind, is an ``app.grpc`` stream (``open_stream``): its method's kind is
known once it is open, a unary or server-streaming method is sent its one message, a client-
or bidi-streaming one the messages of the editor (an array sends several), after which the
stream view may send more and half-close. The responses are added to the log by the library's
own thread as they are read (``GrpcStream.read_all``: no loop wakes per message); the view
shows the log once a frame. The call's state::

    idle -> connecting -> open -> closing -> ended | failed | stopped

``ended`` holds a status, whatever its code (an unreachable target is ``UNAVAILABLE``);
``failed`` means nothing was sent: a field that cannot be composed, a message that does not
fit its type, a method the server does not have. The call is one task of the tab's
``TaskRunner``; sends and the half-close go through a queue a helper task of that same call
drains, so their order is kept and nothing outlives the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.storage.history import Outcome
from ui.error_messages import ErrorText, describe_error
from ui.modes.base import ConnectionState
from ui.modes.grpc.grpc_log import DEFAULT_KEEP, GrpcMessageLog, status_details
from ui.pacer import Pacer

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from app.grpc import CallResult, GrpcStream
    from app.model.network_settings import NetworkConfig
    from app.model.request import RequestModel
    from ui.modes.base import VariablesSource
    from ui.tasks import TaskRunner

__all__ = ["GrpcController", "GrpcViewSettings", "method_kind"]

log = logging.getLogger(__name__)

_ACTIVE = frozenset({ConnectionState.CONNECTING, ConnectionState.OPEN,
                     ConnectionState.CLOSING})
_HALF_CLOSE = object()


@dataclass(frozen=True)
class GrpcViewSettings:
    """The gRPC pane's limits."""

    #: Messages the stream view keeps (older ones are counted, not shown).
    keep_messages: int = DEFAULT_KEEP
    #: Milliseconds between two refreshes of the stream view.
    frame_ms: int = 16
    #: Milliseconds of quiet typing before the message is checked against its type.
    check_delay_ms: int = 300
    #: Milliseconds of quiet typing in the target, metadata or TLS options before the
    #: services are described again.
    describe_delay_ms: int = 600
    #: The most bytes of the responses' JSON the Tests tab's asserts read (a longer stream's
    #: body asserts fail saying so).
    max_check_body: int = 16 << 20
    #: Milliseconds the window's thread may go without a turn before a fast stream's reader
    #: waits for it (``ui.pacer``).
    window_late_ms: int = 10
    #: Characters of a message's JSON the Message tab shows (Copy message copies it whole):
    #: a text view lays out a few megabytes in seconds.
    detail_chars: int = 256 * 1024

    def __post_init__(self) -> None:
        for name in ("keep_messages", "frame_ms", "check_delay_ms", "describe_delay_ms",
                     "max_check_body", "window_late_ms", "detail_chars"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be 1 or more")


def method_kind(client_streaming: bool, server_streaming: bool) -> str:
    """``unary``, ``server streaming``, ``client streaming`` or ``bidi streaming``."""
    if client_streaming:
        return "bidi streaming" if server_streaming else "client streaming"
    return "server streaming" if server_streaming else "unary"


class GrpcController(QObject):
    """Owns one tab's gRPC call: the task that makes it and the log it fills."""

    state_changed = Signal(object)  # ConnectionState
    #: (model, Outcome, secret values) once per ``start``, when the call ended or failed, or
    #: was replaced by the next ``start`` once open.
    exchanged = Signal(object, object, object)
    #: The call is open: its method's kind (``method_kind``).
    opened = Signal(str)
    #: The call ended: its ``app.grpc.CallResult``.
    ended = Signal(object)
    #: Nothing was sent, or the call could not go on: an ErrorText.
    failed = Signal(object)
    #: The request's asserts and captures checked against the ended call (a
    #: ``ui.modes.http.checks.CheckOutcome``), as a run checks them.
    checked = Signal(object)

    def __init__(self, runner: TaskRunner, key: str,
                 settings: GrpcViewSettings | None = None,
                 parent: QObject | None = None,
                 network: Callable[[], NetworkConfig | None] | None = None,
                 workspace_root: Callable[[], Path | None] | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        #: The window's proxy and certificate settings (its certificate for the target's host
        #: is presented unless the request's options choose otherwise).
        self._network = network
        #: The window's workspace folder: a relative .proto, import or certificate path (one
        #: a {{variable}} filled in) is under it.
        self._workspace_root = workspace_root
        self._key = key
        self.settings = settings if settings is not None else GrpcViewSettings()
        self.log = GrpcMessageLog(self.settings.keep_messages)
        self._pacer = Pacer(max(2, self.settings.window_late_ms), parent=self)
        self._state = ConnectionState.IDLE
        self._generation = 0
        self._stream: GrpcStream | None = None
        self._outbox: asyncio.Queue[object] | None = None
        self._values: dict[str, str] = {}
        #: The call ``start`` asked for, until it has an answer: (model, wall-clock start,
        #: the secret values it substituted, its URL, the method called: its variables
        #: filled in, "" until then).
        self._sent: tuple[RequestModel, float, tuple[str, ...], str, str] | None = None
        #: The kind of the open (or last) call's method, once open.
        self.kind = ""
        self.half_closed = False
        #: The last call's result (None: none yet, or it failed before sending).
        self.result: CallResult | None = None
        #: The last failure, shown until the next call.
        self.error: ErrorText | None = None

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def busy(self) -> bool:
        """Connecting, open or closing: there is a call to stop."""
        return self._state in _ACTIVE

    @property
    def can_send(self) -> bool:
        """The open call takes more messages (a client or bidi stream not half-closed)."""
        return (self._state == ConnectionState.OPEN and self.kind.startswith(("client", "bidi"))
                and not self.half_closed)

    @property
    def headers(self) -> list[tuple[str, str]] | None:
        """The open call's response headers as soon as they have come; None before, or with
        no call open (an ended call's are its ``result``'s). The view reads them once a
        frame: no signal, so the reader's thread wakes no loop for them."""
        stream = self._stream
        return stream.headers if stream is not None else None

    def _set_state(self, state: ConnectionState) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    # -- commands ------------------------------------------------------------------------------

    def start(self, model: RequestModel, variables: VariablesSource | None = None) -> None:
        """Call with ``model`` (the tab's Send), ending any call under way (an open one goes
        to History as cancelled)."""
        if self._state in (ConnectionState.OPEN, ConnectionState.CLOSING):
            self._record_replaced()
        # A call still connecting reached no server: it goes unrecorded, as an aborted one.
        self._generation += 1
        generation = self._generation
        self._sent = (model, time.time(), (), model.url, "")
        self._stream = self._outbox = None
        self.kind, self.half_closed = "", False
        self.result = self.error = None
        self.log.clear()
        if self._state == ConnectionState.CONNECTING:
            # A new call while one was still connecting (Ctrl+Enter twice): the view starts
            # over too, or its table keeps rows the cleared log no longer has.
            self.state_changed.emit(self._state)
        self._set_state(ConnectionState.CONNECTING)
        self._runner.start(self._key, self._run(generation, model, variables),
                           on_error=lambda exc: self._on_failed(generation, exc))

    def _record_replaced(self) -> None:
        """The history entry of the open call a new one replaces (or that its closing tab
        stops): CANCELLED, as Esc would have ended it (its task is cancelled, and its own
        late ``_end`` dropped as another generation's). Nothing is logged: the log is the
        next call's. Its size is that of the responses received so far."""
        from app.model.compose_grpc import GRPC_STATUS_CODES

        if self._sent is None:
            return
        model, started, secrets, url, method = self._sent
        self._sent = None
        self.exchanged.emit(model, Outcome(started, time.time() - started,
                                           GRPC_STATUS_CODES["CANCELLED"], url=url,
                                           size=self._received_bytes(),
                                           code="CANCELLED", method=method), secrets)

    def _received_bytes(self) -> int:
        """The size on the wire of what the open call has received so far."""
        stream = self._stream
        return stream.received_bytes if stream is not None else 0

    def stop(self) -> bool:
        """Cancel the call (its status becomes CANCELLED); False when there was none."""
        if not self.busy:
            return False
        stream = self._stream
        if stream is not None and self._state == ConnectionState.OPEN:
            self._set_state(ConnectionState.CLOSING)
            self.log.add("info", "Cancelled by you")
            stream.cancel()  # the reading loop ends, and the call with its status
            return True
        if stream is not None and self._state == ConnectionState.CLOSING:
            stream.cancel()  # Esc again: its CANCELLED result and history entry are coming
            return True
        self.abort()
        return True

    def abort(self) -> None:
        """Stop at once: the task is cancelled (which cancels the call), nothing recorded."""
        self._generation += 1
        self._runner.cancel(self._key)
        self._stream = self._outbox = None
        self._sent = None
        if self.busy:
            self.log.add("info", "Stopped")
            self._set_state(ConnectionState.STOPPED)

    def send_text(self, text: str) -> str | None:
        """Queue the JSON ``text`` (one object, or an array of them; ``{{variables}}``
        filled as at the start of the call) to be sent; the reason when it cannot be."""
        from app.client.errors import UsageError
        from app.model.compose_errors import ComposeError, substitute

        stream = self._stream
        if not self.can_send or self._outbox is None or stream is None:
            return "The call takes no more messages" if self.busy else "No call is open"
        try:
            messages = _messages(substitute(text, self._values, "message"))
            for message in messages:  # all checked before any is queued: the text stays
                stream.method.parse(message)
        except (ComposeError, ValueError, UsageError) as exc:
            return str(exc)
        for message in messages:
            self._outbox.put_nowait(message)
        return None

    def half_close(self) -> bool:
        """Tell the server nothing more will be sent; False when nothing is open to close."""
        if not self.can_send or self._outbox is None:
            return False
        self.half_closed = True
        self._outbox.put_nowait(_HALF_CLOSE)
        self.state_changed.emit(self._state)  # the view's buttons follow can_send
        return True

    def dispose(self) -> None:
        """The pane is going (its tab closed): stop the call; an open one goes to History as
        cancelled, as one a new Call replaces."""
        if self._state in (ConnectionState.OPEN, ConnectionState.CLOSING):
            self._record_replaced()
        self._generation += 1
        self._runner.cancel(self._key)
        self._stream = self._outbox = None

    # -- the call task -------------------------------------------------------------------------

    async def _run(self, generation: int, model: RequestModel,
                   source: VariablesSource | None) -> None:
        import app.grpc
        from app.client.errors import StreamError, UsageError
        from app.model.compose_grpc import grpc_call_of
        from ui.long_lived import loaded_for_good

        loaded_for_good("grpc")

        values: dict[str, str] = {}
        if source is not None:
            resolution = await source(model)
            values = dict(resolution.values)
            if self._sent is not None and self._sent[0] is model:
                self._sent = (model, self._sent[1], resolution.secrets, model.url, "")
        self._values = values
        call = grpc_call_of(
            model, values,
            workspace_root=self._workspace_root() if self._workspace_root is not None else None,
            network=self._network() if self._network is not None else None)
        if self._sent is not None:
            self._sent = (*self._sent[:3], call.url, call.full_method)
        through = f" through {call.proxy}" if call.proxy else ""
        self.log.add("info", f"Calling {call.full_method} on {call.url}{through}")
        client = app.grpc.default_client()
        stream = app.grpc.open_stream(
            call.target, call.full_method, protos=call.protos, import_paths=call.import_paths,
            metadata=call.metadata, deadline=call.deadline, client=client,
            keep_responses=self.log.keep, **call.channel_keywords())
        async with stream:
            if stream.result is not None:  # the method could not be looked up there
                self._end(generation, stream.result)
                return
            method = stream.method
            if not method.client_streaming and len(call.messages) != 1:
                raise UsageError(f"{call.full_method} takes one message, not "
                                 + (f"{len(call.messages)}: remove the array"
                                    if call.messages else
                                    "an empty array: write one object (empty text sends {})"))
            for message in call.messages:  # all checked before any is sent
                method.parse(message)
            self._stream = stream
            self.kind = method_kind(method.client_streaming, method.server_streaming)
            outbox: asyncio.Queue[object] = asyncio.Queue()
            self._outbox = outbox
            self._set_state(ConnectionState.OPEN)
            self.opened.emit(self.kind)
            try:
                for message in call.messages:
                    await self._send_one(stream, message)
            except StreamError as exc:
                # The call ended before they all went (a target it could not reach): its
                # result, read below, says how (UNAVAILABLE...), not a failure to send.
                self.log.add("info", f"Not sent: {exc}")
            sender = asyncio.ensure_future(self._send_all(stream, outbox))
            add, pace = self.log.add, self._pacer.pace

            def received(data: dict[str, Any]) -> None:
                # A call replaced meanwhile (its cancellation is on its way) adds nothing
                # to the next call's log.
                if generation == self._generation:
                    add("in", data)
                    pace()

            self._pacer.start()
            try:
                await stream.read_all(received)
            finally:
                self._pacer.stop()
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sender
                self._outbox = None
        if stream.result is not None:
            self._end(generation, stream.result)

    async def _send_one(self, stream: GrpcStream, message: Any) -> None:
        # Logged before it goes: the answer can then never come first.
        self.log.add("out", message)
        await stream.send(message)

    async def _send_all(self, stream: GrpcStream, outbox: asyncio.Queue[object]) -> None:
        """Send what the view queued, in order, until the half-close."""
        from app.client.errors import ClientError

        while True:
            item = await outbox.get()
            try:
                if item is _HALF_CLOSE:
                    self.log.add("info", "Half-closed: the server was told nothing more "
                                         "will be sent")
                    await stream.done_writing()
                    return
                await self._send_one(stream, item)
            except ClientError as exc:
                self.log.add("error", f"Not sent: {exc}")

    def _end(self, generation: int, result: CallResult) -> None:
        if generation != self._generation:
            return
        from app.model.compose_grpc import GRPC_STATUS_CODES

        self._stream = None
        self.result = result
        details = status_details(result.code, result.details)
        words = result.code + (f": {details}" if details else "")
        self.log.add("info" if result.ok else "error", f"Ended {words}")
        if self._sent is not None:
            model, started, secrets, url, method = self._sent
            self._sent = None
            outcome = Outcome(started, time.time() - started,
                              GRPC_STATUS_CODES.get(result.code), url=url,
                              size=result.received_bytes,
                              code=result.code, method=method)
            self.exchanged.emit(model, outcome, secrets)
            self._check(model, result, outcome.duration * 1000)
        self._set_state(ConnectionState.ENDED)
        self.ended.emit(result)

    def _check(self, model: RequestModel, result: CallResult, elapsed_ms: float) -> None:
        """Check the request's asserts and captures against ``result`` off the UI thread (a
        long stream's JSON is no work for it)."""
        server_streaming = self.kind.startswith(("server", "bidi"))
        values = dict(self._values)
        limit = self.settings.max_check_body

        def work() -> object:
            from app.runner.engine import check_response
            from app.runner.grpc_run import grpc_facts
            from ui.modes.http.checks import CheckOutcome, json_paths

            document = result.responses if server_streaming else (
                result.responses[0] if result.responses else None)
            if not any(check.enabled for check in (*model.asserts, *model.captures)):
                # Nothing to check: the Tests tab only offers the names and paths. (The
                # responses' JSON text, a long stream's, would hold the interpreter's lock
                # beside the window's thread for nothing.)
                names = {name.lower() for name, _value in (*result.headers, *result.trailers)}
                return CheckOutcome([], [], sorted(names), json_paths(document))
            facts = grpc_facts(result, elapsed_ms, server_streaming, max_body=limit)
            asserts, captures = check_response(model, facts, values)
            paths = json_paths(document) if facts.body is not None else []
            return CheckOutcome(asserts, captures, sorted(facts.headers), paths)

        self._runner.start(f"{self._key} / checks", asyncio.to_thread(work),
                           on_result=self.checked.emit)

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        text = describe_error(exc)
        if text.unexpected:
            log.error("unexpected failure in %s", self._key, exc_info=exc)
        self._stream = self._outbox = None
        self.error = text
        self.log.add("error", f"{text.title}: {text.detail}")
        if self._sent is not None:
            model, started, secrets, url, method = self._sent
            self._sent = None
            self.exchanged.emit(model, Outcome(started, time.time() - started, None,
                                               text.detail, url=url, method=method), secrets)
        self._set_state(ConnectionState.FAILED)
        self.failed.emit(text)


def _messages(text: str) -> list[Any]:
    """One JSON object, or an array of them, typed in the send box (the method's type
    checks each: a well-known type may take another JSON value)."""
    from app.model.compose_grpc import message_json

    try:
        value = message_json(text)  # a key given twice: its ValueError says so
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"Not JSON: {exc}") from None
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ValueError("A message is a JSON object (or an array of objects)")
    return items
