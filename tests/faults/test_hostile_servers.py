"""Fault cases: a hostile server against the request library (issue 12).

Each test is one case of the fault table: its docstring says what the hostile peer does, what
the user sees, and that nothing leaked or grew past its budget. The peer is a real aiohttp
server on 127.0.0.1 (``tests.faults.hostile_server``); a second one on another port is
"another origin".
"""

from __future__ import annotations

import asyncio
import json
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.client import (
    APIError,
    APIKeyAuth,
    AsyncSession,
    BackendAIAuth,
    BearerAuth,
    ErrorKind,
    Limits,
    Request,
    RequestError,
    RequestTimeout,
    StreamError,
    Timeout,
)
from app.client.sse import EventTooLarge, SSEParser
from app.model.compose import ComposeError, compose
from app.model.request import AuthKind, AuthModel, RequestModel
from tests.client.conftest import SessionKind
from tests.client.server import ServerThread
from tests.faults.hostile_server import Seen, make_hostile_app
from tests.faults.table import Witness, fault, shown
from ui.error_messages import describe_error

MIB = 1 << 20
#: What reading a hostile answer may add to the heap (the fault table's budget).
BUDGET = 64 * MIB


@pytest.fixture(scope="module")
def seen() -> Seen:
    return Seen()


@pytest.fixture(scope="module")
def hostile(seen: Seen) -> Iterator[ServerThread]:
    srv = ServerThread(lambda: make_hostile_app(seen)).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def other() -> Iterator[ServerThread]:
    """The same application on another port: another origin."""
    srv = ServerThread(make_hostile_app).start()
    yield srv
    srv.stop()


class HeapPeak:
    """The Python heap's peak growth inside the block (tracemalloc; the servers' threads are
    counted too, which only makes the check stricter)."""

    def __enter__(self) -> HeapPeak:
        tracemalloc.start()
        self.peak = 0
        return self

    def __exit__(self, *exc: object) -> None:
        self.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


# -- decompression bombs and bodies held in memory -----------------------------------------------


@fault("Hostile servers", "A 128 KiB gzip answer of 128 MiB of newlines, read (+1 GiB RSS before)",
       sees="Response too large",
       kept="decoding stops after about 8 MiB; the heap grows under 64 MiB")
async def test_gzip_bomb_read_stops_at_the_ratio_guard(
    witness: Witness,     kind: SessionKind, hostile: ServerThread
) -> None:
    """A server answers 128 KiB of gzip that decodes to 128 MiB of newlines (the review saw
    +1 GiB RSS). The user sees "Response too large" naming the compression ratio limit and
    how to raise it; the client stopped decoding after about 8 MiB: the heap grew far less
    than the budget."""
    async with kind.open(hostile.url) as session:
        with HeapPeak() as heap, pytest.raises(RequestError) as caught:
            async with kind.fetch(Request(session, "GET", "/bomb?mib=128")) as response:
                await response.read()
    assert caught.value.kind is ErrorKind.TOO_LARGE
    assert "compress" in str(caught.value) and "compression_ratio" in str(caught.value)
    assert heap.peak < BUDGET
    witness.saw(shown(caught.value))


@fault("Hostile servers", "The gzip bomb saved to a file",
       sees="Response too large",
       kept="the file holds at most 16 MiB, not 128")
async def test_gzip_bomb_streamed_to_disk_stops_at_the_ratio_guard(
    witness: Witness,     kind: SessionKind, hostile: ServerThread, tmp_path: Path
) -> None:
    """The same bomb saved to a file (no size cap for a body going to disk): the ratio guard
    still stops it with TOO_LARGE, and the file holds a few MiB, not 128."""
    target = tmp_path / "bomb.txt"
    async with kind.open(hostile.url) as session:
        with pytest.raises(RequestError) as caught:
            async with kind.fetch(Request(session, "GET", "/bomb?mib=128")) as response:
                await response.save(target)
    assert caught.value.kind is ErrorKind.TOO_LARGE
    assert target.stat().st_size <= 16 * MIB
    witness.saw(shown(caught.value))


@fault("Hostile servers", "The gzip bomb read chunk by chunk",
       sees="compression_ratio",
       kept="stopped after a few MiB")
