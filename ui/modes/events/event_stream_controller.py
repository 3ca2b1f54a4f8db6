"""The network side of the event-stream pane: connects, appends each event to the log the
moment it arrives, and narrates the connection by signals. No widgets here.

Events never travel by signal: the reading task appends them to the ``EventLog``, and the pane
looks at the log once a frame. The connection's state does travel by signal:

    idle -> connecting -> open <-> reconnecting -> ended | failed | stopped

``reconnecting`` is seen by polling the open stream (``SSEResponse.status`` is None between a
dropped connection and the next one), as the library reconnects by itself when asked to.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from app.client.sse import SSEParser
from app.storage.history_entry import Outcome
from app.streams.event_log import EventLog
from ui.error_messages import ErrorText, describe_error
from ui.modes.base import ACTIVE_STATES, ConnectionState

if TYPE_CHECKING:
    from app.client.events import SSEResponse
    from app.model.compose import SessionPool
    from app.model.request import RequestModel
    from ui.modes.base import VariablesSource
    from ui.tasks import TaskRunner

__all__ = ["EventStreamController"]

log = logging.getLogger(__name__)

#: The reading task gives the loop a turn after this long without one: a firehose whose
#: bytes are already buffered would otherwise keep the window from painting.
SLICE_S = 0.005
POLL_MS = 20
#: The states that answer a ``start``: its history entry is made then.
_ANSWERED = frozenset({ConnectionState.OPEN, ConnectionState.ENDED, ConnectionState.FAILED})


class EventStreamController(QObject):
    """Owns one tab's event stream: the task that reads it and the log it fills."""

    state_changed = Signal(object)  # ConnectionState
    #: (model, Outcome, secret values) once a stream ``start`` sent opened, ended or failed.
    exchanged = Signal(object, object, object)
    #: A fresh log replaced the old one (a new stream, or Clear); the old one is closed.
    log_replaced = Signal(object)

    def __init__(self, runner: TaskRunner, sessions: Callable[[], SessionPool], key: str,
                 parent: QObject | None = None,
                 log_factory: Callable[[], EventLog] = EventLog) -> None:
        super().__init__(parent)
        self._runner = runner
        self._sessions = sessions
        self._key = key
        self._log_factory = log_factory
        self._log = log_factory()
        self._state = ConnectionState.IDLE
        #: The stream ``start`` sent, until it has an answer: (model, wall-clock start,
        #: the secret values it substituted).
        self._sent: tuple[RequestModel, float, tuple[str, ...]] | None = None
        self._status: int | None = None
        self._generation = 0
        self._stream: SSEResponse | None = None
        self._parser: SSEParser | None = None  # a response routed here by the send controller
        self._model: RequestModel | None = None
        self._variables: VariablesSource | None = None
        self._last_id = ""
        self._was_open = False
        #: Whether the library should reconnect by itself (sending Last-Event-ID).
        self.auto_reconnect = False
        self.url = ""
        self.status_text = ""
        self.retry: int | None = None
        self.reconnects = 0
        self.error: ErrorText | None = None
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self._poll_stream)

    # -- what the pane reads ---------------------------------------------------------------

    @property
    def log(self) -> EventLog:
        return self._log

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def active(self) -> bool:
        return self._state in ACTIVE_STATES

    @property
    def busy(self) -> bool:
        """Connecting, open or reconnecting: there is a stream to stop."""
        return self.active

    @property
    def was_open(self) -> bool:
        """Whether the last stream had been open (a failure then is a disconnection)."""
        return self._was_open

    @property
    def last_event_id(self) -> str:
        """The last event ID in force: what a reconnection sends as ``Last-Event-ID``."""
        if self._stream is not None:
            return self._stream.last_event_id
        if self._parser is not None:
            return self._parser.last_event_id
        return self._last_id

    @property
    def can_reconnect(self) -> bool:
        return self._model is not None and not self.active

    # -- connecting ------------------------------------------------------------------------

    def set_model(self, model: RequestModel, variables: VariablesSource | None = None) -> None:
        """The request that ``start`` and ``reconnect`` send."""
        self._model = model
        self._variables = variables

    def start(self, model: RequestModel, variables: VariablesSource | None = None) -> None:
        """Open a new stream for ``model`` (into a fresh log), replacing any under way."""
        self.set_model(model, variables)
        self._cancel()
        self._sent = (model, time.time(), ())
        self.replace_log()
        self._last_id = ""
        self._connect(resume_from="")

    def reconnect(self) -> None:
        """Open the stream again, resuming after the last event ID seen."""
        if self._model is None:
            return
        resume_from = self.last_event_id
        self._cancel()
        self._connect(resume_from)

    def _connect(self, resume_from: str) -> None:
        assert self._model is not None
        self._generation += 1
        self.error = None
        self.retry = None
        self.reconnects = 0
        self._was_open = False
        self.status_text = ""
        self._status = None
        self._set_state(ConnectionState.CONNECTING)
        self._poll.start()
        self._runner.start(self._key, self._read(self._generation, self._model, self._variables,
                                                 resume_from), on_error=self._on_failed)

    async def _read(self, generation: int, model: RequestModel,
                    source: VariablesSource | None, resume_from: str) -> None:
        from app.model.compose import compose

        variables: dict[str, str] = {}
        if source is not None:
            resolution = await source(model)
            variables = dict(resolution.values)
            if self._sent is not None and self._sent[0] is model:
                self._sent = (model, self._sent[1], resolution.secrets)
        pool = self._sessions()
        composed = compose(pool.for_request(model, variables), model, variables,
                           auth_cache=pool.auth_cache)
        self.url = composed.url
        stream: SSEResponse | None = None
        try:
            async with composed.request.connect_events(
                    reconnect=self.auto_reconnect, last_event_id=resume_from or None,
                    max_event_size=pool.limits.max_event_size) as stream:
                self._stream = stream
                self.status_text = f"HTTP {stream.status}"
                self._status = stream.status
                self._was_open = True
                self._set_state(ConnectionState.OPEN)
                await self._consume(stream)
        finally:
            composed.close()
            if generation == self._generation and stream is not None:
                self._last_id = stream.last_event_id
                self.retry = stream.retry
                self.reconnects = max(0, stream.connections - 1)
                self._stream = None
        if generation == self._generation:
            self._set_state(ConnectionState.ENDED)

    async def _consume(self, stream: SSEResponse) -> None:
        clock, perf = time.time, time.perf_counter
        slice_began = perf()
        n = 0
        async for event in stream:
            self._log.append(event, clock())
            n += 1
            if not n & 255 and perf() - slice_began > SLICE_S:
                await asyncio.sleep(0)
                slice_began = perf()

    def _poll_stream(self) -> None:
        stream = self._stream
        if not self.active:
            self._poll.stop()
            return
        if stream is None:
            return
        self.retry = stream.retry
        self.reconnects = max(0, stream.connections - 1)
        if stream.status is None and self._state == ConnectionState.OPEN:
            self._set_state(ConnectionState.RECONNECTING)
        elif stream.status is not None and self._state == ConnectionState.RECONNECTING:
            self._set_state(ConnectionState.OPEN)

    def stop(self) -> bool:
        """Stop reading; the events stay, and ``reconnect`` resumes after the last one.
        False when nothing was read."""
        if self._parser is not None:
            self._last_id = self._parser.last_event_id
            self._parser = None
        elif not self._cancel():
            return False
        self._set_state(ConnectionState.STOPPED)
        return True

    def _cancel(self) -> bool:
        stream = self._stream
        if stream is not None:
            self._last_id = stream.last_event_id
            self.retry = stream.retry
            self._stream = None
        self._parser = None
        self._generation += 1  # what the cancelled task still does is stale
        return self._runner.cancel(self._key)

    def _on_failed(self, exc: BaseException) -> None:
        from app.client import APIError

        text = describe_error(exc)
        if text.unexpected:
            log.error("unexpected failure in %s", self._key, exc_info=exc)
        if isinstance(exc, APIError) and exc.data not in (None, "", {}):
            shown = json.dumps(exc.data, ensure_ascii=False, default=str)
            if len(shown) > 2000:
                shown = shown[:2000] + "…"
            text = dataclasses.replace(text, detail=f"{text.detail}\n{shown}")
        self.error = text
        self._set_state(ConnectionState.FAILED)

    # -- a response that turned out to be an event stream ----------------------------------

    def begin_external(self, url: str, status_text: str) -> None:
        """Show an event stream read by someone else (see ``feed``), in a fresh log."""
        self._cancel()
        self._sent = None  # the reader of the response records it
        self.replace_log()
        self._parser = SSEParser(max_event_size=self._sessions().limits.max_event_size)
        self.url = url
        self.status_text = status_text
        self.error = None
        self.retry = None
        self.reconnects = 0
        self._was_open = True
        self._set_state(ConnectionState.OPEN)

    def feed(self, chunk: bytes) -> None:
        """Parse the next bytes of the external stream (ignored once it is stopped)."""
        parser = self._parser
        if parser is None:
            return
        events = parser.feed(chunk)
        if events:
            self._log.extend(events, time.time())
            self.retry = parser.retry

    def end_external(self, error: ErrorText | None) -> None:
        """The external stream ended: cleanly (None) or with ``error``."""
        parser = self._parser
        if parser is None:
            return
        self._last_id = parser.last_event_id
        parser.close()
        self._parser = None
        self.error = error
        self._set_state(ConnectionState.FAILED if error is not None else ConnectionState.ENDED)

    # -- the log and the end ---------------------------------------------------------------

    def replace_log(self) -> None:
        """Start a fresh log (the stream, if any, goes on into it) and close the old one."""
        old, self._log = self._log, self._log_factory()
        self._log.set_cap(old.cap)
        old.close()
        self.log_replaced.emit(self._log)

    def _set_state(self, state: ConnectionState) -> None:
        if state == self._state:
            return
        self._state = state
        if self._sent is not None and state in _ANSWERED:
            model, started, secrets = self._sent
            self._sent = None
            failed = state == ConnectionState.FAILED and self.error is not None
            outcome = Outcome(started, time.time() - started,
                              None if failed else self._status,
                              self.error.title if failed and self.error else None, self.url)
            self.exchanged.emit(model, outcome, secrets)
        self.state_changed.emit(state)

    def dispose(self) -> None:
        """Cancel the stream and delete the log's files (the tab is closing)."""
        self._cancel()
        self._poll.stop()
        self._log.close()
