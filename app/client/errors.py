"""The exceptions of the request library, and the one place foreign exceptions are translated.

::

    ClientError                 the root: catch this to catch everything the library raises
    ├── APIError                the server answered with an HTTP status of 400 or more
    ├── RequestError            could not send or receive: DNS, refused, TLS, reset, protocol
    │   └── RequestTimeout      a connect or read deadline passed
    ├── UsageError              the API was used the wrong way (also a ``TypeError``)
    ├── CertificateError        a client certificate that cannot be used: unreadable, wrong
    │                           passphrase, a key that does not match (also a ``ValueError``)
    └── StreamError             an event stream or WebSocket broke, had the wrong content
                                type, or sent a frame of another kind than asked for

Every aiohttp, aiohttp-socks, ``ssl`` and ``OSError`` raised while talking to a server is turned
into one of these by :func:`translate`, with the original exception as ``__cause__``; nothing
else in the library catches foreign exceptions. A failure of the proxy names the proxy, not the
target. (:class:`CertificateError` is raised where a session is made, from ``cryptography``'s
errors, by :mod:`app.client.tls`.)
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import ssl
import sys
from enum import StrEnum
from types import TracebackType
from typing import Any

import aiohttp

from app.model.http import charset, decode_text, is_json_media

from .decoding import DecodingError, decoder_for, read_decoded

__all__ = [
    "ERROR_BODY_LIMIT",
    "APIError",
    "CertificateError",
    "ClientError",
    "ErrorKind",
    "RequestError",
    "RequestTimeout",
    "StreamError",
    "UsageError",
    "api_error",
    "error_data",
    "proxy_refused",
    "raise_for_status",
    "read_prefix",
    "translate",
]


#: How much of an error answer's body ``APIError`` keeps by default: enough for any real
#: error document, bounded whatever the server sends.
ERROR_BODY_LIMIT = 4 << 20


class ErrorKind(StrEnum):
    """What failed, for a user interface to choose its words (``RequestError.kind``)."""

    TIMEOUT = "timeout"
    DNS = "dns"
    CONNECT = "connect"
    CERTIFICATE = "certificate"
    TLS = "tls"
    PROXY = "proxy"
    DISCONNECTED = "disconnected"
    RESET = "reset"
    TRUNCATED = "truncated"
    PROTOCOL = "protocol"
    INVALID_URL = "invalid_url"
    BODY = "body"
    CONNECTION = "connection"
    REDIRECT = "redirect"
    #: A response, or a WebSocket message, passed one of the session's
    #: :class:`~app.client.limits.Limits`.
    TOO_LARGE = "too_large"
    OTHER = "other"


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

    ``kind`` says what failed (an :class:`ErrorKind`), for a user interface to choose its
    words.
    """

    def __init__(
        self, message: str, *, url: str | None = None, kind: ErrorKind = ErrorKind.OTHER
    ) -> None:
        self.url = url
        self.kind = ErrorKind(kind)
        super().__init__(message)


class RequestTimeout(RequestError):
    """A connect, read or total deadline passed."""

    def __init__(
        self, message: str, *, url: str | None = None, kind: ErrorKind = ErrorKind.TIMEOUT
    ) -> None:
        super().__init__(message, url=url, kind=kind)


class UsageError(ClientError, TypeError):
    """The library was used the wrong way (wrong session kind, closed session, bad argument)."""


class CertificateError(ClientError, ValueError):
    """A client certificate (or its key) that cannot be used; the message names the file,
    ``path`` is that file."""

    def __init__(self, message: str, *, path: str) -> None:
        self.path = path
        super().__init__(message)


class StreamError(ClientError):
    """An event stream or WebSocket broke, had the wrong content type, or sent a frame of
    another kind than asked for.

    ``kind`` is ``TOO_LARGE`` when the stream ended because a message passed one of the
    session's :class:`~app.client.limits.Limits`, else ``OTHER``.
    """

    def __init__(
        self, message: str, *, url: str | None = None, kind: ErrorKind = ErrorKind.OTHER
    ) -> None:
        self.url = url
        self.kind = ErrorKind(kind)
        super().__init__(message)


_TRANSPORT_ERRORS = (
    aiohttp.ClientError, OSError, asyncio.TimeoutError, ssl.SSLError,
    # aiohttp-socks lets asyncio's through when a SOCKS proxy hangs up mid-handshake (some
    # do so to refuse credentials).
    asyncio.IncompleteReadError,
)


