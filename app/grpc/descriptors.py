"""Services and methods, from protobuf descriptors: .proto files compiled at run time with
grpcio-tools' protoc, or file descriptors a server gives by reflection (:mod:`._reflection`).

Nothing here parses protobuf: protoc reads the .proto files into a ``FileDescriptorSet``,
and protobuf's own ``DescriptorPool`` links the files.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import os
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Each module loaded puts its file in protobuf's default pool (see ALWAYS_KNOWN).
from google.protobuf import (
    any_pb2,
    api_pb2,
    descriptor_pb2,
    descriptor_pool,
    duration_pb2,
    empty_pb2,
    field_mask_pb2,
    source_context_pb2,
    struct_pb2,
    timestamp_pb2,
    type_pb2,
    wrappers_pb2,
)
from google.rpc import error_details_pb2, status_pb2

from app.client.errors import UsageError

__all__ = [
    "CompiledProtos",
    "Method",
    "Service",
    "add_files",
    "compile_protos",
    "holds_file",
    "holds_type",
    "pool_from_files",
    "services_of",
    "split_method",
]

#: Where grpcio-tools keeps the well-known types' .proto files (google/protobuf/*.proto),
#: searched after the user's import paths so that imports of them resolve.
WELL_KNOWN_INCLUDE = str(importlib.resources.files("grpc_tools") / "_proto")


@dataclass(frozen=True)
class Method:
    """A method of a service: ``full_name`` is ``pkg.Service/Method``, the types are full
    message names."""

    name: str
    full_name: str
    input_type: str
    output_type: str
    client_streaming: bool
    server_streaming: bool


@dataclass(frozen=True)
class Service:
    """A service (``name`` is ``pkg.Service``) and its methods; ``pool`` holds the types its
    messages use (what :func:`~app.grpc.template` reads)."""

    name: str
    methods: list[Method]
    pool: Any = field(default=None, repr=False, compare=False)


def split_method(full_method: str) -> tuple[str, str]:
    """``("pkg.Service", "Method")`` from ``pkg.Service/Method`` (a leading ``/`` allowed),
    or from ``pkg.Service.Method`` as grpcurl takes it."""
    text = full_method.strip().lstrip("/")
    service, sep, method = text.rpartition("/")
    if not sep and " " not in text:
        service, sep, method = text.rpartition(".")
    if not sep or not service or not method or "/" in service:
        raise UsageError(
            f"A gRPC method is written pkg.Service/Method, not {full_method!r}"
        )
    return service, method


def services_of(pool: Any, names: Iterable[str]) -> list[Service]:
    """The named services of ``pool``, their methods in declaration order."""
    services = []
    for name in names:
        service = pool.FindServiceByName(name)
        methods = [
            Method(
                name=method.name,
                full_name=f"{service.full_name}/{method.name}",
                input_type=method.input_type.full_name,
                output_type=method.output_type.full_name,
                client_streaming=bool(method.client_streaming),
                server_streaming=bool(method.server_streaming),
            )
            for method in service.methods
        ]
        services.append(Service(service.full_name, methods, pool))
    return services


#: The files every pool holds besides the user's: the well-known types and the standard
#: error details. A message may hold any of them in an ``Any`` (a Timestamp, an ErrorInfo)
#: without its file importing theirs, and a server's reflection may not send them.
ALWAYS_KNOWN = tuple(
    module.DESCRIPTOR.name
    for module in (any_pb2, api_pb2, duration_pb2, empty_pb2, field_mask_pb2,
                   source_context_pb2, struct_pb2, timestamp_pb2, type_pb2, wrappers_pb2,
                   error_details_pb2, status_pb2)
)


def pool_from_files(files: Sequence[Any]) -> Any:
    """A ``DescriptorPool`` of ``FileDescriptorProto`` s, added dependencies first whatever
    their order; a dependency missing from ``files`` is taken from protobuf's default pool
    (the well-known types, google.rpc) or raises ``KeyError`` naming it. The files of
    :data:`ALWAYS_KNOWN` are added too, unless ``files`` define their types already."""
    pool = descriptor_pool.DescriptorPool()
    add_files(pool, files)
    for name in ALWAYS_KNOWN:
        # (A file of the user's own that defines the same types, under another name, is
        # the one kept: protobuf refuses a second definition.)
        with contextlib.suppress(TypeError, ValueError):
            add_files(pool, [], name)
    return pool


def holds_file(pool: Any, name: str) -> bool:
    """Whether ``pool`` holds the file ``name``."""
    try:
        pool.FindFileByName(name)
    except KeyError:
        return False
    return True


def holds_type(pool: Any, name: str) -> bool:
    """Whether ``pool`` holds the message type ``name`` (full, ``pkg.Message``)."""
    try:
        pool.FindMessageTypeByName(name)
    except KeyError:
        return False
    return True


def add_files(pool: Any, files: Sequence[Any], *names: str) -> None:
    """Add ``files`` to ``pool`` (and the files ``names`` name), dependencies first, as
    :func:`pool_from_files` does; a file the pool holds already is not added again."""
    by_name = {file.name: file for file in files}

    def add(name: str, chain: tuple[str, ...]) -> None:
        if holds_file(pool, name):
            return
        if name in chain:
            raise UsageError(f"The .proto files import each other in a cycle: {name}")
        file = by_name.get(name)
        if file is None:
            file = descriptor_pb2.FileDescriptorProto()
            descriptor_pool.Default().FindFileByName(name).CopyToProto(file)
        for dependency in file.dependency:
            add(dependency, (*chain, name))
        pool.Add(file)

    for name in (*by_name, *names):
        add(name, ())


@dataclass
class CompiledProtos:
    """.proto files compiled into a pool; ``stamps`` are the files it read, to know when to
    compile again."""

    pool: Any
    services: list[Service]
    stamps: tuple[tuple[str, int, int], ...]

    def is_current(self) -> bool:
        return all(_stamp(path) == (path, mtime, size) for path, mtime, size in self.stamps)


def _stamp(path: str) -> tuple[str, int, int]:
    try:
        status = os.stat(path)
    except OSError:
        return (path, -1, -1)
    return (path, status.st_mtime_ns, status.st_size)


# protoc runs in this process (a bundled app has no Python to run it in) and says what is wrong
# on file descriptor 2; one compile at a time borrows that descriptor.
_STDERR_LOCK = threading.Lock()


@contextlib.contextmanager
def _captured_stderr() -> Iterator[list[str]]:
    """protoc's messages: file descriptor 2 sent to a temporary file meanwhile. Anything
    another thread writes there in those milliseconds lands among them."""
    text: list[str] = []
    with _STDERR_LOCK, tempfile.TemporaryFile() as sink:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            os.dup2(sink.fileno(), 2)
            yield text
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text.append(sink.read().decode("utf-8", "replace"))


def _includes(protos: Sequence[Path], import_paths: Sequence[Path]) -> list[Path]:
    """The import paths, and the folder of each .proto file under none of them (protoc wants
    every file inside an import path), then the well-known types."""
    includes = list(import_paths)
    for proto in protos:
        if not any(proto.is_relative_to(folder) for folder in includes):
            includes.append(proto.parent)
    includes.append(Path(WELL_KNOWN_INCLUDE))
    return includes


def _resolve_file(name: str, includes: Sequence[Path]) -> str | None:
    for folder in includes:
        candidate = folder / name
        if candidate.is_file():
            return str(candidate)
    return None


def compile_protos(
    protos: Sequence[str | os.PathLike[str]], import_paths: Sequence[str | os.PathLike[str]]
) -> CompiledProtos:
    """Compile .proto files (and what they import) with protoc into a pool of their services.

    Blocking (milliseconds): run it off any loop that must stay responsive. A relative
    .proto path is looked up in ``import_paths`` first (as protoc does), then in the current
    folder. A file that does not exist or does not compile raises ``UsageError`` with
    protoc's message."""
    from grpc_tools import protoc

    folders = [Path(folder).expanduser().resolve() for folder in import_paths]
    files = [_find_proto(proto, folders) for proto in protos]
    for path in files:
        if not path.is_file():
            raise UsageError(f"No such .proto file: {path}")
    for folder in folders:
        if not folder.is_dir():
            raise UsageError(f"No such import path (a folder): {folder}")
    includes = _includes(files, folders)
    with tempfile.TemporaryDirectory(prefix="spyglass-protoc-") as scratch:
        out = Path(scratch) / "descriptors.pb"
        arguments = [
            "protoc",
            *(f"--proto_path={folder}" for folder in includes),
            "--include_imports",
            f"--descriptor_set_out={out}",
            *map(str, files),
        ]
        with _captured_stderr() as messages:
            status = protoc.main(arguments)
        if status != 0:
            said = "".join(messages).strip() or f"protoc failed with status {status}"
            raise UsageError(f"The .proto files do not compile:\n{said}")
        descriptor_set = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    pool = pool_from_files(list(descriptor_set.file))
    # Only the services of the files asked for: an imported file's services are not theirs.
    asked = {_relative_name(path, includes) for path in files}
    names = [
        f"{file.package}.{service.name}" if file.package else service.name
        for file in descriptor_set.file
        if file.name in asked
        for service in file.service
    ]
    read = [_resolve_file(file.name, includes) for file in descriptor_set.file]
    stamps = tuple(_stamp(path) for path in [*map(str, files), *read] if path is not None)
    return CompiledProtos(pool, services_of(pool, names), tuple(dict.fromkeys(stamps)))


def _find_proto(proto: str | os.PathLike[str], folders: Sequence[Path]) -> Path:
    """A .proto file's path: a relative one is looked up in the import paths first, as
    protoc and grpcurl do, then in the current folder."""
    path = Path(proto).expanduser()
    if not path.is_absolute():
        for folder in folders:
            if (folder / path).is_file():
                return (folder / path).resolve()
    return path.resolve()


def _relative_name(path: Path, includes: Sequence[Path]) -> str:
    """The name protoc gives a file: its path relative to the first import path holding it."""
    for folder in includes:
        if path.is_relative_to(folder):
            return path.relative_to(folder).as_posix()
    return path.name
