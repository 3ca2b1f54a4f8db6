"""aiohttp's request and response, adjusted: the wire details a session needs.

* A non-standard method goes out in the case it was given (aiohttp upper-cases every method;
  SPEC 1.2 does not).
* The timings learn when the connection is ready and the headers are written.
* A refused WebSocket handshake keeps its body (aiohttp discards it unread), and a redirected
  handshake stops before aiohttp follows it with every header (the session follows it through
  the library's own redirect rules).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import aiohttp
from yarl import URL

from ._models import ResponseInfo
from .errors import StreamError, api_error
from .timings import current_collector

__all__ = [
    "REDIRECT_STATUSES",
    "HandshakeCapture",
    "HandshakeRedirected",
    "SpyglassRequest",
    "SpyglassResponse",
    "exact_method",
    "handshake_capture",
]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# aiohttp upper-cases every method; SPEC 1.2 wants a non-standard token sent exactly as given.
exact_method: ContextVar[str | None] = ContextVar("spyglassexact_method", default=None)


class SpyglassRequest(aiohttp.ClientRequest):
    """Puts back the case of a non-standard method that aiohttp upper-cased, and marks when
    the connection is ready and the headers are written."""

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        super().__init__(method, url, **kwargs)
        exact = exact_method.get()
        if exact is not None and exact.upper() == self.method:
            self.method = exact

    async def send(self, conn: Any) -> aiohttp.ClientResponse:
        collector = current_collector.get()
        if collector is not None:
            collector.mark_connection_ready()
        response = await super().send(conn)
        if collector is not None:
            collector.mark_headers_sent()
        return response


class SpyglassResponse(aiohttp.ClientResponse):
    """Keeps the body of a refused WebSocket handshake, which aiohttp discards unread, and
    stops a redirected handshake before aiohttp follows it."""

    async def start(self, connection: Any) -> aiohttp.ClientResponse:
        response = await super().start(connection)
        capture = handshake_capture.get()
        if capture is not None and self.status in REDIRECT_STATUSES:
            # Stop aiohttp from following it with every header: ws_connect follows it.
            raise HandshakeRedirected(ResponseInfo(self.status, self.headers, self.url))
        if capture is not None and self.status != 101:
            await capture.read(self)
        return response


class HandshakeRedirected(Exception):
    """A WebSocket handshake was answered with a redirect (raised through aiohttp, so that
    it does not follow the redirect itself)."""

    def __init__(self, info: ResponseInfo) -> None:
        super().__init__(f"redirected ({info.status})")
        self.info = info


class HandshakeCapture:
    """Keeps the body of a refused WebSocket handshake, which aiohttp discards."""

    LIMIT = 1 << 20

    def __init__(self) -> None:
        self.body = b""
        self.content_type = ""

    async def read(self, response: aiohttp.ClientResponse) -> None:
        self.content_type = response.headers.get("Content-Type", "")
        body = bytearray()
        try:
            while len(body) < self.LIMIT:
                chunk = await response.content.read(self.LIMIT - len(body))
                if not chunk:
                    break
                body += chunk
        except (TimeoutError, aiohttp.ClientError, OSError):
            pass
        self.body = bytes(body)

    def refused(self, exc: aiohttp.WSServerHandshakeError, url: str) -> Exception:
        if exc.status and exc.status != 101 and exc.status >= 300:
            return api_error(exc.status, exc.message, self.body, self.content_type, url=url)
        return StreamError(f"The WebSocket handshake with {url} failed: {exc.message}", url=url)


handshake_capture: ContextVar[HandshakeCapture | None] = ContextVar(
    "spyglass_ws_handshake", default=None
)
