"""open_stream: interactive client and bidirectional streams (and the other kinds)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from app.client.errors import StreamError, UsageError
from app.grpc import open_stream

from .servers import SERVICE, InventoryServer


def _readers() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "spyglass-grpc-read"}


def _block_until_the_server_takes(inventory: InventoryServer, name: str, seen: int) -> None:
    """Hold the caller's loop (a window busy painting) until the server has taken a call of
    ``name`` after the first ``seen`` calls: the gRPC thread has started it, and its answer
    cannot reach the caller before a cancel does."""
    limit = time.monotonic() + 15
    while name not in [called for called, _ in inventory.calls[seen:]]:
        assert time.monotonic() < limit, f"the server never took {name}"
        time.sleep(0.01)


async def test_bidirectional_step_by_step(inventory: InventoryServer) -> None:
    async with open_stream(inventory.target, f"{SERVICE}/Trade",
                           metadata={"x-token": "s"}) as stream:
        await stream.send({"sku": "a", "quantity": 1})
        assert await stream.__anext__() == {"sku": "a!", "quantity": "2"}
        await stream.send({"sku": "b"})
        assert await stream.__anext__() == {"sku": "b!"}
        assert stream.result is None
        await stream.done_writing()
        assert [r async for r in stream] == []
    assert stream.result is not None and stream.result.code == "OK"
    assert stream.result.responses == [{"sku": "a!", "quantity": "2"}, {"sku": "b!"}]
    assert inventory.calls[-1][1]["x-token"] == "s"


async def test_leaving_the_block_half_closes_and_drains(inventory: InventoryServer) -> None:
    async with open_stream(inventory.target, f"{SERVICE}/Trade") as stream:
        for sku in "xyz":
            await stream.send({"sku": sku})
    assert stream.result is not None and stream.result.code == "OK"
    assert [r["sku"] for r in stream.result.responses] == ["x!", "y!", "z!"]


async def test_client_streaming(inventory: InventoryServer) -> None:
    async with open_stream(inventory.target, f"{SERVICE}/AddItems") as stream:
        await stream.send({"quantity": 5})
        await stream.send({"quantity": 6})
        await stream.done_writing()
        assert [r async for r in stream] == [{"count": 2, "total_quantity": "11"}]
    assert stream.result is not None and stream.result.code == "OK"
    with pytest.raises(UsageError, match="half-closed"):
        await stream.send({"quantity": 1})


async def test_server_streaming_starts_when_sent(inventory: InventoryServer) -> None:
    async with open_stream(inventory.target, f"{SERVICE}/ListItems") as stream:
        with pytest.raises(UsageError, match="has not started"):
            await stream.__anext__()
        await stream.send({"count": 3})
        with pytest.raises(UsageError, match="takes one message"):
            await stream.send({"count": 3})
        assert [r["sku"] async for r in stream] == ["sku-0", "sku-1", "sku-2"]
    assert stream.result is not None and stream.result.code == "OK"


async def test_a_unary_method_never_sent_is_a_usage_error(inventory: InventoryServer) -> None:
    with pytest.raises(UsageError, match="never sent its message"):
        async with open_stream(inventory.target, f"{SERVICE}/GetItem"):
            pass


async def test_cancel(inventory: InventoryServer) -> None:
    async with open_stream(inventory.target, f"{SERVICE}/Trade") as stream:
        await stream.send({"sku": "a"})
        await stream.__anext__()
        stream.cancel()
        assert [r async for r in stream] == []
    assert stream.result is not None and stream.result.code == "CANCELLED"
    with pytest.raises(StreamError, match="CANCELLED"):
        await stream.send({"sku": "late"})


async def test_an_exception_in_the_block_cancels_the_call(inventory: InventoryServer) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with open_stream(inventory.target, f"{SERVICE}/Trade") as stream:
            await stream.send({"sku": "a"})
            raise RuntimeError("boom")
    assert stream.result is not None and stream.result.code == "CANCELLED"


async def test_a_message_that_does_not_fit(inventory: InventoryServer) -> None:
    async with open_stream(inventory.target, f"{SERVICE}/Trade") as stream:
        with pytest.raises(UsageError, match="quantity"):
            await stream.send({"quantity": "lots"})
        await stream.send({"sku": "ok"})
    assert stream.result is not None and stream.result.responses == [{"sku": "ok!"}]


async def test_a_deadline_ends_the_stream(inventory: InventoryServer) -> None:
    async with open_stream(inventory.target, f"{SERVICE}/Trade", deadline=0.3) as stream:
        await asyncio.sleep(0.6)
        assert [r async for r in stream] == []
    assert stream.result is not None and stream.result.code == "DEADLINE_EXCEEDED"


async def test_unreachable(closed_port: int) -> None:
    async with open_stream(f"127.0.0.1:{closed_port}", f"{SERVICE}/Trade") as stream:
        assert [r async for r in stream] == []
        with pytest.raises(StreamError, match="UNAVAILABLE"):
            await stream.send({})
    assert stream.result is not None and stream.result.code == "UNAVAILABLE"


async def test_cancelling_the_reader_cancels_the_call(inventory: InventoryServer) -> None:
    async with open_stream(inventory.target, f"{SERVICE}/Trade") as stream:
        reader = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.2)
        reader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reader
        stream.cancel()
    assert stream.result is not None and stream.result.code == "CANCELLED"


async def test_a_message_sent_as_the_server_ends_keeps_its_status(
        inventory: InventoryServer) -> None:
    # grpc.aio ended such a call as "INTERNAL: Internal error from Core", losing the
    # server's status, trailers and the answers not read yet.
    async with open_stream(inventory.target, f"{SERVICE}/Trade") as stream:
        await stream.send({"sku": "a"})
        await stream.send({"sku": "stop"})
        await asyncio.sleep(0.3)  # the server has ended the call by now
        try:
            await stream.send({"sku": "late"})
        except StreamError as exc:  # or dropped, as it raced the end
            assert "ABORTED" in str(exc)
        answers = [r async for r in stream]
    assert answers == [{"sku": "a!"}]
    result = stream.result
    assert result is not None
    assert (result.code, result.details) == ("ABORTED", "closing early")
    assert ("x-trailer", "stopped") in result.trailers
    assert result.responses == [{"sku": "a!"}]
    with pytest.raises(StreamError, match="ABORTED"):
        await stream.send({"sku": "after"})


async def test_an_ended_stream_lets_its_sender_go(inventory: InventoryServer) -> None:
    # Cancelled with its outbox open: grpcio's thread that takes the messages is let go.
    import threading

    before = threading.active_count()
    for _ in range(3):
        async with open_stream(inventory.target, f"{SERVICE}/Trade") as stream:
            await stream.send({"sku": "a"})
            assert await stream.__anext__() == {"sku": "a!"}
            stream.cancel()
        assert stream.result is not None and stream.result.code == "CANCELLED"
    for _ in range(100):
        if threading.active_count() <= before + 1:
            break
        await asyncio.sleep(0.05)
    assert threading.active_count() <= before + 1  # at most grpc's channel thread


async def test_cancelled_as_it_opens_the_stream_ends_its_call(
        inventory: InventoryServer) -> None:
    # The open started the call on the gRPC thread while the caller's loop was busy, then
    # the caller was cancelled before the answer came back: no __aexit__ follows, and the
    # call (no deadline) stayed open for good, its reader thread with it.
    readers = _readers()
    inventory.trades_ended.clear()
    seen = len(inventory.calls)
    stream = open_stream(inventory.target, f"{SERVICE}/Trade")

    async def use() -> None:
        async with stream:
            await asyncio.sleep(60)

    task = asyncio.ensure_future(use())
    await asyncio.sleep(0)  # the task now awaits the open on the gRPC thread
    _block_until_the_server_takes(inventory, "Trade", seen)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The server's handler, which waited for messages that would never come, has ended.
    assert await asyncio.to_thread(inventory.trades_ended.wait, 15)
    for _ in range(100):
        if not _readers() - readers:
            break
        await asyncio.sleep(0.05)
    assert not _readers() - readers


@pytest.mark.parametrize(("method", "message"), [
    ("ListItems", {"count": 1000, "interval_ms": 10}),
    ("Wait", {"ms": 10_000}),
])
async def test_a_send_cancelled_as_it_starts_the_call_ends_it(
        inventory: InventoryServer, method: str, message: dict[str, Any]) -> None:
    # A unary or server-streaming call starts when its message is sent, on the gRPC thread:
    # a caller cancelled before that send's answer came back left it running unseen.
    async with open_stream(inventory.target, f"{SERVICE}/{method}") as stream:
        inventory.cancelled.clear()
        seen = len(inventory.calls)
        send = asyncio.ensure_future(stream.send(message))
        await asyncio.sleep(0)
        _block_until_the_server_takes(inventory, method, seen)
        send.cancel()
        with pytest.raises(asyncio.CancelledError):
            await send
        assert await asyncio.to_thread(inventory.cancelled.wait, 5)
        assert len([r async for r in stream]) < 1000
    assert stream.result is not None and stream.result.code == "CANCELLED"
