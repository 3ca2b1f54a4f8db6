"""A real grpcio server of the tests' own .proto (protos/api/inventory.proto, which imports
protos/shared/common/money.proto), compiled with protoc as the library does, with server
reflection in the versions asked for, plaintext, TLS or mTLS."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from app.grpc.descriptors import compile_protos
from app.grpc.messages import message_class
from app.playground.grpc_server import add_reflection

PROTOS = Path(__file__).parent / "protos"
INVENTORY = PROTOS / "api" / "inventory.proto"
IMPORT_PATHS = [PROTOS / "api", PROTOS / "shared"]
SERVICE = "test.inventory.Inventory"
METHOD = f"{SERVICE}/GetItem"


def _serialize(message: Any) -> bytes:
    return message.SerializeToString()  # type: ignore[no-any-return]


class InventoryServer:
    """The Inventory service on 127.0.0.1 (any free port): ``target``; ``calls`` lists the
    (method, metadata) of every call it took; ``cancelled`` is set when a Wait or a ListItems
    was left, ``trades_ended`` when a Trade's handler ended, for any reason (a client that
    cancels a Trade waiting for its messages may end its request iterator as a half-close
    would, before the call is marked inactive: "left" cannot be told apart there)."""

    def __init__(
        self,
        *,
        reflection: tuple[str, ...] = ("v1", "v1alpha"),
        credentials: Any = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.pool = compile_protos([INVENTORY], IMPORT_PATHS).pool
        self.Item = message_class(self.pool, "test.inventory.Item")
        self.Summary = message_class(self.pool, "test.inventory.Summary")
        self.Shortage = message_class(self.pool, "test.common.Shortage")
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.cancelled = threading.Event()
        self.trades_ended = threading.Event()
        self.server = grpc.server(ThreadPoolExecutor(max_workers=8))
        self.server.add_generic_rpc_handlers((self._handler(),))
        if reflection:
            add_reflection(self.server, [SERVICE], self.pool, versions=reflection)
        if credentials is None:
            port = self.server.add_insecure_port(f"{host}:{port}")
        else:
            port = self.server.add_secure_port(f"{host}:{port}", credentials)
        self.target = f"{host}:{port}"
        self.server.start()

    def stop(self, grace: float | None = None) -> None:
        self.server.stop(grace).wait(5)

    def _seen(self, name: str, context: Any) -> dict[str, Any]:
        metadata = dict(context.invocation_metadata())
        self.calls.append((name, metadata))
        return metadata

    def get_item(self, request: Any, context: Any) -> Any:
        metadata = self._seen("GetItem", context)
        if request.sku == "proxy":  # a proxy's own failure, in words like grpc's
            context.abort(grpc.StatusCode.UNAVAILABLE, "upstream connect error: TLS error: "
                          "CERTIFICATE_VERIFY_FAILED (handshake with backend)")
        context.send_initial_metadata((
            ("x-seen-token", str(metadata.get("x-token", ""))),
            ("x-raw-bin", b"\x00\x01\xff"),
        ))
        context.set_trailing_metadata((("x-trailer", "goodbye"),))
        item = self.Item(sku=request.sku, quantity=2**40, tags=["a", "b"], shelf="A1")
        item.price.currency, item.price.units = "EUR", 5
        item.updated.FromSeconds(0)
        if request.sku == "nan":  # a Struct protobuf's JSON mapping refuses to print
            item.extra["weight"] = float("nan")
        return item

    def list_items(self, request: Any, context: Any) -> Any:
        metadata = self._seen("ListItems", context)
        context.send_initial_metadata((("x-seen-token", str(metadata.get("x-token", ""))),))
        context.set_trailing_metadata((("x-trailer", "listed"), ("x-raw-bin", b"\x00\xff")))
        try:
            for number in range(request.count):
                if number and request.interval_ms:
                    time.sleep(request.interval_ms / 1000)
                if not context.is_active():
                    return
                yield self.Item(sku=f"sku-{number}", quantity=number)
        finally:
            # Left at a yield (grpc closes the generator) or at the check above.
            if not context.is_active():
                self.cancelled.set()

    def add_items(self, requests: Any, context: Any) -> Any:
        self._seen("AddItems", context)
        count = total = 0
        for item in requests:
            count += 1
            total += item.quantity
        return self.Summary(count=count, total_quantity=total)

    def trade(self, requests: Any, context: Any) -> Any:
        self._seen("Trade", context)
        try:
            for item in requests:
                if item.sku == "stop":  # ends the call while the client may still be sending
                    context.set_trailing_metadata((("x-trailer", "stopped"),))
                    context.abort(grpc.StatusCode.ABORTED, "closing early")
                yield self.Item(sku=item.sku + "!", quantity=item.quantity * 2)
        finally:
            self.trades_ended.set()

    def explode(self, request: Any, context: Any) -> Any:
        self._seen("Explode", context)
        details = []
        for message in (
            error_details_pb2.BadRequest(field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field="sku", description="unknown")]),
            self.Shortage(sku=request.sku, missing=3),
        ):
            packed = any_pb2.Any()
            packed.Pack(message)
            details.append(packed)
        details.append(any_pb2.Any(type_url="type.googleapis.com/nowhere.Unknown",
                                   value=b"\x08\x01"))
        status = status_pb2.Status(code=code_pb2.FAILED_PRECONDITION,
                                   message=f"cannot explode {request.sku}", details=details)
        context.abort_with_status(rpc_status.to_status(status))

    def stamp(self, request: Any, context: Any) -> Any:
        self._seen("Stamp", context)
        reply = message_class(self.pool, "google.protobuf.StringValue")
        return reply(value=request.ToJsonString())

    def wait(self, request: Any, context: Any) -> Any:
        self._seen("Wait", context)
        end = time.monotonic() + request.ms / 1000
        while time.monotonic() < end:
            if not context.is_active():
                self.cancelled.set()
                context.abort(grpc.StatusCode.CANCELLED, "left")
            time.sleep(0.01)
        return self.Item(sku="waited")

    def _handler(self) -> Any:
        service = self.pool.FindServiceByName(SERVICE)
        kinds = {
            "GetItem": (grpc.unary_unary_rpc_method_handler, self.get_item),
            "ListItems": (grpc.unary_stream_rpc_method_handler, self.list_items),
            "AddItems": (grpc.stream_unary_rpc_method_handler, self.add_items),
            "Trade": (grpc.stream_stream_rpc_method_handler, self.trade),
            "Explode": (grpc.unary_unary_rpc_method_handler, self.explode),
            "Wait": (grpc.unary_unary_rpc_method_handler, self.wait),
            "Stamp": (grpc.unary_unary_rpc_method_handler, self.stamp),
        }
        handlers = {}
        for name, (make, function) in kinds.items():
            method = service.methods_by_name[name]
            request = message_class(self.pool, method.input_type.full_name)
            handlers[name] = make(
                function,
                request_deserializer=request.FromString,
                response_serializer=_serialize,
            )
        return grpc.method_handlers_generic_handler(SERVICE, handlers)


class WireTap:
    """A TCP relay on 127.0.0.1 (``target``) to ``upstream`` that keeps the bytes clients
    send through it (``sent``). grpc-core writes header names and values as HPACK literals,
    without Huffman coding, so a call's headers can be read there: in full for a new
    connection's first call (later ones index what was sent before)."""

    def __init__(self, upstream: str) -> None:
        host, _, port = upstream.rpartition(":")
        self._upstream = (host, int(port))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.target = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._lock = threading.Lock()
        self._sent = bytearray()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._closing = threading.Event()
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    @property
    def sent(self) -> bytes:
        with self._lock:
            return bytes(self._sent)

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self._upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
                for source, sink, keep in ((client, upstream, True), (upstream, client, False)):
                    thread = threading.Thread(target=self._pump, args=(source, sink, keep),
                                              daemon=True)
                    thread.start()
                    self._threads.append(thread)

    def _pump(self, source: socket.socket, sink: socket.socket, keep: bool) -> None:
        try:
            while data := source.recv(65536):
                if keep:
                    with self._lock:
                        self._sent += data
                sink.sendall(data)
        except OSError:
            pass  # closed by close() or the other side
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._closing.set()
        self._acceptor.join(5)
        self._listener.close()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(5)
        for sock in sockets:
            sock.close()


#: A child process serving the playground's gRPC service (to be killed mid-call).
CHILD_SERVER = (
    "import sys\n"
    "from app.playground.grpc_server import start_grpc_server\n"
    "running = start_grpc_server()\n"
    "print(running.target, flush=True)\n"
    "sys.stdin.read()\n"
)
PYTHON = sys.executable
