"""connect_terminal (SPEC 6.3): against terminado running bash, and against small aiohttp
servers for every protocol's framing and for the failure paths."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from app.client import APIError, AsyncSession, BearerAuth, Request, Session, StreamError, UsageError
from app.client.errors import RequestTimeout
from app.client.websocket import WebSocketResponse
from app.terminal import (
    PROTOCOLS,
    Error,
    Event,
    Exit,
    Output,
    TerminalResponse,
    Title,
    connect_terminal,
)
from app.terminal.protocols import BackendAICodec, KubernetesCodec, TtydCodec

from .conftest import serve

# -- terminado running bash: a real terminal peer ------------------------------------------


async def test_terminado_echo_resize_and_exit(terminado_url: str) -> None:
    async with AsyncSession(terminado_url) as session:
        request = Request(session, "GET", "/websocket")
        async with connect_terminal(request, "terminado", rows=24, cols=80) as term:
            assert isinstance(term, TerminalResponse) and isinstance(term, WebSocketResponse)
            await term.wait_for("$ ")
            await term.send_input("echo $((6 * 7))\r")
            assert await term.wait_for("42") == "42"

            await term.resize(30, 100)
            assert term.screen_size == (30, 100)
            assert len(term.screen.display) == 30
            await term.send_input(b"stty size\r")
            assert await term.wait_for(re.compile(r"^30 100", re.M)) == "30 100"

            # Input split inside a UTF-8 character reaches bash whole.
            word = "h\u00e9llo".encode()
            await term.send_input(b"echo " + word[:2])
            await term.send_input(word[2:] + b"\r")
            await term.wait_for(re.compile(r"^h\u00e9llo +$", re.M))  # lines are padded

            assert term.exit_code is None and not term.ended
            await term.send_input("exit\r")
            with pytest.raises(StreamError, match="closed before"):
                await term.wait_for("never printed", timeout=10)
            assert term.ended and term.failure is None
            assert term.exit_code is None  # terminado does not say the status
            assert term.exit_message is not None and "disconnect" in term.exit_message
            assert term.errors == []
        assert term.closed


async def test_terminado_leaving_the_context_closes(terminado_url: str) -> None:
    async with AsyncSession(terminado_url) as session:
        request = Request(session, "GET", "/websocket")
        async with connect_terminal(request, "terminado") as term:
            await term.wait_for("$ ")
        assert term.closed
        await term.close()  # idempotent
        await term.close()


# -- the calls that fail before anything is sent -------------------------------------------


async def test_unknown_protocol_names_the_known_ones() -> None:
    async with AsyncSession("http://127.0.0.1:9") as session:
        with pytest.raises(UsageError) as info:
            connect_terminal(Request(session, "GET", "/"), "telnet")
    for name in PROTOCOLS:
        assert name in str(info.value)
    assert "'telnet'" in str(info.value)


def test_sync_session_is_refused() -> None:
    with Session("http://127.0.0.1:9") as session:
        with pytest.raises(UsageError, match="AsyncSession"):
            connect_terminal(Request(session, "GET", "/"), "raw")


async def test_bad_size_is_refused() -> None:
    async with AsyncSession("http://127.0.0.1:9") as session:
        request = Request(session, "GET", "/")
        for rows, cols in ((0, 80), (24, -1), (24, 8.5), (True, 80)):
            with pytest.raises(ValueError, match="positive whole number"):
                connect_terminal(request, "raw", rows=rows, cols=cols)  # type: ignore[arg-type]


async def test_refused_handshake_is_api_error() -> None:
    async def refuse(request: web.Request) -> web.StreamResponse:
        return web.json_response({"error": "no terminal for you"}, status=403)

    async with serve(refuse) as url, AsyncSession(url) as session:
        with pytest.raises(APIError) as info:
            async with connect_terminal(Request(session, "GET", "/term"), "ttyd"):
                pass
    assert info.value.status == 403
    assert info.value.data == {"error": "no terminal for you"}


# -- a small server per test ------------------------------------------------------------------


class Peer:
    """A WebSocket endpoint whose behaviour is a coroutine; it records what it received."""

    def __init__(self, script: Any, protocols: tuple[str, ...] = ()) -> None:
        self.script = script
        self.protocols = protocols
        self.received: list[str | bytes] = []
        self.times: list[float] = []
        self.headers: dict[str, str] = {}

    async def handler(self, request: web.Request) -> web.StreamResponse:
        self.headers = dict(request.headers)
        ws = web.WebSocketResponse(protocols=self.protocols)
        await ws.prepare(request)
        await self.script(ws, self)
        return ws

    async def receive(self, ws: web.WebSocketResponse) -> str | bytes:
        msg = await ws.receive(timeout=5)
        assert msg.type in (WSMsgType.TEXT, WSMsgType.BINARY), msg
        self.received.append(msg.data)
        self.times.append(time.monotonic())
        return msg.data  # type: ignore[no-any-return]

    async def drain(self, ws: web.WebSocketResponse) -> None:
        """Record what comes until the client closes."""
        async for msg in ws:
            self.received.append(msg.data)
            self.times.append(time.monotonic())


async def test_closed_mid_session_fails_wait_for_at_once() -> None:
    async def script(ws: web.WebSocketResponse, peer: Peer) -> None:
        await ws.send_bytes(b"hello before closing\r\n")
        await ws.close(code=1011, message=b"gone")

    peer = Peer(script)
    async with serve(peer.handler) as url, AsyncSession(url) as session:
        async with connect_terminal(Request(session, "GET", "/term")) as term:
            started = time.monotonic()
            with pytest.raises(StreamError) as info:
                await term.wait_for("never", timeout=30)
            assert time.monotonic() - started < 5
            message = str(info.value)
            assert "hello before closing" in message and "1011" in message and "gone" in message
            assert term.ended and term.failure is None


async def test_connection_lost_without_close_frame_is_a_failure() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_bytes(b"partial output")
        assert request.transport is not None
        request.transport.abort()  # no close frame: the connection just drops
        return ws

    async with serve(handler) as url, AsyncSession(url) as session:
        async with connect_terminal(Request(session, "GET", "/term")) as term:
            with pytest.raises(StreamError) as info:
                await term.wait_for("never", timeout=30)
            assert "partial output" in str(info.value) and "without a close" in str(info.value)
            assert isinstance(term.failure, StreamError)


async def test_wait_for_times_out_with_the_screen() -> None:
    async def script(ws: web.WebSocketResponse, peer: Peer) -> None:
        await ws.send_str("visible text")
        await peer.drain(ws)

    peer = Peer(script)
    async with serve(peer.handler) as url, AsyncSession(url) as session:
        async with connect_terminal(Request(session, "GET", "/term")) as term:
            await term.wait_for("visible")
            with pytest.raises(RequestTimeout) as info:
                await term.wait_for(re.compile("absent"), timeout=0.2)
            assert "visible text" in str(info.value) and "/absent/" in str(info.value)
            with pytest.raises(UsageError):
                await term.wait_for(b"bytes")  # type: ignore[arg-type]
            with pytest.raises(UsageError):
                await term.send_input(5)  # type: ignore[arg-type]
            with pytest.raises(ValueError):
                await term.resize(0, 10)
        # After closing, waiting fails at once rather than waiting out the timeout.
        with pytest.raises(StreamError):
            await term.wait_for("absent", timeout=30)


async def test_malformed_frames_are_error_events_and_the_session_goes_on() -> None:
    async def script(ws: web.WebSocketResponse, peer: Peer) -> None:
        await peer.receive(ws)  # set_size
        await ws.send_str("not json")
        await ws.send_bytes(b'["stdout", "binary"]')
        await ws.send_str('["stdout", "still here"]')
        await peer.drain(ws)

    peer = Peer(script)
    events: list[Event] = []
    frames: list[tuple[str, str | bytes]] = []
    async with serve(peer.handler) as url, AsyncSession(url) as session:
        async with connect_terminal(Request(session, "GET", "/term"), "terminado") as term:
            term.on_event(events.append)
            unsubscribe = term.on_frame(lambda d, f: frames.append((d, f)))
            await term.wait_for("still here")
            assert [type(e) for e in term.errors] == [Error, Error]
            assert "not JSON" in term.errors[0].message
            assert "binary" in term.errors[1].message
            assert events[:2] == term.errors and events[2] == Output(b"still here")
            assert ("in", "not json") in frames and ("in", '["stdout", "still here"]') in frames
            unsubscribe()
            unsubscribe()
            await term.send_input("x")
            assert ("out", '["stdin", "x"]') not in frames
            assert not term.ended


async def test_a_failing_subscriber_is_reported_and_the_session_goes_on() -> None:
    async def script(ws: web.WebSocketResponse, peer: Peer) -> None:
        await ws.send_bytes(b"one ")
        await ws.send_bytes(b"two")
        await peer.drain(ws)

    reported: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))

    def broken(event: Event) -> None:
        raise RuntimeError("subscriber bug")

    peer = Peer(script)
    try:
        async with serve(peer.handler) as url, AsyncSession(url) as session:
            async with connect_terminal(Request(session, "GET", "/term")) as term:
                term.on_event(broken)
                await term.wait_for("one two")
    finally:
        loop.set_exception_handler(None)
    assert reported and isinstance(reported[0]["exception"], RuntimeError)


async def test_keepalive_is_sent_on_time() -> None:
    async def script(ws: web.WebSocketResponse, peer: Peer) -> None:
        await peer.drain(ws)

    peer = Peer(script)
    codec = BackendAICodec()
    codec.keepalive_interval = 0.1
    async with serve(peer.handler) as url, AsyncSession(url) as session:
        async with connect_terminal(Request(session, "GET", "/term"), codec, rows=5,
                                    cols=40) as term:
            opened = time.monotonic()
            await asyncio.sleep(0.55)
            await term.send_input("ls\r")
            await asyncio.sleep(0.05)
    messages = [json.loads(m) for m in peer.received]
    assert messages[0] == {"type": "resize", "rows": 5, "cols": 40}
    pings = [t for m, t in zip(messages, peer.times, strict=True) if m == {"type": "ping"}]
    assert 3 <= len(pings) <= 6, messages
    gaps = [b - a for a, b in zip([opened, *pings], pings, strict=False)]
    assert all(0.05 < gap < 0.4 for gap in gaps), gaps
    assert {"type": "stdin", "chars": base64.b64encode(b"ls\r").decode()} in messages


async def test_device_status_query_is_answered_as_input() -> None:
    answers: asyncio.Queue[str | bytes] = asyncio.Queue()

    async def script(ws: web.WebSocketResponse, peer: Peer) -> None:
        await ws.send_bytes(b"ab\x1b[6n")
        await answers.put(await peer.receive(ws))
        await peer.drain(ws)

    peer = Peer(script)
    async with serve(peer.handler) as url, AsyncSession(url) as session:
        async with connect_terminal(Request(session, "GET", "/term"), "raw"):
            answer = await asyncio.wait_for(answers.get(), 5)
    assert answer == b"\x1b[1;3R"


async def test_headers_and_auth_reach_the_server() -> None:
    async def script(ws: web.WebSocketResponse, peer: Peer) -> None:
        await peer.drain(ws)

    peer = Peer(script)
    async with serve(peer.handler) as url, AsyncSession(url, auth=BearerAuth("tok")) as session:
        request = Request(session, "GET", "/term")
        request.headers["X-Trace"] = "t1"
        async with connect_terminal(request, "raw"):
            pass
    assert peer.headers["Authorization"] == "Bearer tok"
    assert peer.headers["X-Trace"] == "t1"


# -- the protocols' framing end to end (negotiation, opening, title, exit status) ----------


async def test_ttyd_end_to_end() -> None:
    async def script(ws: web.WebSocketResponse, peer: Peer) -> None:
        hello = json.loads(await peer.receive(ws))
        assert hello == {"AuthToken": "tok", "columns": 90, "rows": 20}
        await ws.send_bytes(b"1bash (box)")
        await ws.send_bytes(b'2{"fontSize": 15}')
        await ws.send_bytes(b"0$ ")
        assert await peer.receive(ws) == b"0ls\r"
        await ws.send_bytes(b"0\x1b]0;vim\x07file.txt")
        await peer.drain(ws)

    peer = Peer(script, protocols=("tty",))
    codec = TtydCodec()
    codec.auth_token = "tok"
    async with serve(peer.handler) as url, AsyncSession(url) as session:
        async with connect_terminal(Request(session, "GET", "/term"), codec, rows=20,
                                    cols=90) as term:
            assert term.protocol == "tty"
            await term.wait_for("$ ")
            assert term.title == "bash (box)"
            await term.send_input("ls\r")
            await term.wait_for("file.txt")
            assert term.title == "vim"  # the program's own title is newer
            await term.resize(21, 91)
            await asyncio.sleep(0.05)
    assert json.loads(peer.received[-1][1:]) == {"columns": 91, "rows": 21}


@pytest.mark.parametrize(("offered", "binary"), [
    (("v4.channel.k8s.io",), True), (("base64.channel.k8s.io",), False)])
async def test_kubernetes_negotiates_and_reports_the_exit_status(
        offered: tuple[str, ...], binary: bool) -> None:
    status = {"metadata": {}, "status": "Failure", "message": "exit code 3",
              "reason": "NonZeroExitCode",
              "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}}

    def frame(channel: int, data: bytes) -> str | bytes:
        return bytes([channel]) + data if binary else str(channel) + base64.b64encode(
            data).decode()

    async def send(ws: web.WebSocketResponse, f: str | bytes) -> None:
        await (ws.send_bytes(f) if isinstance(f, bytes) else ws.send_str(f))

    async def script(ws: web.WebSocketResponse, peer: Peer) -> None:
        assert await peer.receive(ws) == frame(4, b'{"Width": 80, "Height": 24}')
        await send(ws, frame(1, b""))
        await send(ws, frame(1, b"out "))
        await send(ws, frame(2, b"err"))
        await send(ws, frame(3, json.dumps(status).encode()))
        await ws.close()

    peer = Peer(script, protocols=offered)
    async with serve(peer.handler) as url, AsyncSession(url) as session:
        async with connect_terminal(Request(session, "GET", "/term"), "kubernetes") as term:
            assert isinstance(term.codec, KubernetesCodec)
            assert term.codec.variant == offered[0]
            await term.wait_for("out err")
            with pytest.raises(StreamError):
                await term.wait_for("never")
            assert term.exit_code == 3 and term.exit_message == "exit code 3"
            assert term.errors == []


async def test_backendai_output_and_server_errors() -> None:
    async def script(ws: web.WebSocketResponse, peer: Peer) -> None:
        await ws.send_str(json.dumps({"type": "out", "data": base64.b64encode(
            "\u65e5\u672c".encode()).decode()}))
        await ws.send_str(json.dumps({"type": "error", "data": "kernel is restarting"}))
        await ws.send_str(json.dumps({"type": "out", "data": "b2s="}))
        await peer.drain(ws)

    peer = Peer(script)
    async with serve(peer.handler) as url, AsyncSession(url) as session:
        async with connect_terminal(Request(session, "GET", "/term"), "backendai") as term:
            await term.wait_for("\u65e5\u672cok")
            assert term.errors == [Error("The server reported an error: kernel is restarting")]


async def test_raw_title_from_the_program() -> None:
    async def script(ws: web.WebSocketResponse, peer: Peer) -> None:
        await ws.send_str("\x1b]2;my title\x07ready")
        await peer.drain(ws)

    peer = Peer(script)
    async with serve(peer.handler) as url, AsyncSession(url) as session:
        async with connect_terminal(Request(session, "GET", "/term")) as term:
            await term.wait_for("ready")
            assert term.title == "my title"
            assert isinstance(Title("x"), Title) and isinstance(Exit(0, ""), Exit)


async def test_a_flood_is_fed_in_slices_and_the_loop_keeps_turning() -> None:
    # 3 MB of output in 1 MB messages: fed whole, each would hold the loop for about a second.
    line = b"\x1b[32m" + b"x" * 70 + b"\x1b[0m\r\n"
    flood = line * (3_000_000 // len(line))

    async def script(ws: web.WebSocketResponse, peer: Peer) -> None:
        for start in range(0, len(flood), 1 << 20):
            await ws.send_bytes(flood[start:start + (1 << 20)])
        await ws.send_bytes(b"the end\r\n")
        await peer.drain(ws)

    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    peer = Peer(script)
    async with serve(peer.handler) as url, AsyncSession(url) as session:
        async with connect_terminal(Request(session, "GET", "/term")) as term:
            ticks = asyncio.create_task(ticker())
            try:
                await term.wait_for("the end", timeout=60)
            finally:
                ticks.cancel()
    # Hundreds of turns while feeding (fed whole, there would be one a message), none near a
    # megabyte's feeding time, about a second here (a generous bound: the machine is shared
    # with other tests; the budget is 8 ms a turn).
    assert len(gaps) > 50
    assert max(gaps) < 0.6
