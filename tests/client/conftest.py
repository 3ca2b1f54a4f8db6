"""One scenario, both session kinds: the ``kind`` fixture runs a test once under ``Session`` and
once under ``AsyncSession``.

A test is written once, as a coroutine, against :class:`SessionKind`: ``kind.open()`` opens the
session, ``kind.fetch()`` enters its fetch context, and the :class:`Reading` it yields reads the
body with ``await`` whatever the kind. Under ``Session`` the calls block, as a synchronous user's
would (the session runs its own loop on its own thread, so blocking the test's loop is fine).
"""

from __future__ import annotations

import os
import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trustme

from app.client import AsyncResponse, AsyncSession, Request, Response, Session, Timeout
from tests.client.server import ServerThread

__all__ = ["Reading", "SessionKind"]

AnySession = Session | AsyncSession


class Reading:
    """A response of either kind, read with ``await``."""

    def __init__(self, response: Response | AsyncResponse) -> None:
        self.response = response

    def __getattr__(self, name: str) -> Any:  # status, reason, headers, url, timings...
        return getattr(self.response, name)

    async def read(self) -> bytes:
        if isinstance(self.response, AsyncResponse):
            return await self.response.read()
        return self.response.read()

    async def text(self) -> str:
        if isinstance(self.response, AsyncResponse):
            return await self.response.text()
        return self.response.text()

    async def json(self) -> Any:
        if isinstance(self.response, AsyncResponse):
            return await self.response.json()
        return self.response.json()

    async def chunks(self, size: int = 65536) -> list[bytes]:
        """The whole body through ``iter_chunks(size)``."""
        if isinstance(self.response, AsyncResponse):
            return [chunk async for chunk in self.response.iter_chunks(size)]
        return list(self.response.iter_chunks(size))

    async def save(self, path: str | os.PathLike[str],
                   progress: Callable[[int, int | None], object] | None = None) -> int:
        if isinstance(self.response, AsyncResponse):
            return await self.response.save(path, progress=progress)
        return self.response.save(path, progress=progress)


class SessionKind:
    """``Session`` or ``AsyncSession``, driven the same way from an async test."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.is_async = name == "async"

    def __repr__(self) -> str:
        return self.name

    def session(self, *args: Any, **kwargs: Any) -> AnySession:
        """A new session of this kind (not entered)."""
        return AsyncSession(*args, **kwargs) if self.is_async else Session(*args, **kwargs)

    @asynccontextmanager
    async def open(self, *args: Any, **kwargs: Any) -> AsyncIterator[AnySession]:
        """``with Session(...)`` or ``async with AsyncSession(...)``."""
        session = self.session(*args, **kwargs)
        if isinstance(session, AsyncSession):
            async with session:
                yield session
        else:
            with session:
                yield session

    async def close(self, session: AnySession) -> None:
        if isinstance(session, AsyncSession):
            await session.close()
        else:
            session.close()

    @asynccontextmanager
    async def fetch(
        self, request: Request[Any], *, check_status: bool = True,
        timeout: Timeout | float | None = None,
    ) -> AsyncIterator[Reading]:
        """``with request.fetch()`` or ``async with request.fetch()``."""
        context = request.fetch(check_status=check_status, timeout=timeout)
        if isinstance(request.session, AsyncSession):
            async with context as async_response:
                yield Reading(async_response)
        else:
            with context as response:
                yield Reading(response)

    async def works(self, session: AnySession) -> None:
        """The session still answers a normal request."""
        request = Request(session, "GET", "/echo", params={"alive": "yes"})
        async with self.fetch(request) as response:
            assert response.status == 200
            assert (await response.json())["query"] == [["alive", "yes"]]


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> SessionKind:
    """Each test that asks for it runs under ``Session`` and under ``AsyncSession``."""
    return SessionKind(request.param)


@pytest.fixture(scope="session")
def mtls_server(tls_ca: trustme.CA) -> Iterator[ServerThread]:
    """HTTPS that requires a client certificate issued by the test CA."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    ctx.verify_mode = ssl.CERT_REQUIRED
    tls_ca.configure_trust(ctx)
    srv = ServerThread(ssl_context=ctx).start()
    yield srv
    srv.stop()
