"""What every way of sending a request shares: the states of its connection, the controller
protocol the request tab drives, and the stream hand-off between modes.

A mode's controller owns the mode's work (a task of the tab's ``TaskRunner``) and narrates it
by signals; it has no widgets. Its pane shows what the controller says. The tab knows neither:
it starts, stops and asks ``busy`` through :class:`ModeController`, and turns each
``exchanged`` into a history entry (``app.storage.history.entry_for``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from app.model.request import RequestModel
    from app.model.variables import Resolution
    from ui.error_messages import ErrorText

__all__ = ["ACTIVE_STATES", "ConnectionState", "ModeController", "StreamSink",
           "VariablesSource"]

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
    ``(model, app.storage.history.Outcome, secret values)`` once per ``start``, when the
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
