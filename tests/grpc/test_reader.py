"""Server streams read on a thread of their own (app.grpc._reader): the handoff between that
thread and any loop, and the streams read through it against a real grpcio server."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

import app.grpc
from app.client.errors import UsageError
from app.grpc import GrpcClient, GrpcSettings, open_stream
from app.grpc._reader import Handoff

from .servers import SERVICE, InventoryServer


async def test_the_consumer_takes_everything_waiting_at_once() -> None:
    handoff = Handoff(100)
    for item in range(5):
        assert handoff.put(item)
    assert await handoff.take() == [0, 1, 2, 3, 4]
    handoff.put(5)
    handoff.end()
    assert await handoff.take() == [5]
    assert await handoff.take() is None
    assert await handoff.take() is None


async def test_a_waiting_consumer_is_woken_from_another_thread() -> None:
    handoff = Handoff(10)

    def produce() -> None:
        time.sleep(0.05)
        for item in range(3):
            handoff.put(item)
            time.sleep(0.01)
        handoff.end()

    threading.Thread(target=produce).start()
    taken: list[int] = []
    while (batch := await asyncio.wait_for(handoff.take(), 5)) is not None:
        taken += batch
    assert taken == [0, 1, 2]


async def test_the_producer_waits_while_the_buffer_is_full() -> None:
    handoff = Handoff(3)
    done = threading.Event()

    def produce() -> None:
        for item in range(7):
            handoff.put(item)
        done.set()
        handoff.end()

    threading.Thread(target=produce).start()
    await asyncio.sleep(0.1)
    assert not done.is_set()  # three put, the fourth waits
    taken: list[int] = []
    while (batch := await asyncio.wait_for(handoff.take(), 5)) is not None:
        assert len(batch) <= 3
        taken += batch
    assert taken == list(range(7))


async def test_abandoning_releases_a_waiting_producer_and_drops_what_waits() -> None:
    handoff = Handoff(2)
    results: list[bool] = []

    def produce() -> None:
        results.extend(handoff.put(item) for item in range(4))
        handoff.end()

    thread = threading.Thread(target=produce)
    thread.start()
    await asyncio.sleep(0.1)
    handoff.abandon()
    thread.join(5)
    assert results == [True, True, False, False]
    assert await handoff.take() is None


async def test_redirect_gives_what_waits_first_then_each_item_in_order() -> None:
    handoff = Handoff(100)
    handoff.put("a")
    handoff.put("b")
    seen: list[str] = []
    handoff.redirect(seen.append)
    handoff.put("c")
    handoff.end()
    assert seen == ["a", "b", "c"]
    assert await handoff.take() is None
    with pytest.raises(ValueError, match="1 or more"):
        Handoff(0)


async def test_read_all_gives_every_response_in_order_as_it_is_read(
    inventory: InventoryServer,
) -> None:
    seen: list[tuple[str, str]] = []
    async with open_stream(inventory.target, f"{SERVICE}/ListItems") as stream:
        await stream.send({"count": 100, "interval_ms": 2})
        first = await stream.__anext__()  # some taken by async for first: still in order
        await stream.read_all(
            lambda data: seen.append((data["sku"], threading.current_thread().name)))
    assert first["sku"] == "sku-0"
    assert [sku for sku, _ in seen] == [f"sku-{n}" for n in range(1, 100)]
    # Those read before read_all are given on the caller's thread, the rest on the reader's.
    assert seen[-1][1] == "spyglass-grpc-read"
    assert {name for _, name in seen} <= {"spyglass-grpc-read", "MainThread"}
    assert stream.result is not None and stream.result.code == "OK"
    assert len(stream.result.responses) == 100


async def test_read_all_on_a_bidirectional_stream(inventory: InventoryServer) -> None:
    seen: list[dict[str, str]] = []
    async with open_stream(inventory.target, f"{SERVICE}/Trade") as stream:
        await stream.send({"sku": "a"})
        await stream.send({"sku": "b"})
        await stream.done_writing()
        await stream.read_all(seen.append)
    assert seen == [{"sku": "a!"}, {"sku": "b!"}]
    assert stream.result is not None and stream.result.code == "OK"


async def test_cancelling_a_server_stream_mid_way(inventory: InventoryServer) -> None:
    inventory.cancelled.clear()
    async with open_stream(inventory.target, f"{SERVICE}/ListItems") as stream:
        await stream.send({"count": 100000, "interval_ms": 5})
        assert (await stream.__anext__())["sku"] == "sku-0"
        stream.cancel()
        rest = [response async for response in stream]
    assert stream.result is not None and stream.result.code == "CANCELLED"
    assert len(rest) < 100
    assert await asyncio.to_thread(inventory.cancelled.wait, 5)


async def test_leaving_a_server_stream_by_an_exception_cancels_it(
    inventory: InventoryServer,
) -> None:
    with pytest.raises(RuntimeError, match="enough"):
        async with open_stream(inventory.target, f"{SERVICE}/ListItems") as stream:
            await stream.send({"count": 100000, "interval_ms": 5})
            await stream.__anext__()
            raise RuntimeError("enough")
    assert stream.result is not None and stream.result.code == "CANCELLED"


async def test_a_reader_that_falls_behind_holds_the_stream_back(
    inventory: InventoryServer,
) -> None:
    client = GrpcClient(GrpcSettings(stream_buffer=4))
    try:
        async with app.grpc.open_stream(inventory.target, f"{SERVICE}/ListItems",
                                        client=client) as stream:
            await stream.send({"count": 50})
            await asyncio.sleep(0.3)  # the reader has read ahead four, and waits
            assert len(stream._reader.responses) <= 5  # type: ignore[union-attr]
            taken = [response["sku"] async for response in stream]
        assert taken == [f"sku-{n}" for n in range(50)]
        with pytest.raises(ValueError, match="stream_buffer"):
            GrpcSettings(stream_buffer=0)
    finally:
        await client.close()


async def test_a_deadline_ends_a_server_stream(inventory: InventoryServer) -> None:
    result = await app.grpc.call(inventory.target, f"{SERVICE}/ListItems",
                                 [{"count": 1000, "interval_ms": 50}], deadline=0.3)
    assert result.code == "DEADLINE_EXCEEDED"
    assert 1 <= len(result.responses) < 20


async def test_a_stream_keeps_its_last_responses_when_asked(inventory: InventoryServer) -> None:
    async with open_stream(inventory.target, f"{SERVICE}/ListItems",
                           keep_responses=10) as stream:
        await stream.send({"count": 300})
        seen = [response["sku"] async for response in stream]
    assert len(seen) == 300  # every one was given; only the result keeps fewer
    assert stream.result is not None and stream.result.code == "OK"
    assert [r["sku"] for r in stream.result.responses] == [f"sku-{n}" for n in range(290, 300)]
    assert stream.result.responses_dropped == 290
    async with open_stream(inventory.target, f"{SERVICE}/Trade", keep_responses=2) as stream:
        for sku in "abcd":
            await stream.send({"sku": sku})
    assert stream.result is not None
    assert [r["sku"] for r in stream.result.responses] == ["c!", "d!"]
    assert stream.result.responses_dropped == 2
    for wrong in (0, -1, 2.5, True, "10"):
        with pytest.raises(UsageError, match="keep_responses"):
            open_stream(inventory.target, f"{SERVICE}/Trade", keep_responses=wrong)  # type: ignore[arg-type]


async def test_a_producer_waiting_for_room_when_redirected_gives_its_item_to_the_sink() -> None:
    handoff = Handoff(2)
    seen: list[int] = []

    def produce() -> None:
        for item in range(5):
            handoff.put(item)  # the third waits for room until the redirect
        handoff.end()

    thread = threading.Thread(target=produce)
    thread.start()
    await asyncio.sleep(0.1)
    handoff.redirect(seen.append)
    thread.join(5)
    assert seen == [0, 1, 2, 3, 4]
    assert await handoff.take() is None
