"""Streams read on a thread of their own, handed over in batches to any loop.

grpc's asyncio API reads one message per completion, each handed from its poller thread to
the loop: some 70 µs a message here, about 14,000 messages a second whatever the server
sends (bench/grpc.py). grpcio's synchronous channel with its ``SingleThreadedUnaryStream``
option (``grpc.experimental.ChannelOptions``) reads a unary-stream call on the thread that
iterates it, which polls the call's own completion queue: 75,000-97,000 a second here. So a
call that sends one message and receives a stream is made on such a channel and read by a
daemon thread (:class:`StreamReader`), which turns each response into JSON and puts it in a
:class:`Handoff`, where any loop takes what has arrived, all of it at once.

A client or bidi stream is made on the same channel too, as a stream-stream call whose
messages an :class:`Outbox` gives, and read the same way: grpc.aio, writing a message after
the server had ended the call, replaced the server's status with its own ``INTERNAL``.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import grpc.experimental  # its UsageError, which ``import grpc`` does not load

__all__ = ["Handoff", "Outbox", "StreamReader", "unreadable"]

_END = object()


class Outbox:
    """The messages of a client or bidi stream, from any thread to grpcio's synchronous
    call, which takes them from :meth:`messages` on a thread of its own: ``put`` one,
    ``close`` to half-close (or, once the call has ended, to let that thread go).

    grpcio's synchronous API, not grpc.aio: a message written after the server has ended
    the call makes grpc.aio end it locally as ``INTERNAL: Internal error from Core``,
    losing the server's status and the responses not read yet; here that message is
    dropped and the server's status stands (as with grpcurl)."""

    def __init__(self, first: list[Any] | None = None) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for message in first or ():
            self._queue.put(message)
        self.closed = False

    def put(self, message: Any) -> None:
        self._queue.put(message)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._queue.put(_END)

    def messages(self) -> Iterator[Any]:
        while (message := self._queue.get()) is not _END:
            yield message


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Handoff:
    """Items from one producer thread to one consumer on any loop.

    The consumer is woken only when it waits on an empty buffer, so a fast stream costs a
    wake-up per batch, not per item; the producer waits while ``limit`` items are waiting
    (a consumer that falls behind holds the stream back rather than memory growing)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be 1 or more")
        self._limit = limit
        self._items: deque[Any] = deque()
        self._cond = threading.Condition()
        self._waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None
        self._ended = False
        self._abandoned = False
        self._sink: Callable[[Any], object] | None = None

    def put(self, item: Any) -> bool:
        """Add ``item`` (the producer's thread), waiting for room; False when the consumer
        has abandoned the handoff (stop producing)."""
        sink = self._sink  # set once, by redirect
        if sink is None:
            with self._cond:
                while (self._sink is None and len(self._items) >= self._limit
                       and not self._abandoned):
                    self._cond.wait()
                sink = self._sink  # redirected while this waited: the sink takes it
                if sink is None:
                    if self._abandoned:
                        return False
                    self._items.append(item)
                    self._wake()
                    return True
        if self._abandoned:
            return False
        sink(item)  # not under the lock: a sink may take its time (ui.pacer)
        return True

    def end(self) -> None:
        """Nothing more will be put."""
        with self._cond:
            self._ended = True
            self._wake()

    def redirect(self, sink: Callable[[Any], object]) -> None:
        """From now on give every item to ``sink`` on the producer's thread, rather than
        keep it for ``take``, which then only waits for the end. Those waiting are given
        first, here, on the caller's thread (the lock held, so that none comes between)."""
        with self._cond:
            for item in self._items:
                sink(item)
            self._items.clear()
            self._sink = sink
            self._cond.notify_all()

    def abandon(self) -> None:
        """The consumer wants nothing more: what waits is dropped, ``put`` returns False."""
        with self._cond:
            self._abandoned = True
            self._items.clear()
            self._cond.notify_all()

    def _wake(self) -> None:  # with the lock held
        waiter, self._waiter = self._waiter, None
        if waiter is not None:
            loop, future = waiter
            # A consumer whose loop has closed wants nothing.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_wake, future)

    async def take(self) -> list[Any] | None:
        """Every item waiting (at least one), waiting for one; None once ended and empty."""
        loop = asyncio.get_running_loop()
        while True:
            with self._cond:
                if self._items:
                    items = list(self._items)
                    self._items.clear()
                    self._cond.notify_all()
                    return items
                if self._ended:
                    return None
                future = loop.create_future()
                self._waiter = (loop, future)
            try:
                await future
            finally:
                with self._cond:
                    if self._waiter is not None and self._waiter[1] is future:
                        self._waiter = None


class StreamReader:
    """Reads one started call of grpcio's synchronous API (a single-threaded unary-stream
    call, or a stream-stream one fed by :class:`Outbox`) on a daemon thread: each
    response, as JSON by ``to_json``, goes into ``responses`` (the last ``keep``) and into
    ``handoff``. ``initial_metadata`` holds the response headers once they have come (None
    before); once the call has ended, ``outcome`` holds its (code, details, initial
    metadata, trailing metadata) and the handoff is ended. ``release`` is called last, on
    the reader's thread, once all that is done (its channel counts the call no more:
    :meth:`~._channels.Channel.release`)."""

    def __init__(self, call: Any, to_json: Any, buffer: int, keep: int | None = None,
                 on_end: Callable[[], object] | None = None,
                 release: Callable[[], object] | None = None,
                 on_trailers: Callable[[Any], object] | None = None) -> None:
        self._call = call
        #: Called on the reader's thread with the trailers of a call that failed, before
        #: it is said to have ended (the types of its error details are learnt there).
        self._on_trailers = on_trailers
        #: Called on the reader's thread once the call has ended (a writer's queue is told
        #: to stop waiting for messages).
        self._on_end = on_end
        self._release = release
        self._to_json = to_json
        self.handoff = Handoff(buffer)
        #: The last ``keep`` responses (all when None), and how many older ones went.
        self.responses: deque[dict[str, Any]] = deque(maxlen=keep)
        self.received = 0
        #: The responses' size on the wire (protobuf's), all of them.
        self.received_bytes = 0
        self.outcome: tuple[grpc.StatusCode, str, Any, Any] | None = None
        #: The call's initial metadata (its response headers), set once on the reader's
        #: thread as soon as it has them, for any thread to read; None before.
        self.initial_metadata: Any = None
        self._thread = threading.Thread(target=self._run, name="spyglass-grpc-read",
                                        daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Cancel the call (from any thread); the reader then ends with ``CANCELLED``."""
        self._call.cancel()

    def abandon(self) -> None:
        """Cancel, and drop what was read and not taken."""
        self.cancel()
        self.handoff.abandon()

    @property
    def dropped(self) -> int:
        """Responses let go past ``keep``."""
        return self.received - len(self.responses)

    async def wait(self) -> None:
        """Until the reader has ended (what it still hands over is dropped)."""
        while await self.handoff.take() is not None:
            pass

    def _run(self) -> None:
        try:
            self._read()
        finally:
            if self._release is not None:
                self._release()

    def _read(self) -> None:
        call, to_json, keep, put = self._call, self._to_json, self.responses.append, \
            self.handoff.put
        failure = None
        try:
            # The headers as soon as grpcio has them. A stream-stream call (one a writer
            # feeds: ``on_end``) waits for them on a condition, which ``cancel`` can take
            # meanwhile, and its messages go on another thread: a bidi server that waits
            # for the first message before it answers is no deadlock. A single-threaded
            # unary-stream call's ``initial_metadata`` polls the call holding the lock
            # ``cancel`` takes: a server silent until its first response would hold a
            # cancel that long. There they are taken with the first response, before which
            # they always come (and the wait is then none).
            if self._on_end is not None:
                self.initial_metadata = call.initial_metadata() or ()
            for response in call:
                if self.initial_metadata is None:
                    self.initial_metadata = call.initial_metadata() or ()
                data = to_json(response)
                keep(data)
                self.received += 1
                self.received_bytes += response.ByteSize()
                if not put(data):
                    call.cancel()
                    break
        except grpc.RpcError:
            pass  # the call's status says what happened
        except Exception as exc:  # a response that cannot be shown as JSON
            failure = unreadable(exc)
            call.cancel()
        finally:
            outcome = _outcome_of(call, failure)
            if self._on_trailers is not None and outcome[0] != grpc.StatusCode.OK:
                self._on_trailers(outcome[3])
            self.outcome = outcome
            if self.initial_metadata is None:  # ended before any response
                self.initial_metadata = self.outcome[2]
            if self._on_end is not None:
                self._on_end()
            self.handoff.end()


def unreadable(exc: Exception) -> str:
    """The details of a call ended as ``INTERNAL`` because a response could not be shown as
    JSON (an ``Any`` of a type the descriptors lack, a NaN in a ``Struct``...)."""
    return f"A response could not be read: {exc}"


def _outcome_of(call: Any, failure: str | None) -> tuple[grpc.StatusCode, str, Any, Any]:
    """(code, details, headers, trailers) of an ended call; ``failure`` replaces the details
    of a call cancelled because a response could not be read."""
    if failure is not None:
        return grpc.StatusCode.INTERNAL, failure, _safely(call.initial_metadata), \
            _safely(call.trailing_metadata)
    return (call.code(), call.details() or "", _safely(call.initial_metadata),
            _safely(call.trailing_metadata))


def _safely(get: Any) -> Any:
    """Metadata a call that ended early may not have (grpc raises its UsageError)."""
    try:
        return get() or ()
    except grpc.experimental.UsageError:
        return ()
