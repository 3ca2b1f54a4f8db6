"""Interactive calls: :class:`GrpcStream`, what :func:`app.grpc.open_stream` gives.

Opening, and starting a unary or server-streaming call, are coroutines on the gRPC thread
awaited from the caller's loop; a stream's messages go and come without it (see
:class:`GrpcStream`). The messages are checked against their type on the caller's side,
before anything is sent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any

from app.client.errors import RequestError, StreamError, UsageError

from ._pinning import Pinned
from ._reader import Outbox, StreamReader
from ._unary import UnaryCall
from .client import Endpoint, GrpcClient, PathText, Resolved
from .messages import metadata_pairs
from .results import CallResult, read_result, result_of, unreached

__all__ = ["GrpcStream"]


class GrpcStream:
    """One call of any kind, driven step by step::

        async with open_stream(target, "pkg.Chat/Talk") as stream:
            await stream.send({"text": "hi"})
            async for answer in stream:
                ...
        stream.result.code

    A method that takes one message starts when it is sent (a second ``send`` is a
    ``UsageError``). Leaving the block cleanly half-closes and reads what is left; leaving it
    by an exception cancels the call. ``result`` is the :class:`CallResult` once the call
    has ended (None before), its ``responses`` all those read (the last ``keep_responses``
    of ``open_stream``, when given). ``headers`` are the response headers while the call
    runs, as soon as they have come.

    A streaming method is read by a thread of its own (:mod:`._reader`) on grpcio's
    synchronous API, and ``async for`` takes its responses from any loop without passing
    through the gRPC thread; a client or bidi stream's messages go to grpcio through an
    :class:`~._reader.Outbox` (a message sent as the server ends the call is dropped, and
    the server's status stands). A unary call is made on the same channel
    (:mod:`._unary`).
    """

    def __init__(
        self,
        client: GrpcClient,
        endpoint: Endpoint,
        full_method: str,
        *,
        protos: tuple[PathText, ...],
        import_paths: tuple[PathText, ...],
        metadata: Any,
        timeout: float | None,
        keep: int | None = None,
    ) -> None:
        self._client = client
        self._keep = keep
        self._endpoint = endpoint
        self.full_method = full_method
        self._protos, self._import_paths = protos, import_paths
        self._metadata, self._timeout = metadata, timeout
        self._method: Resolved | None = None
        self._pin: Pinned | None = None
        self._rpc: Any = None
        self._reader: StreamReader | None = None
        self._unary: UnaryCall | None = None
        self._outbox: Outbox | None = None
        self._batch: list[dict[str, Any]] = []
        self._written = False
        self._half_closed = False
        #: Set on the gRPC thread once the caller stopped waiting for the open or the send
        #: that starts the call: no call starts after it (see :meth:`_stop_started`).
        self._stopped = False
        self.result: CallResult | None = None
        self._headers: list[tuple[str, str]] | None = None

    @property
    def method(self) -> Resolved:
        if self._method is None:
            raise UsageError("The stream is not open: use it as `async with open_stream(...)`")
        return self._method

    @property
    def headers(self) -> list[tuple[str, str]] | None:
        """The response headers (initial metadata) as (name, value) pairs, binary values in
        base64 as in ``result.headers``: a stream's as soon as its reader has them (a bidi
        or client stream's when the server sends them, a server stream's with its first
        response at the latest), a unary call's with its result; None before. Read from
        any thread."""
        if self._headers is None:
            reader = self._reader
            if reader is not None and reader.initial_metadata is not None:
                self._headers = metadata_pairs(reader.initial_metadata)
            elif self.result is not None:
                self._headers = self.result.headers
        return self._headers

    @property
    def received_bytes(self) -> int:
        """The size on the wire of the responses received so far (the result's once it has
        ended). Any thread."""
        if self.result is not None:
            return self.result.received_bytes
        reader = self._reader
        return reader.received_bytes if reader is not None else 0

    # --- on the gRPC thread -------------------------------------------------------------

    async def _open(self) -> None:
        started = time.monotonic()
        try:
            self._method = await self._client.resolve(
                self._endpoint, self.full_method, self._protos, self._import_paths,
                self._metadata, self._timeout)
        except RequestError as exc:
            self.result = unreached(exc)
            return
        finally:
            self._pin = self._client.pin_of(self._endpoint)
        if self._timeout is not None:  # the deadline counts from the open, as a call's does
            self._timeout = max(self._timeout - (time.monotonic() - started), 0.001)
        if self._method.client_streaming:
            self._start(None)

    def _start(self, request: Any) -> None:
        """Start the call: a client or bidi stream (``request`` None) with an outbox its
        messages go through, a server stream with its ``request``, both read by a reader
        thread; a unary call as a :class:`UnaryCall`."""
        if self._stopped:  # its caller has gone: nobody would ever end or read the call
            return
        method = self.method
        if method.client_streaming or method.server_streaming:
            if method.client_streaming:
                self._outbox = request = Outbox()
            self._reader = self._client.read_stream(
                self._endpoint, method, request, self._metadata, self._timeout, self._keep)
            self._rpc = self._reader
            return
        channel = self._client.channel(self._endpoint)
        self._rpc = self._unary = self._client.start_unary(
            channel.callable_for(method), request, self._metadata, self._timeout, channel)

    async def _write(self, request: Any) -> None:
        self._start(request)  # the one message of a unary or server-streaming method

    async def _done_writing(self) -> None:
        if self._outbox is not None:
            self._outbox.close()  # one that has ended already: reading says how

    async def _next(self) -> dict[str, Any] | None:
        rpc = self._rpc
        if self.result is not None or rpc is None:
            return None
        if self._reader is not None:
            return await self._take()
        assert self._unary is not None
        self.result = result = await result_of(await self._unary.result(), self.method)
        return result.responses[0] if result.responses else None

    async def _take(self) -> dict[str, Any] | None:
        """The next response of the reader's stream, from any loop; None once it has ended
        (``result`` is then set)."""
        reader = self._reader
        assert reader is not None
        if not self._batch:
            try:
                batch = await reader.handoff.take()
            except asyncio.CancelledError:  # the caller is stopping: so does the call
                reader.cancel()
                raise
            if batch is None:
                if self.result is None:
                    self.result = read_result(reader, self.method.pool)
                return None
            batch.reverse()  # popped from the end, in order
            self._batch = batch
        return self._batch.pop()

    async def _finish(self) -> None:
        if self._reader is not None:
            await self._reader.wait()
            if self.result is None:
                self.result = read_result(self._reader, self.method.pool)
            return
        if self.result is None and self._unary is not None:
            self.result = await result_of(await self._unary.result(), self.method)

    async def _drain(self) -> None:
        await self._done_writing()
        while await self._next() is not None:
            pass

    def _stop_started(self, abandon: bool) -> None:
        """End the call the open or the send started for a caller that stopped waiting for
        it, and start none from now on.

        ``thread.run`` cancels its task on the thread when the caller is cancelled, but that
        task may have ended already: its answer was on its way back while the caller's loop
        was busy. The call it started would then go on for good (a stream without a deadline
        holds the server's call and a reader thread). Run on the gRPC thread, where ``_start``
        runs, after that cancellation (``call_soon`` keeps the order): it finds the call that
        was started, or makes sure none will be. ``abandon``: nobody will read the responses
        either (the open failed, so ``__aexit__`` will not run), else they are ended for a
        caller that may still read them or leave the block."""
        self._stopped = True
        if self._reader is not None:
            if abandon:
                self._reader.abandon()  # a full handoff no one takes would hold its thread
            else:
                self._reader.cancel()
        elif self._unary is not None:
            self._unary.cancel()

    async def _cancel_and_finish(self) -> None:
        if self._reader is not None and self.result is None:
            self._reader.abandon()
            await self._finish()
        elif self._unary is not None and self.result is None:
            self._unary.cancel()
            await self._finish()

    # --- from any loop ------------------------------------------------------------------

    async def __aenter__(self) -> GrpcStream:
        try:
            await self._client.thread.run(self._open)
        except BaseException:
            # No __aexit__ follows: a call the open started is ended here, or never.
            self._client.thread.call_soon(lambda: self._stop_started(abandon=True))
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._method is None:  # never opened, or its method could not be looked up
                return
            if exc is None:
                if self._rpc is None:
                    self.cancel()
                    raise UsageError(f"{self.full_method} was never sent its message")
                await self._client.thread.run(self._drain)
            else:
                await asyncio.shield(self._client.thread.run(self._cancel_and_finish))
        finally:
            result = self.result
            if result is not None:
                self._client.thread.call_soon(
                    lambda: self._client.note_result(self._endpoint, result, self._pin))

    async def send(self, message: object) -> None:
        """Send one message (a JSON object); ``UsageError`` when it does not fit its type or
        nothing more may be sent, ``StreamError`` when the call has ended."""
        if self._half_closed:
            raise UsageError("The stream was half-closed: nothing more can be sent")
        if self.result is not None:
            raise StreamError(f"The call has ended ({self.result.code}: {self.result.details})")
        method = self.method
        if not method.client_streaming and self._written:
            raise UsageError(f"{self.full_method} takes one message")
        request = method.parse(message)
        self._written = True
        outbox, reader = self._outbox, self._reader
        if outbox is not None and reader is not None:  # no hop: the outbox takes it
            if reader.outcome is not None:
                code, details = reader.outcome[0].name, reader.outcome[1]
                raise StreamError(f"The call has ended ({code}: {details}): the message was "
                                  "not sent")
            outbox.put(request)
            return
        try:
            await self._client.thread.run(lambda: self._write(request))
        except asyncio.CancelledError:
            # The call may have started all the same: it must not run on unseen.
            self._client.thread.call_soon(lambda: self._stop_started(abandon=False))
            raise

    async def done_writing(self) -> None:
        """Half-close: the server is told nothing more will come."""
        self.method  # noqa: B018 - raises when the stream is not open
        self._half_closed = True
        if self._outbox is not None:
            self._outbox.close()

    async def read_all(self, on_response: Callable[[dict[str, Any]], object]) -> None:
        """Read every response until the call ends (``result`` is then set), giving each to
        ``on_response`` in order as it is read: on a thread of the library's (those read
        before this was called, on the caller's), so it must be safe to call from any thread,
        and quick. For a consumer that wants no loop to wake per message, in place of
        ``async for`` (a server stream's thread then hands each response straight over)."""
        self.method  # noqa: B018 - raises when the stream is not open
        reader = self._reader
        if reader is None:
            await self._client.thread.run(lambda: self._read_into(on_response))
            return
        batch, self._batch = self._batch, []
        for data in reversed(batch):  # what ``async for`` had taken and not given yet
            on_response(data)
        reader.handoff.redirect(on_response)
        try:
            await reader.wait()
        except asyncio.CancelledError:
            reader.abandon()
            raise
        if self.result is None:
            self.result = read_result(reader, self.method.pool)

    async def _read_into(self, on_response: Callable[[dict[str, Any]], object]) -> None:
        while (data := await self._next()) is not None:
            on_response(data)

    def cancel(self) -> None:
        """Cancel the call (from any thread); the result's code becomes ``CANCELLED``."""
        if self._reader is not None:
            self._reader.cancel()
            return
        if self._unary is not None:
            self._unary.cancel()

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if self.result is not None and self._rpc is None:
            raise StopAsyncIteration  # it never started: result says why
        if self._method is None or (self._rpc is None and self.result is None):
            raise UsageError("Nothing to read: the call has not started (send its message)")
        if self._reader is not None:
            data = await self._take()  # no hop to the gRPC thread: the reader hands over
        else:
            data = await self._client.thread.run(self._next)
        if data is None:
            raise StopAsyncIteration
        return data
