"""Unary calls on grpcio's synchronous API, awaited from any loop.

A grpc.aio call belongs to the loop that made it, so a unary call made on the gRPC thread
cost a hand-off there and back (two loop wake-ups, some 100 µs here) on top of the call
itself (600-750 µs against a local server): ``bench/grpc.py`` read 0.71-0.82 of a raw stub's
speed. grpcio's synchronous multi-callable starts a call from any thread without waiting
(its ``future``) and ends it on its channel's own thread. There :class:`UnaryCall` makes
what the caller wants of it (a stream's result, JSON and all: off the window's loop) and
wakes the loop awaiting it once. Nothing of grpc.aio is used, so a call may start on any
loop, Qt's included. (:meth:`~.client.GrpcClient.call` takes the ended future itself and
makes a small answer's result on its own loop: sooner than on grpc's thread.)
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from ._channels import Channel

__all__ = ["UnaryCall"]

T = TypeVar("T")

_Outcome = tuple[Any, BaseException | None]


def _settle(waiter: asyncio.Future[_Outcome], outcome: _Outcome) -> None:
    if not waiter.done():
        waiter.set_result(outcome)


class UnaryCall(Generic[T]):
    """One call: ``start()`` gives grpcio's future (``multicallable.future(...)``; a closed
    channel raises ``ValueError`` here), ``finish(future)`` makes its result on grpc's thread
    once it has ended. :meth:`result` awaits that from any loop, any number of times;
    :meth:`cancel` (any thread) ends the call ``CANCELLED``. ``channel``: the one it runs
    on, which counts it while it runs (:meth:`~._channels.Channel.hold`)."""

    def __init__(self, start: Callable[[], Any], finish: Callable[[Any], T],
                 channel: Channel) -> None:
        self._lock = threading.Lock()
        self._finish = finish
        self._channel = channel
        self._outcome: _Outcome | None = None
        self._waiting: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[_Outcome]]] = []
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
        return self._outcome is not None

    def cancel(self) -> None:
        self._future.cancel()  # nothing once it has ended

    async def result(self) -> T:
        """The result once the call has ended; cancelling the awaiting task cancels the
        call (and raises ``CancelledError``); what ``finish`` raised is raised here."""
        with self._lock:
            outcome = self._outcome
            if outcome is None:
                loop = asyncio.get_running_loop()
                waiter: asyncio.Future[_Outcome] = loop.create_future()
                self._waiting.append((loop, waiter))
        if outcome is None:
            try:
                outcome = await waiter
            except asyncio.CancelledError:
                self.cancel()
                raise
        value, error = outcome
        if error is not None:
            raise error
        result: T = value
        return result

    def _ended(self, future: Any) -> None:
        """On grpc's thread (or the starter's, for a call that ended at once)."""
        self._channel.release()
        try:
            outcome: _Outcome = (self._finish(future), None)
        except Exception as exc:  # the awaiting caller's to see
            outcome = (None, exc)
        with self._lock:
            self._outcome = outcome
            waiting, self._waiting = self._waiting, []
        for loop, waiter in waiting:
            # A caller whose loop has closed meanwhile wants nothing back.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, waiter, outcome)
