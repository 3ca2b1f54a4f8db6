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
from app.streams.event_log import EventLog
from ui.error_messages import ErrorText, describe_error

if TYPE_CHECKING:
    from app.client.events import SSEResponse
    from app.model.compose import SessionPool
    from app.model.request import RequestModel
    from ui.modes.http.controller import VariablesSource
    from ui.tasks import TaskRunner

__all__ = ["ACTIVE_STATES", "EventStreamController"]

log = logging.getLogger(__name__)

ACTIVE_STATES = frozenset({"connecting", "open", "reconnecting"})
#: The reading task gives the loop a turn after this long without one: a firehose whose
#: bytes are already buffered would otherwise keep the window from painting.
SLICE_S = 0.005
POLL_MS = 20


class EventStreamController(QObject):
    """Owns one tab's event stream: the task that reads it and the log it fills."""

    state_changed = Signal(str)
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
        self._state = "idle"
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
        runner.failed.connect(self._on_failed)

    # -- what the pane reads ---------------------------------------------------------------

    @property
    def log(self) -> EventLog:
        return self._log

    @property
    def state(self) -> str:
        return self._state

    @property
    def active(self) -> bool:
        return self._state in ACTIVE_STATES

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
        self._set_state("connecting")
        self._poll.start()
        self._runner.start(self._key, self._read(self._generation, self._model, self._variables,
                                                 resume_from))

    async def _read(self, generation: int, model: RequestModel,
                    source: VariablesSource | None, resume_from: str) -> None:
        from app.model.compose import compose

        variables = dict(await source(model)) if source is not None else {}
        composed = compose(self._sessions().get(model.options), model, variables)
        self.url = composed.url
        stream: SSEResponse | None = None
        try:
            async with composed.request.connect_events(
                    reconnect=self.auto_reconnect, last_event_id=resume_from or None) as stream:
                self._stream = stream
                self.status_text = f"HTTP {stream.status}"
                self._was_open = True
                self._set_state("open")
                await self._consume(stream)
        finally:
            composed.close()
            if generation == self._generation and stream is not None:
                self._last_id = stream.last_event_id
                self.retry = stream.retry
                self.reconnects = max(0, stream.connections - 1)
                self._stream = None
        if generation == self._generation:
            self._set_state("ended")

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
        if stream.status is None and self._state == "open":
            self._set_state("reconnecting")
        elif stream.status is not None and self._state == "reconnecting":
            self._set_state("open")

    def stop(self) -> None:
        """Stop reading; the events stay, and ``reconnect`` resumes after the last one."""
        if self._parser is not None:
            self._last_id = self._parser.last_event_id
            self._parser = None
            self._set_state("stopped")
        elif self._cancel():
            self._set_state("stopped")

    def _cancel(self) -> bool:
        stream = self._stream
        if stream is not None:
            self._last_id = stream.last_event_id
            self.retry = stream.retry
            self._stream = None
        self._parser = None
        self._generation += 1  # what the cancelled task still does is stale
        return self._runner.cancel(self._key)

    def _on_failed(self, key: str, exc: BaseException) -> None:
        if key != self._key:
            return
        from app.client import APIError

        text = describe_error(exc)
        if text.title == "Unexpected error":
            log.error("unexpected failure in %s", key, exc_info=exc)
        if isinstance(exc, APIError) and exc.data not in (None, "", {}):
            shown = json.dumps(exc.data, ensure_ascii=False, default=str)
            if len(shown) > 2000:
                shown = shown[:2000] + "…"
            text = dataclasses.replace(text, detail=f"{text.detail}\n{shown}")
        self.error = text
        self._set_state("failed")

    # -- a response that turned out to be an event stream ----------------------------------

    def begin_external(self, url: str, status_text: str) -> None:
        """Show an event stream read by someone else (see ``feed``), in a fresh log."""
        self._cancel()
        self.replace_log()
        self._parser = SSEParser()
        self.url = url
        self.status_text = status_text
        self.error = None
        self.retry = None
        self.reconnects = 0
        self._was_open = True
        self._set_state("open")

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
        self._set_state("failed" if error is not None else "ended")

    # -- the log and the end ---------------------------------------------------------------

    def replace_log(self) -> None:
        """Start a fresh log (the stream, if any, goes on into it) and close the old one."""
        old, self._log = self._log, self._log_factory()
        self._log.set_cap(old.cap)
        old.close()
        self.log_replaced.emit(self._log)

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    def dispose(self) -> None:
        """Cancel the stream and delete the log's files (the tab is closing)."""
        self._cancel()
        self._poll.stop()
        self._log.close()
