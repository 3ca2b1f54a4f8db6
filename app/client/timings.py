"""Where the time of a request went: DNS, connect, TLS, sending, waiting, downloading.

Each phase is marked from a public hook of aiohttp rather than from its tracing signals,
which cost every request a dozen coroutine dispatches whether anyone listens or not (about a
tenth of a keep-alive request's time): the session's resolver marks DNS, its socket factory
the start of the TCP connect, its ``SSLContext`` the start of the TLS handshake (asyncio calls
``wrap_bio`` the moment the TCP connection is up), its request class the moment a connection
is ready and the headers are written. The collector of the exchange under way is found
through a context variable, which every callback of the request's task sees.
"""

from __future__ import annotations

import socket
import ssl
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

__all__ = [
    "TimedResolver",
    "TimedSSLContext",
    "TimingCollector",
    "Timings",
    "current_collector",
    "timed_socket",
]


@dataclass
class Timings:
    """Seconds spent in each phase; None for a phase that did not happen (yet)."""

    dns: float | None = None
    connect: float | None = None
    tls: float | None = None
    request_sent: float | None = None
    ttfb: float | None = None
    download: float | None = None
    total: float | None = None


def _span(start: float | None, end: float | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, end - start)


class TimingCollector:
    """Marks of one exchange; :meth:`snapshot` turns them into :class:`Timings`."""

    __slots__ = (
        "body_done",
        "body_sent",
        "conn_end",
        "conn_start",
        "dns_end",
        "dns_start",
        "first_start",
        "headers_received",
        "headers_sent",
        "request_start",
        "reused_at",
        "tls_start",
    )

    def __init__(self) -> None:
        self.first_start = time.perf_counter()
        self.request_start: float | None = None
        self.body_done: float | None = None
        self.new_hop()

    def new_hop(self) -> None:
        """Start a transmission: forget the marks of a previous hop (a redirect or a retry)."""
        self.request_start = time.perf_counter()
        self.dns_start: float | None = None
        self.dns_end: float | None = None
        self.conn_start: float | None = None
        self.conn_end: float | None = None
        self.tls_start: float | None = None
        self.reused_at: float | None = None
        self.headers_sent: float | None = None
        self.body_sent: float | None = None
        self.headers_received: float | None = None

    def mark_connection_ready(self) -> None:
        """A connection is ready for this hop: a new one if a socket was opened, else reused."""
        if self.conn_start is not None:
            self.conn_end = time.perf_counter()
        else:
            self.reused_at = time.perf_counter()

    def mark_headers_sent(self) -> None:
        self.headers_sent = time.perf_counter()

    def mark_headers_received(self) -> None:
        self.headers_received = time.perf_counter()

    def mark_body_sent(self) -> None:
        self.body_sent = time.perf_counter()

    def mark_body_done(self) -> None:
        if self.body_done is None:
            self.body_done = time.perf_counter()

    def snapshot(self) -> Timings:
        ready = self.conn_end or self.reused_at or self.request_start
        connect_end = self.tls_start or self.conn_end
        connect_start = self.dns_end or self.conn_start
        sent = self.body_sent or self.headers_sent
        return Timings(
            dns=_span(self.dns_start, self.dns_end),
            connect=_span(connect_start, connect_end),
            tls=_span(self.tls_start, self.conn_end),
            request_sent=_span(ready, sent),
            ttfb=_span(sent, self.headers_received),
            download=_span(self.headers_received, self.body_done),
            total=_span(self.first_start, self.body_done),
        )


current_collector: ContextVar[TimingCollector | None] = ContextVar(
    "spyglass_timing_collector", default=None
)


def _now() -> float:
    return time.perf_counter()


class TimedResolver(AbstractResolver):
    """aiohttp's default resolver, marking the DNS phase (not called for IP addresses, nor
    when aiohttp's DNS cache answers)."""

    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        collector = current_collector.get()
        if collector is not None:
            collector.dns_start = _now()
        try:
            return await self._inner.resolve(host, port, family)
        finally:
            if collector is not None:
                collector.dns_end = _now()

    async def close(self) -> None:
        await self._inner.close()


def timed_socket(addr_info: Any) -> socket.socket:
    """The socket factory of the session's connector: marks the start of a TCP connect."""
    collector = current_collector.get()
    if collector is not None and collector.conn_start is None:
        collector.conn_start = _now()
    family, type_, proto = addr_info[0], addr_info[1], addr_info[2]
    return socket.socket(family=family, type=type_, proto=proto)


class TimedSSLContext(ssl.SSLContext):
    """An ``SSLContext`` that marks the start of the TLS handshake for the timing collector."""

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        collector = current_collector.get()
        if collector is not None:
            collector.tls_start = time.perf_counter()
        return super().wrap_bio(*args, **kwargs)
