"""An Any of a type no service names (protos/holder/secret.proto, which holder.proto does
not import): learnt from the server's reflection once met, and shown decoded, in a unary
response, in a stream's responses and in error details, as grpcurl shows them. A type the
server does not describe stays opaque; from .proto files alone, nothing is asked."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import code_pb2, status_pb2
from grpc_status import rpc_status

import app.grpc
from app.grpc import GrpcClient
from app.grpc.descriptors import compile_protos
from app.grpc.messages import message_class
from app.playground.grpc_server import add_reflection

from .servers import PROTOS

HOLDER = PROTOS / "holder" / "holder.proto"
SECRET = PROTOS / "holder" / "secret.proto"
SERVICE = "test.holder.Holder"
TYPE_URL = "type.googleapis.com/test.secret."
NOWHERE = "type.googleapis.com/test.nowhere.Thing"


class HolderServer:
    """Holder on 127.0.0.1: Get answers a Box holding a Secret (``fail``: a status whose
    details are a Reason and a type nobody describes); Stream ``count`` Boxes holding
    Reasons, then one holding a type nobody describes (``fail``: Get's failure at once)."""

    def __init__(self) -> None:
        self.pool = compile_protos([HOLDER, SECRET], [PROTOS / "holder", PROTOS / "shared"]).pool
        self.box = message_class(self.pool, "test.holder.Box")
        self.secret = message_class(self.pool, "test.secret.Secret")
        self.reason = message_class(self.pool, "test.secret.Reason")
        ask = message_class(self.pool, "test.holder.Ask")
        self.server = grpc.server(ThreadPoolExecutor(max_workers=4))
        handlers = {
            "Get": grpc.unary_unary_rpc_method_handler(
                self.get, request_deserializer=ask.FromString,
                response_serializer=lambda m: m.SerializeToString()),
            "Stream": grpc.unary_stream_rpc_method_handler(
                self.stream, request_deserializer=ask.FromString,
                response_serializer=lambda m: m.SerializeToString()),
        }
        self.server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(SERVICE, handlers),))
        add_reflection(self.server, [SERVICE], self.pool)
        self.target = f"127.0.0.1:{self.server.add_insecure_port('127.0.0.1:0')}"
        self.server.start()

    def _packed(self, message: Any) -> Any:
        packed = any_pb2.Any()
        packed.Pack(message)
        return packed

    def _box(self, label: str, held: Any) -> Any:
        box = self.box(label=label)
        box.held.type_url, box.held.value = held.type_url, held.value
        return box

    def get(self, request: Any, context: Any) -> Any:
        if request.fail:
            status = status_pb2.Status(
                code=code_pb2.FAILED_PRECONDITION, message="no", details=[
                    self._packed(self.reason(why="locked")),
                    any_pb2.Any(type_url=NOWHERE, value=b"\x08\x01")])
            context.abort_with_status(rpc_status.to_status(status))
        secret = self.secret(code="s1")
        secret.worth.currency, secret.worth.units = "EUR", 3
        return self._box("got", self._packed(secret))

    def stream(self, request: Any, context: Any) -> Any:
        if request.fail:
            self.get(request, context)  # aborts with its details
        for n in range(request.count):
            yield self._box(str(n), self._packed(self.reason(why=f"r{n}")))
        yield self._box("last", any_pb2.Any(type_url=NOWHERE, value=b"\x08\x01"))


@pytest.fixture(scope="module")
def holder() -> Iterator[HolderServer]:
    server = HolderServer()
    yield server
    server.server.stop(None).wait(5)


SECRET_JSON = {"@type": f"{TYPE_URL}Secret", "code": "s1",
               "worth": {"currency": "EUR", "units": "3"}}
OPAQUE = {"@type": NOWHERE, "value": "CAE="}


async def test_a_unary_response_and_the_calls_after_it_show_the_type(
        holder: HolderServer) -> None:
    client = GrpcClient()
    try:
        for _ in range(2):  # the first call (the gRPC thread's), then one called again
            result = await client.call(holder.target, f"{SERVICE}/Get", [{}])
            assert result.code == "OK", result
            assert result.responses == [{"label": "got", "held": SECRET_JSON}]
    finally:
        await client.close()


