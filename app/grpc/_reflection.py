"""The client side of gRPC server reflection, v1 and then v1alpha, over grpcio-reflection's
messages (the two versions' messages are the same on the wire: only the service's name
differs), and the translation of a failed describe into :mod:`app.client.errors`.

Runs on the gRPC thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2

from app.client.errors import ErrorKind, RequestError, RequestTimeout

from .descriptors import Service, pool_from_files, services_of
from .results import grpc_words

__all__ = ["REFLECTION_V1", "REFLECTION_V1ALPHA", "describe_error", "files_for_types",
           "reflect"]

REFLECTION_V1 = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
REFLECTION_V1ALPHA = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"

log = logging.getLogger(__name__)


class _Refused(Exception):
    """The server answered a reflection request with an error_response."""


class _Conversation:
    """Reflection's questions, each answered in turn.

    Each question is a call of its own that sends one request and reads one answer: on the
    wire, a reflection stream the client half-closes after its request, which every
    reflection server answers and ends. One long stream would be as good, but grpc.aio fails
    a stream's first write as INTERNAL ("Internal error from Core") when the server has
    already ended the stream, as a server without the method does at once: about one time in
    fifteen here, and then a server without v1 reflection, or without any, was taken for a
    broken one. A single call sends and reads in one batch and gets the server's true
    status."""

    def __init__(self, channel: Any, path: str, metadata: Any, timeout: float) -> None:
        self._ask = channel.unary_unary(
            path,
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )
        self._metadata = metadata
        self._deadline = time.monotonic() + timeout

    async def ask(self, **request: str) -> Any:
        left = max(self._deadline - time.monotonic(), 0.001)
        answer = await self._ask(reflection_pb2.ServerReflectionRequest(**request),
                                 metadata=self._metadata, timeout=left)
        if answer.HasField("error_response"):
            raise _Refused(answer.error_response.error_message or "no reason given")
        return answer

    async def files_for(self, symbol: str, files: dict[str, Any]) -> None:
        answer = await self.ask(file_containing_symbol=symbol)
        self._keep(answer, files)

    async def missing_dependencies(self, files: dict[str, Any],
                                   held: Callable[[str], bool] = lambda _name: False) -> None:
        """Ask by name for every imported file the server did not send along (and that is
        not ``held`` already)."""
        asked: set[str] = set()
        while True:
            missing = {dep for file in files.values() for dep in file.dependency
                       if dep not in files and dep not in asked and not held(dep)}
            if not missing:
                return
            for name in sorted(missing):
                asked.add(name)
                try:
                    self._keep(await self.ask(file_by_filename=name), files)
                except _Refused:
                    # The well-known types are in protobuf's own pool (pool_from_files).
                    log.debug("reflection has no file %s", name)

    @staticmethod
    def _keep(answer: Any, files: dict[str, Any]) -> None:
        for data in answer.file_descriptor_response.file_descriptor_proto:
            file = descriptor_pb2.FileDescriptorProto.FromString(data)
            files.setdefault(file.name, file)


async def _reflect_with(
    channel: Any, path: str, metadata: Any, timeout: float
) -> tuple[Any, list[Service]]:
    talk = _Conversation(channel, path, metadata, timeout)
    listed = await talk.ask(list_services="")
    # The reflection service itself is the means, not what a person came to call.
    names = [service.name for service in listed.list_services_response.service
             if not service.name.startswith("grpc.reflection.")]
    files: dict[str, Any] = {}
    described = []
    for name in names:
        try:
            await talk.files_for(name, files)
            described.append(name)
        except _Refused as exc:
            log.warning("the server lists %s but does not describe it: %s", name, exc)
    await talk.missing_dependencies(files)
    try:
        pool = pool_from_files(list(files.values()))
        return pool, services_of(pool, described)
    except (KeyError, TypeError, ValueError) as exc:
        raise RequestError(f"The server's reflection gave descriptors that do not link: {exc}",
                           kind=ErrorKind.PROTOCOL) from exc


async def reflect(
    channel: Any, target: str, metadata: Any, timeout: float
) -> tuple[Any, list[Service]]:
    """The server's services and a pool of their types, by reflection v1, else v1alpha."""
    try:
        try:
            return await _reflect_with(channel, REFLECTION_V1, metadata, timeout)
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise
        return await _reflect_with(channel, REFLECTION_V1ALPHA, metadata, timeout)
    except grpc.aio.AioRpcError as exc:
        raise describe_error(exc, target) from exc
    except _Refused as exc:
        raise RequestError(f"{target} refused to list its services: {exc}",
                           kind=ErrorKind.PROTOCOL) from exc


async def files_for_types(channel: Any, names: set[str], metadata: Any, timeout: float,
                          held: Callable[[str], bool]) -> list[Any]:
    """The files that define the types ``names`` and those they import that ``held``
    (a file's name) says are not at hand, as the server's reflection gives them (v1, else
    v1alpha): for an ``Any`` of a type no service names. Whatever cannot be had (a type the
    server does not describe, a reflection that fails) is left out: those stay opaque."""
    for path in (REFLECTION_V1, REFLECTION_V1ALPHA):
        talk = _Conversation(channel, path, metadata, timeout)
        files: dict[str, Any] = {}
        try:
            for name in sorted(names):
                try:
                    await talk.files_for(name, files)
                except _Refused:
                    log.debug("reflection does not describe %s", name)
            wanted = {name: file for name, file in files.items() if not held(name)}
            await talk.missing_dependencies(wanted, held)
            return list(wanted.values())
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.UNIMPLEMENTED:
                log.debug("reflection for %s failed: %s", sorted(names), exc)
                return []
    return []


def describe_error(exc: Any, target: str) -> RequestError:
    """The library's exception for a failed reflection call (an ``AioRpcError``)."""
    code, details = exc.code(), exc.details() or ""
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return RequestTimeout(f"{target} did not answer reflection in time")
    if code == grpc.StatusCode.UNIMPLEMENTED:
        return RequestError(
            f"{target} does not offer server reflection (v1 or v1alpha): give .proto files",
            kind=ErrorKind.PROTOCOL,
        )
    if code == grpc.StatusCode.UNAVAILABLE:
        lowered = details.lower()
        if "certificate_verify_failed" in lowered or "certificate verify failed" in lowered:
            kind = ErrorKind.CERTIFICATE  # its words say: a CA file, or the check off
        elif "http proxy" in lowered:
            kind = ErrorKind.PROXY
        elif "ssl" in lowered or "handshake" in lowered or "tls" in lowered:
            kind = ErrorKind.TLS
        else:
            kind = ErrorKind.CONNECT
        return RequestError(grpc_words(f"Cannot reach {target}: {details}"), kind=kind)
    return RequestError(f"Reflection on {target} failed: {code.name}: {details}",
                        kind=ErrorKind.PROTOCOL)