async def test_gzip_bomb_through_iter_chunks_stops(
    witness: Witness,     kind: SessionKind, hostile: ServerThread
) -> None:
    """The bomb read chunk by chunk: the ratio guard raises TOO_LARGE after a few MiB."""
    async with kind.open(hostile.url) as session:
        with pytest.raises(RequestError) as caught:
            async with kind.fetch(Request(session, "GET", "/bomb?mib=128")) as response:
                await response.chunks()
    assert caught.value.kind is ErrorKind.TOO_LARGE
    witness.saw(shown(caught.value))


@fault("Hostile servers", "A 4 MiB body compressed 1000:1 (not a fault: read whole)",
       sees="4194304 bytes",
       kept="every byte arrives")
async def test_a_legitimate_compressed_body_under_the_grace_is_read(
    witness: Witness,     kind: SessionKind, hostile: ServerThread
) -> None:
    """A highly compressible body smaller than the ratio guard's grace is not a bomb: it is
    read whole."""
    async with kind.open(hostile.url) as session:
        async with kind.fetch(Request(session, "GET", "/bomb?mib=4")) as response:
            body = await response.read()
    assert len(body) == 4 * MIB
    witness.saw(f"{len(body)} bytes")


@fault("Hostile servers", "Garbage labelled Content-Encoding: gzip",
       sees="Invalid response",
       kept="not taken for a bug; the session still works")
async def test_a_body_that_is_not_its_encoding_is_a_protocol_error(
    witness: Witness,     kind: SessionKind, hostile: ServerThread
) -> None:
    """A server labels garbage ``Content-Encoding: gzip``: the user sees "Invalid response"
    naming the coding (kind PROTOCOL), not a bug; the session still works."""
    async with kind.open(hostile.url) as session:
        for reader in ("read", "chunks"):
            with pytest.raises(RequestError) as caught:
                async with kind.fetch(Request(session, "GET", "/bad-gzip")) as response:
                    await getattr(response, reader)()
            assert caught.value.kind is ErrorKind.PROTOCOL
            assert "invalid gzip" in str(caught.value)
            witness.saw(shown(caught.value))
        async with kind.fetch(Request(session, "GET", "/headers")) as response:
            assert response.status == 200


@fault("Hostile servers", "A 32 MiB bomb with the ratio guard off (Limits(compression_ratio=None))",
       sees="33554432 bytes",
       kept="the caller's choice: read whole")
async def test_ratio_guard_can_be_turned_off(
    witness: Witness, kind: SessionKind, hostile: ServerThread
) -> None:
    """``Limits(compression_ratio=None)`` trusts the server: the 32 MiB bomb is read."""
    async with kind.open(hostile.url, limits=Limits(compression_ratio=None)) as session:
        async with kind.fetch(Request(session, "GET", "/bomb?mib=32")) as response:
            body = await response.read()
    assert len(body) == 32 * MIB
    witness.saw(f"{len(body)} bytes")


@fault("Hostile servers", "A body larger than the in-memory cap",
       sees="Limits(body=",
       kept="at most the cap held; the same body streams whole")
async def test_body_held_in_memory_is_capped(
    witness: Witness, kind: SessionKind, hostile: ServerThread
) -> None:
    """A plain body larger than the in-memory cap: ``read()`` raises TOO_LARGE naming the
    limit (``Limits(body=...)``) before holding more than the cap; ``iter_chunks`` streams
    the same body whole, since a streamed body has no cap."""
    limits = Limits(body=2 * MIB)
    async with kind.open(hostile.url, limits=limits) as session:
        with pytest.raises(RequestError) as caught:
            async with kind.fetch(Request(session, "GET", "/big?mib=8")) as response:
                await response.read()
        assert caught.value.kind is ErrorKind.TOO_LARGE
        assert "2 MiB" in str(caught.value) and "Limits(body=" in str(caught.value)
        witness.saw(shown(caught.value))
        async with kind.fetch(Request(session, "GET", "/big?mib=8")) as response:
            assert sum(map(len, await response.chunks())) == 8 * MIB


