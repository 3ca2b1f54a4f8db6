"""The gRPC client: channels, descriptors and reflection on the gRPC thread
(:mod:`._thread`); calls on grpcio's synchronous API, unary ones awaited from any loop
(:mod:`._unary`), streams read by threads of their own (:mod:`._reader`).

A :class:`GrpcClient` keeps, on its thread, a channel per :class:`~._channels.Endpoint` (a
target with its TLS, proxy and the headers its metadata asks of grpcio), and the
descriptors of each target (by reflection) or set of .proto files (compiled once, again when
a file changes), so that a call after the first costs one round trip and no lookups. A unary
method called before is called again straight from the caller's loop, without passing
through the gRPC thread (:meth:`GrpcClient.call`). A channel let go (the least recently used
past ``max_channels``, one made with limits since changed, one with a certificate no longer
the server's) leaves the cache at once but is closed only once the calls and streams running
on it have ended (each :class:`~._channels.Channel` counts them). Channels are made by
:mod:`._channels`, results by :mod:`.results`; the limits are :class:`GrpcSettings`, changed by
:meth:`GrpcClient.set_settings`. The module-level functions of :mod:`app.grpc` use one shared
client; :func:`close` ends it.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import math
import os
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc

from app.client.errors import ErrorKind, RequestError, UsageError
from app.client.tls import ClientCertArg

from ._channels import Channel, Endpoint, PathText, RetiredChannels, make_channel
from ._learn import TypeLearner
from ._pinning import Pinned, pin_server_certificate
from ._proxy import without_credentials
from ._reader import Outbox, StreamReader
from ._reflection import reflect
from ._resolved import DEFAULT_LIMIT, Resolved
from ._thread import LoopThread
from ._unary import UnaryCall
from .descriptors import Service, compile_protos, split_method
from .messages import message_class, split_metadata
from .results import (
    CallResult,
    not_sent_details,
    read_result,
    result_of,
    unreached,
)

__all__ = ["CallResult", "ClientCertArg", "Endpoint", "GrpcClient", "GrpcSettings", "Metadata",
           "PathText", "Resolved"]

#: What ``metadata=`` takes: a mapping or (name, value) pairs; ``-bin`` names take bytes
#: or base64 text.
Metadata = Mapping[str, str | bytes] | Sequence[tuple[str, str | bytes]]


@dataclass(frozen=True)
class GrpcSettings:
    """The client's limits."""

    #: The largest message sent or received (grpc's own default is 4 MiB).
    max_message_bytes: int = DEFAULT_LIMIT
    #: The largest headers or trailers received (grpc's own: past 8 KiB a call fails now
    #: and then, always past 16 KiB, ``RESOURCE_EXHAUSTED``; a status with rich details
    #: and a long message passes 8 KiB soon; grpc-go's is 16 MiB).
    max_metadata_bytes: int = 1 << 20
    #: Seconds a describe (or the reflection before a call) may take.
    describe_timeout: float = 10.0
    #: Seconds a target's reflected descriptors serve calls before they are asked again.
    reflection_ttl: float = 300.0
    #: Channels kept at once (the least recently used idle one is let go, else the least
    #: recently used: closed once the calls and streams running on it have ended).
    max_channels: int = 32
    #: Seconds :meth:`GrpcClient.close` gives channels to close.
    close_timeout: float = 5.0
    #: Responses of a server stream read ahead of whoever takes them (the reader waits
    #: past it).
    stream_buffer: int = 8192

    def __post_init__(self) -> None:
        for name in ("max_message_bytes", "max_metadata_bytes", "max_channels",
                     "stream_buffer"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be 1 or more")
        for name in ("describe_timeout", "reflection_ttl", "close_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be more than 0")


@dataclass
class _Source:
    pool: Any
    services: list[Service]
    made: float
    compiled: Any = None
    methods: dict[str, Resolved] = field(default_factory=dict)
    #: The types of ``Any`` s asked of reflection (:mod:`._learn`).
    asked: dict[str, concurrent.futures.Future[bool]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Ready:
    """A unary method called before, with what calling it again needs, from any thread
    (:meth:`GrpcClient.call`): valid while its channel and descriptors are the client's."""

    method: Resolved
    invoke: Any  # the synchronous multi-callable
    channel: Channel
    source_key: object
    source: _Source
    #: The certificate its channel trusts (verify=False), else None.
    pin: Pinned | None


#: The longest deadline, in seconds (some 30 years): grpc fails at once a call whose deadline
#: lies past some 68 years (1e10 s did here; 2.2e9 s did not).
MAX_DEADLINE = 1e9


def check_deadline(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    if isinstance(deadline, bool) or not isinstance(deadline, int | float) or not (
        deadline > 0 and math.isfinite(deadline)
    ):
        raise UsageError(f"A deadline is a number of seconds above 0, not {deadline!r}")
    if deadline > MAX_DEADLINE:  # grpc ends a call with a deadline this far at once
        raise UsageError(f"A deadline is at most {MAX_DEADLINE:.0f} seconds (some 30 years; "
                         f"none: no deadline), not {deadline!r}")
    return float(deadline)


class GrpcClient:
    """Channels and descriptors on a thread of their own, calls on grpcio's synchronous API;
    see the module's docstring."""

    def __init__(self, settings: GrpcSettings | None = None) -> None:
        self.settings = settings if settings is not None else GrpcSettings()
        self.thread = LoopThread("spyglass-grpc")
        # Changed on the gRPC thread only (read from any by :meth:`_ready_for`).
        self._channels: dict[Endpoint, Channel] = {}
        self._sources: dict[object, _Source] = {}
        #: Unary methods called before, by (endpoint, method as given, source key).
        self._ready: dict[tuple[Endpoint, str, object], _Ready] = {}
        self._pins: dict[Endpoint, Pinned] = {}
        #: Pinned endpoints whose last call could not reach the server: their certificate is
        #: fetched again, with a new channel, before the next call (a development server
        #: that makes a new certificate at each start).
        self._stale: set[Endpoint] = set()
        #: Channels let go (evicted, made with limits since changed, or with a certificate
        #: no longer the server's): each closed once its last call has ended, or by close().
        self._retired = RetiredChannels(self.thread.call_soon)
        _LIVE.add(self)

    def set_settings(self, settings: GrpcSettings) -> None:
        """Go by ``settings`` from now on (from any thread): a call, stream or describe
        started after uses them. When the message or metadata limit changed, the channels
        made with the old ones are let go, and the next call to their target makes a new
        one; a call under way on one goes on to its end with the old limits (closing the
        channel would cancel it), and the channel is closed once its last call has ended."""
        if not isinstance(settings, GrpcSettings):
            raise UsageError(f"settings is a GrpcSettings, not {settings!r}")
        old, self.settings = self.settings, settings
        if (old.max_message_bytes, old.max_metadata_bytes) != (
                settings.max_message_bytes, settings.max_metadata_bytes):
            self._ready = {}  # (read from any thread: no fast call on an old channel)
            self.thread.call_soon(self._retire_channels)

    def _retire_channels(self) -> None:
        """(On the gRPC thread.) Let the channels go, and the methods resolved with the old
        message limit; the descriptors stay."""
        channels, self._channels = self._channels, {}
        for channel in channels.values():
            self._retired.add(channel)
        self._ready = {}
        for source in self._sources.values():
            source.methods.clear()

    # --- on the gRPC thread -------------------------------------------------------------

    def channel(self, endpoint: Endpoint) -> Channel:
        found = self._channels.get(endpoint)
        if found is not None:
            found.used = time.monotonic()
            return found
        found = make_channel(endpoint, self.settings.max_message_bytes,
                             self.settings.max_metadata_bytes,
                             None if endpoint.verify else self._pins[endpoint])
        self._channels[endpoint] = found
        while len(self._channels) > self.settings.max_channels:
            # The least recently used of those nothing runs on (a stream's keeps its channel:
            # a call to its endpoint would make a second), of all when none is idle.
            channels = self._channels
            idle = [other for other, channel in channels.items()
                    if not channel.busy and other != endpoint]
            evicted = min(idle or channels, key=lambda endpoint: channels[endpoint].used)
            oldest = channels.pop(evicted)
            self._pins.pop(evicted, None)  # fetched again with its next channel
            self._retired.add(oldest)
        return found

    def read_stream(self, endpoint: Endpoint, method: Resolved, request: Any, metadata: Any,
                    timeout: float | None, keep: int | None = None) -> StreamReader:
        """Start a call of ``method`` and its reader (:mod:`._reader`), which keeps the last
        ``keep`` responses (None: all): a server stream with its one ``request``, or a
        client or bidi stream whose messages ``request`` (an :class:`Outbox`) gives. The
        channel counts the call until its reader has ended."""
        channel = self.channel(endpoint)
        make = channel.callable_for(method)
        outbox = request if isinstance(request, Outbox) else None
        channel.hold()
        try:
            call = make(request if outbox is None else outbox.messages(), metadata=metadata,
                        timeout=timeout)
            return StreamReader(call, method.learning_json, self.settings.stream_buffer, keep,
                                on_end=outbox.close if outbox is not None else None,
                                release=channel.release, on_trailers=method.learn_details)
        except BaseException:
            channel.release()
            raise

    async def source(
        self,
        endpoint: Endpoint | None,
        protos: Sequence[PathText],
        import_paths: Sequence[PathText],
        metadata: Any,
        *,
        fresh: bool = False,
        timeout: float | None = None,
    ) -> _Source:
        """The descriptors of the .proto files, else of the endpoint by reflection. (Every
        call and describe starts here: an endpoint not to be checked has its server's
        certificate fetched first, for its channel.)"""
        if endpoint is not None and endpoint in self._stale:
            self._forget(endpoint)
        if endpoint is not None:
            await self.confirm_pin(endpoint, timeout)
        if endpoint is not None and not endpoint.verify and endpoint not in self._pins:
            limit = self.settings.describe_timeout
            self._pins[endpoint] = await pin_server_certificate(
                endpoint.target, min(limit, timeout) if timeout is not None else limit,
                endpoint.proxy)
        if protos:
            key = _source_key(endpoint, protos, import_paths)
            source = self._sources.get(key)
            if source is None or fresh or not source.compiled.is_current():
                loop = asyncio.get_running_loop()
                compiled = await loop.run_in_executor(
                    None, compile_protos, list(protos), list(import_paths))
                source = _Source(compiled.pool, compiled.services, time.monotonic(), compiled)
                self._sources[key] = source
            return source
        if endpoint is None:
            raise UsageError("Describe a target (host:port) or .proto files")
        source = self._sources.get(endpoint)
        if (source is None or fresh
                or time.monotonic() - source.made > self.settings.reflection_ttl):
            limit = self.settings.describe_timeout
            # Through a proxy, the words say so: a connection refused is then the proxy's.
            where = endpoint.target + (f" through {without_credentials(endpoint.proxy)}"
                                       if endpoint.proxy is not None else "")
            channel = self.channel(endpoint)
            channel.hold()  # reflection runs on its asyncio channel
            try:
                pool, services = await reflect(
                    channel.channel, where, metadata,
                    min(limit, timeout) if timeout is not None else limit)
            except RequestError as exc:
                if endpoint.proxy is not None and exc.kind == ErrorKind.CONNECT:
                    exc.kind = ErrorKind.PROXY
                raise
            finally:
                channel.release()
            source = _Source(pool, services, time.monotonic())
            self._sources[endpoint] = source
        return source

    async def resolve(
        self,
        endpoint: Endpoint,
        full_method: str,
        protos: Sequence[PathText],
        import_paths: Sequence[PathText],
        metadata: Any,
        timeout: float | None,
    ) -> Resolved:
        """The method ``full_method`` from the descriptors (asked again once when a
        reflected target does not have it: the server may have changed)."""
        service_name, method_name = split_method(full_method)
        key = f"{service_name}/{method_name}"
        source = await self.source(endpoint, protos, import_paths, metadata, timeout=timeout)
        found = source.methods.get(key)
        if found is not None:
            return found
        method = _find_method(source.pool, service_name, method_name)
        if method is None and not protos:
            source = await self.source(endpoint, protos, import_paths, metadata,
                                       fresh=True, timeout=timeout)
            method = _find_method(source.pool, service_name, method_name)
        if method is None:
            where = "these .proto files" if protos else endpoint.target
            raise UsageError(f"No method {key} in {where}")
        pool = source.pool
        found = Resolved(
            path=f"/{key}",
            input=message_class(pool, method.input_type.full_name),
            output=message_class(pool, method.output_type.full_name),
            pool=pool,
            client_streaming=bool(method.client_streaming),
            server_streaming=bool(method.server_streaming),
            limit=self.settings.max_message_bytes,
            learn=None if protos else TypeLearner(self, endpoint, pool, metadata, source.asked),
        )
        source.methods[key] = found
        return found

    def note_result(self, endpoint: Endpoint, result: CallResult,
                    pin: Pinned | None) -> CallResult:
        """Mark a pinned ``endpoint`` stale when ``result``, of a call that went by ``pin``,
        says it could not be reached (not when another call has pinned anew meanwhile)."""
        if (not endpoint.verify and result.code == "UNAVAILABLE"
                and self._pins.get(endpoint) is pin):
            self._stale.add(endpoint)
        return result

    def pin_of(self, endpoint: Endpoint) -> Pinned | None:
        """The certificate ``endpoint``'s channel trusts (verify=False), else None."""
        return self._pins.get(endpoint)

    def _forget_pin(self, endpoint: Endpoint, pin: Pinned | None) -> None:
        """:meth:`_forget` ``endpoint`` while ``pin`` is still its certificate: a call that
        failed on it may learn so after another has fetched the new one and made a channel
        with it, which must not be closed under that other call."""
        if self._pins.get(endpoint) is pin:
            self._forget(endpoint)

    async def confirm_pin(self, endpoint: Endpoint, timeout: float | None) -> None:
        """Before the descriptors of a call, a stream or a describe are looked up
        (:meth:`source`), for an endpoint pinned earlier: when the channel calls go on is
        not connected (a server restarted, say), fetch the server's certificate again and,
        if it is a new one (a development server that makes one at each start), let the old
        one and its channel go. That spares a stream a first call that fails: it cannot be
        made again, its messages may have gone to grpcio already. (A unary call, which can,
        is made again when its handshake fails all the same, :meth:`_call`: a fast-path call
        does not come here.)

        A channel that is connected (or connecting) is kept, whatever the server presents to
        a new connection: its calls under way go on (a rolling restart, a second server
        behind one address). One that is not has no call under way (grpc fails a call at
        once without a connection), so closing it cuts none. The fetch is given at most
        ``_CONFIRM_SECONDS`` (within ``timeout``); a server that does not answer it is left
        to the stream's own call to report, a certificate outside its dates is a
        ``RequestError`` here."""
        if not self._pinned_before(endpoint):
            return
        pin = self._pins[endpoint]
        channel = self._channels.get(endpoint)
        if channel is not None:
            if channel.sync is not None:
                state = await asyncio.get_running_loop().run_in_executor(
                    None, channel.calls_state, _CONFIRM_SECONDS)
            else:  # no call made on it yet: the reflection's channel is the one in use
                state = channel.channel.get_state()
            if state in (grpc.ChannelConnectivity.READY, grpc.ChannelConnectivity.CONNECTING):
                return
        limit = min(_CONFIRM_SECONDS, self.settings.describe_timeout)
        try:
            now = await pin_server_certificate(
                endpoint.target, min(limit, timeout) if timeout is not None else limit,
                endpoint.proxy)
        except RequestError as exc:
            if exc.kind == ErrorKind.CERTIFICATE:
                raise  # outside its dates: said in words, not as a failed handshake
            return  # the stream's own call says why the server cannot be reached
        if now.pem != pin.pem and self._pins.get(endpoint) is pin:
            self._forget(endpoint)
            self._pins[endpoint] = now

    def start_unary(self, invoke: Any, request: Any, metadata: Any, timeout: float | None,
                    channel: Channel) -> UnaryCall:
        """Start a unary call by its method's synchronous ``invoke``, made by ``channel``,
        which counts it while it runs (from any thread; ``ValueError`` when the channel has
        been closed). Its result is grpcio's ended future, which
        :func:`~.results.result_of` makes a :class:`CallResult` of on the awaiting loop (a
        large one, or one whose ``Any`` types are learnt from reflection, on a worker):
        never on grpc's channel thread, which every other call of the target ends on."""
        return UnaryCall(lambda: invoke.future(request, metadata=metadata, timeout=timeout),
                         channel)

    def _ready_for(self, key: tuple[Endpoint, str, object]) -> _Ready | None:
        """The unary method ``key`` names, when it was called before and nothing it was
        made with has changed since: its channel is still open (not closed, evicted, or let
        go for a new certificate), its descriptors still the client's and current (a
        reflection younger than ``reflection_ttl``, .proto files unchanged). Any thread:
        it only reads what the gRPC thread replaces."""
        ready = self._ready.get(key)
        if ready is None:
            return None
        endpoint = key[0]
        if (self._channels.get(endpoint) is not ready.channel or endpoint in self._stale
                or self._sources.get(ready.source_key) is not ready.source):
            return None
        source = ready.source
        if source.compiled is not None:
            if not source.compiled.is_current():
                return None
        elif time.monotonic() - source.made > self.settings.reflection_ttl:
            return None
        return ready

    def _forget(self, endpoint: Endpoint) -> None:
        self._stale.discard(endpoint)
        self._pins.pop(endpoint, None)
        self._sources.pop(endpoint, None)
        channel = self._channels.pop(endpoint, None)
        if channel is not None:
            self._retired.add(channel)

    async def _close_channels(self) -> None:
        channels, self._channels = self._channels, {}
        self._ready = {}
        self._sources.clear()
        self._pins.clear()
        self._stale.clear()
        await self._retired.close_all(channels.values())

    # --- from any loop ------------------------------------------------------------------

    async def describe(
        self,
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
        """See :func:`app.grpc.describe`."""
        sent, headers = split_metadata(metadata)
        endpoint = None if protos else Endpoint.make(
            target, tls, ca_file, client_cert, verify, proxy, proxy_auth, trust_env, headers)

        async def run() -> list[Service]:
            repin = self._pinned_before(endpoint)
            pin = self._pins.get(endpoint) if endpoint is not None else None
            try:
                source = await self.source(endpoint, protos, import_paths, sent, fresh=True)
            except RequestError as exc:
                if not (repin and endpoint is not None and _handshake_failed(str(exc))):
                    raise
                self._forget_pin(endpoint, pin)  # a new certificate since it was pinned
                source = await self.source(endpoint, protos, import_paths, sent, fresh=True)
            return list(source.services)

        return await self.thread.run(run)

    async def call(
        self,
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
        """See :func:`app.grpc.call`."""
        sent, headers = split_metadata(metadata)
        endpoint = Endpoint.make(target, tls, ca_file, client_cert, verify, proxy, proxy_auth,
                                 trust_env, headers)
        timeout = check_deadline(deadline)
        if isinstance(messages, str | bytes | dict) or not isinstance(messages, Sequence):
            raise UsageError("messages is a list of JSON objects")
        messages = list(messages)
        args = (full_method, messages, protos, import_paths, sent, timeout)
        ready = self._ready_for((endpoint, full_method,
                                 _source_key(endpoint, protos, import_paths)))
        if ready is not None:  # called before: from here, without the gRPC thread
            if len(messages) != 1:
                raise UsageError(f"{full_method} takes one message, not {len(messages)}")
            request = ready.method.parse(messages[0])
            method, invoke = ready.method, ready.invoke
            try:
                ended = self.start_unary(invoke, request, sent, timeout, ready.channel)
            except ValueError:
                pass  # its channel was closed meanwhile: made again, as for a first call
            else:
                ready.channel.used = time.monotonic()
                result = await result_of(await ended.result(), method)
                if endpoint.verify or result.code != "UNAVAILABLE":
                    return result
                if not _handshake_failed(result.details):
                    self.thread.call_soon(
                        lambda: self.note_result(endpoint, result, ready.pin))
                    return result
                # The pinned certificate is not the server's any more (see _call): nothing
                # was sent; the new one is fetched and the call made again.
                return await self.thread.run(
                    lambda: self._call(endpoint, *args, failed_pin=ready.pin))
        return await self.thread.run(lambda: self._call(endpoint, *args))

    async def _call(self, endpoint: Endpoint, *args: Any,
                    failed_pin: Pinned | None = None) -> CallResult:
        """:meth:`_call_once`; again once, with the server's certificate fetched anew, when a
        pinned endpoint's handshake failed (the server has a new one: a development server
        restarted; nothing was sent, so nothing is sent twice). ``failed_pin``: the
        handshake of a call made elsewhere failed on that certificate, fetched anew first
        (unless another call has done so meanwhile)."""
        if failed_pin is not None:
            self._forget_pin(endpoint, failed_pin)
        repin = self._pinned_before(endpoint)
        pin = self._pins.get(endpoint)
        result = await self._call_once(endpoint, *args)
        if repin and result.code == "UNAVAILABLE" and _handshake_failed(result.details):
            self._forget_pin(endpoint, pin)
            result = await self._call_once(endpoint, *args)
        return result

    def _pinned_before(self, endpoint: Endpoint | None) -> bool:
        """Whether ``endpoint`` goes by a certificate pinned by an earlier call."""
        return (endpoint is not None and not endpoint.verify and endpoint in self._pins
                and endpoint not in self._stale)

    async def _call_once(
        self,
        endpoint: Endpoint,
        full_method: str,
        messages: list[object],
        protos: Sequence[PathText],
        import_paths: Sequence[PathText],
        metadata: Any,
        timeout: float | None,
    ) -> CallResult:
        started = time.monotonic()
        try:
            method = await self.resolve(endpoint, full_method, protos, import_paths, metadata,
                                        timeout)
        except RequestError as exc:
            return self.note_result(endpoint, unreached(exc), self._pins.get(endpoint))
        pin = self._pins.get(endpoint)  # what the call goes by
        if not method.client_streaming and len(messages) != 1:
            raise UsageError(f"{full_method} takes one message, not {len(messages)}")
        requests = [method.parse(message) for message in messages]
        if timeout is not None:
            timeout = max(timeout - (time.monotonic() - started), 0.001)
        if method.server_streaming or method.client_streaming:
            outbox = Outbox(requests) if method.client_streaming else None
            if outbox is not None:
                outbox.close()  # all of them, then the half-close
            reader = self.read_stream(endpoint, method, outbox or requests[0], metadata,
                                      timeout)
            try:
                await reader.wait()
            except asyncio.CancelledError:
                reader.abandon()
                raise
            return self.note_result(endpoint, read_result(reader, method.pool), pin)
        channel = self.channel(endpoint)
        invoke = channel.callable_for(method)
        source_key = _source_key(endpoint, protos, import_paths)
        self._ready[(endpoint, full_method, source_key)] = _Ready(
            method, invoke, channel, source_key, self._sources[source_key], pin)
        if len(self._ready) > _READY_KEPT:  # those no longer valid go
            self._ready = {key: ready for key, ready in self._ready.items()
                           if self._ready_for(key) is ready}
        unary = self.start_unary(invoke, requests[0], metadata, timeout, channel)
        return self.note_result(endpoint, await result_of(await unary.result(), method), pin)

    async def close(self) -> None:
        """Close every channel and stop the thread (it starts again on the next call)."""
        await asyncio.get_running_loop().run_in_executor(None, self.close_now)

    def close_now(self) -> None:
        """:meth:`close`, blocking: for the application's exit, from any thread but the
        gRPC thread."""
        self.thread.stop(self._close_channels, self.settings.close_timeout)


#: Every client not yet collected, closed at the interpreter's exit (see _close_all).
_LIVE: weakref.WeakSet[GrpcClient] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """Close the channels of every client at the interpreter's exit, whoever forgot to: a
    channel left open there can hang the exit for good (grpcio closes it while collecting
    it, as a thread of its own still watches it)."""
    for client in list(_LIVE):
        client.close_now()


def _handshake_failed(text: str) -> bool:
    """Whether grpc's words say the TLS handshake failed, so no request went: said by grpc
    itself or by the lookup before the call (not_sent_details), not by a server whose own
    status mentions a handshake (a proxy's: the request reached it, and goes once)."""
    lowered = text.lower()
    return not_sent_details(text) and any(
        words in lowered for words in ("handshake", "certificate_verify_failed",
                                       "certificate verify failed"))


def _find_method(pool: Any, service: str, method: str) -> Any:
    try:
        return pool.FindServiceByName(service).methods_by_name.get(method)
    except KeyError:
        return None


def _source_key(endpoint: Endpoint | None, protos: Sequence[PathText],
                import_paths: Sequence[PathText]) -> object:
    """What the descriptors of a call are kept by: its .proto files and import paths, else
    its endpoint (reflection)."""
    if protos:
        return ("protos", tuple(os.fspath(path) for path in protos),
                tuple(os.fspath(path) for path in import_paths))
    return endpoint


#: Seconds :meth:`GrpcClient.confirm_pin` gives the look at a channel and the fetch of a
#: certificate, each (a server that takes longer is left to the stream's call to report).
_CONFIRM_SECONDS = 2.0


#: Unary methods kept ready to call from any thread before the stale ones are let go.
_READY_KEPT = 256
