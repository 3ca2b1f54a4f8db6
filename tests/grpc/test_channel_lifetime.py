"""A channel the client lets go (the least recently used past ``max_channels``, or one made
with limits since changed by ``set_settings``) leaves the cache at once, but is closed only
once the calls and streams running on it have ended: they go on to their own end."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

import app.grpc
from app.grpc import GrpcClient, GrpcSettings
from app.grpc._channels import Channel

from .servers import SERVICE, InventoryServer


@pytest.fixture(scope="module")
def server() -> Iterator[InventoryServer]:
    """A server of the module's own: its ``calls`` tell when a call has reached it."""
    found = InventoryServer()
    yield found
    found.stop()


def _refuses_calls(channel: Channel) -> bool:
    """Whether grpc has closed the channel calls are made on: a new call raises ValueError
    there (on an open one the probe starts a call, cancelled at once)."""
    probe = channel.sync.unary_unary("/spyglass.test.Probe/Nothing")
    try:
        probe.future(b"", timeout=1).cancel()
    except ValueError:
        return True
    return False


def _only_channel(client: GrpcClient) -> Channel:
    (channel,) = client._channels.values()
    return channel


async def _until(condition: Any, what: str, seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, what
        await asyncio.sleep(0.02)


async def _reached(server: InventoryServer, method: str, before: int) -> None:
    await _until(lambda: sum(name == method for name, _ in server.calls) > before,
                 f"{method} never reached the server")


async def _use_other_endpoint(client: GrpcClient, server: InventoryServer) -> None:
    """A call to the same server by another endpoint (its own user agent: its own channel),
    which evicts the other channel of a client of ``max_channels=1``."""
    result = await client.call(server.target, f"{SERVICE}/GetItem", [{"sku": "x"}],
                               metadata={"user-agent": f"other/{time.monotonic_ns()}"})
    assert result.code == "OK", result


async def test_an_evicted_server_stream_runs_to_its_end_then_its_channel_closes(
        server: InventoryServer) -> None:
    client = GrpcClient(GrpcSettings(max_channels=1))
    try:
        async with app.grpc.open_stream(server.target, f"{SERVICE}/ListItems",
                                        client=client) as stream:
            await stream.send({"count": 15, "interval_ms": 40})
            assert await stream.__anext__() == {"sku": "sku-0"}
            first = _only_channel(client)
            await _use_other_endpoint(client, server)
            await _use_other_endpoint(client, server)
            assert first not in client._channels.values()  # let go at once
            assert not _refuses_calls(first)
            rest = [data async for data in stream]
        assert stream.result is not None and stream.result.code == "OK", stream.result
        assert [data["sku"] for data in rest] == [f"sku-{n}" for n in range(1, 15)]
        await _until(lambda: _refuses_calls(first), "the evicted channel was never closed")
        assert first.closed
    finally:
        await client.close()


async def test_an_idle_channel_is_let_go_before_one_a_stream_runs_on(
        server: InventoryServer) -> None:
    client = GrpcClient(GrpcSettings(max_channels=2))
    try:
        async with app.grpc.open_stream(server.target, f"{SERVICE}/Trade",
                                        client=client) as stream:
            await stream.send({"sku": "a"})
            assert await stream.__anext__() == {"sku": "a!"}
            streaming = _only_channel(client)  # the least recently used from here on
            await _use_other_endpoint(client, server)
            idle = next(c for c in client._channels.values() if c is not streaming)
            await _use_other_endpoint(client, server)  # a third: one of the two goes
            assert streaming in client._channels.values()
            assert idle not in client._channels.values()
            await _until(lambda: _refuses_calls(idle), "the idle channel was never closed")
            await stream.send({"sku": "b"})
            assert await stream.__anext__() == {"sku": "b!"}
        assert stream.result is not None and stream.result.code == "OK", stream.result
    finally:
        await client.close()


async def test_an_evicted_bidi_stream_goes_on_until_it_is_half_closed(
        server: InventoryServer) -> None:
    client = GrpcClient(GrpcSettings(max_channels=1))
    try:
        async with app.grpc.open_stream(server.target, f"{SERVICE}/Trade",
                                        client=client) as stream:
            await stream.send({"sku": "a"})
            assert await stream.__anext__() == {"sku": "a!"}
            first = _only_channel(client)
            await _use_other_endpoint(client, server)
            await asyncio.sleep(0.1)  # a close scheduled at once would have run by now
            await stream.send({"sku": "b"})
            assert await stream.__anext__() == {"sku": "b!"}
            assert not _refuses_calls(first)
        assert stream.result is not None and stream.result.code == "OK", stream.result
        await _until(lambda: _refuses_calls(first), "the evicted channel was never closed")
        assert first.closed
    finally:
        await client.close()


@pytest.mark.parametrize("how", ["first", "ready", "stream"])
async def test_an_evicted_unary_call_runs_to_its_end_then_its_channel_closes(
        server: InventoryServer, how: str) -> None:
    """``first``: a method's first call (on the gRPC thread); ``ready``: one called before,
    from the caller's loop (the fast path); ``stream``: a unary call by open_stream."""
    client = GrpcClient(GrpcSettings(max_channels=1))
    method = f"{SERVICE}/Wait"
    try:
        if how == "ready":
            assert (await client.call(server.target, method, [{"ms": 1}])).code == "OK"
        before = sum(name == "Wait" for name, _ in server.calls)
        if how == "stream":
            stream = app.grpc.open_stream(server.target, method, client=client)
            await stream.__aenter__()
            await stream.send({"ms": 800})
            running: asyncio.Future[Any] = asyncio.ensure_future(stream.__anext__())
        else:
            running = asyncio.ensure_future(client.call(server.target, method, [{"ms": 800}]))
        await _reached(server, "Wait", before)
        first = _only_channel(client)
        await _use_other_endpoint(client, server)
        assert first not in client._channels.values()
        assert not _refuses_calls(first)
        if how == "stream":
            assert await running == {"sku": "waited"}
            await stream.__aexit__(None, None, None)
            result = stream.result
        else:
            result = await running
        assert result is not None and result.code == "OK", result
        await _until(lambda: _refuses_calls(first), "the evicted channel was never closed")
        assert first.closed
    finally:
        await client.close()


async def test_a_channel_retired_by_new_limits_closes_once_its_stream_has_ended(
        server: InventoryServer) -> None:
    client = GrpcClient()
    try:
        async with app.grpc.open_stream(server.target, f"{SERVICE}/ListItems",
                                        client=client) as stream:
            await stream.send({"count": 12, "interval_ms": 40})
            assert await stream.__anext__() == {"sku": "sku-0"}
            first = _only_channel(client)
            client.set_settings(GrpcSettings(max_message_bytes=1 << 20))
            # A new call goes on a new channel, with the new limit.
            result = await client.call(server.target, f"{SERVICE}/GetItem", [{"sku": "x"}])
            assert result.code == "OK", result
            assert _only_channel(client) is not first
            assert not _refuses_calls(first)
            rest = [data async for data in stream]
        assert stream.result is not None and stream.result.code == "OK", stream.result
        assert len(rest) == 11
        await _until(lambda: _refuses_calls(first), "the retired channel was never closed")
        assert first.closed
    finally:
        await client.close()


async def test_close_still_closes_a_let_go_channel_at_once(server: InventoryServer) -> None:
    client = GrpcClient(GrpcSettings(max_channels=1))
    async with app.grpc.open_stream(server.target, f"{SERVICE}/ListItems",
                                    client=client) as stream:
        await stream.send({"count": 1000, "interval_ms": 50})
        assert await stream.__anext__() == {"sku": "sku-0"}
        first = _only_channel(client)
        await _use_other_endpoint(client, server)
        started = time.monotonic()
        await client.close()
        assert time.monotonic() - started < 2
        assert _refuses_calls(first)
        rest = [data async for data in stream]
    assert len(rest) < 100
    assert stream.result is not None and stream.result.code == "CANCELLED", stream.result
