"""The one place where the ways of sending a request are registered.

Each mode says here what the tab shows of it (its label in the mode box, its button texts and
tooltip), which URL schemes select it, which response media types it takes over from a plain
request, and how to build its controller and pane. They are built on first use: the first
frame imports no stream pane. Adding a mode is a folder under ``ui/modes/`` and one
``register`` call below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.model.request import RequestMode

if TYPE_CHECKING:
    from app.model.request import RequestModel
    from ui.modes.base import ModeHost, ModeParts

__all__ = ["HTTP_ROUTES", "MODES", "ModeRegistry", "ModeSpec", "Route"]


@dataclass(frozen=True)
class Route:
    """Requests a mode hands to other parts (``ui.modes.routing``): ``takes`` picks them,
    ``build`` makes their controller and pane for a tab, on first use."""

    name: str
    takes: Callable[[RequestModel], bool]
    build: Callable[[ModeHost], ModeParts]


@dataclass(frozen=True)
class ModeSpec:
    """A way of sending a request, as the tab shows it."""

    mode: RequestMode
    label: str
    #: The send button's text when idle and when there is something to stop.
    idle_text: str
    busy_text: str
    tooltip: str
    build: Callable[[ModeHost], ModeParts]
    #: The URL schemes it is sent over (empty: any); a URL of another scheme leaves it.
    schemes: tuple[str, ...] = ()
    #: The URL schemes that select it when typed.
    selected_by: tuple[str, ...] = ()
    #: The model fields it keeps (kept as loaded until its pane is built).
    fields: tuple[str, ...] = ()
    #: Response media types it takes over when a plain request gets one.
    media_types: tuple[str, ...] = ()
    #: Whether it sends the request's body (a WebSocket handshake does not): the tab asks
    #: before the first send of a file an import named.
    sends_body: bool = True
    #: The parts of the request editor that mean nothing to it, hidden while it is chosen
    #: (their values are kept): ``method``, the pages ``params``, ``body``, ``auth``, and the
    #: Options rows ``timeouts`` and ``redirects``.
    hidden_parts: tuple[str, ...] = ()


class ModeRegistry:
    """The modes, in the order the mode box lists them; the first is the default."""

    def __init__(self) -> None:
        self._specs: dict[RequestMode, ModeSpec] = {}

    def register(self, spec: ModeSpec) -> None:
        """Add ``spec`` (after the others), or replace the one of its mode."""
        self._specs[spec.mode] = spec

    def __iter__(self) -> Iterator[ModeSpec]:
        return iter(list(self._specs.values()))

    def get(self, mode: RequestMode) -> ModeSpec:
        """The spec of ``mode``; the default one for a mode not registered here."""
        return self._specs.get(mode) or self.default

    @property
    def default(self) -> ModeSpec:
        """The first mode registered: a new tab's."""
        return next(iter(self._specs.values()))

    def for_url(self, current: RequestMode, url: str) -> ModeSpec | None:
        """The mode a typed URL switches to from ``current`` (None: stay)."""
        scheme = url.strip().split("://", 1)[0].lower() if "://" in url else ""
        spec = self.get(current)
        if not spec.schemes or scheme in spec.schemes:
            return None
        return next((s for s in self._specs.values() if scheme in s.selected_by), None)

    def for_media_type(self, media_type: str) -> ModeSpec | None:
        """The mode that takes over a plain response of ``media_type``."""
        return next((s for s in self._specs.values() if media_type in s.media_types), None)


def _is_graphql_subscription(model: RequestModel) -> bool:
    if model.body.kind != "graphql":  # GraphQL is not imported for other bodies
        return False
    from ui.modes.graphql.mode import is_subscription

    return is_subscription(model)


def _build_graphql_subscription(host: ModeHost) -> ModeParts:
    from ui.modes.graphql.mode import build_subscription

    return build_subscription(host)


#: What plain HTTP hands over: a GraphQL subscription is subscribed to (over WebSocket) and
#: shown in an event-stream pane.
HTTP_ROUTES = (Route("graphql subscription", _is_graphql_subscription,
                     _build_graphql_subscription),)


def _build_http(host: ModeHost) -> ModeParts:
    from ui.modes.http.mode import build
    from ui.modes.routing import routed

    return routed(host, build(host), HTTP_ROUTES)


def _build_events(host: ModeHost) -> ModeParts:
    from ui.modes.events.mode import build

    return build(host)


def _build_websocket(host: ModeHost) -> ModeParts:
    from ui.modes.websocket.mode import build

    return build(host)


def _build_grpc(host: ModeHost) -> ModeParts:
    from ui.modes.grpc.mode import build

    return build(host)


def _build_terminal(host: ModeHost) -> ModeParts:
    from ui.terminal.mode import build

    return build(host)


#: The modes of the window.
MODES = ModeRegistry()
MODES.register(ModeSpec(
    RequestMode.HTTP, "HTTP", "Send", "Cancel", "Send as plain HTTP", _build_http,
    schemes=("http", "https"), selected_by=("http", "https")))
MODES.register(ModeSpec(
    RequestMode.SSE, "Event stream", "Stream", "Stop", "Send as an event stream (SSE)",
    _build_events, schemes=("http", "https"), media_types=("text/event-stream",)))
MODES.register(ModeSpec(
    RequestMode.WEBSOCKET, "WebSocket", "Connect", "Disconnect", "Open a WebSocket",
    _build_websocket, schemes=("ws", "wss"), selected_by=("ws", "wss"),
    fields=("ws_subprotocols", "ws_saved"), sends_body=False))
MODES.register(ModeSpec(
    RequestMode.TERMINAL, "Terminal", "Open", "Close", "Open a terminal over a WebSocket",
    _build_terminal, schemes=("ws", "wss"), fields=("terminal",), sends_body=False))
MODES.register(ModeSpec(
    RequestMode.GRPC, "gRPC", "Call", "Cancel", "Call a gRPC method", _build_grpc,
    schemes=("grpc", "grpcs"), selected_by=("grpc", "grpcs"), fields=("grpc",),
    sends_body=False,
    hidden_parts=("method", "params", "body", "auth", "timeouts", "redirects")))
