"""The playground's gRPC server: ``playground.proto`` compiled at start with grpcio-tools (no
generated code is kept), served by grpcio's threaded server on a port of its own, with
server reflection (v1 and v1alpha).

grpcio's threaded server is used rather than its asyncio one: it needs no event loop, so it
lives the same whatever loop (or thread) the rest of the playground runs on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# isort: off
from app.grpc import _env  # noqa: F401  (first: it sets gRPC's environment)
# isort: on
import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_reflection.v1alpha import reflection, reflection_pb2
from grpc_status import rpc_status

from app.grpc.descriptors import compile_protos
from app.grpc.messages import message_class

__all__ = [
    "PROTO",
    "SERVICE",
    "GrpcPlaygroundSettings",
    "RunningGrpc",
    "add_reflection",
    "start_grpc_server",
]

PROTO = Path(__file__).with_name("playground.proto")
SERVICE = "spyglass.playground.Playground"
REFLECTION_NAMES = {
    "v1": "grpc.reflection.v1.ServerReflection",
    "v1alpha": reflection.SERVICE_NAME,
}


@dataclass(frozen=True)
class GrpcPlaygroundSettings:
    """The gRPC server's bounds."""

    #: Calls served at once (each holds a thread); more are refused RESOURCE_EXHAUSTED.
    workers: int = 16
    #: The most messages Count streams.
    max_count: int = 1_000_000
    #: The largest message either way (and the largest reply Large makes).
    max_message_bytes: int = 32 << 20
    #: The longest Slow waits, and Count's longest interval, in seconds.
    max_delay: float = 60.0
    #: Seconds a stopping server gives the calls in flight.
    grace: float = 1.0


def add_reflection(
    server: Any, service_names: Iterable[str], pool: Any,
    versions: Sequence[str] = ("v1", "v1alpha"),
) -> None:
    """Serve reflection over ``pool`` for ``service_names`` on ``server``, in ``versions``
    (grpcio-reflection has only v1alpha's messages: v1's are the same on the wire)."""
    names = [*service_names, *(REFLECTION_NAMES[version] for version in versions)]
    servicer = reflection.ReflectionServicer(names, pool=pool)
    handler = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    for version in versions:
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
            REFLECTION_NAMES[version], {"ServerReflectionInfo": handler}),))


def _serialize(message: Any) -> bytes:
    data: bytes = message.SerializeToString()
    return data


def _duration(value: Any, limit: float) -> float:
    seconds: float = value.ToTimedelta().total_seconds()
    return min(max(seconds, 0.0), limit)


