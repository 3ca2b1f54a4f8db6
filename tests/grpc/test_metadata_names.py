"""Metadata names grpcio sets itself: what grpcio does with them (a real grpcio server, and
the bytes on the wire through a :class:`WireTap`), and what app.grpc does about it: a channel
option where grpcio has one (``user-agent``, ``:authority``/``host``, ``grpc-encoding``),
else a ``UsageError`` naming the key before anything is sent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from app.client.errors import UsageError
from app.grpc import call, describe, open_stream
from app.grpc.messages import ChannelHeaders, message_class, split_metadata

from .servers import SERVICE, InventoryServer, WireTap

MARK = "spyglass-mark"


@pytest.fixture
def tap(inventory: InventoryServer) -> Iterator[WireTap]:
    relay = WireTap(inventory.target)
    yield relay
    relay.close()


def _raw_call(server: InventoryServer, tap: WireTap, metadata: Any,
              timeout: float | None = 10, method: str = "GetItem",
              request: Any = None) -> tuple[str, dict[str, Any], bytes]:
    """A call made with grpcio alone through ``tap`` (a channel and connection of its own):
    (its code, the metadata the server saw, the bytes sent)."""
    before = len(server.calls)
    kind = "test.inventory.WaitRequest" if method == "Wait" else "test.inventory.ItemRequest"
    item = message_class(server.pool, "test.inventory.Item")
    with grpc.insecure_channel(tap.target,
                               options=[("grpc.use_local_subchannel_pool", 1)]) as channel:
        invoke = channel.unary_unary(f"/{SERVICE}/{method}",
                                     request_serializer=lambda m: m.SerializeToString(),
                                     response_deserializer=item.FromString)
        try:
            invoke(request or message_class(server.pool, kind)(), metadata=metadata,
                   timeout=timeout)
            code = "OK"
        except grpc.RpcError as exc:
            code = exc.code().name
    seen = server.calls[-1][1] if len(server.calls) > before else {}
    return code, seen, tap.sent


# --- what grpcio does (why app.grpc refuses or maps each) ----------------------------------

@pytest.mark.parametrize("name", ["user-agent", "content-type", "te", "grpc-accept-encoding",
                                  "grpc-previous-rpc-attempts", "lb-cost-bin"])
def test_grpcio_drops_or_replaces_these_without_a_word(
        inventory: InventoryServer, tap: WireTap, name: str) -> None:
    # (lb-cost-bin: a value that is not a cost, an 8-byte number then a name, goes as 0.)
    value: str | bytes = b"mark" if name.endswith("-bin") else MARK
    code, seen, sent = _raw_call(inventory, tap, [(name, value)])
    assert code == "OK"
    assert (value if isinstance(value, bytes) else value.encode()) not in sent  # not sent
    assert seen.get(name) != value


def test_grpcio_takes_grpc_timeout_for_the_deadline_or_replaces_it(
        inventory: InventoryServer, tap: WireTap) -> None:
    code, _seen, sent = _raw_call(inventory, tap, [("grpc-timeout", "1S")], timeout=30)
    assert code == "OK" and b"grpc-timeout\x021S" not in sent  # the deadline's went
    wait = message_class(inventory.pool, "test.inventory.WaitRequest")(ms=3000)
    code, *_ = _raw_call(inventory, tap, [("grpc-timeout", "200m")], timeout=None,
                         method="Wait", request=wait)
    assert code == "DEADLINE_EXCEEDED"  # with no deadline, it is the deadline


def test_grpcio_fails_authority_and_sends_host_beside_its_own(
        inventory: InventoryServer, tap: WireTap) -> None:
    code, _seen, _sent = _raw_call(inventory, tap, [(":authority", "inventory.test")])
    assert code == "INTERNAL"  # "Invalid metadata"
    code, seen, sent = _raw_call(inventory, tap, [("host", "inventory.test")])
    assert code == "OK" and seen["host"] == "inventory.test"
    assert tap.target.encode() in sent  # the :authority is still the target


def test_grpcio_sends_grpc_encoding_but_not_compressed_messages(
        inventory: InventoryServer, tap: WireTap) -> None:
    request = message_class(inventory.pool, "test.inventory.ItemRequest")(sku="s" * 400)
    code, _seen, sent = _raw_call(inventory, tap, [("grpc-encoding", "gzip")],
                                  request=request)
    assert code == "OK" and b"grpc-encoding\x04gzip" in sent
    assert b"\x1f\x8b" not in sent and b"s" * 400 in sent  # the message as it is


# --- what app.grpc does --------------------------------------------------------------------

async def test_the_user_agent_goes_ahead_of_grpcios_own(inventory: InventoryServer) -> None:
    result = await call(inventory.target, f"{SERVICE}/GetItem", [{}],
                        metadata={"User-Agent": "spyglass-test/1.0"})
    assert result.code == "OK"
    agent = inventory.calls[-1][1]["user-agent"]
    assert agent.startswith("spyglass-test/1.0 grpc-python/"), agent
    # A channel of its own: another agent (or none) is another channel.
    await call(inventory.target, f"{SERVICE}/GetItem", [{}],
               metadata=[("user-agent", "other/2")])
    assert inventory.calls[-1][1]["user-agent"].startswith("other/2 grpc-python/")
    await call(inventory.target, f"{SERVICE}/GetItem", [{}])
    assert inventory.calls[-1][1]["user-agent"].startswith("grpc-python/")
    async with open_stream(inventory.target, f"{SERVICE}/Trade",
                           metadata={"user-agent": "streamer/3"}) as stream:
        await stream.send({"sku": "a"})
    assert stream.result is not None and stream.result.code == "OK"
    assert inventory.calls[-1][1]["user-agent"].startswith("streamer/3 grpc-python/")


@pytest.mark.parametrize("name", ["host", ":authority", "Host"])
async def test_host_or_authority_is_the_authority_of_every_call(
        inventory: InventoryServer, tap: WireTap, name: str) -> None:
    result = await call(tap.target, f"{SERVICE}/GetItem", [{}],
                        metadata={name: "inventory.example.test"})
    assert result.code == "OK"
    sent = tap.sent
    assert b":authority\x16inventory.example.test" in sent
    assert tap.target.encode() not in sent  # in place of the target, not beside it
    assert "host" not in inventory.calls[-1][1]


async def test_over_tls_the_certificate_is_checked_against_the_authority(
        tls_inventory: InventoryServer, ca_file: str) -> None:
    # The server's certificate names 127.0.0.1 and localhost (as grpcurl's -authority).
    result = await call(tls_inventory.target, f"{SERVICE}/GetItem", [{}], ca_file=ca_file,
                        metadata={"host": "localhost"})
    assert result.code == "OK"
    result = await call(tls_inventory.target, f"{SERVICE}/GetItem", [{}], ca_file=ca_file,
                        metadata={"host": "elsewhere.test"})
    assert result.code == "UNAVAILABLE"


async def test_grpc_encoding_compresses_the_messages(inventory: InventoryServer,
                                                     tap: WireTap) -> None:
    result = await call(tap.target, f"{SERVICE}/GetItem", [{"sku": "s" * 400}],
                        metadata={"grpc-encoding": "gzip"})
    assert result.code == "OK" and result.responses[0]["sku"] == "s" * 400
    sent = tap.sent
    assert b"grpc-encoding\x04gzip" in sent and b"\x1f\x8b" in sent  # a gzip stream
    assert b"s" * 400 not in sent


@pytest.mark.parametrize(("name", "why"), [
    ("content-type", "application/grpc"),
    ("te", "trailers"),
    ("grpc-timeout", "set the deadline instead"),
    ("grpc-accept-encoding", "identity, deflate, gzip"),
    ("lb-cost-bin", "load balancer"),
    ("grpc-status", "names starting grpc- are gRPC's own"),
    ("grpc-trace-bin", "names starting grpc- are gRPC's own"),
    ("grpc-previous-rpc-attempts", "names starting grpc- are gRPC's own"),
    ("connection", "HTTP/2 forbids"),
    ("transfer-encoding", "HTTP/2 forbids"),
    (":path", "pseudo-header"),
    (":method", "pseudo-header"),
])
async def test_a_name_grpcio_would_lose_is_refused_before_anything_is_sent(
        inventory: InventoryServer, name: str, why: str) -> None:
    value = "AQI=" if name.endswith("-bin") else "1S"
    before = len(inventory.calls)
    for make in (
        lambda: call(inventory.target, f"{SERVICE}/GetItem", [{}], metadata={name: value}),
        lambda: describe(inventory.target, metadata={name: value}),
    ):
        with pytest.raises(UsageError, match=name) as caught:
            await make()
        assert why in str(caught.value)
    with pytest.raises(UsageError, match=why):
        open_stream(inventory.target, f"{SERVICE}/Trade", metadata=[(name, value)])
    await asyncio.sleep(0.05)
    assert len(inventory.calls) == before


def test_what_the_channel_sets_is_split_from_what_is_sent() -> None:
    sent, headers = split_metadata([("x-token", "a"), ("User-Agent", "ua/1"),
                                    ("host", "h.test:443"), (":authority", "h.test:443"),
                                    ("grpc-encoding", "deflate"), ("x-raw-bin", b"\x00")])
    assert sent == (("x-token", "a"), ("x-raw-bin", b"\x00"))
    assert headers == ChannelHeaders("ua/1", "h.test:443", "deflate")
    assert split_metadata({"user-agent": "ua"}) == (None, ChannelHeaders(user_agent="ua"))
    assert split_metadata(None) == (None, ChannelHeaders())
    with pytest.raises(UsageError, match="host is given twice, with different values"):
        split_metadata([(":authority", "a.test"), ("host", "b.test")])
    with pytest.raises(UsageError, match="grpc-encoding is one of identity, deflate, gzip"):
        split_metadata({"grpc-encoding": "br"})
    for bad in ("", "a b", "user@host", "a/b"):
        with pytest.raises(UsageError, match="is a host name"):
            split_metadata({"host": bad})
