"""Unary calls on grpcio's synchronous API, awaited from any loop.

A grpc.aio call belongs to the loop that made it, so a unary call made on the gRPC thread
cost a hand-off there and back (two loop wake-ups, some 100 µs here) on top of the call
itself (600-750 µs against a local server): ``bench/grpc.py`` read 0.71-0.82 of a raw stub's
speed. grpcio's synchronous multi-callable starts a call from any thread without waiting
(its ``future``) and ends it on its channel's own thread, which wakes the loop awaiting it
once. Nothing of grpc.aio is used, so a call may start on any loop, Qt's included. The
awaiting loop then makes the result of the ended future (:func:`~.results.result_of`):
sooner there than on grpc's thread, which every other call of the channel ends on and
which must never wait (for a reflection lookup, say).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._channels import Channel

__all__ = ["UnaryCall"]


def _settle(waiter: asyncio.Future[Any], future: Any) -> None:
    if not waiter.done():
        waiter.set_result(future)


class UnaryCall:
    """One call: ``start()`` gives grpcio's future (``multicallable.future(...)``; a closed
    channel raises ``ValueError`` here). :meth:`result` awaits its end from any loop, any
    number of times, and gives that future; :meth:`cancel` (any thread) ends the call
    ``CANCELLED``. ``channel``: the one it runs on, which counts it while it runs
    (:meth:`~._channels.Channel.hold`)."""

    def __init__(self, start: Callable[[], Any], channel: Channel) -> None:
        self._lock = threading.Lock()
        self._channel = channel
        self._ended_future: Any = None
        self._waiting: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[Any]]] = []
        channel.hold()
        try:
            self._future = start()
        except BaseException:
            channel.release()
            raise
        # Called at once, here, when the call has already ended.
        self._future.add_done_callback(self._ended)

    @property
    def done(self) -> bool:
        return self._ended_future is not None

    def cancel(self) -> None:
        self._future.cancel()  # nothing once it has ended

    async def result(self) -> Any:
        """grpcio's future once the call has ended; cancelling the awaiting task cancels
        the call (and raises ``CancelledError``)."""
        with self._lock:
            ended = self._ended_future
            if ended is None:
                loop = asyncio.get_running_loop()
                waiter: asyncio.Future[Any] = loop.create_future()
                self._waiting.append((loop, waiter))
        if ended is None:
            try:
                ended = await waiter
            except asyncio.CancelledError:
                self.cancel()
                raise
        return ended

    def _ended(self, future: Any) -> None:
        """On grpc's thread (or the starter's, for a call that ended at once)."""
        self._channel.release()
        with self._lock:
            self._ended_future = future
            waiting, self._waiting = self._waiting, []
        for loop, waiter in waiting:
            # A caller whose loop has closed meanwhile wants nothing back.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, waiter, future)
