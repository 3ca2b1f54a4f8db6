"""The event stream (SSE) as a mode: the stream controller shown live in the event-stream pane.
It also takes over a plain response that turned out to be ``text/event-stream``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ui.modes.base import ConnectionState, ModeParts
from ui.modes.events.event_stream_pane import EventStreamPane

if TYPE_CHECKING:
    from app.model.request import RequestModel
    from ui.error_messages import ErrorText
    from ui.modes.base import ModeHost, VariablesSource

__all__ = ["AdoptedStream", "build"]


def build(host: ModeHost) -> ModeParts:
    """The event-stream mode of the tab ``host``."""
    pane = EventStreamPane(host.runner, host.sessions, f"{host.key} / events")

    def adopt(model: RequestModel, variables: VariablesSource | None, url: str,
              status_text: str, stop: Callable[[], object]) -> AdoptedStream:
        pane.set_model(model, variables)  # what Reconnect sends
        pane.begin_external(url, status_text)
        host.show_pane(pane)
        return AdoptedStream(pane, stop)

    return ModeParts(pane.controller, pane, adopt=adopt, close=pane.dispose)


class AdoptedStream:
    """A response read by the HTTP mode, shown in the event-stream pane as it comes; Stop in
    the pane stops the reading too."""

    def __init__(self, pane: EventStreamPane, stop: Callable[[], object]) -> None:
        self._pane = pane
        self._stop = stop
        self._done = False
        pane.controller.state_changed.connect(self._on_state)

    def feed(self, chunk: bytes) -> None:
        self._pane.feed(chunk)

    def end(self, error: ErrorText | None) -> None:
        self._finish()
        self._pane.end_external(error)

    def _on_state(self, state: object) -> None:
        if state == ConnectionState.STOPPED and not self._done:
            self._finish()
            self._stop()

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            self._pane.controller.state_changed.disconnect(self._on_state)
