"""Server-Sent Events through ``AsyncSession`` against a real server (SPEC 1.4, 1.6, 1.7).

The shared ``server`` fixture serves the endpoints of ``tests.client.server``; the few extra
endpoints these tests need (a slow ticker, a stream whose reconnection is refused, a stream cut
mid-event) are added to a private copy of the same application, so that the shared module is
left alone.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Iterator

import pytest
from aiohttp import web

from app.client import (
    APIError,
    AsyncSession,
    BearerAuth,
    ClientError,
    Request,
    Session,
    SSEEvent,
    SSEParser,
    StreamError,
    UsageError,
)
from tests.client.server import RECORDER, ServerThread, make_app

# -- extra endpoints ---------------------------------------------------------------------------


async def sse_slow(request: web.Request) -> web.StreamResponse:
    """``count`` events, one every ``interval`` seconds (the first after one interval)."""
    count = int(request.query.get("count", "2"))
    interval = float(request.query.get("interval", "1"))
    retry = request.query.get("retry")
    last = request.headers.get("Last-Event-ID")
    start = int(last) + 1 if last and last.isdigit() else 1
    if start > count:
        return web.Response(status=204)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    if retry:
        await response.write(f"retry: {retry}\n\n".encode())
    for i in range(start, count + 1):
        await asyncio.sleep(interval)
        await response.write(f"id: {i}\ndata: slow {i}\n\n".encode())
    await response.write_eof()
    return response


async def sse_then(request: web.Request) -> web.StreamResponse:
    """One event, then the stream ends; a reconnection (it sends Last-Event-ID) is answered
    with ``then``: an HTTP status code, or ``wrong-type`` (a JSON 200)."""
    then = request.query.get("then", "503")
    if "Last-Event-ID" in request.headers:
        if then == "wrong-type":
            return web.json_response({"not": "a stream"})
        return web.json_response({"error": "gone", "code": int(then)}, status=int(then))
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(b"retry: 20\nid: 1\ndata: first\n\n")
    await response.write_eof()
    return response


async def sse_cut(request: web.Request) -> web.StreamResponse:
    """Writes the given bytes (urlsafe base64 in ?b=), then drops the TCP connection."""
    data = base64.urlsafe_b64decode(request.query["b"])
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(data)
    await asyncio.sleep(0.05)
    assert request.transport is not None
    request.transport.close()
    return response


def make_events_app() -> web.Application:
    app = make_app()
    app.router.add_get("/sse/slow", sse_slow)
    app.router.add_get("/sse/then", sse_then)
    app.router.add_get("/sse/cut", sse_cut)
    return app


@pytest.fixture(scope="module")
def xserver() -> Iterator[ServerThread]:
    srv = ServerThread(make_events_app).start()
    yield srv
    srv.stop()


# -- helpers ------------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def parse_whole(data: bytes) -> tuple[list[SSEEvent], str, int | None]:
    parser = SSEParser()
    events = parser.feed(data)
    events += parser.close()
    return events, parser.last_event_id, parser.retry


async def collect(request: Request, **kwargs: object) -> list[SSEEvent]:
    async with request.connect_events(**kwargs) as stream:  # type: ignore[arg-type]
        return [event async for event in stream]


def tick(i: int, retry: int | None = None) -> SSEEvent:
    return SSEEvent(event="tick", data=json.dumps({"n": i}), id=str(i), retry=retry)


# -- basics ---------------------------------------------------------------------------------


async def test_ticker_events_arrive_in_order(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        events = await collect(Request(session, "GET", "/sse/ticker", params={"count": 4}))
    assert events == [tick(i) for i in range(1, 5)]
    assert all(isinstance(e, SSEEvent) for e in events)
    assert events[0] == SSEEvent(event="tick", data='{"n": 1}', id="1", retry=None)


async def test_response_state_after_the_stream(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/sse/ticker?count=3")
        async with rqst.connect_events() as stream:
            assert stream.status == 200
            assert stream.headers is not None
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            assert stream.url.endswith("/sse/ticker?count=3")
            assert stream.last_event_id == ""
            assert stream.retry is None
            events = [e async for e in stream]
            assert [e.id for e in events] == ["1", "2", "3"]
            assert stream.last_event_id == "3"
        assert stream.closed


async def test_request_sends_accept_event_stream(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        [event] = await collect(Request(session, "GET", "/sse/headers"))
    seen = json.loads(event.data)
    assert seen["method"] == "GET"
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert headers["accept"] == "text/event-stream"
    assert "last-event-id" not in headers


async def test_post_with_json_body_llm_style(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "POST", "/sse/post")
        rqst.set_json({"prompt": "Hello big world"})
        events = await collect(rqst)
    assert events == [
        SSEEvent("message", json.dumps({"token": "Hello"}), "", None),
        SSEEvent("message", json.dumps({"token": "big"}), "", None),
        SSEEvent("message", json.dumps({"token": "world"}), "", None),
        SSEEvent("done", "[DONE]", "", None),
    ]


async def test_post_sends_method_headers_auth_and_body(base_url: str) -> None:
    async with AsyncSession(base_url, headers={"X-Session": "s"}) as session:
        rqst = Request(session, "POST", "/sse/headers")
        rqst.set_json({"model": "m", "messages": [{"role": "user", "content": "hi \u00e9"}]})
        rqst.headers["X-Custom"] = "yes"
        rqst.auth = BearerAuth("sk-test")
        [event] = await collect(rqst)
    seen = json.loads(event.data)
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert seen["method"] == "POST"
    assert headers["accept"] == "text/event-stream"
    assert headers["content-type"].startswith("application/json")
    assert headers["x-custom"] == "yes"
    assert headers["x-session"] == "s"
    assert headers["authorization"] == "Bearer sk-test"
    assert json.loads(seen["body"]) == {
        "model": "m", "messages": [{"role": "user", "content": "hi \u00e9"}]
    }


async def test_server_retry_shows_in_events_and_response(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/sse/ticker?count=2&retry=1234")
        async with rqst.connect_events() as stream:
            events = [e async for e in stream]
            assert stream.retry == 1234
    assert events == [tick(1, 1234), tick(2, 1234)]


async def test_last_event_id_is_sent_on_the_first_connection(base_url: str) -> None:
    before = len(RECORDER.last_event_ids)
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/sse/ticker?count=5")
        async with rqst.connect_events(last_event_id="3") as stream:
            assert stream.last_event_id == "3"
            events = [e async for e in stream]
    assert RECORDER.last_event_ids[before:] == ["3"]
    assert events == [tick(4), tick(5)]


async def test_last_event_id_header_is_sent_with_post(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "POST", "/sse/headers")
        rqst.set_json({"prompt": "x"})
        [event] = await collect(rqst, last_event_id="abc-42")
    headers = {k.lower(): v for k, v in json.loads(event.data)["headers"].items()}
    assert headers["last-event-id"] == "abc-42"
    # The seeded ID is the ID in force until the server sends one.
    assert event.id == "abc-42"


# -- end of stream and reconnection ---------------------------------------------------------


async def test_without_reconnect_the_end_of_the_stream_ends_iteration(base_url: str) -> None:
    before = len(RECORDER.last_event_ids)
    async with AsyncSession(base_url) as session:
        events = await collect(Request(session, "GET", "/sse/ticker?count=3&retry=10"))
    assert [e.id for e in events] == ["1", "2", "3"]
    assert RECORDER.last_event_ids[before:] == [None]  # no reconnection


async def test_reconnect_after_drops_resumes_with_last_event_id(base_url: str) -> None:
    before = len(RECORDER.last_event_ids)
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/sse/ticker?count=6&drop_after=2&retry=50")
        started = time.monotonic()
        async with rqst.connect_events(reconnect=True) as stream:
            events = [e async for e in stream]  # the final 204 ends it quietly
            assert stream.last_event_id == "6"
            assert stream.retry == 50
        elapsed = time.monotonic() - started
    assert events == [tick(i, 50) for i in range(1, 7)]
    assert RECORDER.last_event_ids[before:] == [None, "2", "4", "6"]
    assert elapsed >= 3 * 0.05 * 0.9  # it waited the retry time before each reconnection
    assert elapsed < 5


async def test_reconnect_after_a_clean_end_then_204_ends_quietly(base_url: str) -> None:
    before = len(RECORDER.last_event_ids)
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/sse/ticker?count=3&retry=20")
        events = await collect(rqst, reconnect=True)
    assert events == [tick(i, 20) for i in range(1, 4)]
    assert RECORDER.last_event_ids[before:] == [None, "3"]


async def test_reconnect_with_seeded_last_event_id(base_url: str) -> None:
    before = len(RECORDER.last_event_ids)
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/sse/ticker?count=4&drop_after=1&retry=20")
        events = await collect(rqst, reconnect=True, last_event_id="2")
    assert events == [tick(3, 20), tick(4, 20)]
    assert RECORDER.last_event_ids[before:] == ["2", "3", "4"]


async def test_reconnect_answered_with_an_error_status_raises_api_error(
    xserver: ServerThread,
) -> None:
    async with AsyncSession(xserver.url) as session:
        rqst = Request(session, "GET", "/sse/then?then=503")
        events: list[SSEEvent] = []
        with pytest.raises(APIError) as info:
            async with rqst.connect_events(reconnect=True) as stream:
                async for event in stream:
                    events.append(event)
    assert events == [SSEEvent("message", "first", "1", 20)]
    assert info.value.status == 503
    assert info.value.data == {"error": "gone", "code": 503}


async def test_reconnect_answered_with_a_wrong_type_raises_stream_error(
    xserver: ServerThread,
) -> None:
    async with AsyncSession(xserver.url) as session:
        rqst = Request(session, "GET", "/sse/then?then=wrong-type")
        events: list[SSEEvent] = []
        with pytest.raises(StreamError):
            async with rqst.connect_events(reconnect=True) as stream:
                async for event in stream:
                    events.append(event)
    assert events == [SSEEvent("message", "first", "1", 20)]


async def test_reconnect_to_a_server_that_went_away_backs_off(xserver: ServerThread) -> None:
    """The server stops mid-stream: reconnection attempts fail (refused, then dropped) and
    are retried with growing delays, without the iteration raising, until cancelled."""
    gone = ServerThread(make_events_app).start()
    port = gone.port
    received: list[SSEEvent] = []
    first = asyncio.Event()

    async def consume() -> None:
        async with AsyncSession(gone.url) as session:
            rqst = Request(session, "GET", "/sse/slow?count=1000&interval=0.05&retry=20")
            async with rqst.connect_events(reconnect=True) as stream:
                async for event in stream:
                    received.append(event)
                    first.set()

    task = asyncio.create_task(consume())
    try:
        await asyncio.wait_for(first.wait(), 5)
        await asyncio.to_thread(gone.stop)
        # Refused for a while: nothing raises.
        await asyncio.sleep(0.5)
        assert not task.done(), task.exception() if task.done() else None

        # Now something listens on the port again but drops every connection: count the
        # connections. Retrying every 20 ms would make ~100 of them in 1.2 s; with exponential
        # backoff from 20 ms only two attempts fall in the window (aiohttp may open two
        # connections for one attempt when the first is dropped before any answer).
        attempts: list[float] = []

        async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            attempts.append(time.monotonic())
            writer.close()

        listener = await asyncio.start_server(drop, "127.0.0.1", port)
        try:
            await asyncio.sleep(1.2)
        finally:
            listener.close()
            await listener.wait_closed()
        assert not task.done(), task.exception() if task.done() else None
        assert 1 <= len(attempts) <= 8, attempts
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert received
    assert [e.data for e in received] == [f"slow {i}" for i in range(1, len(received) + 1)]


# -- errors -----------------------------------------------------------------------------------


async def test_wrong_content_type_raises_stream_error(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/sse/wrong-type")
        with pytest.raises(StreamError) as info:
            async with rqst.connect_events():
                pass
    assert isinstance(info.value, ClientError)
    assert "text/event-stream" in str(info.value)


async def test_404_raises_api_error_with_data(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        with pytest.raises(APIError) as info:
            async with Request(session, "GET", "/status/404").connect_events():
                pass
        assert info.value.status == 404
        assert info.value.data == {"error": "nope", "code": 404}

        with pytest.raises(APIError) as info:
            async with Request(session, "GET", "/sse/no-such-stream").connect_events():
                pass
        assert info.value.status == 404
        assert info.value.data["title"] == "Not Found"
        assert "404" in info.value.data["content"]

        # The session still works.
        events = await collect(Request(session, "GET", "/sse/ticker?count=1"))
        assert events == [tick(1)]


async def test_error_status_with_reconnect_on_first_connection_raises(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        with pytest.raises(APIError) as info:
            async with Request(session, "GET", "/status/500").connect_events(reconnect=True):
                pass
    assert info.value.status == 500


async def test_204_on_the_first_connection_gives_no_events(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/sse/ticker?count=2")
        assert await collect(rqst, last_event_id="2") == []
        assert await collect(rqst, reconnect=True, last_event_id="2") == []


async def test_connect_events_on_a_sync_session_raises_usage_error(base_url: str) -> None:
    with Session(base_url) as session:
        with pytest.raises(UsageError, match="AsyncSession"):
            Request(session, "GET", "/sse/ticker").connect_events()


async def test_a_refused_connection_raises_request_error(closed_port: int) -> None:
    from app.client import RequestError

    async with AsyncSession(f"http://127.0.0.1:{closed_port}") as session:
        with pytest.raises(RequestError):
            async with Request(session, "GET", "/sse/ticker").connect_events():
                pass


# -- bytes through the network give the parser's events -------------------------------------------

STREAMS = {
    "mixed-line-ends": (
        "\ufeffdata: caf\u00e9\r\n\r\n"
        "id: 7\rdata: \u65e5\u672c\u8a9e\r\r"
        "event: x\ndata: a\ndata: b\r\n\n"
        ": a comment\r\ndata:no space\n\n"
        "retry: 1500\ndata:  two spaces\r\n\r\n"
        "data\n\ndata: \U0001f600 emoji\r\n\r\n"
    ).encode(),
    "bad-bytes-and-null-id": (
        b"data: bad \xff\xfe bytes \xe6\x97\r\n\r\n"
        b"id: ok\n\nid: x\x00y\ndata: kept id\n\n"
        b"retry: 12a\ndata: retry ignored\n\n"
        b"event:\ndata: empty type\r\r"
    ),
    "cr-lf-split-and-trailing-cr": (
        "data: one\r\r\ndata: two\r\n\r"
        "\ndata: \u00e9\u00e9\u00e9\r\r"
    ).encode(),
    "bom-and-unfinished-event": (
        "\ufeffid: 1\ndata: done\n\nid: 2\ndata: never dispatched\n"
    ).encode(),
}


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 4096])
@pytest.mark.parametrize("name", sorted(STREAMS))
async def test_bytes_split_anywhere_over_the_network(base_url: str, name: str, chunk: int) -> None:
    data = STREAMS[name]
    expected, last_id, retry = parse_whole(data)
    assert expected  # the streams are meant to hold events
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/sse/raw", params={"b": b64(data), "chunk": chunk})
        async with rqst.connect_events() as stream:
            events = [e async for e in stream]
            assert (stream.last_event_id, stream.retry) == (last_id, retry)
    assert events == expected


async def test_unfinished_event_at_a_clean_end_is_discarded(base_url: str) -> None:
    data = b"data: a\n\ndata: b\nid: 9\n"
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/sse/raw", params={"b": b64(data), "chunk": 1})
        events = await collect(rqst)
    assert events == [SSEEvent("message", "a", "", None)]


async def test_stream_cut_mid_event_without_reconnect(xserver: ServerThread) -> None:
    """The connection drops inside an event: what was complete is delivered, the unfinished
    event is not, and the broken stream raises StreamError (SPEC 1.4)."""
    data = b"id: 1\ndata: whole\n\nid: 2\ndata: half of an ev"
    events: list[SSEEvent] = []
    async with AsyncSession(xserver.url) as session:
        rqst = Request(session, "GET", "/sse/cut", params={"b": b64(data)})
        with pytest.raises(StreamError):
            async with rqst.connect_events() as stream:
                async for event in stream:
                    events.append(event)
        assert events == [SSEEvent("message", "whole", "1", None)]
        assert stream.last_event_id == "1"
        # The session still works after the broken stream.
        assert await collect(Request(session, "GET", "/sse/ticker?count=1")) == [tick(1)]


async def test_stream_cut_mid_event_with_reconnect_discards_the_half(
    base_url: str,
) -> None:
    # drop_after closes the connection right after the 1st event of each connection; the
    # halves never exist here, so check that no duplicate or partial event appears.
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/sse/ticker?count=3&drop_after=1&retry=10")
        events = await collect(rqst, reconnect=True)
    assert events == [tick(i, 10) for i in range(1, 4)]


# -- closing and timeouts ------------------------------------------------------------------


async def test_close_twice_is_harmless(base_url: str) -> None:
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/sse/ticker?count=3")
        async with rqst.connect_events() as stream:
            first = await anext(aiter(stream))
            assert first == tick(1)
            await stream.close()
            await stream.close()
            assert stream.closed
        await stream.close()
        # The session still works.
        assert await collect(Request(session, "GET", "/sse/ticker?count=1")) == [tick(1)]


async def test_close_during_iteration_stops_the_events(base_url: str) -> None:
    """After close(), no further event is yielded, even ones already received."""
    data = b"".join(f"id: {i}\ndata: {i}\n\n".encode() for i in range(1, 6))
    async with AsyncSession(base_url) as session:
        rqst = Request(session, "GET", "/sse/raw", params={"b": b64(data), "chunk": 4096})
        seen: list[str] = []
        async with rqst.connect_events() as stream:
            async for event in stream:
                seen.append(event.data)
                await stream.close()
    assert seen == ["1"]


async def test_session_read_timeout_does_not_cut_an_idle_stream(xserver: ServerThread) -> None:
    async with AsyncSession(xserver.url, timeout=0.5) as session:
        rqst = Request(session, "GET", "/sse/slow?count=2&interval=1")
        started = time.monotonic()
        events = await collect(rqst)
    assert [e.data for e in events] == ["slow 1", "slow 2"]
    assert time.monotonic() - started >= 1.8