@fault("Hostile servers", "text() and json() of a body over the in-memory cap",
       sees="Response too large",
       kept="the same cap as read()")
async def test_text_and_json_share_the_memory_cap(
    witness: Witness,     kind: SessionKind, hostile: ServerThread
) -> None:
    """``text()`` and ``json()`` read through the same cap as ``read()``."""
    async with kind.open(hostile.url, limits=Limits(body=MIB)) as session:
        for reader in ("text", "json"):
            with pytest.raises(RequestError) as caught:
                async with kind.fetch(Request(session, "GET", "/big?mib=3")) as response:
                    await getattr(response, reader)()
            assert caught.value.kind is ErrorKind.TOO_LARGE
            witness.saw(shown(caught.value))


@fault("Hostile servers", "A 500 answer with a 64 MiB body (read whole before)",
       sees="Refused: HTTP 500",
       kept="at most 4 MiB of it kept; the heap grows under 64 MiB")
async def test_error_body_for_api_error_is_capped(
    witness: Witness,     kind: SessionKind, hostile: ServerThread
) -> None:
    """A 500 answer with a 64 MiB body: ``fetch()`` raises APIError at once with the first
    MiBs of the body (``Limits(error_body=...)``, 4 MiB by default) and no more in memory."""
    async with kind.open(hostile.url) as session:
        with HeapPeak() as heap, pytest.raises(APIError) as caught:
            async with kind.fetch(Request(session, "GET", "/big?mib=64&status=500")):
                pass
    assert caught.value.status == 500
    content = caught.value.data["content"]
    assert 0 < len(content) <= 4 * MIB
    assert heap.peak < BUDGET
    witness.saw(shown(caught.value))


@fault("Hostile servers", "A 500 answer whose gzip body decodes to 128 MiB",
       sees="Refused: HTTP 500",
       kept="at most the error-body cap decoded")
async def test_error_body_bomb_is_capped(
    witness: Witness, kind: SessionKind, hostile: ServerThread
) -> None:
    """A 500 answer whose gzip body decodes to 128 MiB: APIError with at most the error-body
    cap decoded."""
    async with kind.open(hostile.url, limits=Limits(error_body=MIB)) as session:
        with pytest.raises(APIError) as caught:
            async with kind.fetch(Request(session, "GET", "/bomb?mib=128&status=500")):
                pass
    assert len(caught.value.data["content"]) <= MIB
    witness.saw(shown(caught.value))


@fault("Hostile servers", "A limit that is not a positive size",
       sees="compression_ratio",
       kept="a usage error where it is given")
def test_limits_refuse_nonsense(witness: Witness) -> None:
    """A limit that is not a positive size is a usage error, said where it is given."""
    with pytest.raises(ValueError, match="body"):
        Limits(body=0)
    with pytest.raises(ValueError, match="compression_ratio") as caught:
        Limits(compression_ratio=0.5)
    witness.saw(str(caught.value))


# -- total deadline ------------------------------------------------------------------------------


@fault("Timeouts", "Slowloris: one byte every 0.2 s, never a read timeout (never ended before)",
       sees="Timed out",
       kept="ends within the 1 s total deadline, by read(), chunks or save")
@pytest.mark.parametrize("reader", ["read", "chunks", "save"])
async def test_slowloris_body_is_cut_by_the_total_deadline(
    witness: Witness,     kind: SessionKind, hostile: ServerThread, reader: str, tmp_path: Path
) -> None:
    """A server sends one byte every 0.2 s, each well inside the read timeout. With
    ``Timeout(total=1)`` the user sees a timeout after about a second, whichever way the body
    is read; nothing waits for the 200 s the server would take."""
    timeout = Timeout(connect=5, read=5, total=1.0)
    started = time.monotonic()
    async with kind.open(hostile.url, timeout=timeout) as session:
        with pytest.raises(RequestTimeout) as caught:
            async with kind.fetch(Request(session, "GET", "/slowloris")) as response:
                if reader == "save":
                    await response.save(tmp_path / "slow.bin")
                else:
                    await getattr(response, reader)()
    assert caught.value.kind is ErrorKind.TIMEOUT
    assert time.monotonic() - started < 4
    witness.saw(shown(caught.value))


