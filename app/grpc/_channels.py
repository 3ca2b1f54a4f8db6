"""A target's channels: the asyncio one reflection goes through and the synchronous one
every call is made on (:class:`Channel`), both made by :func:`make_channel` from an
:class:`~.client.Endpoint` with its limits, TLS, pinned certificate, proxy, and the headers
its metadata asked of grpcio (user agent, authority, compression)."""

from __future__ import annotations

import asyncio
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
import grpc.experimental  # not loaded by ``import grpc``: SingleThreadedUnaryStream

from app.client.errors import CertificateError, UsageError
from app.client.tls import (
    ClientCertArg,
    ClientCertificate,
    client_certificate_of,
    client_certificate_pem,
)

from ._proxy import proxy_for
from .messages import ChannelHeaders

if TYPE_CHECKING:
    from ._pinning import Pinned
    from ._resolved import Resolved

__all__ = ["Channel", "Endpoint", "PathText", "RetiredChannels", "make_channel"]

PathText = str | os.PathLike[str]


@dataclass(frozen=True)
class Endpoint:
    """A target and the settings of its channel: TLS, proxy, and the headers its metadata
    asked of grpcio (the channel cache's key)."""

    target: str
    tls: bool = False
    ca_file: str | None = None
    client_cert: ClientCertificate | None = None
    #: False: trust the certificate the server presents (:mod:`._pinning`).
    verify: bool = True
    #: The HTTP proxy the channel goes through, credentials included (:mod:`._proxy`).
    proxy: str | None = field(default=None, repr=False)
    #: The user agent, authority and compression the metadata asks of the channel.
    headers: ChannelHeaders = field(default_factory=ChannelHeaders)
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        # The key of several of the client's maps, looked up a few times a call: hashed once.
        object.__setattr__(self, "_hash", hash((
            self.target, self.tls, self.ca_file, self.client_cert, self.verify, self.proxy,
            self.headers)))

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def make(
        cls,
        target: str | None,
        tls: bool,
        ca_file: PathText | None,
        client_cert: ClientCertArg | None,
        verify: bool = True,
        proxy: str | None = None,
        proxy_auth: tuple[str, str] | None = None,
        trust_env: bool = False,
        headers: ChannelHeaders | None = None,
    ) -> Endpoint:
        key = (target, tls, ca_file, client_cert, verify, type(verify), proxy, proxy_auth,
               headers)
        keep = not trust_env  # (the environment may change: read again)
        try:
            made = _MADE.get(key) if keep else None
        except TypeError:  # a certificate given as a list: not kept
            made, keep = None, False
        if made is not None:
            return made
        made = cls._make(target, tls, ca_file, client_cert, verify, proxy, proxy_auth,
                         trust_env, headers)
        if keep:
            if len(_MADE) >= _MADE_KEPT:
                _MADE.clear()
            _MADE[key] = made
        return made

    @classmethod
    def _make(
        cls,
        target: str | None,
        tls: bool,
        ca_file: PathText | None,
        client_cert: ClientCertArg | None,
        verify: bool,
        proxy: str | None,
        proxy_auth: tuple[str, str] | None,
        trust_env: bool,
        headers: ChannelHeaders | None,
    ) -> Endpoint:
        if not isinstance(target, str) or not target.strip():
            raise UsageError(f"A gRPC target is host:port, not {target!r}")
        given = client_certificate_of(client_cert)
        if given is not None:  # paths as text: one key for one file however it was named
            given = ClientCertificate(
                os.fspath(given.cert), os.fspath(given.key) if given.key is not None else None,
                given.password)
        if not isinstance(verify, bool):
            raise UsageError(f"verify is True or False, not {verify!r}")
        ca = os.fspath(ca_file) if ca_file is not None and verify else None
        secure = bool(tls or ca or given or not verify)
        target = target.strip()
        return cls(target, secure, ca, given, verify or not secure,
                   proxy_for(target, secure, proxy, proxy_auth, trust_env),
                   headers or ChannelHeaders())




#: The endpoints :meth:`Endpoint.make` made, by what it was given: the same one again for a
#: call made as the last (found by identity in the client's maps), without reading its
#: settings again. Any thread (a dict's get and set are each atomic).
_MADE: dict[tuple[Any, ...], Endpoint] = {}
_MADE_KEPT = 256


