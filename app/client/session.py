"""Sessions: the asynchronous one does the I/O; the synchronous one runs it on a private loop.

:class:`AsyncSession` owns an aiohttp ``ClientSession`` (created on first use, on the running
loop) and drives every exchange: auth flows, redirects, timings. :class:`Session` owns a
daemon thread running a private event loop with an :class:`AsyncSession` on it; each call is
submitted as its own coroutine and waited on through its own future, so a ``Session`` can be
shared between threads and a forgotten one never keeps the process alive.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import weakref
from collections.abc import Coroutine, Generator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from app import __version__
from app.model.http import STANDARD_METHODS

from ._models import (
    MAX_REDIRECTS,
    PreparedRequest,
    ResponseInfo,
    redirect_request,
)
from .auth import Auth, BasicAuth
from .auth_base import AuthFlow, AuthRequest, AuthStep, AuthWait
from .content import ReportHook
from .errors import (
    ErrorKind,
    RequestError,
    StreamError,
    UsageError,
    api_error,
    read_prefix,
    translate,
)
from .limits import Limits
from .timings import (
    TimedResolver,
    TimedSSLContext,
    TimingCollector,
    current_collector,
    timed_socket,
)

__all__ = ["AsyncSession", "Session", "Timeout", "core_of"]

T = TypeVar("T")
USER_AGENT = f"Spyglass/{__version__}"


@dataclass(frozen=True)
class Timeout:
    """Deadlines in seconds: ``connect`` (getting a connection, TLS included), ``read`` (each
    read from the socket) and ``total`` (the whole exchange). None means no deadline."""

    connect: float | None = None
    read: float | None = None
    total: float | None = None

    @classmethod
    def of(cls, value: Timeout | float | None) -> Timeout:
        if value is None:
            return cls()
        if isinstance(value, Timeout):
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UsageError(f"timeout must be a number of seconds or a Timeout, not {value!r}")
        return cls(connect=float(value), read=float(value))

    def for_aiohttp(self, *, streaming: bool = False) -> aiohttp.ClientTimeout:
        """The aiohttp equivalent; a stream gets no read or total deadline once it is open."""
        if streaming:
            return aiohttp.ClientTimeout(total=None, connect=self.connect, sock_read=None)
        return aiohttp.ClientTimeout(total=self.total, connect=self.connect, sock_read=self.read)


def _ssl_context(
    verify: bool, ca_file: str | None, client_cert: str | tuple[str, str] | None
) -> ssl.SSLContext:
    ctx = TimedSSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify:
        ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
        if ca_file:
            ctx.load_verify_locations(cafile=str(ca_file))
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if client_cert:
        if isinstance(client_cert, tuple | list):
            cert, key = client_cert
            ctx.load_cert_chain(str(cert), str(key))
        else:
            ctx.load_cert_chain(str(client_cert))
    return ctx


# aiohttp upper-cases every method; SPEC 1.2 wants a non-standard token sent exactly as given.
_exact_method: ContextVar[str | None] = ContextVar("spyglass_exact_method", default=None)


class _SpyglassRequest(aiohttp.ClientRequest):
    """Puts back the case of a non-standard method that aiohttp upper-cased, and marks when
    the connection is ready and the headers are written."""

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        super().__init__(method, url, **kwargs)
        exact = _exact_method.get()
        if exact is not None and exact.upper() == self.method:
            self.method = exact

    async def send(self, conn: Any) -> aiohttp.ClientResponse:
        collector = current_collector.get()
        if collector is not None:
            collector.mark_connection_ready()
        response = await super().send(conn)
        if collector is not None:
            collector.mark_headers_sent()
        return response


class _SpyglassResponse(aiohttp.ClientResponse):
    """Keeps the body of a refused WebSocket handshake, which aiohttp discards unread, and
    stops a redirected handshake before aiohttp follows it."""

    async def start(self, connection: Any) -> aiohttp.ClientResponse:
        response = await super().start(connection)
        capture = _handshake_capture.get()
        if capture is not None and self.status in _REDIRECT_STATUSES:
            # Stop aiohttp from following it with every header: ws_connect follows it.
            raise _HandshakeRedirected(ResponseInfo(self.status, self.headers, self.url))
        if capture is not None and self.status != 101:
            await capture.read(self)
        return response


_NO_AUTO_CONTENT_TYPE = ("Content-Type",)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def _as_auth(auth: Auth | tuple[str, str] | None) -> Auth | None:
    if auth is None or isinstance(auth, Auth):
        return auth
    if isinstance(auth, tuple) and len(auth) == 2:
        return BasicAuth(*auth)
    raise UsageError(f"auth must be an app.client.auth object, not {type(auth).__name__}")


class AsyncSession:
    """An HTTP session for asyncio code: cookies, keep-alive, TLS settings, auth, redirects."""

    def __init__(
        self,
        endpoint: str | URL | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        auth: Auth | tuple[str, str] | None = None,
        timeout: Timeout | float | None = None,
        verify: bool = True,
        ca_file: str | None = None,
        client_cert: str | tuple[str, str] | None = None,
        proxy: str | URL | None = None,
        follow_redirects: bool = True,
        limits: Limits | None = None,
    ) -> None:
        self.endpoint = URL(str(endpoint)) if endpoint else None
        self.headers: CIMultiDict[str] = CIMultiDict({"User-Agent": USER_AGENT})
        self.headers.update(headers or {})
        self.auth = _as_auth(auth)
        self.timeout = Timeout.of(timeout)
        self.verify = verify
        self.ca_file = ca_file
        self.client_cert = client_cert
        self.proxy = str(proxy) if proxy else None
        self.follow_redirects = follow_redirects
        if limits is not None and not isinstance(limits, Limits):
            raise UsageError(f"limits must be an app.client.Limits, not {type(limits).__name__}")
        #: What a response may make the session hold (sizes, compression ratio).
        self.limits = limits or Limits()
        # Built now so that a bad CA file or client certificate fails where it is given.
        self._ssl = _ssl_context(verify, ca_file, client_cert)
        self._client: aiohttp.ClientSession | None = None
        self._closed = False

    # -- life cycle -----------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    async def __aenter__(self) -> AsyncSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connections. Harmless when called twice or on a session never used."""
        self._closed = True
        client, self._client = self._client, None
        if client is not None and not client.closed:
            await client.close()

    def _session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise UsageError("this session is closed: open a new one to send requests")
        if self._client is None:
            connector = aiohttp.TCPConnector(
                ssl=self._ssl, resolver=TimedResolver(), socket_factory=timed_socket
            )
            self._client = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.CookieJar(unsafe=True),
                timeout=self.timeout.for_aiohttp(),
                trust_env=False,
                request_class=_SpyglassRequest,
                response_class=_SpyglassResponse,
            )
        return self._client

    @property
    def cookie_jar(self) -> aiohttp.abc.AbstractCookieJar:
        """The session's cookies (as a browser keeps them, IP-address hosts included)."""
        return self._session().cookie_jar

    # -- exchanges ------------------------------------------------------------------------

    async def send(
        self,
        request: PreparedRequest,
        *,
        auth: Auth | None,
        timeout: aiohttp.ClientTimeout | None = None,
        reporthook: ReportHook | None = None,
        collector: TimingCollector | None = None,
        follow_redirects: bool | None = None,
    ) -> tuple[aiohttp.ClientResponse, list[tuple[int, str]]]:
        """Send ``request`` through auth and redirects; return the final response, unread."""
        client = self._session()
        collector = collector or TimingCollector()
        token = current_collector.set(collector)
        follow = self.follow_redirects if follow_redirects is None else follow_redirects
        history: list[tuple[int, str]] = []
        try:
            while True:
                if auth is None or (request.cross_origin and not auth.signs):
                    # The common case, kept shallow: every await level costs on each resume.
                    response = await self._send_once(
                        client, request, timeout, reporthook, collector
                    )
                else:
                    response = await self._send_with_auth(
                        client, request, auth, timeout, reporthook, collector
                    )
                if not follow or response.status not in _REDIRECT_STATUSES:
                    return response, history
                info = ResponseInfo(response.status, response.headers, response.url)
                try:
                    nxt = redirect_request(request, info)
                except BaseException:
                    response.release()
                    raise
                if nxt is None:
                    return response, history
                history.append((response.status, str(response.url)))
                await _discard(response)
                if len(history) > MAX_REDIRECTS:
                    raise RequestError(
                        f"Too many redirects (more than {MAX_REDIRECTS}) from {request.url}",
                        url=str(request.url),
                        kind=ErrorKind.REDIRECT,
                    )
                _check_replayable(nxt, "follow the redirect")
                request = nxt
        finally:
            current_collector.reset(token)

    async def run_auth_steps(self, steps: Generator[AuthStep, ResponseInfo, T], *,
                             timeout: Timeout | float | None = None) -> T:
        """Drive an auth's own steps that end without a request of the caller's (an OAuth 2.0
        token fetched ahead of any request): each :class:`AuthRequest` sent through this
        session's connections and read, each :class:`AuthWait` awaited; what the steps
        return. ``timeout`` bounds each token request (the session's own when None)."""
        client = self._session()
        limit = (self.timeout if timeout is None else Timeout.of(timeout)).for_aiohttp()
        collector = TimingCollector()
        token = current_collector.set(collector)
        try:
            step = next(steps)
            while True:
                if isinstance(step, AuthWait):
                    step.result = await step.work()
                    step = next(steps)
                elif isinstance(step, AuthRequest):
                    response = await self._send_once(client, step, limit, None, collector)
                    body = await read_prefix(response, step.body_limit)
                    step = steps.send(ResponseInfo(
                        response.status, response.headers, response.url,
                        body=body, reason=response.reason or "",
                    ))
                else:
                    raise UsageError("run_auth_steps drives an auth's own steps only, and "
                                     "these yielded a request to send")
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        finally:
            # A failure (or cancellation) closes the steps, which may hold a lock.
            steps.close()
            current_collector.reset(token)

    async def _send_with_auth(
        self,
        client: aiohttp.ClientSession,
        request: PreparedRequest,
        auth: Auth,
        timeout: aiohttp.ClientTimeout | None,
        reporthook: ReportHook | None,
        collector: TimingCollector,
    ) -> aiohttp.ClientResponse:
        flow = auth.auth_flow(request.copy())
        outgoing = await self._auth_steps(client, flow, next(flow), timeout, collector)
        while True:
            response = await self._send_once(client, outgoing, timeout, reporthook, collector)
            info = ResponseInfo(response.status, response.headers, response.url)
            try:
                step = flow.send(info)
            except StopIteration:
                return response
            await _discard(response)
            outgoing = await self._auth_steps(client, flow, step, timeout, collector)
            _check_replayable(outgoing, "answer the authentication challenge")

    async def _auth_steps(
        self,
        client: aiohttp.ClientSession,
        flow: AuthFlow,
        step: AuthStep,
        timeout: aiohttp.ClientTimeout | None,
        collector: TimingCollector,
    ) -> PreparedRequest:
        """Drive a flow's own steps (token requests, waits) until it yields the caller's
        request, and return that request. A failure closes the flow (which may hold a lock)."""
        try:
            return await self._drive_steps(client, flow, step, timeout, collector)
        except BaseException:
            flow.close()
            raise

    async def _drive_steps(
        self,
        client: aiohttp.ClientSession,
        flow: AuthFlow,
        step: AuthStep,
        timeout: aiohttp.ClientTimeout | None,
        collector: TimingCollector,
    ) -> PreparedRequest:
        while True:
            if isinstance(step, AuthWait):
                step.result = await step.work()
                step = next(flow)
            elif isinstance(step, AuthRequest):
                # Inside a WebSocket handshake, this is a plain request: not the handshake's.
                capture = _handshake_capture.set(None)
                try:
                    response = await self._send_once(client, step, timeout, None, collector)
                    body = await read_prefix(response, step.body_limit)
                finally:
                    _handshake_capture.reset(capture)
                step = flow.send(ResponseInfo(
                    response.status, response.headers, response.url,
                    body=body, reason=response.reason or "",
                ))
            else:
                return step

    async def _send_once(
        self,
        client: aiohttp.ClientSession,
        request: PreparedRequest,
        timeout: aiohttp.ClientTimeout | None,
        reporthook: ReportHook | None,
        collector: TimingCollector,
    ) -> aiohttp.ClientResponse:
        """One transmission; ``request`` is not changed (aiohttp copies the headers)."""
        collector.new_hop()
        method = request.method
        data = None
        skip = None
        if request.body is not None:
            data = request.body.payload(reporthook, collector.mark_body_sent)
        elif method in _BODY_METHODS:
            skip = _NO_AUTO_CONTENT_TYPE  # aiohttp would label it application/octet-stream
        exact = None if method in STANDARD_METHODS else method
        if _exact_method.get() != exact:
            _exact_method.set(exact)
        with translate(request.url):
            response = await client.request(
                method,
                request.url,
                headers=request.headers,
                data=data,
                allow_redirects=False,
                # The body is decoded by the library, which counts what a bomb consumes.
                auto_decompress=False,
                proxy=self.proxy,
                timeout=timeout if timeout is not None else aiohttp.helpers.sentinel,
                skip_auto_headers=skip,
            )
        collector.mark_headers_received()
        return response

    async def ws_connect(
        self,
        request: PreparedRequest,
        *,
        auth: Auth | None,
        protocols: tuple[str, ...],
        heartbeat: float | None,
    ) -> aiohttp.ClientWebSocketResponse:
        """Open a WebSocket; the handshake goes through the auth flow like any request, and
        a redirected handshake through the same redirect rules as :meth:`send` (aiohttp's
        own following, which keeps every header, is never used)."""
        client = self._session()
        hops = 0
        while True:
            try:
                return await self._ws_handshake(client, request, auth, protocols, heartbeat)
            except _HandshakeRedirected as redirected:
                info = redirected.info
            # aiohttp stores a response's cookies only once it is returned: keep these too.
            client.cookie_jar.update_cookies_from_headers(
                info.headers.getall("Set-Cookie", []), info.url
            )
            url = str(request.url)
            nxt = redirect_request(request, info, websocket=True)
            if nxt is None:
                raise StreamError(
                    f"The WebSocket handshake with {url} was answered {info.status} without "
                    "a Location to follow",
                    url=url,
                )
            if not self.follow_redirects:
                raise RequestError(
                    f"The WebSocket handshake with {url} was redirected ({info.status}) to "
                    f"{nxt.url}, and following redirects is off",
                    url=url,
                    kind=ErrorKind.REDIRECT,
                )
            hops += 1
            if hops > MAX_REDIRECTS:
                raise RequestError(
                    f"Too many redirects (more than {MAX_REDIRECTS}) from {url}",
                    url=url,
                    kind=ErrorKind.REDIRECT,
                )
            request = nxt

    async def _ws_handshake(
        self,
        client: aiohttp.ClientSession,
        request: PreparedRequest,
        auth: Auth | None,
        protocols: tuple[str, ...],
        heartbeat: float | None,
    ) -> aiohttp.ClientWebSocketResponse:
        """One handshake, with its auth flow; a redirect answer raises
        :class:`_HandshakeRedirected`."""
        handshake = _HandshakeCapture()
        token = _handshake_capture.set(handshake)
        if auth is not None and request.cross_origin and not auth.signs:
            auth = None  # credentials never follow a redirect to another origin
        try:
            flow = auth.auth_flow(request.copy()) if auth is not None else None
            outgoing = (
                await self._auth_steps(client, flow, next(flow), None, TimingCollector())
                if flow is not None else request.copy()
            )
            while True:
                # A refused handshake is an answer, not a transport failure: it is caught
                # inside translate() so that it becomes an APIError (or an auth retry).
                with translate(str(outgoing.url)):
                    try:
                        return await client.ws_connect(
                            outgoing.url,
                            method=outgoing.method,
                            headers=outgoing.headers,
                            protocols=protocols,
                            heartbeat=heartbeat,
                            proxy=self.proxy,
                            timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=10.0),
                        )
                    except aiohttp.WSServerHandshakeError as exc:
                        refused = exc
                if flow is None or refused.headers is None:
                    raise handshake.refused(refused, str(outgoing.url)) from refused
                info = ResponseInfo(refused.status, refused.headers, outgoing.url)  # type: ignore[arg-type]
                try:
                    step = flow.send(info)
                except StopIteration:
                    raise handshake.refused(refused, str(outgoing.url)) from refused
                outgoing = await self._auth_steps(client, flow, step, None, TimingCollector())
        finally:
            _handshake_capture.reset(token)