@fault("Timeouts", "Slowloris with a total deadline given to one fetch",
       sees="Timed out",
       kept="ends well before the 30 s read timeout")
async def test_slowloris_with_a_per_fetch_total_deadline(
    witness: Witness,     kind: SessionKind, hostile: ServerThread
) -> None:
    """The total deadline given to ``fetch(timeout=...)`` bounds the body read too: it ends
    near 0.8 s, far from the read timeout (the bound leaves room for a loaded machine)."""
    started = time.monotonic()
    async with kind.open(hostile.url) as session:
        with pytest.raises(RequestTimeout) as caught:
            async with kind.fetch(Request(session, "GET", "/slowloris"),
                                  timeout=Timeout(read=30, total=0.8)) as response:
                await response.read()
    assert time.monotonic() - started < 15
    witness.saw(shown(caught.value))


# -- event streams -------------------------------------------------------------------------------


async def _events(hostile: ServerThread, path: str, **kwargs: Any) -> list[str]:
    got: list[str] = []
    async with AsyncSession(hostile.url) as session:
        async with Request(session, "GET", path).connect_events(**kwargs) as stream:
            async for event in stream:
                got.append(event.data)
    return got


@fault("Event streams", "One 32 MiB SSE line (+265 MiB RSS for 256 MiB before)",
       sees="max_event_size",
       kept="the event before arrives; the heap grows by the 16 MiB limit at most")
@pytest.mark.parametrize("reconnect", [False, True])
async def test_sse_endless_line_raises_stream_error(
    witness: Witness,     hostile: ServerThread, reconnect: bool
) -> None:
    """After one event, a server sends ``data: `` and 32 MiB without a line end. The user
    sees the first event, then a StreamError naming the event size limit (16 MiB by
    default), with or without reconnect; the heap never held much more than the limit."""
    got: list[str] = []
    with HeapPeak() as heap, pytest.raises(StreamError, match="max_event_size") as caught:
        async with AsyncSession(hostile.url) as session:
            request = Request(session, "GET", "/sse/long-line?mib=32")
            async with request.connect_events(reconnect=reconnect) as stream:
                async for event in stream:
                    got.append(event.data)
    assert got == ["before"]
    assert heap.peak < 16 * MIB + BUDGET
    witness.saw(shown(caught.value))


@fault("Event streams", "An SSE event of many short lines past the size limit",
       sees="Stream failed",
       kept="refused like one long line")
async def test_sse_event_of_many_lines_over_the_limit_raises(
    witness: Witness, hostile: ServerThread
) -> None:
    """An event of thousands of short data lines adding up past ``max_event_size`` is refused
    like one long line."""
    with pytest.raises(StreamError, match="max_event_size") as caught:
        await _events(hostile, "/sse/long-line?mib=4&lines=1", max_event_size=MIB)
    witness.saw(shown(caught.value))


@fault("Event streams", "A 2 MiB SSE event with max_event_size raised (not a fault: delivered)",
       sees="2097152 bytes",
       kept="the event arrives whole")
async def test_sse_max_event_size_can_be_raised(witness: Witness, hostile: ServerThread) -> None:
    """A caller who expects big events raises ``max_event_size``: the 2 MiB line arrives."""
    got = await _events(hostile, "/sse/long-line?mib=2", max_event_size=4 * MIB)
    assert got[0] == "before" and len(got[1]) == 2 * MIB
    witness.saw(f"{len(got[1])} bytes")


@fault("Event streams", "retry: 0 and an immediate close (16,405 reconnects in 3 s before)",
       sees="connections in 1.5 s",
       kept="2 to 5 connections in 1.5 s, at least 250 ms apart")
