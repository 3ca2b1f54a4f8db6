"""A session's deadlines: :class:`Timeout`, and what it means to aiohttp."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from .errors import UsageError

__all__ = ["Timeout"]


@dataclass(frozen=True)
class Timeout:
    """Deadlines in seconds: ``connect`` (getting a connection, TLS included), ``read`` (each
    read from the socket) and ``total`` (the whole exchange). None means no deadline."""

    connect: float | None = None
    read: float | None = None
    total: float | None = None

    @classmethod
    def of(cls, value: Timeout | float | None) -> Timeout:
        if value is None:
            return cls()
        if isinstance(value, Timeout):
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UsageError(f"timeout must be a number of seconds or a Timeout, not {value!r}")
        return cls(connect=float(value), read=float(value))

    def for_aiohttp(self, *, streaming: bool = False) -> aiohttp.ClientTimeout:
        """The aiohttp equivalent; a stream gets no read or total deadline once it is open."""
        if streaming:
            return aiohttp.ClientTimeout(total=None, connect=self.connect, sock_read=None)
        return aiohttp.ClientTimeout(total=self.total, connect=self.connect, sock_read=self.read)
