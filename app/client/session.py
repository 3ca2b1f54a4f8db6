"""The asynchronous session, which does the I/O (the synchronous one, in
:mod:`app.client.sync_session`, runs it on a private loop).

:class:`AsyncSession` owns an aiohttp ``ClientSession`` (created on first use, on the running
loop; one more per SOCKS proxy, sharing the cookie jar) and drives every exchange: auth flows,
redirects, proxies, timings.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from typing import TypeVar

import aiohttp
from aiohttp.abc import AbstractCookieJar
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
from ._transport import (
    REDIRECT_STATUSES,
    HandshakeCapture,
    HandshakeRedirected,
    SpyglassRequest,
    SpyglassResponse,
    exact_method,
    handshake_capture,
)
from .auth import Auth, BasicAuth
from .auth_base import AuthFlow, AuthRequest, AuthStep, AuthWait
from .content import ReportHook
from .cookies import Cookies, SessionCookieJar, make_jar
from .errors import (
    ErrorKind,
    RequestError,
    StreamError,
    UsageError,
    proxy_refused,
    read_prefix,
    translate,
)
from .limits import Limits
from .proxies import Proxy, environment_proxy, parse_proxy
from .timeouts import Timeout
from .timings import TimedResolver, TimingCollector, current_collector, timed_socket
from .tls import ClientCertArg, client_certificate_of, ssl_context

__all__ = ["USER_AGENT", "AsyncSession", "Timeout"]

T = TypeVar("T")
USER_AGENT = f"Spyglass/{__version__}"


_NO_AUTO_CONTENT_TYPE = ("Content-Type",)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _as_auth(auth: Auth | tuple[str, str] | None) -> Auth | None:
    if auth is None or isinstance(auth, Auth):
        return auth
    if isinstance(auth, tuple) and len(auth) == 2:
        return BasicAuth(*auth)
    raise UsageError(f"auth must be an app.client.auth object, not {type(auth).__name__}")


class AsyncSession:
    """An HTTP session for asyncio code: cookies, keep-alive, TLS settings, proxies, auth,
    redirects.

    ``cookies=False`` keeps no cookies; ``cookies=`` a
    :class:`~app.client.cookies.SessionCookieJar` (made on the session's loop) shares that
    jar with the other sessions given it. ``proxy`` is an ``http://``, ``https://`` or
    ``socks5://`` URL, its credentials in it or in ``proxy_auth=(user, password)``;
    ``trust_env=True`` takes the proxy from ``HTTP(S)_PROXY``/``ALL_PROXY``/``NO_PROXY``
    when none is given (see :mod:`app.client.proxies`). ``client_cert`` is a PEM file, a
    ``(cert, key)`` pair, a ``(cert, key, passphrase)`` triple or a
    :class:`~app.client.tls.ClientCertificate` (PKCS#12 included)."""

    def __init__(
        self,
        endpoint: str | URL | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        auth: Auth | tuple[str, str] | None = None,
        timeout: Timeout | float | None = None,
        verify: bool = True,
        ca_file: str | None = None,
        client_cert: ClientCertArg | None = None,
        proxy: str | URL | None = None,
        proxy_auth: tuple[str, str] | None = None,
        trust_env: bool = False,
        cookies: bool | SessionCookieJar = True,
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
        self.client_cert = client_certificate_of(client_cert)
        #: The proxy every request goes through (None: direct, or the environment's).
        self.proxy: Proxy | None = parse_proxy(proxy, proxy_auth) if proxy else None
        if proxy_auth is not None and self.proxy is None:
            raise UsageError("proxy_auth was given without a proxy")
        self.trust_env = trust_env
        self.follow_redirects = follow_redirects
        if limits is not None and not isinstance(limits, Limits):
            raise UsageError(f"limits must be an app.client.Limits, not {type(limits).__name__}")
        #: What a response may make the session hold (sizes, compression ratio).
        self.limits = limits or Limits()
        # Built now so that a bad CA file or client certificate fails where it is given.
        self._ssl = ssl_context(verify, ca_file, self.client_cert)
        self._keep_cookies = bool(cookies)
        # A jar given is shared with the other sessions given it (the window's sessions of
        # one workspace): it was made on this loop, as aiohttp wants.
        self._jar: AbstractCookieJar | None = (
            cookies if isinstance(cookies, SessionCookieJar) else None)
        self._client: aiohttp.ClientSession | None = None
        # One pool per SOCKS proxy (aiohttp-socks proxies at the connector); same jar.
        self._socks_clients: dict[Proxy, aiohttp.ClientSession] = {}
        self._env_proxies: dict[str, Proxy] = {}
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
        clients = [self._client, *self._socks_clients.values()]
        self._client = None
        self._socks_clients.clear()
        for client in clients:
            if client is not None and not client.closed:
                await client.close()

    def _session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise UsageError("this session is closed: open a new one to send requests")
        if self._client is None:
            connector = aiohttp.TCPConnector(
                ssl=self._ssl, resolver=TimedResolver(), socket_factory=timed_socket
            )
            self._client = self._client_session(connector)
        return self._client

    def _client_session(self, connector: aiohttp.BaseConnector) -> aiohttp.ClientSession:
        if self._jar is None:
            self._jar = make_jar(self._keep_cookies)
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=self._jar,
            timeout=self.timeout.for_aiohttp(),
            trust_env=False,  # the environment is read by _route, SOCKS and NO_PROXY included
            request_class=SpyglassRequest,
            response_class=SpyglassResponse,
        )

    def _route(self, url: URL) -> tuple[aiohttp.ClientSession, Proxy | None]:
        """The client that sends to ``url`` and the HTTP proxy it names (None: direct, or a
        SOCKS proxy, which its client's connector goes through)."""
        proxy = self.proxy
        if proxy is None and self.trust_env:
            found = environment_proxy(url)
            if found is not None:
                proxy = self._env_proxies.get(found)
                if proxy is None:
                    proxy = self._env_proxies[found] = parse_proxy(found)
        if proxy is None or not proxy.is_socks:
            return self._session(), proxy
        client = self._socks_clients.get(proxy)
        if client is None:
            self._session()  # refuses a closed session; makes the shared jar
            from aiohttp_socks import ProxyConnector

            connector = ProxyConnector.from_url(
                proxy.socks_url(), rdns=proxy.url.scheme == "socks5h", ssl=self._ssl
            )
            client = self._socks_clients[proxy] = self._client_session(connector)
        return client, proxy

    @property
    def cookie_jar(self) -> AbstractCookieJar:
        """The session's aiohttp jar (as a browser keeps cookies, IP-address hosts included)."""
        if self._jar is None:
            self._session()
        assert self._jar is not None
        return self._jar

    @property
    def cookies(self) -> Cookies:
        """The session's cookies as :class:`~app.client.cookies.Cookie` values, to list, set,
        delete and clear; use it on the session's loop."""
        return Cookies(lambda: self.cookie_jar, _call_here)

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
        self._session()  # a closed session refuses at once, whatever the route
        collector = collector or TimingCollector()
        token = current_collector.set(collector)
        follow = self.follow_redirects if follow_redirects is None else follow_redirects
        history: list[tuple[int, str]] = []
        try:
            while True:
                if auth is None or (request.cross_origin and not auth.signs):
                    # The common case, kept shallow: every await level costs on each resume.
                    response = await self._send_once(request, timeout, reporthook, collector)
                else:
                    response = await self._send_with_auth(
                        request, auth, timeout, reporthook, collector
                    )
                if not follow or response.status not in REDIRECT_STATUSES:
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
        self._session()  # a closed session refuses at once
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
                    response = await self._send_once(step, limit, None, collector)
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
        request: PreparedRequest,
        auth: Auth,
        timeout: aiohttp.ClientTimeout | None,
        reporthook: ReportHook | None,
        collector: TimingCollector,
    ) -> aiohttp.ClientResponse:
        flow = auth.auth_flow(request.copy())
        outgoing = await self._auth_steps(flow, next(flow), timeout, collector)
        while True:
            response = await self._send_once(outgoing, timeout, reporthook, collector)
            info = ResponseInfo(response.status, response.headers, response.url)
            try:
                step = flow.send(info)
            except StopIteration:
                return response
            await _discard(response)
            outgoing = await self._auth_steps(flow, step, timeout, collector)
            _check_replayable(outgoing, "answer the authentication challenge")

    async def _auth_steps(
        self,
        flow: AuthFlow,
        step: AuthStep,
        timeout: aiohttp.ClientTimeout | None,
        collector: TimingCollector,
    ) -> PreparedRequest:
        """Drive a flow's own steps (token requests, waits) until it yields the caller's
        request, and return that request. A failure closes the flow (which may hold a lock)."""
        try:
            return await self._drive_steps(flow, step, timeout, collector)
        except BaseException:
            flow.close()
            raise

    async def _drive_steps(
        self,
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
                capture = handshake_capture.set(None)
                try:
                    response = await self._send_once(step, timeout, None, collector)
                    body = await read_prefix(response, step.body_limit)
                finally:
                    handshake_capture.reset(capture)
                step = flow.send(ResponseInfo(
                    response.status, response.headers, response.url,
                    body=body, reason=response.reason or "",
                ))
            else:
                return step

    async def _send_once(
        self,
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
        if exact_method.get() != exact:
            exact_method.set(exact)
        client, proxy = self._route(request.url)
        http_proxy = proxy if proxy is not None and not proxy.is_socks else None
        headers, proxy_headers = _with_proxy_credentials(request.url, request.headers, http_proxy)
        with translate(request.url, proxy=proxy.name if proxy is not None else None):
            response = await client.request(
                method,
                request.url,
                headers=headers,
                data=data,
                allow_redirects=False,
                # The body is decoded by the library, which counts what a bomb consumes.
                auto_decompress=False,
                proxy=http_proxy.url if http_proxy is not None else None,
                proxy_headers=proxy_headers,
                timeout=timeout if timeout is not None else aiohttp.helpers.sentinel,
                skip_auto_headers=skip,
            )
        if response.status == 407 and http_proxy is not None:
            # The proxy answered for itself (a plain-HTTP target: no CONNECT to fail).
            response.release()
            raise RequestError(
                proxy_refused(http_proxy.name, 407, response.reason or "Proxy Authentication "
                              "Required"),
                url=str(request.url), kind=ErrorKind.PROXY,
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
        max_message: int | None,
    ) -> aiohttp.ClientWebSocketResponse:
        """Open a WebSocket; the handshake goes through the auth flow like any request, and
        a redirected handshake through the same redirect rules as :meth:`send` (aiohttp's
        own following, which keeps every header, is never used). A message received larger
        than ``max_message`` bytes (None: no cap) ends the connection with code 1009."""
        self._session()
        hops = 0
        while True:
            try:
                return await self._ws_handshake(request, auth, protocols, heartbeat, max_message)
            except HandshakeRedirected as redirected:
                info = redirected.info
            # aiohttp stores a response's cookies only once it is returned: keep these too.
            self.cookie_jar.update_cookies_from_headers(
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
        request: PreparedRequest,
        auth: Auth | None,
        protocols: tuple[str, ...],
        heartbeat: float | None,
        max_message: int | None,
    ) -> aiohttp.ClientWebSocketResponse:
        """One handshake, with its auth flow; a redirect answer raises
        :class:`HandshakeRedirected`."""
        # aiohttp refuses a message of max_msg_size bytes (0: no cap); +1 admits the limit.
        max_msg_size = max_message + 1 if max_message is not None else 0
        handshake = HandshakeCapture()
        token = handshake_capture.set(handshake)
        if auth is not None and request.cross_origin and not auth.signs:
            auth = None  # credentials never follow a redirect to another origin
        try:
            flow = auth.auth_flow(request.copy()) if auth is not None else None
            outgoing = (
                await self._auth_steps(flow, next(flow), None, TimingCollector())
                if flow is not None else request.copy()
            )
            while True:
                # A refused handshake is an answer, not a transport failure: it is caught
                # inside translate() so that it becomes an APIError (or an auth retry).
                client, proxy = self._route(outgoing.url)
                http_proxy = proxy if proxy is not None and not proxy.is_socks else None
                headers, proxy_headers = _with_proxy_credentials(
                    outgoing.url, outgoing.headers, http_proxy)
                with translate(str(outgoing.url), proxy=proxy.name if proxy else None):
                    try:
                        return await client.ws_connect(
                            outgoing.url,
                            method=outgoing.method,
                            headers=headers,
                            protocols=protocols,
                            heartbeat=heartbeat,
                            max_msg_size=max_msg_size,
                            proxy=http_proxy.url if http_proxy is not None else None,
                            proxy_headers=proxy_headers,
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
                outgoing = await self._auth_steps(flow, step, None, TimingCollector())
        finally:
            handshake_capture.reset(token)


def _with_proxy_credentials(
    url: URL, headers: CIMultiDict[str], proxy: Proxy | None
) -> tuple[CIMultiDict[str], dict[str, str] | None]:
    """The request's headers and the proxy's (for ``CONNECT``), with ``Proxy-Authorization``
    where the proxy reads it: in the request itself for a plain-HTTP target (the proxy
    forwards it), only on the ``CONNECT`` for a TLS one (the target must never see it)."""
    if proxy is None or proxy.user is None:
        return headers, None
    credentials = proxy.basic_credentials()
    if url.scheme in ("https", "wss"):
        return headers, {"Proxy-Authorization": credentials}
    with_auth = CIMultiDict(headers)
    with_auth["Proxy-Authorization"] = credentials
    return with_auth, None


def _call_here(action: Callable[[], T]) -> T:
    """Run ``action`` now: an ``AsyncSession``'s jar is used on the caller's own loop."""
    return action()


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
