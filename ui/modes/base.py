"""What every way of sending a request shares: the states of its connection, the controller
protocol the request tab drives, what a mode may ask of the tab (``ModeHost``), what a mode
gives the tab once built (``ModeParts``), and the stream hand-off between modes.

A mode's controller owns the mode's work (a task of the tab's ``TaskRunner``) and narrates it
by signals; it has no widgets. Its pane shows what the controller says. The tab knows neither:
it starts, stops and asks ``busy`` through :class:`ModeController`, and turns each
``exchanged`` into a history entry (``app.storage.history_entry.entry_for``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QWidget

    from app.model.compose import SessionPool
    from app.model.request import RequestModel
    from app.model.variables import Resolution
    from ui.error_messages import ErrorText
    from ui.tasks import TaskRunner
    from ui.upload_progress import UploadProgress

__all__ = ["ACTIVE_STATES", "ConnectionState", "ModeController", "ModeHost", "ModeParts",
           "StreamSink", "VariablesSource"]

#: Finds the values of the ``{{variables}}`` a request uses, and which of them are secret (it
#: may start the playground).
VariablesSource = Callable[["RequestModel"], Awaitable["Resolution"]]


class ConnectionState(StrEnum):
    """Where a mode's exchange stands; each mode uses the states it needs.

    HTTP: ``idle -> sending -> receiving -> ended | failed | stopped``. Event stream:
    ``idle -> connecting -> open <-> reconnecting -> ended | failed | stopped``. WebSocket:
    ``closed -> connecting -> open -> closing -> closed``, or ``failed`` while connecting and
    ``disconnected`` when an open connection broke.
    """

    IDLE = "idle"
    SENDING = "sending"
    RECEIVING = "receiving"
    CONNECTING = "connecting"
    OPEN = "open"
    RECONNECTING = "reconnecting"
    CLOSING = "closing"
    CLOSED = "closed"
    ENDED = "ended"
    STOPPED = "stopped"
    FAILED = "failed"
    DISCONNECTED = "disconnected"


#: The states in which there is something to stop.
ACTIVE_STATES = frozenset({ConnectionState.SENDING, ConnectionState.RECEIVING,
                           ConnectionState.CONNECTING, ConnectionState.OPEN,
                           ConnectionState.RECONNECTING, ConnectionState.CLOSING})


class ModeController(Protocol):
    """The view-model of one mode in one tab.

    ``state_changed`` carries the new :class:`ConnectionState`; ``exchanged`` carries
    ``(model, app.storage.history_entry.Outcome, secret values)`` once per ``start``, when the
    exchange has come to an answer (a response, an open stream or connection, or a failure).
    """

    @property
    def state_changed(self) -> SignalInstance: ...

    @property
    def exchanged(self) -> SignalInstance: ...

    @property
    def state(self) -> ConnectionState: ...

    @property
    def busy(self) -> bool:
        """Whether there is something to stop (the tab's button then stops it)."""
        ...

    def start(self, model: RequestModel, variables: VariablesSource | None = None) -> None:
        """Send ``model``, replacing whatever this mode had under way."""
        ...

    def stop(self) -> bool:
        """Stop what is under way; False when nothing was."""
        ...

    def dispose(self) -> None:
        """The tab is closing: stop, and let go of temporary files."""
        ...


class StreamSink(Protocol):
    """A mode showing a response another mode reads (an HTTP response that turned out to be
    an event stream): it is fed the body, then told the end."""

    def feed(self, chunk: bytes) -> None: ...

    def end(self, error: ErrorText | None) -> None: ...


class ModeHost(Protocol):
    """What a mode may use of the request tab that shows it."""

    runner: TaskRunner
    sessions: Callable[[], SessionPool]
    #: The tab's task key ("tab 3"): a mode's keys start with it.
    key: str
    #: The upload meter under the editor.
    upload: UploadProgress
    #: The window's workspace folder, which relative paths in a request are under (None:
    #: no workspace, the process's folder).
    workspace_root: Callable[[], Path | None]

    @property
    def variables(self) -> VariablesSource | None: ...

    def to_model(self) -> RequestModel: ...

    def send(self) -> None: ...

    def show_pane(self, pane: QWidget) -> None:
        """Bring ``pane`` forward below the editor."""
        ...

    def hand_off(self, media_type: str, url: str, status_text: str,
                 stop: Callable[[], object]) -> StreamSink | None:
        """Give a response of ``media_type`` to the mode that takes it over, which then
        shows it (and calls ``stop`` when the user stops it there); None when no mode does."""
        ...


@dataclass(frozen=True)
class ModeParts:
    """One mode, built for one tab."""

    controller: ModeController
    pane: QWidget
    #: Writes what the pane holds of the request (e.g. WebSocket subprotocols) into a model.
    to_model: Callable[[RequestModel], None] | None = None
    #: Shows what a loaded model says of those.
    load_model: Callable[[RequestModel], None] | None = None
    #: Takes over a stream another mode reads: (model, variables, url, status text, how to
    #: stop the reading) -> where the body goes.
    adopt: Callable[[RequestModel, VariablesSource | None, str, str, Callable[[], object]],
                    StreamSink] | None = None
    #: Whether Find (Ctrl+F) applies to the pane, and how to open it.
    find: Callable[[], None] | None = None
    #: Whether the tab is untouched as far as this mode goes (nothing shown).
    blank: Callable[[], bool] = lambda: True
    #: The tab is closing: stop, and drop temporary files (default: the controller's).
    close: Callable[[], None] | None = None
    #: What the mode adds to the tab's title (a terminal program's own title), and the
    #: signal that says it changed (carrying the new text).
    title_changed: SignalInstance | None = None
    #: The checks of a response came out (carrying a ``ui.modes.http.checks.CheckOutcome``):
    #: the tab shows them in its Tests tab and keeps what was captured.
    checked: SignalInstance | None = None
    #: The pane's part of the request was edited (the tab then compares it with its file).
    changed: SignalInstance | None = None
    #: The tab's request was edited (its URL, headers, options or the pane's part), once
    #: typing pauses, with the request as it is now: the mode may look again at what it
    #: learnt from the request before.
    request_edited: Callable[[RequestModel], None] | None = None

    def dispose(self) -> None:
        """Stop the mode's work and let go of its files."""
        if self.close is not None:
            self.close()
        else:
            self.controller.dispose()
