"""The exceptions of the request library, and the one place foreign exceptions are translated.

::

    ClientError                 the root: catch this to catch everything the library raises
    ├── APIError                the server answered with an HTTP status of 400 or more
    ├── RequestError            could not send or receive: DNS, refused, TLS, reset, protocol
    │   └── RequestTimeout      a connect or read deadline passed
    ├── UsageError              the API was used the wrong way (also a ``TypeError``)
    └── StreamError             an event stream or WebSocket broke, had the wrong content
                                type, or sent a frame of another kind than asked for

Every aiohttp, ``ssl`` and ``OSError`` raised while talking to a server is turned into one of
these by :func:`translate`, with the original exception as ``__cause__``; nothing else in the
library catches foreign exceptions.
"""

from __future__ import annotations

import asyncio
import os
import re
import ssl
from types import TracebackType
from typing import Any

import aiohttp

__all__ = [
    "APIError",
    "ClientError",
    "RequestError",
    "RequestTimeout",
    "StreamError",
    "UsageError",
    "translate",
]


class ClientError(Exception):
    """The root of every exception raised by :mod:`app.client`."""


class APIError(ClientError):
    """The server answered with an HTTP error status (400 or more).

    ``data`` is the parsed JSON body where the body is JSON, else
    ``{"title": <reason>, "content": <body text>}``.
    """

    def __init__(
        self, status: int, reason: str, data: Any, *, url: str | None = None
    ) -> None:
        self.status = status
        self.reason = reason
        self.data = data
        self.url = url
        where = f" from {url}" if url else ""
        super().__init__(f"HTTP {status} {reason}{where}")


class RequestError(ClientError):
    """The request could not be sent, or its response could not be received.

    ``kind`` says what failed, for a user interface to choose its words: ``timeout``,
    ``dns``, ``connect``, ``certificate``, ``tls``, ``proxy``, ``disconnected``, ``reset``,
    ``truncated``, ``protocol``, ``invalid_url``, ``body``, ``connection``, ``redirect`` or
    ``other``.
    """

    def __init__(self, message: str, *, url: str | None = None, kind: str = "other") -> None:
        self.url = url
        self.kind = kind
        super().__init__(message)


class RequestTimeout(RequestError):
    """A connect, read or total deadline passed."""

    def __init__(self, message: str, *, url: str | None = None, kind: str = "timeout") -> None:
        super().__init__(message, url=url, kind=kind)


class UsageError(ClientError, TypeError):
    """The library was used the wrong way (wrong session kind, closed session, bad argument)."""


class StreamError(ClientError):
    """An event stream or WebSocket broke, had the wrong content type, or sent a frame of
    another kind than asked for."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        self.url = url
        super().__init__(message)


def _describe(exc: BaseException, url: str) -> tuple[type[RequestError], str, str]:
    """Choose the error class, its kind and a plain-words message for a foreign exception."""
    # ServerTimeoutError is also a ClientError and an OSError: timeouts are checked first.
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return RequestTimeout, "timeout", f"Timed out connecting to {url}"
    if isinstance(exc, aiohttp.SocketTimeoutError):
        return RequestTimeout, "timeout", f"Timed out waiting for data from {url}"
    if isinstance(exc, asyncio.TimeoutError):
        return RequestTimeout, "timeout", f"Timed out talking to {url}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        cert = exc.certificate_error
        detail = getattr(cert, "verify_message", None) or str(cert)
        return RequestError, "certificate", f"TLS certificate of {url} is not trusted: {detail}"
    if isinstance(exc, aiohttp.ClientConnectorSSLError | aiohttp.ClientSSLError | ssl.SSLError):
        return RequestError, "tls", f"TLS handshake with {url} failed: {_reason_of(exc)}"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return RequestError, "dns", f"Could not resolve host {exc.host!r} ({url})"
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        return RequestError, "proxy", f"Could not connect to the proxy for {url}: {_reason_of(exc)}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return (
            RequestError, "connect",
            f"Could not connect to {exc.host}:{exc.port} ({url}): {_reason_of(exc)}",
        )
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        message = f"The server closed the connection before answering ({url})"
        return RequestError, "disconnected", message
    if isinstance(exc, aiohttp.ClientPayloadError):
        # aiohttp nests the parser's error in the text ("<ContentLengthError: 400, message=...>"),
        # whose 400 reads like an HTTP status: keep only its message.
        detail = _reason_of(exc)
        nested = re.search(r"message='(.*)'>", detail)
        if nested:
            detail = nested.group(1)
        return RequestError, "truncated", f"The response body from {url} was cut short: {detail}"
    if isinstance(exc, aiohttp.InvalidURL):
        return RequestError, "invalid_url", f"Invalid URL: {exc}"
    if isinstance(exc, aiohttp.ClientResponseError):
        return RequestError, "protocol", f"Invalid HTTP response from {url}: {exc.message}"
    if isinstance(exc, ConnectionResetError | aiohttp.ClientConnectionResetError):
        return RequestError, "reset", f"The connection to {url} was reset"
    if isinstance(exc, aiohttp.ClientConnectionError):
        # aiohttp wraps failures of the request body (a file that vanished) in this error.
        cause = exc.__cause__
        if isinstance(cause, OSError | ValueError) and not isinstance(cause, aiohttp.ClientError):
            message = f"Could not send the request body to {url}: {_reason_of(cause)}"
            return RequestError, "body", message
        return RequestError, "connection", f"Connection to {url} failed: {_reason_of(exc)}"
    if isinstance(exc, aiohttp.ClientError | OSError):
        return RequestError, "other", f"Request to {url} failed: {_reason_of(exc)}"
    raise TypeError(f"not a transport exception: {exc!r}")


def _reason_of(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):
        os_error = exc.os_error
        if os_error.errno:  # asyncio's own text is "Connect call failed (host, port)"
            return os.strerror(os_error.errno)
        return os_error.strerror or str(os_error) or type(os_error).__name__
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc)
    return text or type(exc).__name__


def _is_transport_error(exc: BaseException) -> bool:
    return isinstance(exc, aiohttp.ClientError | OSError | asyncio.TimeoutError | ssl.SSLError)


class translate:
    """Turn aiohttp, ``ssl`` and ``OSError`` exceptions raised inside into the library's own.

    With ``stream=True`` (an event stream or WebSocket already open) a broken connection
    becomes a :class:`StreamError`; timeouts stay :class:`RequestTimeout`. ``url`` may be a
    ``yarl.URL``: it is turned into text only when something failed. (A class rather than a
    ``@contextmanager``: it wraps every request, and a generator costs measurably more.)
    """

    __slots__ = ("_stream", "_url")

    def __init__(self, url: object, *, stream: bool = False) -> None:
        self._url = url
        self._stream = stream

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None or isinstance(exc, ClientError) or not isinstance(exc, Exception):
            return
        if not _is_transport_error(exc):
            return
        url = str(self._url)
        cls, kind, message = _describe(exc, url)
        if self._stream and cls is RequestError:
            raise StreamError(f"The stream from {url} broke: {message}", url=url) from exc
        raise cls(message, url=url, kind=kind) from exc
