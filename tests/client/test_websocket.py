"""WebSocket through ``AsyncSession`` (SPEC 1.4, 1.5, 1.7): against the test server's aiohttp
endpoints, and against an independent peer (the ``websockets`` library)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve

from app.client import (
    APIError,
    AsyncSession,
    BearerAuth,
    Request,
    Session,
    StreamError,
    UsageError,
    WebSocketMessage,
    WebSocketMessageType,
    WebSocketResponse,
)


def ws_url(base_url: str) -> str:
    return "ws://" + base_url.removeprefix("http://")


async def hello(ws: WebSocketResponse) -> dict[str, object]:
    greeting = await ws.receive_json(timeout=5)
    assert greeting["hello"] is True
    return greeting  # type: ignore[no-any-return]


# -- aiohttp echo endpoint -------------------------------------------------------------------


async def test_echo_text_binary_and_json(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            greeting = await hello(ws)
            assert greeting == {"hello": True, "authorization": None, "x_test": None}
            assert not ws.closed
            assert ws.protocol is None

            await ws.send_str("hi \u00e9 \U0001f600")
            assert await ws.receive_str(timeout=5) == "hi \u00e9 \U0001f600"

            await ws.send_bytes(b"\x00\xffbinary")
            assert await ws.receive_bytes(timeout=5) == b"\x00\xffbinary"

            value = {"a": [1, 2.5, None, True], "s": "\u65e5\u672c"}
            await ws.send_json(value)
            assert await ws.receive_json(timeout=5) == value
        assert ws.closed


async def test_receive_returns_any_message(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            first = await ws.receive(timeout=5)
            assert isinstance(first, WebSocketMessage)
            assert first.type is WebSocketMessageType.TEXT
            assert json.loads(first.data)["hello"] is True
            await ws.send_bytes(b"raw")
            msg = await ws.receive(timeout=5)
            assert (msg.type, msg.data) == (WebSocketMessageType.BINARY, b"raw")


class TaggedResponse(WebSocketResponse):
    """A derivative, as a terminal is one."""

    tag = "derived"


async def test_response_factory_makes_a_derivative(base_url: str) -> None:
    made: list[str] = []

    def factory(session: object, raw: object, url: str) -> WebSocketResponse:
        made.append(url)
        return TaggedResponse(session, raw, url=url)  # type: ignore[arg-type]

    async with AsyncSession(base_url) as session:
        request = Request(session, "GET", "/ws/echo")
        async with request.connect_websocket(response_factory=factory) as ws:
            assert isinstance(ws, TaggedResponse) and ws.url == made[0]
            await hello(ws)
            await ws.send_str("x")
            assert await ws.receive_str(timeout=5) == "x"
        assert ws.closed


async def test_subprotocol_is_negotiated(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/ws/echo")
        async with rqst.connect_websocket(protocols=("chat",)) as ws:
            assert ws.protocol == "chat"
            await hello(ws)
        async with rqst.connect_websocket(protocols=("nope", "json")) as ws:
            assert ws.protocol == "json"
        async with rqst.connect_websocket(protocols=("nope",)) as ws:
            assert ws.protocol is None


async def test_request_headers_and_auth_reach_the_handshake(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/ws/echo")
        rqst.headers["X-Test"] = "from the request"
        rqst.auth = BearerAuth("tok-123")
        async with rqst.connect_websocket() as ws:
            greeting = await hello(ws)
    assert greeting["x_test"] == "from the request"
    assert greeting["authorization"] == "Bearer tok-123"


async def test_session_headers_and_auth_reach_the_handshake(base_url: str) -> None:
    async with AsyncSession(
        base_url, headers={"X-Test": "session"}, auth=BearerAuth("session-token")
    ) as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            greeting = await hello(ws)
    assert greeting["x_test"] == "session"
    assert greeting["authorization"] == "Bearer session-token"


async def test_on_enter_is_awaited_before_the_socket_is_given(base_url: str) -> None:
    calls: list[WebSocketResponse] = []

    async def on_enter(ws: WebSocketResponse) -> None:
        calls.append(ws)
        await ws.send_str("sent by on_enter")

    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/ws/echo")
        async with rqst.connect_websocket(on_enter=on_enter) as ws:
            assert calls == [ws]
            await hello(ws)
            assert await ws.receive_str(timeout=5) == "sent by on_enter"


async def test_on_enter_failure_closes_the_socket_and_propagates(base_url: str) -> None:
    seen: list[WebSocketResponse] = []

    async def on_enter(ws: WebSocketResponse) -> None:
        seen.append(ws)
        raise RuntimeError("no thanks")

    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/ws/echo")
        with pytest.raises(RuntimeError, match="no thanks"):
            async with rqst.connect_websocket(on_enter=on_enter):
                pytest.fail("the body must not run")
        assert seen and seen[0].closed


async def test_iteration_yields_text_and_binary_and_ends_at_close(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            await ws.send_str("one")
            await ws.send_bytes(b"two")
            await ws.send_str("send-binary")
            await ws.send_str("close 4001 bye")
            messages = [msg async for msg in ws]
            assert all(isinstance(m, WebSocketMessage) for m in messages)
            assert [(m.type, m.data) for m in messages[1:]] == [
                (WebSocketMessageType.TEXT, "one"),
                (WebSocketMessageType.BINARY, b"two"),
                (WebSocketMessageType.BINARY, b"\x00\x01\x02"),
            ]
            assert messages[0].type is WebSocketMessageType.TEXT
            assert json.loads(messages[0].data)["hello"] is True
            assert ws.closed
            assert ws.close_code == 4001
            assert ws.close_reason == "bye"
        # Closing again (the context's exit, then by hand) is harmless.
        await ws.close()
        assert ws.close_code == 4001


async def test_receive_gives_the_close_message_with_code_and_reason(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            await hello(ws)
            await ws.send_str("close 4002 see you later")
            msg = await ws.receive(timeout=5)
            assert msg.type is WebSocketMessageType.CLOSE
            assert (msg.close_code, msg.close_reason, msg.data) == (4002, "see you later", "")
            assert ws.close_code == 4002
            assert ws.close_reason == "see you later"


async def test_receive_after_closing_gives_the_closed_message(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            await hello(ws)
            await ws.close(code=4003)
            msg = await ws.receive(timeout=5)
            assert isinstance(msg, WebSocketMessage)
            assert (msg.type, msg.data, msg.close_code) == (
                WebSocketMessageType.CLOSED, "", ws.close_code)


async def test_receive_str_on_a_binary_frame_raises_stream_error(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            await hello(ws)
            await ws.send_str("send-binary")
            with pytest.raises(StreamError, match="binary"):
                await ws.receive_str(timeout=5)
            # The socket is still usable.
            await ws.send_str("x")
            with pytest.raises(StreamError, match="text"):
                await ws.receive_bytes(timeout=5)
            await ws.send_str("not json")
            with pytest.raises(StreamError, match="JSON"):
                await ws.receive_json(timeout=5)
            await ws.send_str("still here")
            assert await ws.receive_str(timeout=5) == "still here"


async def test_receive_after_the_peer_closed_raises_stream_error(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            await hello(ws)
            await ws.send_str("close 4003 done")
            with pytest.raises(StreamError, match="4003"):
                await ws.receive_str(timeout=5)
            assert ws.closed
            # Again, on the socket that is now closed.
            with pytest.raises(StreamError):
                await ws.receive_str(timeout=5)
            with pytest.raises(StreamError):
                await ws.receive_bytes(timeout=5)
            assert ws.close_code == 4003


async def test_peer_dropping_tcp_makes_receive_raise_stream_error(base_url: str) -> None:
    """``die`` drops the TCP connection without a close frame: the WebSocket broke, which
    SPEC 1.4 reports as StreamError; the session keeps working."""
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            await hello(ws)
            await ws.send_str("die")
            with pytest.raises(StreamError):
                await ws.receive_str(timeout=5)
            assert ws.closed

        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            await hello(ws)
            await ws.send_str("die")
            with pytest.raises(StreamError):
                await ws.receive(timeout=5)

        # The session still works: plain HTTP and a new WebSocket.
        async with Request(session, "GET", "/echo").fetch() as response:
            assert response.status == 200
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            await hello(ws)
            await ws.send_str("alive")
            assert await ws.receive_str(timeout=5) == "alive"


async def test_peer_dropping_tcp_during_iteration_raises_stream_error(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            await ws.send_str("before")
            await ws.send_str("die")
            seen: list[object] = []
            with pytest.raises(StreamError):
                async for msg in ws:
                    seen.append(msg.data)
            assert seen[1:] == ["before"]


async def test_peer_dropping_tcp_gives_close_code_1006(base_url: str) -> None:
    """RFC 6455 7.1.5: with no close frame received, the close code is 1006."""
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            await hello(ws)
            await ws.send_str("die")
            with pytest.raises(StreamError):
                await ws.receive_str(timeout=5)
            assert ws.close_code == 1006


async def test_refused_handshake_raises_api_error_with_data(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        with pytest.raises(APIError) as info:
            async with Request(session, "GET", "/ws/forbidden").connect_websocket():
                pytest.fail("the body must not run")
        assert info.value.status == 403
        assert info.value.data == {"error": "forbidden", "why": "no token"}
        # The session still works.
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            await hello(ws)


async def test_handshake_refused_with_401_raises_api_error(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        with pytest.raises(APIError) as info:
            async with Request(session, "GET", "/status/401").connect_websocket():
                pytest.fail("the body must not run")
        assert info.value.status == 401
        assert info.value.data == {"error": "nope", "code": 401}


async def test_handshake_answered_200_without_upgrade_raises_stream_error(base_url: str) -> None:
    """A 200 is no HTTP error status, but no WebSocket either: the library's own intent
    (``_HandshakeCapture.refused``) is a StreamError."""
    async with AsyncSession(base_url) as session:
        with pytest.raises(StreamError):
            async with Request(session, "GET", "/echo").connect_websocket():
                pytest.fail("the body must not run")


async def test_http_and_ws_urls_both_work(base_url: str) -> None:
    async with AsyncSession() as session:
        for url in (f"{base_url}/ws/echo", f"{ws_url(base_url)}/ws/echo"):
            async with Request(session, "GET", url).connect_websocket() as ws:
                await hello(ws)
                await ws.send_str(url)
                assert await ws.receive_str(timeout=5) == url
    async with AsyncSession(ws_url(base_url)) as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            await hello(ws)


async def test_close_with_a_code_and_closing_twice(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        async with Request(session, "GET", "/ws/echo").connect_websocket() as ws:
            await hello(ws)
            await ws.close(code=4100, message=b"client leaving")
            assert ws.closed
            await ws.close()
            assert ws.closed
            with pytest.raises(StreamError):
                await ws.receive_str(timeout=5)


async def test_connect_websocket_on_a_sync_session_raises_usage_error(base_url: str) -> None:
    with Session(base_url) as session:
        with pytest.raises(UsageError, match="AsyncSession"):
            Request(session, "GET", "/ws/echo").connect_websocket()


async def test_refused_connection_raises_request_error(closed_port: int) -> None:
    from app.client import RequestError

    async with AsyncSession(f"ws://127.0.0.1:{closed_port}") as session:
        with pytest.raises(RequestError):
            async with Request(session, "GET", "/ws").connect_websocket():
                pytest.fail("the body must not run")


# -- an independent peer: the websockets library ---------------------------------------------


async def _websockets_handler(conn: ServerConnection) -> None:
    await conn.send(json.dumps({
        "subprotocol": conn.subprotocol,
        "x_test": conn.request.headers.get("X-Test") if conn.request else None,
        "authorization": conn.request.headers.get("Authorization") if conn.request else None,
    }))
    async for message in conn:
        if message == "bye":
            await conn.close(4000, "done")
            return
        await conn.send(message)


@pytest.fixture
async def peer() -> AsyncIterator[str]:
    server: Server
    async with serve(_websockets_handler, "127.0.0.1", 0,
                     subprotocols=["v2.spyglass", "v1.spyglass"]) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}"


async def test_websockets_library_peer_echo_and_subprotocol(peer: str) -> None:
    async with AsyncSession(peer) as session:
        rqst = Request(session, "GET", "/anything")
        rqst.headers["X-Test"] = "independent"
        rqst.auth = BearerAuth("peer-token")
        async with rqst.connect_websocket(protocols=("v1.spyglass",)) as ws:
            assert ws.protocol == "v1.spyglass"
            first = await ws.receive_json(timeout=5)
            assert first == {"subprotocol": "v1.spyglass", "x_test": "independent",
                             "authorization": "Bearer peer-token"}
            await ws.send_str("text \u00e9")
            assert await ws.receive_str(timeout=5) == "text \u00e9"
            await ws.send_bytes(bytes(range(256)) * 300)
            assert await ws.receive_bytes(timeout=5) == bytes(range(256)) * 300
            await ws.send_json({"k": [1, "2"]})
            assert await ws.receive_json(timeout=5) == {"k": [1, "2"]}
            await ws.send_str("bye")
            rest = [msg async for msg in ws]
            assert rest == []
            assert ws.close_code == 4000
            assert ws.close_reason == "done"


async def test_websockets_library_peer_client_closes(peer: str) -> None:
    async with AsyncSession() as session:
        rqst = Request(session, "GET", peer + "/")
        async with rqst.connect_websocket(protocols=("unknown", "v2.spyglass")) as ws:
            first = await ws.receive_json(timeout=5)
            assert first["subprotocol"] == "v2.spyglass"
            assert ws.protocol == "v2.spyglass"
            await ws.send_str("ping-pong")
            assert await ws.receive_str(timeout=5) == "ping-pong"
        assert ws.closed
        assert ws.close_code == 1000


async def test_websockets_library_peer_refusing_the_handshake_raises_api_error(
    peer: str,
) -> None:
    # The peer requires a subprotocol: offering none is answered 400.
    async with AsyncSession(peer) as session:
        with pytest.raises(APIError) as info:
            async with Request(session, "GET", "/").connect_websocket():
                pytest.fail("the body must not run")
        assert info.value.status == 400
        # The session still works.
        async with Request(session, "GET", "/").connect_websocket(
            protocols=("v2.spyglass",)
        ) as ws:
            assert (await ws.receive_json(timeout=5))["subprotocol"] == "v2.spyglass"
