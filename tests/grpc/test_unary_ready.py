"""A unary method called before is called again from the caller's loop, without the gRPC
thread (app.grpc._unary): the same results, deadlines and cancelling as a first call, and a
first call again whenever what it was made with has changed."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from app.grpc import GrpcClient, GrpcSettings

from .servers import IMPORT_PATHS, INVENTORY, PROTOS, SERVICE, InventoryServer


class Hops:
    """Counts the client's hand-offs to its gRPC thread."""

    def __init__(self, client: GrpcClient) -> None:
        self.count = 0
        run = client.thread.run

        async def counted(make: Any) -> Any:
            self.count += 1
            return await run(make)

        client.thread.run = counted  # type: ignore[method-assign]

    def taken(self) -> int:
        count, self.count = self.count, 0
        return count


@pytest.fixture
async def client() -> AsyncIterator[GrpcClient]:
    made = GrpcClient(GrpcSettings(reflection_ttl=300))
    yield made
    await made.close()


async def test_a_second_call_takes_no_hop_and_ends_the_same(
        client: GrpcClient, inventory: InventoryServer) -> None:
    hops = Hops(client)
    method = f"{SERVICE}/GetItem"
    first = await client.call(inventory.target, method, [{"sku": "a"}],
                              metadata={"x-token": "me"})
    assert hops.taken() == 1
    again = await client.call(inventory.target, method, [{"sku": "a"}],
                              metadata={"x-token": "me"})
    assert hops.taken() == 0
    assert again == first
    assert again.code == "OK" and again.responses[0]["sku"] == "a"
    assert ("x-seen-token", "me") in again.headers
    assert ("x-trailer", "goodbye") in again.trailers
    assert inventory.calls[-1][1]["x-token"] == "me"

    # A failure with details, a message that does not fit, a wrong count of messages.
    await client.call(inventory.target, f"{SERVICE}/Explode", [{"sku": "tnt"}])
    failed = await client.call(inventory.target, f"{SERVICE}/Explode", [{"sku": "tnt"}])
    assert hops.taken() == 1
    assert failed.code == "FAILED_PRECONDITION" and failed.error_details
    from app.client.errors import UsageError

    with pytest.raises(UsageError, match="quantity"):
        await client.call(inventory.target, method, [{"quantity": "many"}])
    with pytest.raises(UsageError, match="takes one message, not 2"):
        await client.call(inventory.target, method, [{}, {}])
    # A response protobuf's JSON refuses, made on grpc's thread: a result, not an exception.
    unreadable = await client.call(inventory.target, method, [{"sku": "nan"}])
    assert unreadable.code == "INTERNAL" and "NaN" in unreadable.details
    assert hops.taken() == 0


async def test_deadlines_and_cancelling_a_call_made_before(
        client: GrpcClient, inventory: InventoryServer) -> None:
    hops = Hops(client)
    wait = f"{SERVICE}/Wait"
    assert (await client.call(inventory.target, wait, [{"ms": 1}])).code == "OK"
    started = time.monotonic()
    late = await client.call(inventory.target, wait, [{"ms": 3000}], deadline=0.3)
    assert late.code == "DEADLINE_EXCEEDED" and late.responses == []
    assert time.monotonic() - started < 2

    inventory.cancelled.clear()
    task = asyncio.ensure_future(client.call(inventory.target, wait, [{"ms": 10000}]))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(inventory.cancelled.wait, 5)
    assert hops.taken() == 1  # the first only