class Channel:
    """A target's asyncio channel (reflection), and the synchronous one its calls are made
    on, made when one is first called.

    It counts the calls running on it (:meth:`hold` as one starts, :meth:`release` as it
    ends, on whatever thread), so that one the client lets go (:meth:`let_go`: evicted, or
    made with limits since changed) is closed only once its last call has ended: closing a
    channel cancels its calls ("Channel closed!"), a long stream in another tab included."""

    def __init__(self, channel: Any, make_sync: Callable[[], Any]) -> None:
        self.channel = channel
        self._make_sync = make_sync
        self.sync: Any = None
        self._callables: dict[tuple[str, Any, bool, bool], Any] = {}
        #: When it was last used (the least recently used channel is let go first).
        self.used = time.monotonic()
        self._lock = threading.Lock()
        self._running = 0
        #: Set once let go: told (on the releasing thread) when no call runs any more.
        self._on_idle: Callable[[], object] | None = None
        self._refusing = False  # no call starts on it from now on: it is closing
        self._closed = False

    @property
    def busy(self) -> bool:
        """Whether a call or stream runs on it."""
        return self._running > 0

    @property
    def closed(self) -> bool:
        """Whether it has been closed (or is being closed)."""
        return self._closed

    def hold(self) -> None:
        """Count a call about to start on it (any thread); ``ValueError`` when it is closing,
        as grpc's closed channel raises."""
        with self._lock:
            if self._refusing:
                raise ValueError("Cannot invoke RPC: Channel closed!")
            self._running += 1

    def release(self) -> None:
        """A call :meth:`hold` counted has ended (any thread): a channel let go is told its
        last one has."""
        with self._lock:
            self._running -= 1
            on_idle = self._on_idle if not self._running and not self._refusing else None
        if on_idle is not None:
            on_idle()

    def let_go(self, on_idle: Callable[[], object]) -> None:
        """Once no call runs on it, call ``on_idle`` (on the thread the last one ends on),
        which closes it by :meth:`refuse_if_idle` and :meth:`close`."""
        with self._lock:
            self._on_idle = on_idle

    def refuse_if_idle(self) -> bool:
        """Whether no call runs on it (and it is not closing already): then none may start
        from now on (:meth:`hold` raises), and the caller closes it."""
        with self._lock:
            if self._running or self._refusing:
                return False
            self._refusing = True
            return True

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
        """Close both channels now (once), whatever runs on them: calls under way end
        ``CANCELLED``."""
        with self._lock:
            if self._closed:
                return
            self._refusing = self._closed = True
        if self.sync is not None:
            self.sync.close()
        await self.channel.close()


class RetiredChannels:
    """Channels the client has let go (they have left its cache), each closed once no call
    runs on it any more: at once when none does, else when the last ends, on the thread
    ``schedule`` hands a callback to (the gRPC thread, where :meth:`add` is called: the
    asyncio channel is closed on its own loop)."""

    def __init__(self, schedule: Callable[[Callable[[], object]], object]) -> None:
        self._schedule = schedule
        self._waiting: set[Channel] = set()  # for close_all
        #: Closes under way (kept: a loop holds only weak references to its tasks).
        self._closing: set[asyncio.Task[None]] = set()

    def add(self, channel: Channel) -> None:
        self._waiting.add(channel)
        channel.let_go(lambda: self._schedule(lambda: self._close_if_idle(channel)))
        self._close_if_idle(channel)

    def _close_if_idle(self, channel: Channel) -> None:
        if channel.refuse_if_idle():
            self._waiting.discard(channel)
            task = asyncio.get_running_loop().create_task(channel.close())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def close_all(self, others: Iterable[Channel]) -> None:
        """Close these and ``others`` now, whatever runs on them, and wait for the closes
        under way."""
        channels, self._waiting = [*others, *self._waiting], set()
        await asyncio.gather(*(channel.close() for channel in channels), *self._closing,
                             return_exceptions=True)


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
    options.extend(_header_options(endpoint))
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


#: ``grpc-encoding`` values as grpcio's compression algorithms.
_COMPRESSION = {"identity": grpc.Compression.NoCompression, "deflate": grpc.Compression.Deflate,
                "gzip": grpc.Compression.Gzip}


def _header_options(endpoint: Endpoint) -> list[tuple[str, Any]]:
    """The channel options that send what the metadata asked of headers grpcio sets itself
    (:class:`~.messages.ChannelHeaders`)."""
    headers = endpoint.headers
    options: list[tuple[str, Any]] = []
    if headers.user_agent is not None:
        options.append(("grpc.primary_user_agent", headers.user_agent))
    if headers.authority is not None:
        options.append(("grpc.default_authority", headers.authority))
    if headers.compression is not None:
        options.append(("grpc.default_compression_algorithm",
                        int(_COMPRESSION[headers.compression])))
    return options


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
