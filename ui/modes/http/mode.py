"""Plain HTTP as a mode: the send controller shown in the response pane, with the upload meter
of the tab. A response that another mode takes over (``text/event-stream``) is handed to it,
fed by the same response: sending again could repeat a POST's side effects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from ui.modes.base import ModeParts
from ui.modes.graphql.answer import GraphQLAnswer
from ui.modes.http.checks import ResponseChecks
from ui.modes.http.controller import ResponseSummary, SendController
from ui.response.response_pane import ResponsePane

if TYPE_CHECKING:
    from ui.error_messages import ErrorText
    from ui.modes.base import ModeHost, StreamSink
    from ui.modes.http.controller import ResponseHead

__all__ = ["HttpView", "build"]


def build(host: ModeHost) -> ModeParts:
    """The HTTP mode of the tab ``host``."""
    pane = ResponsePane()
    controller = SendController(host.runner, host.sessions, f"{host.key} / send", pane)
    checks = ResponseChecks(host.runner, f"{host.key} / checks",
                            lambda: host.sessions().limits.body_mib * 1024 * 1024, controller)
    HttpView(host, controller, pane, checks)  # owned by the controller (its Qt parent)
    GraphQLAnswer(host.runner, f"{host.key} / graphql answer", controller, pane)

    def close() -> None:
        checks.cancel()
        controller.dispose()
        pane.clear_body()

    return ModeParts(controller, pane, find=pane.open_find,
                     blank=lambda: pane.body_store is None, close=close,
                     checked=checks.checked)


class HttpView(QObject):
    """Shows what the send controller says: in the response pane, or in the mode that took
    the response over."""

    def __init__(self, host: ModeHost, controller: SendController, pane: ResponsePane,
                 checks: ResponseChecks) -> None:
        super().__init__(controller)
        self.host = host
        self.controller = controller
        self.pane = pane
        self.checks = checks
        self._sink: StreamSink | None = None
        pane.retry_requested.connect(host.send)
        c = controller
        c.started.connect(self._on_started)
        c.upload_progress.connect(host.upload.update_progress)
        c.response_head.connect(self._on_head)
        c.body_chunk.connect(self._on_chunk)
        c.download_progress.connect(pane.show_download)
        c.finished.connect(self._on_finished)
        c.failed.connect(self._on_failed)
        c.cancelled.connect(self._on_cancelled)

    def _on_started(self) -> None:
        self._sink = None
        self.checks.cancel()
        self.host.show_pane(self.pane)
        self.host.upload.begin()
        self.host.upload.hide()
        self.pane.show_sending()

    def _on_head(self, head: ResponseHead) -> None:
        self.host.upload.hide()
        media_type = head.content_type.split(";", 1)[0].strip().lower()
        status_text = f"{head.status} {head.reason}".strip()
        self._sink = self.host.hand_off(media_type, head.url, status_text,
                                        self.controller.stop)
        if self._sink is None:
            self.pane.show_head(head)

    def _on_chunk(self, chunk: bytes) -> None:
        if self._sink is not None:
            self._sink.feed(chunk)
        else:
            self.pane.append_body(chunk)

    def _end_hand_off(self, error: ErrorText | None) -> bool:
        sink, self._sink = self._sink, None
        if sink is None:
            return False
        sink.end(error)
        return True

    def _on_finished(self, summary: ResponseSummary) -> None:
        if not self._end_hand_off(None):
            self.pane.show_finished(summary)
            self.checks.check(summary, self.pane.body_store)

    def _on_failed(self, text: ErrorText, had_response: bool) -> None:
        self.host.upload.hide()
        if not self._end_hand_off(text):
            self.pane.show_error(text, had_response)

    def _on_cancelled(self) -> None:
        self.host.upload.hide()
        if not self._end_hand_off(None):
            self.pane.show_cancelled()
