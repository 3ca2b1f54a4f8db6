"""A GraphQL subscription read into the event-stream pane: the same log, table, filters,
counters and Stop as an event stream, fed by ``app.graphql.subscribe`` (over WebSocket, in
``graphql-transport-ws`` or ``graphql-ws``) instead of SSE. One event per result: ``data`` for
a result, ``error`` for one with errors (the server's ``error`` message included), each
event's data the result as JSON."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from ui.modes.base import ConnectionState
from ui.modes.events.event_stream_controller import EventStreamController

if TYPE_CHECKING:
    from app.model.request import RequestModel
    from ui.modes.base import VariablesSource

__all__ = ["SubscriptionController", "event_of"]


def event_of(result: dict[str, object]) -> tuple[str, str, str, None]:
    """The log row of one subscription result: its type (``data``, or ``error`` when it
    carries errors) and the result as JSON."""
    kind = "error" if result.get("errors") else "data"
    return kind, json.dumps(result, ensure_ascii=False, default=str), "", None


class SubscriptionController(EventStreamController):
    """Owns one tab's GraphQL subscription (see the module docstring). Reconnect subscribes
    again; there is no Last-Event-ID to resume from."""

    async def _read(self, generation: int, model: RequestModel,
                    source: VariablesSource | None, resume_from: str) -> None:
        from app.graphql import subscribe
        from app.model.compose import compose
        from app.model.graphql_body import graphql_payload

        variables: dict[str, str] = {}
        if source is not None:
            resolution = await source(model)
            variables = dict(resolution.values)
            if self._sent is not None and self._sent[0] is model:
                self._sent = (model, self._sent[1], resolution.secrets)
        payload = graphql_payload(model.body, variables)
        pool = self._sessions()
        composed = compose(pool.for_request(model, variables), model, variables,
                           auth_cache=pool.auth_cache)
        self.url = composed.url
        try:
            subscription = subscribe(composed.request, payload["query"],
                                     payload.get("variables"), payload.get("operationName"))
            async with subscription as results:
                self.status_text = f"subscribed ({subscription.protocol})"
                self._was_open = True
                self._set_state(ConnectionState.OPEN)
                async for result in results:
                    self._log.append(event_of(result), time.time())
        finally:
            composed.close()
        if generation == self._generation:
            self._set_state(ConnectionState.ENDED)
