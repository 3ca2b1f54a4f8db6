"""gRPC on grpcio and protobuf (SPEC 8.2): services by server reflection (v1, then v1alpha)
or from .proto files, message templates, calls of all four kinds with JSON in and out
(protobuf's JSON mapping, original field names), and interactive streams. Free of Qt.

gRPC runs on a thread and loop of its own (grpcio's synchronous calls on threads of grpc's);
these coroutines may be awaited from any loop, and cancelling the awaiting task cancels the
call::

    services = await describe("127.0.0.1:50051")
    body = template(services, services[0].methods[0].input_type)
    result = await call("127.0.0.1:50051", "pkg.Greeter/SayHello", [body], deadline=5)
    async with open_stream("127.0.0.1:50051", "pkg.Chat/Talk") as stream:
        await stream.send({"text": "hi"})
        async for answer in stream: ...
    close()  # at the application's exit

A failed call is a :class:`CallResult` with its code, never an exception; a message that
does not fit its type raises ``UsageError`` before anything is sent, and ``describe`` on a
target that cannot be reached raises ``RequestError``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

# isort: off
from . import _env  # noqa: F401  (first: it sets gRPC's environment before grpc is imported)
# isort: on

from app.client.errors import UsageError

from .client import (
    ClientCertArg,
    Endpoint,
    GrpcClient,
    GrpcSettings,
    Metadata,
    PathText,
    check_deadline,
)
from .descriptors import Method, Service
from .messages import split_metadata, template
from .results import CallResult
from .streams import GrpcStream

__all__ = [
    "CallResult",
    "GrpcClient",
    "GrpcSettings",
    "GrpcStream",
    "Method",
    "Service",
    "call",
    "close",
    "default_client",
    "describe",
    "open_stream",
    "set_default_settings",
    "template",
]

_lock = threading.Lock()
_client: GrpcClient | None = None
_settings = GrpcSettings()


def default_client() -> GrpcClient:
    """The client the module's functions share (made on first use)."""
    global _client
    with _lock:
        if _client is None:
            _client = GrpcClient(_settings)
        return _client


def set_default_settings(settings: GrpcSettings) -> None:
    """The limits of the shared client (:func:`default_client`), for the calls, streams and
    describes started after (a window's Tools ▸ Limits); channels made with another message
    or metadata limit are let go, as :meth:`GrpcClient.set_settings` says."""
    global _settings
    if not isinstance(settings, GrpcSettings):
        raise UsageError(f"settings is a GrpcSettings, not {settings!r}")
    with _lock:
        _settings, client = settings, _client
    if client is not None:
        client.set_settings(settings)


async def describe(
    target: str | None = None,
    *,
    protos: Sequence[PathText] = (),
    import_paths: Sequence[PathText] = (),
    tls: bool = False,
    ca_file: PathText | None = None,
    client_cert: ClientCertArg | None = None,
    metadata: Metadata | None = None,
    verify: bool = True,
    proxy: str | None = None,
    proxy_auth: tuple[str, str] | None = None,
    trust_env: bool = False,
) -> list[Service]:
    """The services of ``target`` (``host:port``) by server reflection, or of the ``protos``
    (.proto files, their imports found in ``import_paths``; the well-known types always
    resolve). ``client_cert`` takes what a session's does: a PEM file with the certificate
    and its key, a (certificate, key) pair, a (certificate, key, passphrase) triple for an
    encrypted key, or an :class:`app.client.ClientCertificate` (also PKCS#12 with its
    password); ``CertificateError`` names a file that cannot be used. ``RequestError`` when
    the target cannot be reached or has no reflection; ``UsageError`` with protoc's message
    when the files do not compile. ``verify=False`` (TLS) trusts the certificate the server
    presents instead of checking it, as far as grpcio allows: its dates are still checked.
    ``proxy`` is an HTTP proxy (``http://``, credentials in it or in ``proxy_auth``) the
    channel tunnels through with ``CONNECT``; ``trust_env=True`` takes it from
    ``grpc_proxy``/``https_proxy``/``http_proxy`` and ``no_proxy`` (by default the
    environment is not read: a direct channel)."""
    return await default_client().describe(
        target, protos=protos, import_paths=import_paths, tls=tls, ca_file=ca_file,
        client_cert=client_cert, metadata=metadata, verify=verify, proxy=proxy,
        proxy_auth=proxy_auth, trust_env=trust_env)


async def call(
    target: str,
    full_method: str,
    messages: Sequence[object],
    *,
    protos: Sequence[PathText] = (),
    import_paths: Sequence[PathText] = (),
    metadata: Metadata | None = None,
    deadline: float | None = None,
    tls: bool = False,
    ca_file: PathText | None = None,
    client_cert: ClientCertArg | None = None,
    verify: bool = True,
    proxy: str | None = None,
    proxy_auth: tuple[str, str] | None = None,
    trust_env: bool = False,
) -> CallResult:
    """Call ``full_method`` (``pkg.Service/Method``, or ``pkg.Service.Method`` as grpcurl
    writes it) with ``messages`` (JSON objects: one for a unary or server-streaming method),
    its types by reflection unless ``protos`` are given; ``deadline`` in seconds. The result
    holds every response, and ``received_bytes``, their size on the wire."""
    return await default_client().call(
        target, full_method, messages, protos=protos, import_paths=import_paths,
        metadata=metadata, deadline=deadline, tls=tls, ca_file=ca_file,
        client_cert=client_cert, verify=verify, proxy=proxy, proxy_auth=proxy_auth,
        trust_env=trust_env)


def open_stream(
    target: str,
    full_method: str,
    *,
    protos: Sequence[PathText] = (),
    import_paths: Sequence[PathText] = (),
    metadata: Metadata | None = None,
    deadline: float | None = None,
    tls: bool = False,
    ca_file: PathText | None = None,
    client_cert: ClientCertArg | None = None,
    client: GrpcClient | None = None,
    keep_responses: int | None = None,
    verify: bool = True,
    proxy: str | None = None,
    proxy_auth: tuple[str, str] | None = None,
    trust_env: bool = False,
) -> GrpcStream:
    """An interactive call (an async context manager, :class:`GrpcStream`): ``send``,
    ``done_writing``, ``async for`` over the responses, ``cancel()``, then ``result``, whose
    ``responses`` are the last ``keep_responses`` (None: all; a long stream's memory)."""
    if keep_responses is not None and (
        isinstance(keep_responses, bool) or not isinstance(keep_responses, int)
        or keep_responses < 1
    ):
        raise UsageError(f"keep_responses is a number of responses, 1 or more, not "
                         f"{keep_responses!r}")
    sent, headers = split_metadata(metadata)
    return GrpcStream(
        client if client is not None else default_client(),
        Endpoint.make(target, tls, ca_file, client_cert, verify, proxy, proxy_auth, trust_env,
                      headers),
        full_method,
        protos=tuple(protos),
        import_paths=tuple(import_paths),
        metadata=sent,
        timeout=check_deadline(deadline),
        keep=keep_responses,
    )


def close() -> None:
    """Close the shared client's channels and stop its thread (for the application's exit;
    a later call starts it again). Blocking; not from the gRPC thread."""
    with _lock:
        client = _client
    if client is not None:
        client.close_now()
