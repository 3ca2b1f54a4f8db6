"""Uses of the library that must type-check under ``mypy --strict`` without a single cast
(checked by ``test_typing.py``, never run): a ``Session`` gives values, an ``AsyncSession``
gives coroutines, each with its own response class."""

from __future__ import annotations

from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, assert_type

from app.client import (
    AsyncResponse,
    AsyncSession,
    ClientCertificate,
    Cookie,
    ErrorKind,
    Request,
    RequestError,
    Response,
    Session,
    WebSocketMessage,
    WebSocketMessageType,
)


def sync_use(session: Session) -> int:
    request = Request(session, "GET", "/echo")
    with request.fetch() as response:
        assert_type(response, Response)
        assert_type(response.read(), bytes)
        assert_type(response.text(), str)
        assert_type(response.iter_chunks(), Iterator[bytes])
        assert_type(response.save("/tmp/x"), int)
        return len(response.read()) + response.status


async def async_use(session: AsyncSession) -> int:
    request = Request(session, "POST", "/echo")
    async with request.fetch() as response:
        assert_type(response, AsyncResponse)
        body = await assert_type(response.read(), Coroutine[Any, Any, bytes])
        assert_type(await response.text(), str)
        assert_type(response.iter_chunks(), AsyncIterator[bytes])
        total = 0
        async for chunk in response.iter_chunks(1024):
            total += len(chunk)
        return len(body) + total + await response.save("/tmp/x")


async def websocket_use(session: AsyncSession) -> str:
    async with Request(session, "GET", "/ws").connect_websocket() as ws:
        msg = await ws.receive()
        assert_type(msg, WebSocketMessage)
        if msg.type is WebSocketMessageType.TEXT and isinstance(msg.data, str):
            return msg.data.upper()
        async for each in ws:
            assert_type(each, WebSocketMessage)
        return msg.close_reason


def kind_of(exc: RequestError) -> str:
    assert_type(exc.kind, ErrorKind)
    return "late" if exc.kind is ErrorKind.TIMEOUT else exc.kind.value


def network_options() -> list[Cookie]:
    """Proxies, client certificates and the cookie jar, in each form SPEC 7.2-7.3 gives."""
    with Session("https://h", proxy="socks5://p:1080", proxy_auth=("u", "p"), trust_env=True,
                 client_cert=ClientCertificate("c.p12", password="pw"), cookies=False) as s:
        s.cookies.set("a", "1", domain="h", expires=1.5, same_site="Lax")
        assert_type(s.cookies.delete("a"), int)
        assert_type(s.cookies.get("a"), Cookie | None)
        s.cookies.clear(domain="h")
    AsyncSession(client_cert=("c.pem", "k.pem", "passphrase"))
    AsyncSession(client_cert=("c.pem", "k.pem"))
    return assert_type(AsyncSession(client_cert="both.pem").cookies.list(), list[Cookie])