class _HandshakeRedirected(Exception):
    """A WebSocket handshake was answered with a redirect (raised through aiohttp, so that
    it does not follow the redirect itself)."""

    def __init__(self, info: ResponseInfo) -> None:
        super().__init__(f"redirected ({info.status})")
        self.info = info


async def _discard(response: aiohttp.ClientResponse) -> None:
    """Read a small body to the end so that the connection can be reused, then release it."""
    try:
        length = response.content_length
        if length is not None and length <= 65536:
            await response.read()
    except (TimeoutError, aiohttp.ClientError, OSError):
        pass
    finally:
        response.release()


def _check_replayable(request: PreparedRequest, purpose: str) -> None:
    if request.body is not None and not request.body.replayable:
        raise RequestError(
            f"Cannot {purpose} for {request.url}: the request body is a one-shot stream "
            "that was already sent (give bytes, a seekable file or set follow_redirects=False)",
            url=str(request.url),
            kind=ErrorKind.BODY,
        )


class _HandshakeCapture:
    """Keeps the body of a refused WebSocket handshake, which aiohttp discards."""

    LIMIT = 1 << 20

    def __init__(self) -> None:
        self.body = b""
        self.content_type = ""

    async def read(self, response: aiohttp.ClientResponse) -> None:
        self.content_type = response.headers.get("Content-Type", "")
        body = bytearray()
        try:
            while len(body) < self.LIMIT:
                chunk = await response.content.read(self.LIMIT - len(body))
                if not chunk:
                    break
                body += chunk
        except (TimeoutError, aiohttp.ClientError, OSError):
            pass
        self.body = bytes(body)

    def refused(self, exc: aiohttp.WSServerHandshakeError, url: str) -> Exception:
        if exc.status and exc.status != 101 and exc.status >= 300:
            return api_error(exc.status, exc.message, self.body, self.content_type, url=url)
        return StreamError(f"The WebSocket handshake with {url} failed: {exc.message}", url=url)