def _wait(seconds: float, context: Any) -> bool:
    """Sleep ``seconds`` in short steps; False when the call ended meanwhile."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if not context.is_active():
            return False
        time.sleep(min(left, 0.05))
    return bool(context.is_active())


class _Playground:
    """The methods of ``playground.proto``, over the compiled pool's message classes."""

    def __init__(self, pool: Any, settings: GrpcPlaygroundSettings) -> None:
        self.settings = settings
        self.types = {name: message_class(pool, f"spyglass.playground.{name}") for name in (
            "EchoReply", "CountReply", "SumReply", "ChatMessage", "LargeReply")}

    def echo(self, request: Any, context: Any) -> Any:
        context.send_initial_metadata((("x-playground-method", "Echo"),))
        context.set_trailing_metadata((("x-playground-trailer", "done"),))
        reply = self.types["EchoReply"](text=request.text * min(max(request.repeat, 1), 1000))
        reply.received_at.GetCurrentTime()
        for key, value in context.invocation_metadata():
            if isinstance(value, str) and not key.startswith(":"):
                reply.metadata[key] = value
        return reply

    def count(self, request: Any, context: Any) -> Iterator[Any]:
        # Sent at once, before the first message: a stream's headers show while it runs.
        context.send_initial_metadata((("x-playground-method", "Count"),))
        interval = _duration(request.interval, self.settings.max_delay)
        total = 0
        for number in range(1, min(max(request.count, 0), self.settings.max_count) + 1):
            if number > 1 and interval and not _wait(interval, context):
                return
            total += number
            yield self.types["CountReply"](number=number, total=total)

    def sum(self, requests: Iterator[Any], context: Any) -> Any:
        total = count = 0
        for number in requests:
            total += number.value
            count += 1
        return self.types["SumReply"](sum=total, count=count)

    def chat(self, requests: Iterator[Any], context: Any) -> Iterator[Any]:
        context.send_initial_metadata((("x-playground-method", "Chat"),))
        for sequence, message in enumerate(requests, 1):
            yield self.types["ChatMessage"](
                user="playground", text=f"{message.user or 'you'} said: {message.text}",
                sequence=sequence)

    def fail(self, request: Any, context: Any) -> Any:
        field_name = request.field or "text"
        description = request.description or "this field is wrong (on purpose)"
        bad = error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=field_name,
                                                        description=description)])
        detail = any_pb2.Any()
        detail.Pack(bad)
        info = any_pb2.Any()
        info.Pack(error_details_pb2.ErrorInfo(reason="PLAYGROUND_FAIL",
                                              domain="playground.spyglass"))
        status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT,
                                   message=f"{field_name}: {description}",
                                   details=[detail, info])
        context.abort_with_status(rpc_status.to_status(status))

    def slow(self, request: Any, context: Any) -> Any:
        delay = _duration(request.delay, self.settings.max_delay)
        if not _wait(delay, context):
            context.abort(grpc.StatusCode.CANCELLED, "the caller gave up")
        return self.types["EchoReply"](text=f"answered after {delay:g} s")

    def large(self, request: Any, context: Any) -> Any:
        limit = self.settings.max_message_bytes - 64
        if request.size > limit:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          f"size is at most {limit} bytes here")
        return self.types["LargeReply"](data=b"x" * max(request.size, 0),
                                        received=len(request.payload))

    def handler(self, pool: Any) -> Any:
        kinds: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
            "Echo": (grpc.unary_unary_rpc_method_handler, self.echo),
            "Count": (grpc.unary_stream_rpc_method_handler, self.count),
            "Sum": (grpc.stream_unary_rpc_method_handler, self.sum),
            "Chat": (grpc.stream_stream_rpc_method_handler, self.chat),
            "Fail": (grpc.unary_unary_rpc_method_handler, self.fail),
            "Slow": (grpc.unary_unary_rpc_method_handler, self.slow),
            "Large": (grpc.unary_unary_rpc_method_handler, self.large),
        }
        service = pool.FindServiceByName(SERVICE)
        handlers = {}
        for name, (make, function) in kinds.items():
            method = service.methods_by_name[name]
            handlers[name] = make(
                function,
                request_deserializer=message_class(pool, method.input_type.full_name).FromString,
                response_serializer=_serialize,
            )
        return grpc.method_handlers_generic_handler(SERVICE, handlers)


@dataclass
class RunningGrpc:
    """A started gRPC server: ``target`` is ``host:port``."""

    target: str
    port: int
    server: Any = field(repr=False)
    grace: float = 1.0

    def stop(self) -> None:
        """Stop it and wait (blocking: at most its grace period and a little more)."""
        self.server.stop(self.grace).wait(self.grace + 2.0)


def start_grpc_server(
    host: str = "127.0.0.1", port: int = 0, settings: GrpcPlaygroundSettings | None = None
) -> RunningGrpc:
    """Compile playground.proto and serve it on ``host:port`` (0: any free port); blocking
    (milliseconds). OSError when it cannot listen."""
    settings = settings if settings is not None else GrpcPlaygroundSettings()
    compiled = compile_protos([PROTO], [])
    limit = settings.max_message_bytes
    server = grpc.server(
        ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="playground-grpc"),
        maximum_concurrent_rpcs=settings.workers,
        options=[("grpc.max_receive_message_length", limit),
                 ("grpc.max_send_message_length", limit),
                 ("grpc.so_reuseport", 0)],
    )
    server.add_generic_rpc_handlers((_Playground(compiled.pool, settings).handler(compiled.pool),))
    add_reflection(server, [SERVICE], compiled.pool)
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        bound = server.add_insecure_port(address)
    except RuntimeError as exc:
        server.stop(None)
        raise OSError(f"cannot listen on {address}: {exc}") from exc
    if not bound:
        server.stop(None)
        raise OSError(f"cannot listen on {address}")
    server.start()
    target = f"[{host}]:{bound}" if ":" in host else f"{host}:{bound}"
    return RunningGrpc(target=target, port=bound, server=server, grace=settings.grace)
