"""Interactive calls: :class:`GrpcStream`, what :func:`app.grpc.open_stream` gives.

Every step (open, send, half-close, read) is a coroutine on the gRPC thread awaited from the
caller's loop; the messages are checked against their type on the caller's side, before
anything is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

import grpc

from app.client.errors import RequestError, StreamError, UsageError

from .client import CallResult, Endpoint, GrpcClient, PathText, Resolved, ended, unreached

__all__ = ["GrpcStream"]


def _being_cancelled() -> bool:
    """Whether the running task was asked to stop (grpc also raises ``CancelledError`` for a
    call that :meth:`GrpcStream.cancel` ended, which is not a reason to stop)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


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
    has ended (None before), its ``responses`` all those read.
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
    ) -> None:
        self._client = client
        self._endpoint = endpoint
        self.full_method = full_method
        self._protos, self._import_paths = protos, import_paths
        self._metadata, self._timeout = metadata, timeout
        self._method: Resolved | None = None
        self._rpc: Any = None
        self._responses: list[dict[str, Any]] = []
        self._written = False
        self._half_closed = False
        self.result: CallResult | None = None

    @property
    def method(self) -> Resolved:
        if self._method is None:
            raise UsageError("The stream is not open: use it as `async with open_stream(...)`")
        return self._method

    # --- on the gRPC thread -------------------------------------------------------------

    async def _open(self) -> None:
        try:
            self._method = await self._client.resolve(
                self._endpoint, self.full_method, self._protos, self._import_paths,
                self._metadata, self._timeout)
        except RequestError as exc:
            self.result = unreached(exc)
            return
        if self._method.client_streaming:
            self._start(None)

    def _start(self, request: Any) -> None:
        invoke = self._client.channel(self._endpoint).callable_for(self.method)
        if request is None:
            self._rpc = invoke(metadata=self._metadata, timeout=self._timeout)
        else:
            self._rpc = invoke(request, metadata=self._metadata, timeout=self._timeout)

    async def _write(self, request: Any) -> None:
        if self._rpc is None:
            self._start(request)
            return
        try:
            await self._rpc.write(request)
        except (grpc.aio.AioRpcError, asyncio.InvalidStateError, asyncio.CancelledError):
            if _being_cancelled():
                raise
            await self._finish()
            assert self.result is not None
            raise StreamError(f"The call has ended ({self.result.code}: "
                              f"{self.result.details}): the message was not sent") from None

    async def _done_writing(self) -> None:
        if self._rpc is not None and self.method.client_streaming and self.result is None:
            # One that has ended already: reading says how.
            try:
                await self._rpc.done_writing()
            except (grpc.aio.AioRpcError, asyncio.InvalidStateError, asyncio.CancelledError):
                if _being_cancelled():
                    raise

    async def _next(self) -> dict[str, Any] | None:
        rpc = self._rpc
        if self.result is not None or rpc is None:
            return None
        method = self.method
        try:
            if method.server_streaming:
                response = await rpc.read()
                if response is grpc.aio.EOF:
                    await self._finish()
                    return None
            else:
                response = await rpc
        except grpc.aio.AioRpcError:
            await self._finish()
            return None
        except asyncio.CancelledError:
            if _being_cancelled():
                rpc.cancel()
                raise
            # grpc raises this for a call cancelled by cancel(): it has ended.
            await self._finish()
            return None
        data = method.json(response)
        self._responses.append(data)
        if not method.server_streaming:
            await self._finish()
        return data

    async def _finish(self) -> None:
        if self.result is None and self._rpc is not None:
            self.result = await ended(self._rpc, self._responses, self.method.pool)

    async def _drain(self) -> None:
        await self._done_writing()
        while await self._next() is not None:
            pass

    async def _cancel_and_finish(self) -> None:
        if self._rpc is not None and self.result is None:
            self._rpc.cancel()
            await self._finish()

    # --- from any loop ------------------------------------------------------------------

    async def __aenter__(self) -> GrpcStream:
        await self._client.thread.run(self._open)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._method is None:
            return
        if exc is None:
            if self._rpc is None:
                self.cancel()
                raise UsageError(f"{self.full_method} was never sent its message")
            await self._client.thread.run(self._drain)
        else:
            await asyncio.shield(self._client.thread.run(self._cancel_and_finish))

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
        await self._client.thread.run(lambda: self._write(request))

    async def done_writing(self) -> None:
        """Half-close: the server is told nothing more will come."""
        self.method  # noqa: B018 - raises when the stream is not open
        self._half_closed = True
        await self._client.thread.run(self._done_writing)

    def cancel(self) -> None:
        """Cancel the call (from any thread); the result's code becomes ``CANCELLED``."""
        rpc = self._rpc
        if rpc is not None:
            self._client.thread.call_soon(rpc.cancel)

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if self.result is not None and self._rpc is None:
            raise StopAsyncIteration  # it never started: result says why
        if self._method is None or (self._rpc is None and self.result is None):
            raise UsageError("Nothing to read: the call has not started (send its message)")
        data = await self._client.thread.run(self._next)
        if data is None:
            raise StopAsyncIteration
        return data
