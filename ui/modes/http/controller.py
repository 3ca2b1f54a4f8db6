"""The view-model of one tab's exchange: sends a request model, reports every step by signal."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.model.request import RequestModel
from ui.error_messages import ErrorText, describe_error
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from app.client import Response
    from app.client.timings import Timings
    from app.model.compose import SessionPool

__all__ = ["ResponseHead", "ResponseSummary", "SendController"]

log = logging.getLogger(__name__)

#: Finds the values of the ``{{variables}}`` a request uses (it may start the playground).
VariablesSource = Callable[[RequestModel], Awaitable[Mapping[str, str]]]
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
    def of(cls, response: Response) -> ResponseHead:
        return cls(response.status, response.reason, response.http_version, response.url,
                   response.headers.get("Content-Type", ""), response.content_length,
                   list(response.headers.items()), response.history)


@dataclass(frozen=True)
class ResponseSummary:
    """A response read to its end."""

    head: ResponseHead
    size: int
    timings: Timings
    elapsed: float


class SendController(QObject):
    """Sends the tab's request under the tab's task key and narrates it by signals."""

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
        runner.failed.connect(self._on_failed)

    @property
    def busy(self) -> bool:
        return self._runner.running(self._key)

    def send(self, model: RequestModel, variables: VariablesSource | None = None) -> None:
        """Send ``model``, cancelling a send still under way in this tab."""
        if self._runner.cancel(self._key):
            self.cancelled.emit()
        self._head_seen = False
        self.started.emit()
        self._runner.start(self._key, self._send(model, variables))

    def cancel(self) -> bool:
        """Stop the transfer at once; True when something was under way."""
        if self._runner.cancel(self._key):
            self.cancelled.emit()
            return True
        return False

    def _on_upload(self, sent: int, total: int | None) -> None:
        self.upload_progress.emit(sent, total)
        if total is not None and sent >= total:
            self.upload_finished.emit()

    async def _send(self, model: RequestModel, source: VariablesSource | None) -> None:
        from app.model.compose import compose

        begun = time.perf_counter()
        variables = dict(await source(model)) if source is not None else {}
        session = self._sessions().get(model.options)
        composed = compose(session, model, variables, self._on_upload)
        try:
            async with composed.request.fetch(check_status=False,
                                              timeout=composed.timeout) as response:
                head = ResponseHead.of(response)
                self._head_seen = True
                self.response_head.emit(head)
                encoding = response.headers.get("Content-Encoding", "identity").lower()
                total = head.content_length if encoding in ("", "identity") else None
                received = 0
                async for chunk in response.iter_chunks(CHUNK):
                    received += len(chunk)
                    self.body_chunk.emit(chunk)
                    self.download_progress.emit(received, total)
                summary = ResponseSummary(head, received, response.timings,
                                          time.perf_counter() - begun)
        finally:
            composed.close()
        self.finished.emit(summary)

    def _on_failed(self, key: str, exc: BaseException) -> None:
        if key != self._key:
            return
        text: ErrorText = describe_error(exc)
        if text.title == "Unexpected error":
            log.error("unexpected failure in %s", key, exc_info=exc)
        self.failed.emit(text, self._head_seen)

    def dispose(self) -> None:
        """Cancel what runs (the tab is closing); Qt disconnects the slots with the object."""
        self._runner.cancel(self._key)
