"""A client's limits changed while it runs (GrpcClient.set_settings, and
app.grpc.set_default_settings for the shared client, a window's Tools ▸ Limits): calls
started after go by them, a stream under way keeps its channel; and calls that send no
message (a client or bidi stream opened to send later)."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

import app.grpc
from app.client.errors import RequestError, UsageError
from app.grpc import GrpcClient, GrpcSettings, call, open_stream

from .servers import SERVICE, InventoryServer


async def test_a_new_message_limit_applies_to_the_calls_started_after(
        inventory: InventoryServer) -> None:
    client = GrpcClient()
    target = inventory.target
    try:
        # GetItem answers with some 40 bytes more than its sku: called before, it is ready
        # to be called again straight away (the fast path), on a channel of 64 MiB.
        for _ in range(2):
            result = await client.call(target, f"{SERVICE}/GetItem", [{"sku": "x" * 1000}])
            assert result.code == "OK"
        async with open_stream(target, f"{SERVICE}/Trade", client=client) as stream:
            await stream.send({"sku": "a"})
            assert await stream.__anext__() == {"sku": "a!"}
            client.set_settings(GrpcSettings(max_message_bytes=1024))
            # Under way: its channel and limits stay (closing it would cancel the call).
            await stream.send({"sku": "y" * 2000})
        assert stream.result is not None and stream.result.code == "OK"
        assert stream.result.responses[-1] == {"sku": "y" * 2000 + "!"}
        with pytest.raises(UsageError, match="more than the limit of 1024"):
            await client.call(target, f"{SERVICE}/Trade", [{"sku": "x" * 2000}])
        result = await client.call(target, f"{SERVICE}/GetItem", [{"sku": "x" * 1000}])
        assert result.code == "RESOURCE_EXHAUSTED"  # a new channel, receiving 1024 at most
        # The words the window adds its hint to (ui.modes.grpc.grpc_log.status_details).
        assert "CLIENT: Received message larger than max" in result.details
        client.set_settings(GrpcSettings())
        result = await client.call(target, f"{SERVICE}/GetItem", [{"sku": "x" * 1000}])
        assert result.code == "OK"
        with pytest.raises(UsageError, match="GrpcSettings"):
            client.set_settings({"max_message_bytes": 1})  # type: ignore[arg-type]
    finally:
        await client.close()


async def test_a_new_describe_timeout_applies_at_once() -> None:
    # A server that takes the connection and never answers: reflection waits for it.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        target = f"127.0.0.1:{silent.getsockname()[1]}"
        client = GrpcClient(GrpcSettings(describe_timeout=60))
        try:
            client.set_settings(GrpcSettings(describe_timeout=0.5))
            started = time.monotonic()
            with pytest.raises(RequestError):
                await client.describe(target)
            assert time.monotonic() - started < 10
        finally:
            await client.close()


async def test_the_shared_clients_settings(inventory: InventoryServer) -> None:
    try:
        # (Room for reflection's answers: some 3 KB.)
        app.grpc.set_default_settings(GrpcSettings(max_message_bytes=8192))
        assert app.grpc.default_client().settings.max_message_bytes == 8192
        with pytest.raises(UsageError, match="more than the limit of 8192"):
            await call(inventory.target, f"{SERVICE}/Trade", [{"sku": "x" * 10000}])
        with pytest.raises(UsageError, match="GrpcSettings"):
            app.grpc.set_default_settings(None)  # type: ignore[arg-type]
    finally:
        app.grpc.set_default_settings(GrpcSettings())
    result = await call(inventory.target, f"{SERVICE}/Trade", [{"sku": "x" * 10000}])
    assert result.code == "OK"


async def test_a_client_or_bidi_stream_with_no_message_half_closes_at_once(
        inventory: InventoryServer) -> None:
    result = await call(inventory.target, f"{SERVICE}/AddItems", [])
    assert result.code == "OK" and result.responses == [{}]  # count 0: the server read none
    assert inventory.calls[-1][0] == "AddItems"
    inventory.trades_ended.clear()
    result = await asyncio.wait_for(call(inventory.target, f"{SERVICE}/Trade", []), 10)
    assert result.code == "OK" and result.responses == []
    assert inventory.trades_ended.is_set()  # its handler saw the half-close
    for method in ("GetItem", "ListItems"):  # these take exactly one
        with pytest.raises(UsageError, match=f"{method} takes one message, not 0"):
            await call(inventory.target, f"{SERVICE}/{method}", [])
