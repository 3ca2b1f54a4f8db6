"""Fault cases: event streams and WebSockets that break (malformed lines and frames, a reset
in the middle, a WebSocket that vanishes without a close frame)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.client import AsyncSession, Request, StreamError, WebSocketMessageType
from tests.faults.raw_server import RawServer
from tests.faults.table import Witness, fault, shown


@pytest.fixture(scope="module")
def raw() -> Iterator[RawServer]:
    srv = RawServer().start()
    yield srv
    srv.stop()


@fault("Event streams", "The connection is reset after the first event", sees="Stream failed",
       kept="the event that arrived is delivered first; the break is named")
async def test_sse_reset_mid_stream(witness: Witness, raw: RawServer) -> None:
    got: list[str] = []
    async with AsyncSession(raw.url) as session:
        with pytest.raises(StreamError) as caught:
            async with Request(session, "GET", "/sse/reset").connect_events() as stream:
                async for event in stream:
                    got.append(event.data)
    assert got == ["one"]
    assert "cut short" in str(caught.value)
    witness.saw(shown(caught.value))


@fault("Event streams", "Malformed SSE: a field without a colon, a bad retry, an unknown "
       "field, non-UTF-8 data, NUL in an id, an unfinished event", sees="caf\ufffd",
       kept="each line read as the SSE standard says; the unfinished event never dispatched")
async def test_malformed_sse(witness: Witness, raw: RawServer) -> None:
    async with AsyncSession(raw.url) as session:
        async with Request(session, "GET", "/sse/malformed").connect_events() as stream:
            events = [event async for event in stream]
    assert [e.data for e in events] == ["", "caf\ufffd", "after"]
    assert events[2].id == ""  # an id holding NUL is ignored
    assert all(e.retry is None for e in events)  # "retry: soon" is not a number
    witness.saw(events[1].data)


@fault("WebSocket", "A frame with a reserved opcode", sees="Unexpected opcode=3",
       kept="the message before it is delivered; then Stream failed")
async def test_ws_malformed_frame(witness: Witness, raw: RawServer) -> None:
    url = raw.url.replace("http://", "ws://") + "/ws/bad-frame"
    async with AsyncSession() as session:
        async with Request(session, "GET", url).connect_websocket() as ws:
            assert await ws.receive_str(timeout=5) == "hello"
            with pytest.raises(StreamError) as caught:
                await ws.receive(timeout=5)
    assert shown(caught.value).startswith("Stream failed")
    witness.saw(shown(caught.value))


@fault("WebSocket", "The peer vanishes without a close frame (abrupt close)",
       sees="the connection was lost without a close frame (code 1006)",
       kept="the message before it is delivered; later receives say closed, not hang")
async def test_ws_abrupt_close(witness: Witness, raw: RawServer) -> None:
    url = raw.url.replace("http://", "ws://") + "/ws/vanishes"
    async with AsyncSession() as session:
        async with Request(session, "GET", url).connect_websocket() as ws:
            assert await ws.receive_str(timeout=5) == "hello"
            with pytest.raises(StreamError) as caught:
                await ws.receive(timeout=5)
            witness.saw(shown(caught.value))
            assert (await ws.receive(timeout=5)).type is WebSocketMessageType.CLOSED