async def test_a_changed_proto_a_closed_client_or_an_old_reflection_call_afresh(
        inventory: InventoryServer, tmp_path: Path) -> None:
    copied = shutil.copytree(PROTOS, tmp_path / "protos")
    proto = copied / INVENTORY.relative_to(PROTOS)
    files: dict[str, Any] = {"protos": [proto], "import_paths": [
        copied / path.relative_to(PROTOS) for path in IMPORT_PATHS]}
    client = GrpcClient(GrpcSettings(reflection_ttl=0.2))
    hops = Hops(client)
    method = f"{SERVICE}/GetItem"
    try:
        for _ in range(2):
            assert (await client.call(inventory.target, method, [{}], **files)).ok
        assert hops.taken() == 1
        # The item's sku renamed: the next call reads the file again.
        proto.write_text(proto.read_text().replace("string sku = 1;", "string code = 1;"))
        renamed = await client.call(inventory.target, method, [{"code": "c"}], **files)
        assert hops.taken() == 1 and renamed.responses[0]["code"] == "c"

        await client.close()  # its channels closed: the next call makes them again
        assert (await client.call(inventory.target, method, [{}], **files)).ok
        assert hops.taken() == 1

        # By reflection: past reflection_ttl, the server is asked again.
        await client.call(inventory.target, method, [{}])
        await client.call(inventory.target, method, [{}])
        assert hops.taken() == 1
        await asyncio.sleep(0.3)
        reflected = len(inventory.calls)
        assert (await client.call(inventory.target, method, [{}])).ok
        assert hops.taken() == 1
        assert len(inventory.calls) == reflected + 1  # the reflection is not a method call
    finally:
        await client.close()


async def test_a_channel_closed_under_a_call_made_before(
        client: GrpcClient, inventory: InventoryServer) -> None:
    # Closed between the check and the call (evicted, or close() from another thread): the
    # call goes as a first one, on a new channel.
    hops = Hops(client)
    method = f"{SERVICE}/GetItem"
    await client.call(inventory.target, method, [{"sku": "a"}])
    (ready,) = client._ready.values()
    await client.close()
    client._ready_for = lambda key: ready  # type: ignore[method-assign]  # checked before
    result = await client.call(inventory.target, method, [{"sku": "b"}])
    assert result.ok and result.responses[0]["sku"] == "b"
    assert hops.taken() == 2


async def test_the_least_recently_used_channel_is_closed_first(
        inventory: InventoryServer) -> None:
    # Calls made from the caller's loop count as uses: the channel they keep busy stays.
    client = GrpcClient(GrpcSettings(max_channels=2))
    hops = Hops(client)
    method = f"{SERVICE}/GetItem"
    try:
        await client.call(inventory.target, method, [{}])
        await client.call(f"localhost:{inventory.target.rpartition(':')[2]}", method, [{}])
        await client.call(inventory.target, method, [{}])  # no hop: used now
        assert hops.taken() == 2
        await client.call(inventory.target, method, [{}], metadata={"x-n": "1"})
        # A third target: the localhost channel, least recently used, is the one closed.
        third = f"ipv4:{inventory.target}"
        await client.call(third, method, [{}])
        await client.call(inventory.target, method, [{}])
        assert hops.taken() == 1
    finally:
        await client.close()


async def test_a_unary_stream_cancelled_or_read(inventory: InventoryServer) -> None:
    from app.grpc import open_stream

    inventory.cancelled.clear()
    async with open_stream(inventory.target, f"{SERVICE}/Wait") as stream:
        await stream.send({"ms": 10000})
        await asyncio.sleep(0.3)
        stream.cancel()
        assert [r async for r in stream] == []
    assert stream.result is not None and stream.result.code == "CANCELLED"
    assert await asyncio.to_thread(inventory.cancelled.wait, 5)
    async with open_stream(inventory.target, f"{SERVICE}/GetItem") as stream:
        await stream.send({"sku": "one"})
        assert [r["sku"] async for r in stream] == ["one"]
    assert stream.result is not None and stream.result.ok
    assert [r["sku"] for r in stream.result.responses] == ["one"]
    assert ("x-trailer", "goodbye") in stream.result.trailers


