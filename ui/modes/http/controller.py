"""The view-model of a tab's plain HTTP exchange: sends a request model, reports every step by
signal. The HTTP mode's controller (see ``ui.modes.base.ModeController``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.model.request import RequestModel
from app.storage.history_entry import Outcome
from ui.error_messages import ErrorText, describe_error
from ui.modes.base import ConnectionState, VariablesSource
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from app.client import AsyncResponse
    from app.client.timings import Timings
    from app.model.compose import SessionPool

__all__ = ["ResponseHead", "ResponseSummary", "SendController"]

log = logging.getLogger(__name__)

CHUNK = 256 * 1024


@dataclass(frozen=True)
class ResponseHead:
    """What is known of a response once its headers have arrived."""

    status: int
    reason: str
    http_version: str
    url: str
    content_type: str
    content_length: int | None
    headers: list[tuple[str, str]]
    history: list[tuple[int, str]] = field(default_factory=list)

    @classmethod
    def of(cls, response: AsyncResponse) -> ResponseHead:
        return cls(response.status, response.reason, response.http_version, response.url,
                   response.headers.get("Content-Type", ""), response.content_length,
                   list(response.headers.items()), response.history)


@dataclass(frozen=True)
class ResponseSummary:
    """A response read to its end; with the request as sent and the values its
    ``{{variables}}`` had (what its asserts are checked with)."""

    head: ResponseHead
    size: int
    timings: Timings
    elapsed: float
    model: RequestModel | None = None
    variables: Mapping[str, str] = field(default_factory=dict)


class SendController(QObject):
    """Sends the tab's request under the tab's task key and narrates it by signals:
    ``idle -> sending -> receiving -> ended | failed | stopped``."""

    state_changed = Signal(object)             # ConnectionState
    #: (model, Outcome, secret values) once a response came, or the send failed.
    exchanged = Signal(object, object, object)
    started = Signal()
    # Byte counts travel as objects: a Qt int is 32 bits, and uploads pass 2 GiB.
    upload_progress = Signal(object, object)   # sent, total or None
    upload_finished = Signal()
    response_head = Signal(object)             # ResponseHead
    body_chunk = Signal(bytes)
    download_progress = Signal(object, object)  # received, total or None
    finished = Signal(object)                  # ResponseSummary
    failed = Signal(object, bool)              # ErrorText, whether a response had started
    cancelled = Signal()

    def __init__(self, runner: TaskRunner, sessions: Callable[[], SessionPool], key: str,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._sessions = sessions
        self._key = key
        self._head_seen = False
        self._state = ConnectionState.IDLE
        #: The send under way: (model, wall-clock start, the secret values it substituted).
        self._sent: tuple[RequestModel, float, tuple[str, ...]] | None = None

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def busy(self) -> bool:
        return self._runner.running(self._key)

    def start(self, model: RequestModel, variables: VariablesSource | None = None) -> None:
        """Send ``model``, cancelling a send still under way in this tab."""
        if self._runner.cancel(self._key):
            self._cancelled()
        self._head_seen = False
        self._sent = (model, time.time(), ())
        self._runner.start(self._key, self._send(model, variables), on_error=self._on_failed,
                           on_result=self._on_finished)
        self.started.emit()
        self._set_state(ConnectionState.SENDING)  # (now busy: the button says so)

    def stop(self) -> bool:
        """Stop the transfer at once; True when something was under way."""
        if self._runner.cancel(self._key):
            self._cancelled()
            return True
        return False

    def _set_state(self, state: ConnectionState) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    def _cancelled(self) -> None:
        self._sent = None
        self._set_state(ConnectionState.STOPPED)
        self.cancelled.emit()

    def _conclude(self, outcome: Outcome) -> None:
        if self._sent is not None:
            model, _started, secrets = self._sent
            self._sent = None
            self.exchanged.emit(model, outcome, secrets)

    def _on_upload(self, sent: int, total: int | None) -> None:
        self.upload_progress.emit(sent, total)
        if total is not None and sent >= total:
            self.upload_finished.emit()

    async def _send(self, model: RequestModel, source: VariablesSource | None
                    ) -> ResponseSummary:
        from app.model.compose import compose

        begun = time.perf_counter()
        variables: dict[str, str] = {}
        if source is not None:
            resolution = await source(model)
            variables = dict(resolution.values)
            if self._sent is not None and self._sent[0] is model:
                self._sent = (model, self._sent[1], resolution.secrets)
        pool = self._sessions()
        composed = compose(pool.for_request(model, variables), model, variables, self._on_upload,
                           auth_cache=pool.auth_cache)
        try:
            async with composed.request.fetch(check_status=False,
                                              timeout=composed.timeout) as response:
                head = ResponseHead.of(response)
                self._head_seen = True
                self._set_state(ConnectionState.RECEIVING)
                self.response_head.emit(head)
                encoding = response.headers.get("Content-Encoding", "identity").lower()
                total = head.content_length if encoding in ("", "identity") else None
                received = 0
                async for chunk in response.iter_chunks(CHUNK):
                    received += len(chunk)
                    self.body_chunk.emit(chunk)
                    self.download_progress.emit(received, total)
                summary = ResponseSummary(head, received, response.timings,
                                          time.perf_counter() - begun, model, variables)
        finally:
            composed.close()
        return summary

    def _on_finished(self, summary: ResponseSummary) -> None:
        started = self._sent[1] if self._sent is not None else time.time()
        head = summary.head
        self._conclude(Outcome(started, summary.elapsed, head.status, url=head.url,
                               size=summary.size))
        self._set_state(ConnectionState.ENDED)
        self.finished.emit(summary)

    def _on_failed(self, exc: BaseException) -> None:
        text: ErrorText = describe_error(exc)
        if text.unexpected:
            log.error("unexpected failure in %s", self._key, exc_info=exc)
        if self._sent is not None and not text.field:  # (a field error: nothing was sent)
            started = self._sent[1]
            self._conclude(Outcome(started, time.time() - started,
                                   error=f"{text.title}: {text.detail}".rstrip(": ")))
        self._sent = None
        self._set_state(ConnectionState.FAILED)
        self.failed.emit(text, self._head_seen)

    def dispose(self) -> None:
        """Cancel what runs (the tab is closing); Qt disconnects the slots with the object."""
        self._runner.cancel(self._key)
