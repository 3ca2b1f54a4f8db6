"""Where the time of a request went: DNS, connect, TLS, sending, waiting, downloading.

aiohttp's tracing signals mark most phases. TLS has no signal of its own, so the session's
``SSLContext`` notes when it starts wrapping the connected socket (asyncio calls ``wrap_bio``
the moment the TCP connection is up), which splits connect from TLS. The collector for the
exchange under way is found through a context variable, which the trace callbacks and the
connection callbacks of the request's task all see.
"""

from __future__ import annotations

import ssl
import time
from contextvars import ContextVar
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import aiohttp

__all__ = ["TimingCollector", "Timings", "current_collector", "make_trace_config"]


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
        """Forget the marks of a previous hop (a redirect or an auth retry)."""
        self.dns_start: float | None = None
        self.dns_end: float | None = None
        self.conn_start: float | None = None
        self.conn_end: float | None = None
        self.tls_start: float | None = None
        self.reused_at: float | None = None
        self.headers_sent: float | None = None
        self.body_sent: float | None = None
        self.headers_received: float | None = None

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


def _marker(attribute: str) -> Any:
    async def mark(
        session: aiohttp.ClientSession, ctx: SimpleNamespace, params: object
    ) -> None:
        collector = current_collector.get()
        if collector is not None:
            setattr(collector, attribute, time.perf_counter())

    return mark


def make_trace_config(on_request_end: list[Any] | None = None) -> aiohttp.TraceConfig:
    """The trace configuration that feeds the current :class:`TimingCollector`, with extra
    ``on_request_end`` callbacks."""
    config = aiohttp.TraceConfig()
    config.on_request_start.append(_marker("request_start"))
    config.on_connection_create_start.append(_marker("conn_start"))
    config.on_connection_create_end.append(_marker("conn_end"))
    config.on_connection_reuseconn.append(_marker("reused_at"))
    config.on_dns_resolvehost_start.append(_marker("dns_start"))
    config.on_dns_resolvehost_end.append(_marker("dns_end"))
    config.on_request_headers_sent.append(_marker("headers_sent"))
    config.on_request_end.append(_marker("headers_received"))
    config.on_request_end.extend(on_request_end or [])
    config.freeze()
    return config


class TimedSSLContext(ssl.SSLContext):
    """An ``SSLContext`` that marks the start of the TLS handshake for the timing collector."""

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        collector = current_collector.get()
        if collector is not None:
            collector.tls_start = time.perf_counter()
        return super().wrap_bio(*args, **kwargs)
