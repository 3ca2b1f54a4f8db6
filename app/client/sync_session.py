"""The synchronous session: the same API as :class:`AsyncSession`, run on a private loop.

:class:`Session` owns a daemon thread running a private event loop with an
:class:`AsyncSession` on it; each call is submitted as its own coroutine and waited on through
its own future, so a ``Session`` can be shared between threads and a forgotten one never keeps
the process alive.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TypeVar

from yarl import URL

from .auth import Auth
from .cookies import Cookies
from .errors import UsageError
from .limits import Limits
from .session import AsyncSession, Timeout
from .tls import ClientCertArg

__all__ = ["Session", "core_of"]

T = TypeVar("T")


class Session:
    """A synchronous session: the same API as :class:`AsyncSession`, run on a private loop."""

    def __init__(
        self,
        endpoint: str | URL | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        auth: Auth | tuple[str, str] | None = None,
        timeout: Timeout | float | None = None,
        verify: bool = True,
        ca_file: str | None = None,
        client_cert: ClientCertArg | None = None,
        proxy: str | URL | None = None,
        proxy_auth: tuple[str, str] | None = None,
        trust_env: bool = False,
        cookies: bool = True,
        follow_redirects: bool = True,
        limits: Limits | None = None,
    ) -> None:
        self._core = AsyncSession(
            endpoint,
            headers=headers,
            auth=auth,
            timeout=timeout,
            verify=verify,
            ca_file=ca_file,
            client_cert=client_cert,
            proxy=proxy,
            proxy_auth=proxy_auth,
            trust_env=trust_env,
            cookies=cookies,
            follow_redirects=follow_redirects,
            limits=limits,
        )
        # The platform's own loop, whatever policy the process installed (a Qt application
        # running qasync would otherwise hand this thread a loop that only Qt can drive).
        self._loop = asyncio.DefaultEventLoopPolicy().new_event_loop()
        self._thread = threading.Thread(
            target=_run_loop, args=(self._loop,), name="spyglass-session", daemon=True
        )
        self._thread.start()
        self._closed = False
        self._finalizer = weakref.finalize(self, _shutdown, self._loop, self._thread, self._core)

    # The configuration lives on the async core; these read it through.
    endpoint = property(lambda self: self._core.endpoint)
    headers = property(lambda self: self._core.headers)
    auth = property(lambda self: self._core.auth)
    limits = property(lambda self: self._core.limits)
    proxy = property(lambda self: self._core.proxy)

    @property
    def cookies(self) -> Cookies:
        """The session's cookies (see :class:`~app.client.cookies.Cookies`); every call goes
        through the session's loop, so it is safe from any thread but the loop's own."""
        core = self._core
        return Cookies(lambda: core.cookie_jar, self._call)

    def _call(self, action: Callable[[], T]) -> T:
        return self.run(_call_async(action))

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and stop the worker thread. Harmless when called twice."""
        if self._closed:
            return
        self._closed = True
        self._finalizer()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the session's loop and wait for its own result."""
        if self._closed:
            coro.close()
            raise UsageError("this session is closed: open a new one to send requests")
        if threading.current_thread() is self._thread:
            coro.close()
            raise UsageError(
                "a synchronous Session cannot be called from its own worker thread "
                "(for example from a reporthook): use AsyncSession there"
            )
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise


def core_of(session: Session | AsyncSession) -> AsyncSession:
    """The asynchronous session that does the I/O for ``session``."""
    if isinstance(session, AsyncSession):
        return session
    if isinstance(session, Session):
        return session._core
    raise UsageError(f"a Request needs a Session or an AsyncSession, not {type(session).__name__}")


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def _shutdown(
    loop: asyncio.AbstractEventLoop, thread: threading.Thread, core: AsyncSession
) -> None:
    """Close the core session on its loop, then stop the loop (also run at interpreter exit)."""
    if loop.is_closed() or not thread.is_alive():
        return
    future = asyncio.run_coroutine_threadsafe(core.close(), loop)
    try:
        future.result(timeout=5)
    except Exception:
        future.cancel()
    loop.call_soon_threadsafe(loop.stop)
    if threading.current_thread() is not thread:
        thread.join(timeout=5)


async def _call_async(action: Callable[[], T]) -> T:
    return action()