_handshake_capture: ContextVar[_HandshakeCapture | None] = ContextVar(
    "spyglass_ws_handshake", default=None
)


class Session:
    """A synchronous session: the same API as :class:`AsyncSession`, run on a private loop."""

    def __init__(
        self,
        endpoint: str | URL | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        auth: Auth | tuple[str, str] | None = None,
        timeout: Timeout | float | None = None,
        verify: bool = True,
        ca_file: str | None = None,
        client_cert: str | tuple[str, str] | None = None,
        proxy: str | URL | None = None,
        follow_redirects: bool = True,
        limits: Limits | None = None,
    ) -> None:
        self._core = AsyncSession(
            endpoint,
            headers=headers,
            auth=auth,
            timeout=timeout,
            verify=verify,
            ca_file=ca_file,
            client_cert=client_cert,
            proxy=proxy,
            follow_redirects=follow_redirects,
            limits=limits,
        )
        # The platform's own loop, whatever policy the process installed (a Qt application
        # running qasync would otherwise hand this thread a loop that only Qt can drive).
        self._loop = asyncio.DefaultEventLoopPolicy().new_event_loop()
        self._thread = threading.Thread(
            target=_run_loop, args=(self._loop,), name="spyglass-session", daemon=True
        )
        self._thread.start()
        self._closed = False
        self._finalizer = weakref.finalize(self, _shutdown, self._loop, self._thread, self._core)

    # The configuration lives on the async core; these read it through.
    endpoint = property(lambda self: self._core.endpoint)
    headers = property(lambda self: self._core.headers)
    auth = property(lambda self: self._core.auth)
    limits = property(lambda self: self._core.limits)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and stop the worker thread. Harmless when called twice."""
        if self._closed:
            return
        self._closed = True
        self._finalizer()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the session's loop and wait for its own result."""
        if self._closed:
            coro.close()
            raise UsageError("this session is closed: open a new one to send requests")
        if threading.current_thread() is self._thread:
            coro.close()
            raise UsageError(
                "a synchronous Session cannot be called from its own worker thread "
                "(for example from a reporthook): use AsyncSession there"
            )
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise


def core_of(session: Session | AsyncSession) -> AsyncSession:
    """The asynchronous session that does the I/O for ``session``."""
    if isinstance(session, AsyncSession):
        return session
    if isinstance(session, Session):
        return session._core
    raise UsageError(f"a Request needs a Session or an AsyncSession, not {type(session).__name__}")


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def _shutdown(
    loop: asyncio.AbstractEventLoop, thread: threading.Thread, core: AsyncSession
) -> None:
    """Close the core session on its loop, then stop the loop (also run at interpreter exit)."""
    if loop.is_closed() or not thread.is_alive():
        return
    future = asyncio.run_coroutine_threadsafe(core.close(), loop)
    try:
        future.result(timeout=5)
    except Exception:
        future.cancel()
    loop.call_soon_threadsafe(loop.stop)
    if threading.current_thread() is not thread:
        thread.join(timeout=5)
