"""A GraphQL subscription as a route of the HTTP mode: a request whose GraphQL body runs a
subscription operation is not POSTed but subscribed to, and shown in an event-stream pane of
its own (``ui.modes.routing`` sends it there; the registry declares the route)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.modes.base import ModeParts
from ui.modes.events.event_stream_pane import EventStreamPane
from ui.modes.graphql.subscription_controller import SubscriptionController

if TYPE_CHECKING:
    from app.model.request import RequestModel
    from ui.modes.base import ModeHost

__all__ = ["build_subscription", "is_subscription"]


def is_subscription(model: RequestModel) -> bool:
    """Whether ``model`` is a GraphQL body whose chosen operation is a subscription."""
    from app.model.request import BodyKind

    if model.body.kind is not BodyKind.GRAPHQL:
        return False
    from app.model.graphql_body import operation_kind

    return operation_kind(model.body) == "subscription"


def build_subscription(host: ModeHost) -> ModeParts:
    """The subscription pane of the tab ``host``."""
    key = f"{host.key} / graphql subscription"
    pane = EventStreamPane(host.runner, host.sessions, key,
                           controller_type=SubscriptionController)
    pane.auto_reconnect.hide()  # a subscription has no Last-Event-ID to resume from
    return ModeParts(pane.controller, pane, close=pane.dispose,
                     blank=lambda: pane.log.total == 0)
