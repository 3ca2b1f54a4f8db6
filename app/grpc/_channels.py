"""A target's channels: the asyncio one reflection goes through and the synchronous one
every call is made on (:class:`Channel`), both made by :func:`make_channel` from an
:class:`~.client.Endpoint` with its limits, TLS, pinned certificate and proxy."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
import grpc.experimental  # not loaded by ``import grpc``: SingleThreadedUnaryStream

from app.client.errors import CertificateError
from app.client.tls import client_certificate_pem

if TYPE_CHECKING:
    from ._pinning import Pinned
    from .client import Endpoint, Resolved

__all__ = ["Channel", "make_channel"]


class Channel:
    """A target's asyncio channel (reflection), and the synchronous one its calls are made
    on, made when one is first called."""

    def __init__(self, channel: Any, make_sync: Callable[[], Any]) -> None:
        self.channel = channel
        self._make_sync = make_sync
        self.sync: Any = None
        self._callables: dict[tuple[str, Any, bool, bool], Any] = {}
        #: When it was last used (the least recently used channel is closed first).
        self.used = time.monotonic()

    def callable_for(self, method: Resolved) -> Any:
        """The synchronous callable ``method`` is made with: unary-unary (:mod:`._unary`);
        single-threaded unary-stream for a server stream; stream-stream for a client or bidi
        stream (a client stream is one on the wire that answers once), fed by an
        :class:`~._reader.Outbox`. Streams are read by a :class:`StreamReader`."""
        key = (method.path, method.output, method.client_streaming, method.server_streaming)
        found = self._callables.get(key)
        if found is None:
            if self.sync is None:
                self.sync = self._make_sync()
            if method.client_streaming:
                make = self.sync.stream_stream
            elif method.server_streaming:
                make = self.sync.unary_stream
            else:
                make = self.sync.unary_unary
            found = self._callables[key] = make(
                method.path, request_serializer=_serialize,
                response_deserializer=method.output.FromString)
        return found

    def calls_state(self, wait: float) -> grpc.ChannelConnectivity | None:
        """The connectivity of the channel calls are made on (grpcio's ``subscribe``: the
        synchronous channel has no ``get_state``), None when no call has been made on it or
        no answer came within ``wait`` seconds. Blocking: from a worker thread."""
        sync = self.sync
        if sync is None:
            return None
        seen: queue.SimpleQueue[grpc.ChannelConnectivity] = queue.SimpleQueue()
        try:
            sync.subscribe(seen.put, try_to_connect=False)
        except ValueError:  # closed meanwhile
            return None
        try:
            return seen.get(timeout=wait)
        except queue.Empty:
            return None
        finally:
            sync.unsubscribe(seen.put)

    async def close(self) -> None:
        if self.sync is not None:
            self.sync.close()
        await self.channel.close()


def make_channel(endpoint: Endpoint, max_message_bytes: int, max_metadata_bytes: int,
                 pinned: Pinned | None) -> Channel:
    """The channels of ``endpoint``; ``pinned``: the certificate to trust in place of a
    check (verify=False)."""
    options: list[tuple[str, Any]] = [
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.max_metadata_size", max_metadata_bytes),
        ("grpc.absolute_max_metadata_size", max_metadata_bytes),
    ]
    if endpoint.proxy is not None:
        options.append(("grpc.http_proxy", endpoint.proxy))
    else:  # grpcio would read the environment's: only when asked (see ._proxy)
        options.append(("grpc.enable_http_proxy", 0))
    sync_options = [*options, (grpc.experimental.ChannelOptions.SingleThreadedUnaryStream, 1)]
    if endpoint.tls:
        root = _ca_pem(endpoint.ca_file) if endpoint.ca_file else None
        if pinned is not None:
            root = pinned.pem
            options.append(("grpc.ssl_target_name_override", pinned.name))
            sync_options.append(("grpc.ssl_target_name_override", pinned.name))
        key = chain = None
        if endpoint.client_cert is not None:
            key, chain = client_certificate_pem(endpoint.client_cert)
        credentials = grpc.ssl_channel_credentials(
            root_certificates=root, private_key=key, certificate_chain=chain)
        channel = grpc.aio.secure_channel(endpoint.target, credentials, options)
        return Channel(channel, lambda: grpc.secure_channel(
            endpoint.target, credentials, sync_options))
    channel = grpc.aio.insecure_channel(endpoint.target, options)
    return Channel(channel, lambda: grpc.insecure_channel(endpoint.target, sync_options))


def _serialize(message: Any) -> bytes:
    data: bytes = message.SerializeToString()
    return data


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise CertificateError(f"Cannot read the {what} {path}: {exc.strerror or exc}",
                               path=path) from exc


def _ca_pem(path: str) -> bytes:
    """The certificates of a CA file, as PEM: a DER file (a ``.cer``) is converted; one that
    holds neither raises ``CertificateError`` naming it (grpc would fail every handshake
    with "Failed to create security handshaker", which reads as the network's fault)."""
    data = _read(path, "CA file")
    if b"-----BEGIN CERTIFICATE-----" in data:
        return data
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        return x509.load_der_x509_certificate(data).public_bytes(Encoding.PEM)
    except ValueError:
        raise CertificateError(f"The CA file {path} holds no certificate (PEM or DER)",
                               path=path) from None