async def test_sse_retry_zero_and_immediate_close_is_not_a_storm(
    witness: Witness,     hostile: ServerThread, seen: Seen
) -> None:
    """A server sets ``retry: 0`` and closes at once, every time. The review saw 16,405
    reconnects in 3 s; now reconnection waits at least 250 ms and backs off while the
    connections bring no event: a handful in 1.5 s."""
    seen.connections.pop("sse_storm", None)

    async def follow() -> None:
        await _events(hostile, "/sse/storm", reconnect=True)

    task = asyncio.ensure_future(follow())
    await asyncio.sleep(1.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    times = seen.connections["sse_storm"]
    assert 2 <= len(times) <= 5
    assert times[1] - times[0] >= 0.24
    witness.saw(f"{len(times)} connections in 1.5 s")


@fault("Event streams", "An endless SSE line fed 1 KiB at a time to the parser",
       sees="max_event_size",
       kept="the parser holds at most the limit plus one piece")
def test_sse_parser_refuses_an_endless_line_split_anywhere(witness: Witness) -> None:
    """The pure parser counts a line's pieces as they come: fed 1 KiB at a time, it raises
    :class:`EventTooLarge` as soon as the unfinished line passes the limit."""
    parser = SSEParser(max_event_size=64 * 1024)
    parser.feed(b"data: ")
    with pytest.raises(EventTooLarge) as caught:
        for _ in range(100):
            parser.feed(b"x" * 1024)
    witness.saw(str(caught.value))
    assert sum(map(len, parser._partial)) <= 66 * 1024


@fault("Event streams", "An SSE event exactly at max_event_size, and one byte more",
       sees="max_event_size",
       kept="the one at the limit passes")
def test_sse_parser_allows_events_up_to_the_limit(witness: Witness) -> None:
    """An event exactly at the limit passes; one byte more does not."""
    parser = SSEParser(max_event_size=10)
    assert [e.data for e in parser.feed(b"data: 0123456789\n\n")] == ["0123456789"]
    with pytest.raises(EventTooLarge) as caught:
        parser.feed(b"data: 01234\ndata: 56789\n\n")
    witness.saw(str(caught.value))


# -- redirects under control ---------------------------------------------------------------------


def _ws_url(server: ServerThread, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


async def _ws_seen(session: AsyncSession, url: str) -> dict[str, Any]:
    request = Request(session, "GET", url)
    request.headers["X-Test"] = "kept"
    async with request.connect_websocket() as ws:
        return json.loads(await ws.receive_str(timeout=5))  # type: ignore[no-any-return]


@fault("Redirects",
       'A WebSocket handshake redirected to another origin (the API key followed before)',
       sees='"X-Api-Key": null',
       kept="no API key, bearer token or Proxy-Authorization at the other origin")
async def test_ws_handshake_redirected_cross_origin_drops_credentials(
    witness: Witness,     hostile: ServerThread, other: ServerThread
) -> None:
    """A WebSocket handshake is answered 302 to another origin. The redirect goes through the
    library's own rules: the handshake reaches the other origin without the API key, the
    bearer token or a typed Proxy-Authorization (the review saw aiohttp forward them)."""
    target = _ws_url(other, "/ws/headers")
    url = _ws_url(hostile, f"/redirect?to={target}")
    async with AsyncSession(headers={"Proxy-Authorization": "Basic cHJveHk6cw=="},
                            auth=APIKeyAuth("X-Api-Key", "k3y")) as session:
        seen = await _ws_seen(session, url)
        assert seen["path"] == "/ws/headers"
        assert seen["seen"]["X-Api-Key"] is None
        assert seen["seen"]["Proxy-Authorization"] is None
        assert seen["seen"]["X-Test"] == "kept"
        witness.saw(json.dumps(seen))
    async with AsyncSession(auth=BearerAuth("t0ken")) as session:
        seen = await _ws_seen(session, url)
        assert seen["seen"]["Authorization"] is None


@fault("Redirects", "A WebSocket handshake redirected within its origin (not a fault)",
       sees='"X-Api-Key": "k3y"',
       kept="the key goes along, to the same origin only")
async def test_ws_handshake_redirect_within_the_origin_keeps_credentials(
    witness: Witness,     hostile: ServerThread,
) -> None:
    """``ws://h:p`` redirected to ``http://h:p`` is the same origin: the key goes along."""
    target = f"{hostile.url}/ws/headers"
    url = _ws_url(hostile, f"/redirect?to={target}&code=307")
    async with AsyncSession(auth=APIKeyAuth("X-Api-Key", "k3y")) as session:
        seen = await _ws_seen(session, url)
    assert seen["seen"]["X-Api-Key"] == "k3y"
    witness.saw(json.dumps(seen))


@fault("Redirects", "A cookie set by a handshake's redirect",
       sees='"Cookie": "c=jar1"',
       kept="kept as fetch keeps it")
async def test_ws_handshake_redirect_keeps_the_cookie_it_sets(
    witness: Witness, hostile: ServerThread
) -> None:
    """A cookie set by the redirect answer of a handshake is kept, as for ``fetch``, and sent
    to the same origin's next hop (and never to another origin)."""
    url = _ws_url(hostile, "/redirect?cookie=jar1&to=/ws/headers")
    async with AsyncSession() as session:
        seen = await _ws_seen(session, url)
    assert seen["seen"]["Cookie"] == "c=jar1"
    witness.saw(json.dumps(seen))


@fault("Redirects", "A redirected WebSocket handshake with follow redirects off (followed before)",
       sees="Redirect failed",
       kept="nothing reaches the other origin; the target is named")
async def test_ws_handshake_redirect_with_redirects_off_raises(
    witness: Witness,     hostile: ServerThread, other: ServerThread
) -> None:
    """With "follow redirects" off, a redirected handshake raises RequestError (kind
    REDIRECT) saying it was redirected and where; nothing reaches the other origin."""
    target = _ws_url(other, "/ws/headers")
    async with AsyncSession(follow_redirects=False,
                            auth=APIKeyAuth("X-Api-Key", "k3y")) as session:
        with pytest.raises(RequestError) as caught:
            await _ws_seen(session, _ws_url(hostile, f"/redirect?to={target}"))
    assert caught.value.kind is ErrorKind.REDIRECT
    assert "redirected" in str(caught.value) and target in str(caught.value)
    witness.saw(shown(caught.value))


@fault("Redirects", "A WebSocket handshake redirected to itself for ever",
       sees="Redirect failed",
       kept="stops after 20 hops")
async def test_ws_handshake_redirect_loop_is_bounded(
    witness: Witness, hostile: ServerThread
) -> None:
    """A handshake redirected to itself for ever stops after 20 hops with a redirect error."""
    url = _ws_url(hostile, "/redirect")
    async with AsyncSession() as session:
        with pytest.raises(RequestError) as caught:
            await _ws_seen(session, url)
    assert caught.value.kind is ErrorKind.REDIRECT
    witness.saw(shown(caught.value))


@fault("Redirects", "An event stream redirected to another origin",
       sees='"Authorization": null',
       kept="no bearer token or Proxy-Authorization at the other origin")
async def test_sse_redirected_cross_origin_drops_credentials(
    witness: Witness,     hostile: ServerThread, other: ServerThread
) -> None:
    """An event stream redirected to another origin: the stream opens there without the
    bearer token or Proxy-Authorization."""
    url = f"{hostile.url}/redirect?to={other.url}/sse/headers"
    async with AsyncSession(auth=BearerAuth("t0ken"),
                            headers={"Proxy-Authorization": "Basic cHJveHk6cw=="}) as session:
        async with Request(session, "GET", url).connect_events() as stream:
            events = [e.data async for e in stream]
    seen = json.loads(events[0])
    assert seen["path"] == "/sse/headers"
    assert seen["seen"]["Authorization"] is None
    assert seen["seen"]["Proxy-Authorization"] is None
    witness.saw(events[0])


@fault("Redirects", "A redirected event stream with follow redirects off",
       sees='Redirect failed',
       kept='the target named, not "not an event stream"')
async def test_sse_redirect_with_redirects_off_raises(
    witness: Witness,     hostile: ServerThread, other: ServerThread
) -> None:
    """With redirects off, a redirected event stream raises RequestError (kind REDIRECT)
    naming where it was sent, instead of "not an event stream"."""
    target = f"{other.url}/sse/headers"
    async with AsyncSession(follow_redirects=False) as session:
        with pytest.raises(RequestError) as caught:
            request = Request(session, "GET", f"{hostile.url}/redirect?to={target}")
            async with request.connect_events():
                pass
    assert caught.value.kind is ErrorKind.REDIRECT
    assert target in str(caught.value)
    witness.saw(shown(caught.value))


@fault("Redirects", "A typed Proxy-Authorization on a cross-origin redirect (forwarded before)",
       sees='"Proxy-Authorization": null',
       kept="dropped across origins, kept within one")
async def test_fetch_cross_origin_redirect_drops_proxy_authorization(
    witness: Witness,     kind: SessionKind, hostile: ServerThread, other: ServerThread
) -> None:
    """A typed ``Proxy-Authorization`` header is a credential: a redirect to another origin
    drops it with Authorization and Cookie; within the origin it stays."""
    async with kind.open(hostile.url,
                         headers={"Proxy-Authorization": "Basic cHJveHk6cw=="}) as session:
        away = Request(session, "GET", f"/redirect?to={other.url}/headers")
        async with kind.fetch(away) as response:
            answer = await response.json()
            assert answer["seen"]["Proxy-Authorization"] is None
            witness.saw(json.dumps(answer))
        home = Request(session, "GET", "/redirect?to=/headers")
        async with kind.fetch(home) as response:
            assert (await response.json())["seen"]["Proxy-Authorization"] is not None


# -- credentials that would inject headers -------------------------------------------------------


@fault("Credentials", 'CR, LF, NUL in a token or API key ("a bug in Spyglass" before)',
       sees='Cannot send this request',
       kept="refused when the auth is made; never reaches aiohttp, no traceback logged")
@pytest.mark.parametrize("bad", ["t\r\nX-Evil: 1", "t\nx", "t\x00x", "t\x7f"])
async def test_control_characters_in_credentials_are_refused_up_front(
    witness: Witness, bad: str
) -> None:
    """A token, an API key's name or value, or a Backend.AI key holding CR, LF, NUL or
    another control character is refused when the auth is made, with a ValueError naming
    the field: it never reaches aiohttp (whose ValueError the window took for a bug)."""
    with pytest.raises(ValueError, match="token"):
        BearerAuth(bad)
    with pytest.raises(ValueError, match="name"):
        APIKeyAuth("X-" + bad, "v")
    with pytest.raises(ValueError, match="value"):
        APIKeyAuth("X-Key", bad)
    with pytest.raises(ValueError, match="access key"):
        BackendAIAuth(bad, "secret")
    model = RequestModel(url="http://127.0.0.1:1/", auth=AuthModel(AuthKind.BEARER, token=bad))
    async with AsyncSession() as session:
        with pytest.raises(ComposeError) as caught:
            compose(session, model)
    assert caught.value.field == "auth" and not describe_error(caught.value).unexpected
    witness.saw(shown(caught.value))


@fault("Credentials", "A space in an API key's name: refused in a header, allowed in the query",
       sees="name",
       kept="no control character either way")
def test_an_api_key_name_must_be_a_header_name_only_in_a_header(witness: Witness) -> None:
    """A header key's name must be an RFC 9110 token; a query key's name is percent-encoded
    and may hold spaces, but still no control characters."""
    with pytest.raises(ValueError, match="name"):
        APIKeyAuth("X Key", "v")
    assert APIKeyAuth("api key", "v", location="query").name == "api key"
    with pytest.raises(ValueError, match="name") as caught:
        APIKeyAuth("api\nkey", "v", location="query")
    witness.saw(str(caught.value))


@fault("Hostile servers", "A HEAD answer announcing 8 MiB (not a fault: empty body)",
       sees="0 bytes",
       kept="not held against the in-memory cap")
async def test_a_head_answer_announcing_a_huge_body_reads_empty(
    witness: Witness,     kind: SessionKind, hostile: ServerThread
) -> None:
    """A HEAD answer's Content-Length describes the GET body: it is not held against the
    in-memory cap (the body is empty)."""
    async with kind.open(hostile.url, limits=Limits(body=MIB)) as session:
        async with kind.fetch(Request(session, "HEAD", "/big?mib=8")) as response:
            assert response.content_length == 8 * MIB
            body = await response.read()
    assert body == b""
    witness.saw(f"{len(body)} bytes")