async def test_a_late_handshake_failure_leaves_a_newer_certificate_alone() -> None:
    """Without the check, a server back with a new certificate: a call on another loop
    that is busy learns its handshake failed after this loop's call has fetched the new
    certificate and is under way on a new channel, which it must not close."""
    import threading

    import grpc
    import trustme

    def serve(port: int = 0) -> InventoryServer:
        cert = trustme.CA().issue_cert("dev.test")
        return InventoryServer(port=port, credentials=grpc.ssl_server_credentials(
            [(cert.private_key_pem.bytes(), cert.cert_chain_pems[0].bytes())]))

    server = serve()
    target, port = server.target, int(server.target.rpartition(":")[2])
    client = GrpcClient()
    get, wait = f"{SERVICE}/GetItem", f"{SERVICE}/Wait"
    try:
        await client.call(target, get, [{}], verify=False)
        await client.call(target, wait, [{"ms": 1}], verify=False)
        server.stop()
        server = serve(port)
        late: list[str] = []

        def busy_elsewhere() -> None:
            async def run() -> None:
                task = asyncio.ensure_future(client.call(target, get, [{}], verify=False))
                await asyncio.sleep(0)  # started, from the loop's side
                time.sleep(0.5)  # the loop busy: it looks at the result late
                late.append((await task).code)

            asyncio.run(run())

        thread = threading.Thread(target=busy_elsewhere)
        thread.start()
        await asyncio.sleep(0.1)
        result = await client.call(target, wait, [{"ms": 1000}], verify=False)
        await asyncio.to_thread(thread.join, 10)
        assert (result.code, result.details) == ("OK", "")
        assert late == ["OK"]
    finally:
        await client.close()
        server.stop()


async def test_a_small_answer_is_read_on_the_callers_loop_a_large_one_elsewhere(
        client: GrpcClient, inventory: InventoryServer) -> None:
    import threading

    method = f"{SERVICE}/GetItem"
    await client.call(inventory.target, method, [{"sku": "a"}])
    (ready,) = client._ready.values()
    made_on: list[str] = []
    to_json = ready.method.json

    def json(message: Any, unknown: set[str] | None = None) -> dict[str, Any]:
        made_on.append(threading.current_thread().name)
        return to_json(message, unknown)

    ready.method.json = json  # type: ignore[method-assign]
    small = await client.call(inventory.target, method, [{"sku": "b"}])
    large = await client.call(inventory.target, method, [{"sku": "c" * 100_000}])
    assert small.responses[0]["sku"] == "b" and large.responses[0]["sku"] == "c" * 100_000
    here = threading.current_thread().name
    assert made_on[0] == here and made_on[1] != here


def test_an_endpoint_made_as_the_last_is_the_same_one() -> None:
    """What a call is made with is read once (its Endpoint found again by identity in the
    client's maps); what is refused is refused every time, and the environment's proxy is
    read again each time."""
    from app.client.errors import UsageError
    from app.grpc._channels import Endpoint
    from app.grpc.messages import split_metadata

    headers = split_metadata({"user-agent": "tool/1"})[1]
    first = Endpoint.make(" 127.0.0.1:1 ", False, None, None, headers=headers)
    again = Endpoint.make(" 127.0.0.1:1 ", False, None, None, headers=headers)
    assert again is first and first.target == "127.0.0.1:1"
    assert Endpoint.make("127.0.0.1:1", False, None, None, headers=headers) == first
    other = Endpoint.make(" 127.0.0.1:1 ", False, None, None)
    assert other != first and hash(other) != hash(first)
    assert Endpoint.make(" 127.0.0.1:1 ", True, None, None).tls
    with pytest.raises(UsageError, match="verify is True or False"):
        Endpoint.make(" 127.0.0.1:1 ", False, None, None, verify=1)  # type: ignore[arg-type]
    listed = ["cert.pem", "key.pem"]  # unhashable: made each time, never kept
    assert Endpoint.make("127.0.0.1:1", False, None, listed).client_cert is not None  # type: ignore[arg-type]


def test_the_environment_s_proxy_is_read_for_each_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.grpc._channels import Endpoint

    monkeypatch.setenv("grpc_proxy", "http://127.0.0.1:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert Endpoint.make("10.0.0.1:1", False, None, None, trust_env=True).proxy is not None
    monkeypatch.setenv("no_proxy", "10.0.0.1")
    assert Endpoint.make("10.0.0.1:1", False, None, None, trust_env=True).proxy is None
