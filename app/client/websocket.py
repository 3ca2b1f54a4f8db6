"""WebSocket over a session: ``Request.connect_websocket()``.

Messages come out as the library's own :class:`WebSocketMessage`, so that no user of the
library needs aiohttp's message types.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple

import aiohttp
from aiohttp import WSMsgType

from .content import encode_json
from .errors import ErrorKind, StreamError, translate
from .limits import size_text
from .sync_session import core_of

if TYPE_CHECKING:
    from .request import Request

__all__ = [
    "ResponseFactory",
    "WebSocketContextManager",
    "WebSocketMessage",
    "WebSocketMessageType",
    "WebSocketResponse",
]


class WebSocketMessageType(Enum):
    """What a received :class:`WebSocketMessage` is."""

    TEXT = "text"
    BINARY = "binary"
    #: The peer sent a close frame (its code and reason are on the message).
    CLOSE = "close"
    #: The connection is closing or closed on this side (``close()`` was called).
    CLOSED = "closed"


class WebSocketMessage(NamedTuple):
    """One received message. ``data`` is ``str`` for text, ``bytes`` for binary and empty
    for the closing kinds; ``close_code`` and ``close_reason`` are set on ``CLOSE``
    (``close_code`` also on ``CLOSED`` when known)."""

    type: WebSocketMessageType
    data: str | bytes = ""
    close_code: int | None = None
    close_reason: str = ""


_TEXT, _BINARY = WebSocketMessageType.TEXT, WebSocketMessageType.BINARY
#: How ``receive`` makes a message: the tuple's own constructor, without the Python-level
#: ``__new__`` a NamedTuple adds for its defaults (it runs once a message, at a firehose's rate).
_make = tuple.__new__
_CLOSING = (WebSocketMessageType.CLOSE, WebSocketMessageType.CLOSED)
_SKIPPED = (WSMsgType.PING, WSMsgType.PONG, WSMsgType.CONTINUATION)
_MESSAGE_TOO_BIG = aiohttp.WSCloseCode.MESSAGE_TOO_BIG  # 1009: the reader's size limit


class WebSocketResponse:
    """An open WebSocket: send and receive text, binary and JSON messages."""

    def __init__(self, session: Any, underlying_ws: aiohttp.ClientWebSocketResponse,
                 *, url: str = "") -> None:
        self.session = session
        self._ws = underlying_ws
        self._url = url
        #: The close reason the peer gave, once the connection is closed.
        self.close_reason: str = ""
        # A close frame was exchanged; a CLOSED without one means the connection broke.
        self._close_seen = False
        # The code of the peer's close frame: aiohttp reports 1006 instead when the peer
        # drops the connection before our answering close frame is sent.
        self._peer_code: int | None = None
        # One for every receive: it keeps no state between uses, and making one a message
        # costs a measurable part of a firehose's time.
        self._translate = translate(url, stream=True)
        #: The size limit on one received message this connection opened with (the
        #: session's ``Limits.websocket_message``; None: no cap), named when one passes it.
        self.message_limit: int | None = None

    @property
    def url(self) -> str:
        return self._url

    @property
    def closed(self) -> bool:
        return self._ws.closed

    @property
    def close_code(self) -> int | None:
        """The peer's close code once it closed (else aiohttp's account of the end)."""
        return self._peer_code if self._peer_code is not None else self._ws.close_code

    @property
    def protocol(self) -> str | None:
        """The negotiated subprotocol, or None."""
        return self._ws.protocol

    @property
    def raw(self) -> aiohttp.ClientWebSocketResponse:
        return self._ws

    @property
    def handshake_headers(self) -> Mapping[str, str]:
        """The headers the opening handshake was sent with, auth applied (what a protocol
        that repeats the credentials in its first message, as GraphQL's do, needs)."""
        # aiohttp keeps the handshake's response, and with it what was sent, on the socket.
        return self._ws._response.request_info.headers

    async def send_str(self, data: str) -> None:
        with translate(self._url, stream=True):
            await self._ws.send_str(data)

    async def send_bytes(self, data: bytes) -> None:
        with translate(self._url, stream=True):
            await self._ws.send_bytes(data)

    async def send_json(self, value: Any) -> None:
        await self.send_str(encode_json(value).decode("utf-8"))

    async def receive(self, timeout: float | None = None) -> WebSocketMessage:
        """The next message of any kind (a ``CLOSE`` message once the peer closes)."""
        receive, guard = self._ws.receive, self._translate
        while True:
            with guard:
                msg = await receive(timeout)
            kind = msg.type
            if kind is WSMsgType.TEXT:
                return _make(WebSocketMessage, (_TEXT, msg.data, None, ""))
            if kind is WSMsgType.BINARY:
                return _make(WebSocketMessage, (_BINARY, msg.data, None, ""))
            # aiohttp answers pings itself and joins fragments: these do not reach here.
            if kind not in _SKIPPED:
                return self._closing(msg)

    def _closing(self, msg: aiohttp.WSMessage) -> WebSocketMessage:
        if msg.type is WSMsgType.ERROR:
            exc = msg.data if isinstance(msg.data, BaseException) else None
            if isinstance(exc, aiohttp.WebSocketError) and exc.code == _MESSAGE_TOO_BIG:
                raise self._too_large() from exc
            message = f"The WebSocket {self._url} broke: {msg.data}"
            raise StreamError(message, url=self._url) from exc
        if msg.type is WSMsgType.CLOSE:
            self._close_seen = True
            self.close_reason = msg.extra or ""
            self._peer_code = msg.data if isinstance(msg.data, int) else None
            return WebSocketMessage(WebSocketMessageType.CLOSE, "", msg.data, self.close_reason)
        if msg.type is WSMsgType.CLOSED and not self._close_seen:
            self._close_seen = True
            raise StreamError(
                f"The WebSocket {self._url} broke: the connection was lost without a close "
                f"frame (code {self.close_code})",
                url=self._url,
            )
        return WebSocketMessage(WebSocketMessageType.CLOSED, "", self.close_code)

    def _too_large(self) -> StreamError:
        """The error for a received message past :attr:`message_limit` (aiohttp has closed
        the connection with code 1009 already)."""
        limit = self.message_limit
        larger = f"larger than {size_text(limit)}" if limit is not None else "too large"
        return StreamError(
            f"The WebSocket {self._url} received a message {larger}, the limit for one "
            "message (Limits(websocket_message=...)), and was closed (code 1009, message too "
            "big). If such messages are expected, raise the limit or set it to None.",
            url=self._url,
            kind=ErrorKind.TOO_LARGE,
        )

    async def _receive_kind(
        self, kind: WebSocketMessageType, timeout: float | None
    ) -> str | bytes:
        msg = await self.receive(timeout)
        if msg.type is kind:
            return msg.data
        if msg.type in _CLOSING:
            raise StreamError(
                f"The WebSocket {self._url} closed (code {self.close_code}"
                f"{': ' + self.close_reason if self.close_reason else ''}) while a "
                f"{kind.value} message was awaited",
                url=self._url,
            )
        raise StreamError(
            f"Expected a {kind.value} message from {self._url}, got {msg.type.value}",
            url=self._url,
        )

    async def receive_str(self, timeout: float | None = None) -> str:
        data = await self._receive_kind(_TEXT, timeout)
        assert isinstance(data, str)
        return data

    async def receive_bytes(self, timeout: float | None = None) -> bytes:
        data = await self._receive_kind(_BINARY, timeout)
        assert isinstance(data, bytes)
        return data

    async def receive_json(self, timeout: float | None = None) -> Any:
        text = await self.receive_str(timeout)
        try:
            return json.loads(text)
        except ValueError as exc:
            raise StreamError(f"A text message from {self._url} is not JSON: {exc}",
                              url=self._url) from exc

    async def close(self, code: int = 1000, message: bytes = b"") -> None:
        """Close the connection with ``code`` and ``message``. Harmless when closed."""
        self._close_seen = True
        with translate(self._url, stream=True):
            await self._ws.close(code=code, message=message)

    def __aiter__(self) -> AsyncIterator[WebSocketMessage]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[WebSocketMessage]:
        while True:
            msg = await self.receive()
            if msg.type in _CLOSING:
                return
            yield msg


#: Makes the response of an opened WebSocket, called as ``factory(session, underlying_ws, url)``:
#: a derivative such as a terminal gives its own :class:`WebSocketResponse` subclass.
ResponseFactory = Callable[[Any, aiohttp.ClientWebSocketResponse, str], WebSocketResponse]


def _plain_response(session: Any, raw: aiohttp.ClientWebSocketResponse,
                    url: str) -> WebSocketResponse:
    return WebSocketResponse(session, raw, url=url)


class WebSocketContextManager:
    """The context manager of :meth:`Request.connect_websocket`."""

    def __init__(
        self,
        request: Request[Any],
        *,
        protocols: tuple[str, ...] = (),
        heartbeat: float | None = None,
        on_enter: Callable[[WebSocketResponse], Awaitable[None]] | None = None,
        response_factory: ResponseFactory | None = None,
    ) -> None:
        self.request = request
        self.protocols = protocols
        self.heartbeat = heartbeat
        self.on_enter = on_enter
        self.response_factory = response_factory or _plain_response
        self._ws: WebSocketResponse | None = None

    async def __aenter__(self) -> WebSocketResponse:
        request = self.request
        prepared = request.prepare()
        prepared.method = "GET"
        if prepared.body is not None:
            prepared.headers.popall("Content-Type", None)
            prepared.body = None
        core = core_of(request.session)
        # Read once: the limit the connection opens with is the one its errors name.
        limit = core.limits.websocket_message
        raw = await core.ws_connect(
            prepared,
            auth=request.effective_auth(),
            protocols=self.protocols,
            heartbeat=self.heartbeat,
            max_message=limit,
        )
        ws = self.response_factory(request.session, raw, str(prepared.url))
        ws.message_limit = limit
        self._ws = ws
        if self.on_enter is not None:
            try:
                await self.on_enter(ws)
            except BaseException:
                await raw.close()
                raise
        return ws

    async def __aexit__(self, *exc: object) -> None:
        ws, self._ws = self._ws, None
        if ws is not None and not ws.closed:
            await ws.close()
