"""The thread gRPC runs on, with an asyncio loop of its own.

grpc's asyncio support is not known to work on Qt's loop (qasync), so no grpc.aio object is
ever made or used there: channels, reflection, and the first call of each method are
coroutines run on this thread's loop, which the caller's loop (any loop, on any thread)
awaits. Cancelling the caller's task cancels the task on this thread, which cancels the
call. (The calls themselves are made on grpcio's synchronous API, which any thread may use:
a unary method called before is called again from the caller's loop, :mod:`._unary`.)
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from app.client.errors import UsageError

__all__ = ["LoopThread"]

T = TypeVar("T")


class LoopThread:
    """A daemon thread running an event loop, started on first use and restartable after
    :meth:`stop`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._loop is not None

    def loop(self) -> asyncio.AbstractEventLoop:
        """The thread's loop, starting the thread when it is not running."""
        with self._lock:
            if self._loop is None:
                # The platform's own loop: under qasync, new_event_loop() gives a Qt loop.
                loop = asyncio.DefaultEventLoopPolicy().new_event_loop()
                ready = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                thread = threading.Thread(target=run, name=self.name, daemon=True)
                thread.start()
                ready.wait()
                self._loop, self._thread = loop, thread
            return self._loop

    def on_thread(self) -> bool:
        """Whether the caller runs on this thread (where its coroutines are awaited directly)."""
        return self._thread is threading.current_thread()

    async def run(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run ``make()`` on the thread and await it from the caller's loop; cancelling the
        caller cancels it there.

        ``make`` is called on the thread, so no coroutine is left never awaited. (Two
        ``call_soon_threadsafe`` and one future: lighter than ``run_coroutine_threadsafe``
        and ``wrap_future``, which a call of a few hundred microseconds feels.)"""
        if self.on_thread():
            return await make()
        loop = self.loop()
        caller = asyncio.get_running_loop()
        outcome: asyncio.Future[T] = caller.create_future()
        started: list[asyncio.Task[None]] = []

        def settle(value: Any, error: BaseException | None, cancelled: bool) -> None:
            if outcome.done():
                return  # the caller has gone: nobody wants it
            if cancelled:
                outcome.cancel()
            elif error is not None:
                outcome.set_exception(error)
            else:
                outcome.set_result(value)

        def hand_back(value: Any, error: BaseException | None, cancelled: bool) -> None:
            # A caller's loop closed meanwhile wants nothing back.
            with contextlib.suppress(RuntimeError):
                caller.call_soon_threadsafe(settle, value, error, cancelled)

        async def body() -> None:
            # Hands back as it ends (a done callback would cost the thread's loop one more
            # turn per call).
            try:
                value = await make()
            except asyncio.CancelledError:
                hand_back(None, None, True)
                raise
            except Exception as exc:  # the caller's to handle
                hand_back(None, exc, False)
            else:
                hand_back(value, None, False)

        def start() -> None:
            if outcome.cancelled():
                return
            started.append(loop.create_task(body()))

        def cancel() -> None:
            for task in started:
                task.cancel()

        loop.call_soon_threadsafe(start)
        try:
            return await outcome
        except asyncio.CancelledError:
            # Runs after start() (one loop keeps their order), so it finds the task.
            self.call_soon(cancel)
            raise

    def call_soon(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` on the thread soon (nothing when it is not running)."""
        loop = self._loop
        if loop is None:
            return
        if self.on_thread():
            loop.call_soon(callback)
        else:
            # A loop closed meanwhile has nothing left to act on.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(callback)

    def stop(self, cleanup: Callable[[], Awaitable[None]] | None, timeout: float) -> None:
        """Run ``cleanup()`` on the thread, then stop its loop and wait for it (at most
        ``timeout`` seconds each); harmless when it is not running."""
        if self.on_thread():
            raise UsageError("the gRPC thread cannot stop itself: call close() from another")
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        try:
            if cleanup is not None:

                async def clean() -> None:
                    await cleanup()

                future = asyncio.run_coroutine_threadsafe(clean(), loop)
                try:
                    future.result(timeout)
                except TimeoutError:
                    future.cancel()
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
            if not thread.is_alive():
                loop.close()