def _socks_errors() -> tuple[type[Exception], type[Exception], type[Exception]] | None:
    """aiohttp-socks's (connection, refusal, timeout) errors, which aiohttp lets through
    unwrapped; None while it is not loaded, as then none can have been raised (it is loaded
    by the first session with a SOCKS proxy, not with the library: it costs at start-up)."""
    socks = sys.modules.get("aiohttp_socks")
    if socks is None:
        return None
    return socks.ProxyConnectionError, socks.ProxyError, socks.ProxyTimeoutError


def _describe_proxy(
    exc: BaseException, url: str, proxy: str | None
) -> tuple[type[RequestError], ErrorKind, str] | None:
    """The words for a failure of the proxy itself, which name the proxy, not the target."""
    if isinstance(exc, asyncio.IncompleteReadError):
        if proxy is None:
            return RequestError, ErrorKind.DISCONNECTED, f"The connection to {url} closed early"
        message = (f"The proxy {proxy} closed the connection during its handshake (it may have "
                   "refused the credentials)")
        return RequestError, ErrorKind.PROXY, message
    proxy = proxy if proxy is not None else "in use"
    socks = _socks_errors()
    unreachable: tuple[type[Exception], ...] = (aiohttp.ClientProxyConnectionError,)
    if socks is not None:
        if isinstance(exc, socks[2]):
            return RequestTimeout, ErrorKind.TIMEOUT, f"Timed out connecting to the proxy {proxy}"
        if isinstance(exc, socks[1]):
            message = f"The SOCKS proxy {proxy} refused the connection: {_reason_of(exc)}"
            return RequestError, ErrorKind.PROXY, message
        unreachable = (*unreachable, socks[0])
    if isinstance(exc, unreachable):
        reason = _reason_of(exc)
        message = f"Could not connect to the proxy {proxy}: {reason} (sending to {url})"
        return RequestError, ErrorKind.PROXY, message
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        return RequestError, ErrorKind.PROXY, proxy_refused(proxy, exc.status, exc.message)
    return None


def proxy_refused(proxy: str, status: int, reason: str) -> str:
    """The message for a proxy that answered a request itself with an error status."""
    if status == 407:
        return (f"The proxy {proxy} refused the credentials ({status} {reason}): "
                "check the proxy user name and password")
    return f"The proxy {proxy} refused the request ({status} {reason})"


def _describe(
    exc: BaseException, url: str, proxy: str | None = None
) -> tuple[type[RequestError], ErrorKind, str]:
    """Choose the error class, its kind and a plain-words message for a foreign exception."""
    described = _describe_proxy(exc, url, proxy)
    if described is not None:
        return described
    # ServerTimeoutError is also a ClientError and an OSError: timeouts are checked first.
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return RequestTimeout, ErrorKind.TIMEOUT, f"Timed out connecting to {url}"
    if isinstance(exc, aiohttp.SocketTimeoutError):
        return RequestTimeout, ErrorKind.TIMEOUT, f"Timed out waiting for data from {url}"
    if isinstance(exc, asyncio.TimeoutError):
        return RequestTimeout, ErrorKind.TIMEOUT, f"Timed out talking to {url}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        cert = exc.certificate_error
        detail = getattr(cert, "verify_message", None) or str(cert)
        message = f"TLS certificate of {url} is not trusted: {detail}"
        return RequestError, ErrorKind.CERTIFICATE, message
    if isinstance(exc, aiohttp.ClientConnectorSSLError | aiohttp.ClientSSLError | ssl.SSLError):
        return RequestError, ErrorKind.TLS, f"TLS handshake with {url} failed: {_reason_of(exc)}"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return RequestError, ErrorKind.DNS, f"Could not resolve host {exc.host!r} ({url})"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return (
            RequestError, ErrorKind.CONNECT,
            f"Could not connect to {exc.host}:{exc.port} ({url}): {_reason_of(exc)}",
        )
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        message = f"The server closed the connection before answering ({url})"
        return RequestError, ErrorKind.DISCONNECTED, message
    if isinstance(exc, aiohttp.ClientPayloadError):
        # aiohttp nests the parser's error in the text ("<ContentLengthError: 400, message=...>"),
        # whose 400 reads like an HTTP status: keep only its message.
        detail = _reason_of(exc)
        nested = re.search(r"message='(.*)'>", detail)
        if nested:
            detail = nested.group(1)
        message = f"The response body from {url} was cut short: {detail}"
        return RequestError, ErrorKind.TRUNCATED, message
    if isinstance(exc, aiohttp.InvalidURL):
        return RequestError, ErrorKind.INVALID_URL, f"Invalid URL: {exc}"
    if isinstance(exc, aiohttp.ClientResponseError):
        return RequestError, ErrorKind.PROTOCOL, f"Invalid HTTP response from {url}: {exc.message}"
    if isinstance(exc, ConnectionResetError | aiohttp.ClientConnectionResetError):
        return RequestError, ErrorKind.RESET, f"The connection to {url} was reset"
    if isinstance(exc, aiohttp.ClientConnectionError):
        # aiohttp wraps failures of the request body (a file that vanished) in this error.
        cause = exc.__cause__
        if isinstance(cause, ConnectionResetError | BrokenPipeError):
            # The peer hung up while the body was going out: the server's doing, not the file's.
            message = f"The connection to {url} was reset while the request body was being sent"
            return RequestError, ErrorKind.RESET, message
        if isinstance(cause, OSError | ValueError) and not isinstance(cause, aiohttp.ClientError):
            message = f"Could not send the request body to {url}: {_reason_of(cause)}"
            return RequestError, ErrorKind.BODY, message
        return RequestError, ErrorKind.CONNECTION, f"Connection to {url} failed: {_reason_of(exc)}"
    if isinstance(exc, aiohttp.ClientError | OSError):
        return RequestError, ErrorKind.OTHER, f"Request to {url} failed: {_reason_of(exc)}"
    raise TypeError(f"not a transport exception: {exc!r}")


