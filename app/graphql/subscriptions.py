"""Subscriptions over WebSocket, in both protocols servers speak.

- ``graphql-transport-ws`` (the graphql-ws library's protocol): ``connection_init`` ->
  ``connection_ack``, ``subscribe``, then ``next`` results, ``error`` or ``complete``;
  ``ping`` is answered ``pong``; the client ends a subscription with ``complete``.
- ``graphql-ws`` (the older subscriptions-transport-ws): ``connection_init`` ->
  ``connection_ack`` (or ``connection_error``), ``start``, then ``data``, ``error`` or
  ``complete``; ``ka`` keep-alives are ignored; the client ends with ``stop`` and
  ``connection_terminate``.

Both are offered in the handshake and the one the server picks is spoken. The credentials the
handshake carried (its ``Authorization`` header) go in ``connection_init``'s payload too,
where servers of either kind look for them: as ``Authorization`` (Apollo's habit) and under
``headers`` (Hasura's).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from types import TracebackType
from typing import Any

from app.client import (
    AsyncSession,
    Request,
    RequestTimeout,
    StreamError,
    WebSocketContextManager,
    WebSocketMessageType,
    WebSocketResponse,
)

from .execution import graphql_body

__all__ = ["DEFAULT_ACK_TIMEOUT", "GRAPHQL_TRANSPORT_WS", "GRAPHQL_WS", "Subscription",
           "subscribe"]

GRAPHQL_TRANSPORT_WS = "graphql-transport-ws"
GRAPHQL_WS = "graphql-ws"
#: Seconds a server has to acknowledge ``connection_init``.
DEFAULT_ACK_TIMEOUT = 10.0
#: The id of the one subscription a connection carries.
_ID = "1"


def init_payload_of(ws: WebSocketResponse) -> dict[str, Any]:
    """``connection_init``'s payload: the handshake's credentials, where there were any."""
    authorization = ws.handshake_headers.get("Authorization")
    if authorization is None:
        return {}
    return {"Authorization": authorization, "headers": {"Authorization": authorization}}


class Subscription:
    """The context manager :func:`subscribe` returns; its value is an async iterator of
    result dicts (``{"data": ...}``, or ``{"errors": [...]}``), which ends when the server
    completes the subscription or after an error. Leaving the block ends the subscription
    (``complete``, or ``stop`` and ``connection_terminate``) and closes the connection."""

    def __init__(self, request: Request[AsyncSession], body: dict[str, Any], *,
                 init_payload: Mapping[str, Any] | None = None,
                 ack_timeout: float = DEFAULT_ACK_TIMEOUT,
                 protocols: Sequence[str] = (GRAPHQL_TRANSPORT_WS, GRAPHQL_WS)) -> None:
        unknown = set(protocols) - {GRAPHQL_TRANSPORT_WS, GRAPHQL_WS}
        if not protocols or unknown:
            raise ValueError(f"protocols must be {GRAPHQL_TRANSPORT_WS!r} and/or "
                             f"{GRAPHQL_WS!r}, not {tuple(protocols)!r}")
        if ack_timeout <= 0:
            raise ValueError(f"ack_timeout must be a positive number of seconds, not "
                             f"{ack_timeout!r}")
        self.request = request
        self.body = body
        self.init_payload = init_payload
        self.ack_timeout = ack_timeout
        self.protocols = tuple(protocols)
        #: The protocol spoken, once connected.
        self.protocol: str | None = None
        self._manager: WebSocketContextManager | None = None
        self._ws: WebSocketResponse | None = None
        self._finished = False
        self._iterator: AsyncGenerator[dict[str, Any], None] | None = None

    async def __aenter__(self) -> AsyncIterator[dict[str, Any]]:
        self._manager = self.request.connect_websocket(protocols=self.protocols)
        ws = await self._manager.__aenter__()
        self._ws = ws
        try:
            # A server that picks no subprotocol gets the first one offered.
            self.protocol = ws.protocol if ws.protocol in self.protocols else self.protocols[0]
            payload = (dict(self.init_payload) if self.init_payload is not None
                       else init_payload_of(ws))
            await ws.send_json({"type": "connection_init", "payload": payload})
            await self._wait_for_ack(ws)
            start = "subscribe" if self.protocol == GRAPHQL_TRANSPORT_WS else "start"
            await ws.send_json({"id": _ID, "type": start, "payload": self.body})
        except BaseException:
            await self._manager.__aexit__(None, None, None)
            raise
        self._iterator = self._results()
        return self._iterator

    async def _receive(self, ws: WebSocketResponse, timeout: float | None = None
                       ) -> dict[str, Any] | None:
        """The next protocol message, None once the server has closed."""
        msg = await ws.receive(timeout)
        if msg.type in (WebSocketMessageType.CLOSE, WebSocketMessageType.CLOSED):
            code = msg.close_code if msg.close_code is not None else ws.close_code
            if code in (None, 1000) and self._finished:
                return None
            reason = f": {msg.close_reason}" if msg.close_reason else ""
            raise StreamError(f"The GraphQL server closed the connection ({code}){reason}",
                              url=ws.url)
        try:
            message = json.loads(msg.data)
        except (TypeError, ValueError) as exc:
            raise StreamError(f"The GraphQL server sent a message that is not JSON: "
                              f"{str(msg.data)[:200]!r}", url=ws.url) from exc
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise StreamError(f"The GraphQL server sent a message without a type: "
                              f"{str(msg.data)[:200]!r}", url=ws.url)
        return message

    async def _wait_for_ack(self, ws: WebSocketResponse) -> None:
        while True:
            try:
                message = await self._receive(ws, self.ack_timeout)
            except (TimeoutError, RequestTimeout) as exc:
                raise StreamError(f"The GraphQL server did not acknowledge the connection "
                                  f"within {self.ack_timeout} s", url=ws.url) from exc
            assert message is not None
            kind = message["type"]
            if kind == "connection_ack":
                return
            if kind == "ping":
                await ws.send_json({"type": "pong"})
            elif kind == "connection_error":
                payload = message.get("payload")
                text = payload.get("message") if isinstance(payload, dict) else payload
                raise StreamError(f"The GraphQL server refused the connection: {text}",
                                  url=ws.url)

    async def _results(self) -> AsyncGenerator[dict[str, Any], None]:
        ws = self._ws
        assert ws is not None
        while not self._finished:
            message = await self._receive(ws)
            if message is None:
                return
            kind = message["type"]
            payload = message.get("payload")
            if kind in ("next", "data") and message.get("id") == _ID:
                yield payload if isinstance(payload, dict) else {"data": payload}
            elif kind == "error":
                self._finished = True
                errors = payload if isinstance(payload, list) else [payload]
                yield {"errors": errors}
            elif kind == "complete":
                self._finished = True
            elif kind == "ping":
                await ws.send_json({"type": "pong"})
            # "pong", "ka" and messages about other ids need no answer.

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        ws, manager, iterator = self._ws, self._manager, self._iterator
        self._ws = self._manager = self._iterator = None
        if manager is None:
            return
        if iterator is not None:
            await iterator.aclose()
        try:
            if ws is not None and not ws.closed:
                if self.protocol == GRAPHQL_TRANSPORT_WS:
                    if not self._finished:
                        await ws.send_json({"id": _ID, "type": "complete"})
                else:
                    if not self._finished:
                        await ws.send_json({"id": _ID, "type": "stop"})
                    await ws.send_json({"type": "connection_terminate"})
        except StreamError:
            pass  # the connection is going anyway
        finally:
            self._finished = True
            await manager.__aexit__(exc_type, exc, tb)


def subscribe(request: Request[AsyncSession], query: str,
              variables: Mapping[str, Any] | None = None,
              operation_name: str | None = None, *,
              init_payload: Mapping[str, Any] | None = None,
              ack_timeout: float = DEFAULT_ACK_TIMEOUT,
              protocols: Sequence[str] = (GRAPHQL_TRANSPORT_WS, GRAPHQL_WS)) -> Subscription:
    """Subscribe over a WebSocket to the request's URL (``http(s)`` or ``ws(s)``), with its
    headers and auth in the handshake::

        async with subscribe(request, "subscription { tick }") as results:
            async for result in results:
                print(result)

    ``init_payload`` replaces the ``connection_init`` payload made from the credentials;
    ``protocols`` are the subprotocols offered (both by default, the server picks)."""
    return Subscription(request, graphql_body(query, variables, operation_name),
                        init_payload=init_payload, ack_timeout=ack_timeout,
                        protocols=protocols)
