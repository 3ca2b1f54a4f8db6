"""Shared helpers for the playground handlers: errors, parameter parsing, shutdown, streams."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import math
import re
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

log = logging.getLogger("app.playground")

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

#: Size of the chunks streamed by the byte and JSON generators.
CHUNK_SIZE = 64 * KiB


@dataclass
class StreamStats:
    """Counters for streaming handlers (read by tests and handy when debugging)."""

    started: int = 0
    finished: int = 0
    client_disconnects: int = 0


#: Set when the application shuts down so that long-running handlers end promptly.
SHUTDOWN_EVENT: web.AppKey[asyncio.Event] = web.AppKey("playground_shutdown", asyncio.Event)
#: Open WebSocket connections, closed with 1001 on shutdown.
OPEN_WEBSOCKETS: web.AppKey[weakref.WeakSet[web.WebSocketResponse]] = web.AppKey(
    "playground_websockets"
)
#: Streaming statistics.
STREAM_STATS: web.AppKey[StreamStats] = web.AppKey("playground_stream_stats", StreamStats)
#: Transports of the streaming responses in progress (aborted if stuck at shutdown).
ACTIVE_STREAMS: web.AppKey[set[asyncio.Transport]] = web.AppKey("playground_active_streams")


class PlaygroundError(Exception):
    """An error answered as ``{"error": message}`` with the given HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def dumps(value: Any) -> str:
    """Compact JSON with non-ASCII kept as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_response(
    value: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A pretty-printed JSON response (it is read by people as much as by programs)."""
    text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    return web.Response(
        text=text,
        status=status,
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )


def error_response(
    message: str, status: int = 400, headers: Mapping[str, str] | None = None
) -> web.Response:
    return json_response({"error": message}, status=status, headers=headers)


_INT_RE = re.compile(r"[+-]?[0-9]{1,30}")
_FLOAT_RE = re.compile(
    r"[+-]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})(?:[eE][+-]?[0-9]{1,4})?"
)


def parse_int(raw: str, name: str, *, minimum: int, maximum: int) -> int:
    """Parse a decimal integer in ``[minimum, maximum]`` or raise a 400 ``PlaygroundError``."""
    text = raw.strip()
    if not _INT_RE.fullmatch(text):
        raise PlaygroundError(f"{name} must be an integer, got {raw!r}")
    value = int(text)
    if value < minimum:
        raise PlaygroundError(f"{name} must be at least {minimum}, got {value}")
    if value > maximum:
        raise PlaygroundError(f"{name} must be at most {maximum}, got {value}")
    return value


def parse_float(raw: str, name: str, *, minimum: float, maximum: float) -> float:
    """Parse a finite decimal number in ``[minimum, maximum]`` or raise a 400 error."""
    text = raw.strip()
    if not _FLOAT_RE.fullmatch(text):
        raise PlaygroundError(f"{name} must be a number, got {raw!r}")
    value = float(text)
    if not math.isfinite(value):
        raise PlaygroundError(f"{name} must be a finite number, got {raw!r}")
    if value < minimum:
        raise PlaygroundError(f"{name} must be at least {minimum:g}, got {value:g}")
    if value > maximum:
        raise PlaygroundError(f"{name} must be at most {maximum:g}, got {value:g}")
    return value


def query_int(request: web.Request, name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    return parse_int(raw, name, minimum=minimum, maximum=maximum)


def query_float(
    request: web.Request, name: str, default: float, *, minimum: float, maximum: float
) -> float:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    return parse_float(raw, name, minimum=minimum, maximum=maximum)


def shutting_down(request: web.Request) -> bool:
    return request.app[SHUTDOWN_EVENT].is_set()


def drop_connection(request: web.Request) -> None:
    """Close the connection under a response that cannot be completed."""
    transport = request.transport
    if transport is not None:
        transport.close()


async def pause(request: web.Request, seconds: float) -> bool:
    """Sleep for ``seconds`` unless the server shuts down first.

    Returns True when the whole pause elapsed, False when the server is shutting down
    (the caller should then end its response).
    """
    event = request.app[SHUTDOWN_EVENT]
    if event.is_set():
        return False
    if seconds <= 0:
        await asyncio.sleep(0)
        return not event.is_set()
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return True
    return False


@contextmanager
def client_may_leave(request: web.Request, what: str) -> Iterator[StreamStats]:
    """Wrap the streaming part of a handler: a client that goes away is not an error.

    A write to (or read from) a connection the peer closed raises ``ConnectionError``
    (aiohttp's ``ClientConnectionResetError`` is one); it is logged at DEBUG level
    and swallowed so that the server log shows no traceback. ``asyncio.CancelledError``
    is left to propagate: aiohttp handles it quietly.
    """
    stats = request.app[STREAM_STATS]
    active = request.app[ACTIVE_STREAMS]
    transport = request.transport
    if transport is not None:
        active.add(transport)
    stats.started += 1
    try:
        yield stats
    except ConnectionError as exc:
        stats.client_disconnects += 1
        log.debug("%s: client %s went away (%s)", what, request.remote, exc)
    finally:
        stats.finished += 1
        if transport is not None:
            active.discard(transport)


def header_pairs(request: web.Request) -> list[list[str]]:
    return [[name, value] for name, value in request.headers.items()]


def format_url(host: str, port: int, scheme: str = "http") -> str:
    """``scheme://host:port``, an IPv6 address in brackets."""
    try:
        is_v6 = ipaddress.ip_address(host).version == 6
    except ValueError:
        is_v6 = False
    return f"{scheme}://[{host}]:{port}" if is_v6 else f"{scheme}://{host}:{port}"
