"""The size limit on one received WebSocket message, ``Limits.websocket_message``: a message
past it ends the connection (code 1009) with a ``StreamError`` of kind ``TOO_LARGE`` that
names the limit and the setting; a raised limit, or none, lets it through; a message of
exactly the limit passes; fragments count joined. (The session offers no permessage-deflate,
so what arrives is the size counted.)"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from websockets.asyncio.server import ServerConnection, serve

from app.client import AsyncSession, ErrorKind, Limits, Request, StreamError

MIB = 1 << 20


async def _sends(request: web.Request) -> web.WebSocketResponse:
    """Sends "before", then one binary message of ``?size=`` bytes (a text message with
    ``?text=1``), then "after"."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    size = int(request.query["size"])
    await ws.send_str("before")
    if "text" in request.query:
        await ws.send_str("y" * size)
    else:
        await ws.send_bytes(b"x" * size)
    await ws.send_str("after")
    async for _ in ws:
        pass
    return ws


@pytest.fixture
async def ws_url() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/sends", _sends)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    yield f"ws://127.0.0.1:{port}/sends"
    await runner.cleanup()


async def _receive_all(url: str, limits: Limits | None = None) -> list[str | bytes]:
    async with AsyncSession(limits=limits) as session:
        async with Request(session, "GET", url).connect_websocket() as ws:
            return [await ws.receive_str(timeout=10), await ws.receive_bytes(timeout=10),
                    await ws.receive_str(timeout=10)]


def test_the_default_is_4_mib_and_values_are_checked() -> None:
    assert Limits().websocket_message == 4 * MIB
    assert Limits(websocket_message=None).websocket_message is None
    for bad in (0, -1, 1.5, True, "4"):
        with pytest.raises(ValueError, match="websocket_message"):
            Limits(websocket_message=bad)  # type: ignore[arg-type]


async def test_a_message_over_the_default_limit_ends_the_connection(ws_url: str) -> None:
    async with AsyncSession() as session:
        async with Request(session, "GET", f"{ws_url}?size={5 * MIB}").connect_websocket() as ws:
            assert ws.message_limit == 4 * MIB
            assert await ws.receive_str(timeout=10) == "before"
            with pytest.raises(StreamError) as caught:
                await ws.receive(timeout=10)
            assert ws.closed
            assert ws.close_code == 1009
    error = caught.value
    assert error.kind is ErrorKind.TOO_LARGE
    assert error.url == f"{ws_url}?size={5 * MIB}"
    message = str(error)
    assert "a message larger than 4 MiB" in message
    assert "Limits(websocket_message=...)" in message
    assert "1009" in message


async def test_a_raised_limit_lets_the_message_through(ws_url: str) -> None:
    url = f"{ws_url}?size={5 * MIB}"
    received = await _receive_all(url, Limits(websocket_message=6 * MIB))
    assert received == ["before", b"x" * (5 * MIB), "after"]
    assert (await _receive_all(url, Limits(websocket_message=None)))[1] == b"x" * (5 * MIB)


async def test_a_lowered_limit_applies_to_text_and_to_the_next_connection(ws_url: str) -> None:
    async with AsyncSession() as session:
        # Within the default: received whole.
        async with Request(session, "GET", f"{ws_url}?size={2 * MIB}&text=1"
                           ).connect_websocket() as ws:
            assert await ws.receive_str(timeout=10) == "before"
            assert len(await ws.receive_str(timeout=10)) == 2 * MIB
        session.limits = Limits(websocket_message=MIB)
        async with Request(session, "GET", f"{ws_url}?size={2 * MIB}&text=1"
                           ).connect_websocket() as ws:
            assert await ws.receive_str(timeout=10) == "before"
            with pytest.raises(StreamError, match="larger than 1 MiB") as caught:
                await ws.receive_str(timeout=10)
    assert caught.value.kind is ErrorKind.TOO_LARGE


async def test_a_message_of_exactly_the_limit_passes(ws_url: str) -> None:
    limits = Limits(websocket_message=MIB)
    assert (await _receive_all(f"{ws_url}?size={MIB}", limits))[1] == b"x" * MIB
    with pytest.raises(StreamError, match="larger than 1 MiB"):
        await _receive_all(f"{ws_url}?size={MIB + 1}", limits)


async def _fragmented(conn: ServerConnection) -> None:
    """An independent peer sends 6 MiB as six fragments of 1 MiB, each within the limit."""
    await conn.send(b"x" * MIB for _ in range(6))
    await conn.wait_closed()


async def test_a_fragmented_message_counts_its_joined_size() -> None:
    async with serve(_fragmented, "127.0.0.1", 0, max_size=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        url = f"ws://127.0.0.1:{port}/"
        async with AsyncSession() as session:
            async with Request(session, "GET", url).connect_websocket() as ws:
                with pytest.raises(StreamError, match="larger than 4 MiB") as caught:
                    await ws.receive(timeout=10)
        assert caught.value.kind is ErrorKind.TOO_LARGE
        async with AsyncSession(limits=Limits(websocket_message=6 * MIB)) as session:
            async with Request(session, "GET", url).connect_websocket() as ws:
                assert await ws.receive_bytes(timeout=10) == b"x" * (6 * MIB)


async def test_a_peer_closing_with_1009_is_a_close_not_our_limit() -> None:
    """A server whose own limit we passed closes with 1009: a close message, not TOO_LARGE."""
    app = web.Application()

    async def small(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=1024)
        await ws.prepare(request)
        async for _ in ws:
            pass
        return ws

    app.router.add_get("/small", small)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        async with AsyncSession() as session:
            async with Request(session, "GET", f"ws://127.0.0.1:{port}/small"
                               ).connect_websocket() as ws:
                await ws.send_bytes(b"z" * 4096)
                msg = await ws.receive(timeout=10)
        assert (msg.type.value, msg.close_code) == ("close", 1009)
    finally:
        await runner.cleanup()