def error_data(reason: str, body: bytes, content_type: str) -> Any:
    """What ``APIError.data`` holds: the JSON body where it is JSON, else title and text."""
    text = decode_text(body, charset(content_type))
    if body and is_json_media(content_type):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return {"title": reason, "content": text}


def api_error(
    status: int, reason: str, body: bytes, content_type: str, *, url: str
) -> APIError:
    """The :class:`APIError` for an error answer whose body has been read."""
    return APIError(status, reason, error_data(reason, body, content_type), url=url)


async def raise_for_status(raw: aiohttp.ClientResponse, *, limit: int = ERROR_BODY_LIMIT) -> None:
    """The one status check: on 400 or more, read the first ``limit`` bytes of the body (the
    rest is dropped with the connection), release it and raise :class:`APIError`; below 400,
    do nothing."""
    if raw.status < 400:
        return
    body = await read_prefix(raw, limit)
    raise api_error(
        raw.status, raw.reason or "", body, raw.headers.get("Content-Type", ""),
        url=str(raw.url),
    )


async def read_prefix(raw: aiohttp.ClientResponse, limit: int) -> bytes:
    """The first ``limit`` bytes of the decoded body (what decoded, when decoding fails), then
    the response released (closed when more may follow, so as not to read it all)."""
    body = bytearray()
    decoder = decoder_for(raw.headers.get("Content-Encoding"))
    try:
        with translate(raw.url):
            while len(body) < limit:
                chunk = await read_decoded(raw.content, decoder, limit - len(body))
                if not chunk:
                    break
                body += chunk
    except DecodingError:
        pass  # keep what decoded: the status is the answer
    finally:
        if len(body) >= limit:
            raw.close()  # more may follow: do not read it to reuse the connection
        else:
            raw.release()
    return bytes(body)


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
    if isinstance(exc, _TRANSPORT_ERRORS):
        return True
    socks = _socks_errors()
    return socks is not None and isinstance(exc, socks)


class translate:
    """Turn aiohttp, ``ssl`` and ``OSError`` exceptions raised inside into the library's own.

    With ``stream=True`` (an event stream or WebSocket already open) a broken connection
    becomes a :class:`StreamError`; timeouts stay :class:`RequestTimeout`. ``url`` may be a
    ``yarl.URL``: it is turned into text only when something failed. ``proxy`` names the proxy
    the request went through, for the failures that are the proxy's. (A class rather than a
    ``@contextmanager``: it wraps every request, and a generator costs measurably more.)
    """

    __slots__ = ("_proxy", "_stream", "_url")

    def __init__(self, url: object, *, stream: bool = False, proxy: str | None = None) -> None:
        self._url = url
        self._stream = stream
        self._proxy = proxy

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
        cls, kind, message = _describe(exc, url, self._proxy)
        if self._stream and cls is RequestError:
            raise StreamError(f"The stream from {url} broke: {message}", url=url) from exc
        raise cls(message, url=url, kind=kind) from exc
