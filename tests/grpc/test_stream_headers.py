"""GrpcStream.headers: a stream's response headers while it runs, as soon as grpcio has
them, shown as ``result.headers`` shows them (binary values in base64); a call waiting for
them still cancels at once."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterator
from typing import Any

import pytest

from app.grpc import GrpcStream, open_stream

from .servers import SERVICE, InventoryServer

RAW = b"\x00\x01\xff"


class _EarlyOrSilent(InventoryServer):
    """Trade sends its headers (one binary) at once, before any message comes; ListItems
    says nothing at all, headers neither, until its client leaves."""

    def trade(self, requests: Any, context: Any) -> Any:
        context.send_initial_metadata((("x-hello", "at once"), ("x-raw-bin", RAW)))
        yield from super().trade(requests, context)

    def list_items(self, request: Any, context: Any) -> Any:
        self._seen("ListItems", context)
        while context.is_active():
            time.sleep(0.01)
        self.cancelled.set()
        yield from ()


@pytest.fixture(scope="module")
def early_or_silent() -> Iterator[_EarlyOrSilent]:
    server = _EarlyOrSilent()
    yield server
    server.stop()


async def _headers_of(stream: GrpcStream) -> list[tuple[str, str]]:
    limit = time.monotonic() + 10
    while (headers := stream.headers) is None:
        assert time.monotonic() < limit, "the headers never came"
        await asyncio.sleep(0.01)
    return headers


async def test_a_server_streams_headers_while_it_runs(inventory: InventoryServer) -> None:
    async with open_stream(inventory.target, f"{SERVICE}/ListItems",
                           metadata={"x-token": "early"}) as stream:
        assert stream.headers is None  # not started
        await stream.send({"count": 100, "interval_ms": 100})
        assert (await stream.__anext__())["sku"] == "sku-0"
        assert stream.headers == [("x-seen-token", "early")]
        assert stream.result is None  # some ten seconds to go
        stream.cancel()
    assert stream.result is not None and stream.result.code == "CANCELLED"
    assert stream.headers == stream.result.headers


async def test_a_bidi_streams_headers_before_any_message(
        early_or_silent: _EarlyOrSilent) -> None:
    async with open_stream(early_or_silent.target, f"{SERVICE}/Trade") as stream:
        headers = await _headers_of(stream)  # nothing sent, nothing read
        assert ("x-hello", "at once") in headers
        assert ("x-raw-bin", base64.b64encode(RAW).decode()) in headers
        await stream.send({"sku": "a"})
        assert await stream.__anext__() == {"sku": "a!"}
    assert stream.result is not None and stream.result.code == "OK"
    assert headers == stream.result.headers


async def test_a_bidi_server_waiting_for_the_first_message_is_no_deadlock(
        inventory: InventoryServer) -> None:
    # Trade answers (headers and all) only once a message came: the reader waits for the
    # headers while the message goes on another thread.
    async with open_stream(inventory.target, f"{SERVICE}/Trade") as stream:
        await asyncio.sleep(0.2)
        assert stream.headers is None
        await stream.send({"sku": "a"})
        assert await asyncio.wait_for(stream.__anext__(), 10) == {"sku": "a!"}
        assert stream.headers == []
    assert stream.result is not None and stream.result.code == "OK"


@pytest.mark.parametrize(("method", "first"), [("Trade", None), ("ListItems", {"count": 1})])
async def test_a_call_waiting_for_its_headers_cancels_at_once(
        early_or_silent: _EarlyOrSilent, inventory: InventoryServer, method: str,
        first: dict[str, Any] | None) -> None:
    # A Trade sent nothing (the Inventory's answers nothing until then); a ListItems whose
    # server says nothing. A deadline, should a cancel wait for the server after all.
    server = inventory if method == "Trade" else early_or_silent
    async with open_stream(server.target, f"{SERVICE}/{method}", deadline=5) as stream:
        if first is not None:
            await stream.send(first)
        await asyncio.sleep(0.3)  # the reader is waiting
        assert stream.headers is None
        started = time.monotonic()
        stream.cancel()
        assert time.monotonic() - started < 0.5
        assert [r async for r in stream] == []
        assert time.monotonic() - started < 2
    assert stream.result is not None and stream.result.code == "CANCELLED"
    assert stream.headers == []