async def test_error_details_show_the_type_and_one_nobody_describes_stays_opaque(
        holder: HolderServer) -> None:
    client = GrpcClient()
    try:
        first = await client.call(holder.target, f"{SERVICE}/Get", [{}])
        assert first.code == "OK"
        # Called again (from this loop, not the gRPC thread's): a type met for the first time.
        for _ in range(2):
            failed = await client.call(holder.target, f"{SERVICE}/Get", [{"fail": True}])
            assert failed.code == "FAILED_PRECONDITION"
            assert failed.error_details == [
                {"@type": f"{TYPE_URL}Reason", "why": "locked"}, OPAQUE]
    finally:
        await client.close()


async def test_a_streams_responses_show_the_type(holder: HolderServer) -> None:
    client = GrpcClient()
    try:
        result = await client.call(holder.target, f"{SERVICE}/Stream", [{"count": 3}])
        assert result.code == "OK", result
        assert result.responses == [
            *({"label": str(n), "held": {"@type": f"{TYPE_URL}Reason", "why": f"r{n}"}}
              for n in range(3)),
            {"label": "last", "held": OPAQUE}]
        async with app.grpc.open_stream(holder.target, f"{SERVICE}/Stream",
                                        client=client) as stream:
            await stream.send({"count": 1})
            assert await stream.__anext__() == {
                "label": "0", "held": {"@type": f"{TYPE_URL}Reason", "why": "r0"}}
    finally:
        await client.close()


@pytest.mark.parametrize("first_by", ["call", "stream"])
async def test_a_type_being_learnt_holds_no_other_call_of_the_target(
        holder: HolderServer, monkeypatch: pytest.MonkeyPatch, first_by: str) -> None:
    """Learning a type asks the server's reflection, and waits for it: that is done off
    grpc's channel thread, which every call of the target ends on. A second call ends while
    the first one's lookup is held; the first then shows its type too."""
    from app.grpc._learn import TypeLearner

    learn, entered, release = TypeLearner.__call__, threading.Event(), threading.Event()

    def held_first(self: TypeLearner, names: set[str]) -> bool:
        if not entered.is_set():
            entered.set()
            release.wait(30)
        return learn(self, names)

    monkeypatch.setattr(TypeLearner, "__call__", held_first)
    client = GrpcClient()

    async def by_stream() -> Any:
        async with app.grpc.open_stream(holder.target, f"{SERVICE}/Get",
                                        client=client) as stream:
            await stream.send({})
            async for _answer in stream:
                pass
        return stream.result

    try:
        first = asyncio.ensure_future(
            by_stream() if first_by == "stream"
            else client.call(holder.target, f"{SERVICE}/Get", [{}]))
        while not entered.is_set():
            await asyncio.sleep(0.01)
        second = await asyncio.wait_for(client.call(holder.target, f"{SERVICE}/Get", [{}]), 20)
        assert second.responses == [{"label": "got", "held": SECRET_JSON}]
        assert not first.done()
        release.set()
        result = await asyncio.wait_for(first, 20)
        assert result.code == "OK" and result.responses == [{"label": "got", "held": SECRET_JSON}]
    finally:
        release.set()
        await client.close()


async def test_a_failed_streams_error_details_show_the_type(holder: HolderServer) -> None:
    client = GrpcClient()
    try:
        result = await client.call(holder.target, f"{SERVICE}/Stream", [{"fail": True}])
        assert result.code == "FAILED_PRECONDITION", result
        assert result.error_details == [{"@type": f"{TYPE_URL}Reason", "why": "locked"},
                                        OPAQUE]
    finally:
        await client.close()


async def test_from_proto_files_alone_nothing_is_asked(holder: HolderServer) -> None:
    client = GrpcClient()
    try:
        result = await client.call(holder.target, f"{SERVICE}/Get", [{}], protos=[HOLDER])
        assert result.code == "OK", result
        held = result.responses[0]["held"]
        assert held["@type"] == f"{TYPE_URL}Secret" and set(held) == {"@type", "value"}
    finally:
        await client.close()
