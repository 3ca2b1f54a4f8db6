"""The application factory, the error middleware and the runner (with its proxy and mTLS port)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType

from aiohttp import WSCloseCode, web

from . import (
    auth,
    demo_api,
    graphql_endpoint,
    http_basic,
    oauth,
    reach,
    sse,
    streams,
    terminal,
    websocket,
)
from ._common import (
    ACTIVE_STREAMS,
    OPEN_WEBSOCKETS,
    SHUTDOWN_EVENT,
    STREAM_STATS,
    PlaygroundError,
    StreamStats,
    drop_connection,
    error_response,
    format_url,
    log,
)
from .certs import PlaygroundCertificates
from .grpc_server import GrpcPlaygroundSettings
from .index import endpoints, index
from .oauth_store import OAuthSettings
from .proxy import ForwardProxy, ProxySettings
from .reach import Reach, start_reach

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Seconds a stopping server waits for in-flight requests before cancelling them.
SHUTDOWN_TIMEOUT = 2.0
#: Seconds given to WebSocket peers to answer the closing handshake on shutdown.
WEBSOCKET_CLOSE_TIMEOUT = 1.0
#: Seconds given to streaming responses to end by themselves on shutdown.
STREAM_GRACE = 0.5


@web.middleware
async def errors_as_json(request: web.Request, handler: _Handler) -> web.StreamResponse:
    """Every error is a JSON ``{"error": ...}``; nothing becomes a traceback for the client,
    and a client that disconnects is not logged as an error."""
    try:
        return await handler(request)
    except PlaygroundError as exc:
        return error_response(exc.message, exc.status)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {
            name: value
            for name, value in exc.headers.items()
            if name.lower() not in ("content-type", "content-length")
        }
        message = exc.reason
        if exc.status == 404:
            message = f"no such endpoint: {request.path} (see / for the list)"
        elif exc.status == 405:
            message = f"method {request.method} is not allowed on {request.path}"
        return error_response(message, exc.status, headers=headers)
    except ConnectionError as exc:
        # The client went away while a handler read its body (or wrote outside a
        # client_may_leave block). Not an error: drop the connection, log quietly.
        request.app[STREAM_STATS].client_disconnects += 1
        log.debug(
            "%s %s: client %s went away (%s)", request.method, request.path, request.remote, exc
        )
        drop_connection(request)
        return web.Response(status=499, reason="Client Closed Request")
    except Exception:
        log.exception("unexpected error in %s %s", request.method, request.path)
        return error_response("internal error in the playground (see the server log)", 500)


async def _close_websocket(ws: web.WebSocketResponse) -> None:
    with contextlib.suppress(ConnectionError):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


async def _on_shutdown(app: web.Application) -> None:
    """Tell streaming handlers to finish and close WebSockets with 1001 (Going Away)."""
    app[SHUTDOWN_EVENT].set()
    sockets = app[OPEN_WEBSOCKETS]
    closers = [asyncio.ensure_future(_close_websocket(ws)) for ws in sockets if not ws.closed]
    if closers:
        # A peer that does not answer the close handshake must not hold up the shutdown.
        _, pending = await asyncio.wait(closers, timeout=WEBSOCKET_CLOSE_TIMEOUT)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    # Streams notice the shutdown event between writes; one whose client stopped reading
    # is stuck waiting for the socket to drain, so its connection is cut after a moment.
    active = app[ACTIVE_STREAMS]
    deadline = asyncio.get_running_loop().time() + STREAM_GRACE
    while active and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
    for transport in list(active):
        transport.abort()


def create_app(
    *,
    token: str | None = None,
    terminal_command: str | Sequence[str] | None = None,
    max_terminals: int = terminal.DEFAULT_MAX_TERMINALS,
    demo: demo_api.DemoSettings | None = None,
    oauth_settings: OAuthSettings | None = None,
) -> web.Application:
    """Build the playground application (routes, middleware, shutdown hooks).

    ``token`` is what the terminals want (a random one when None); ``terminal_command``
    the program they run (a command line or an argument list; None: the user's shell);
    ``max_terminals`` how many may be open at once; ``demo`` the demo API's bounds. Raises
    ValueError for an empty command or token."""
    settings = terminal.TerminalSettings(
        token=token if token is not None else terminal.new_token(),
        command=terminal_command,
        max_terminals=max_terminals,
    )
    app = web.Application(middlewares=[errors_as_json])
    app[SHUTDOWN_EVENT] = asyncio.Event()
    app[OPEN_WEBSOCKETS] = weakref.WeakSet()
    app[STREAM_STATS] = StreamStats()
    app[ACTIVE_STREAMS] = set()
    app[auth.DIGEST_SECRET] = os.urandom(32)
    app[graphql_endpoint.GRAPHQL_STORE] = graphql_endpoint.Store()
    app.router.add_get("/", index)
    app.router.add_get("/endpoints", endpoints)
    for module in (http_basic, auth, streams, sse, websocket, graphql_endpoint, reach):
        app.add_routes(module.routes)
    terminal.setup(app, settings)
    demo_api.setup(app, demo)
    oauth.setup(app, oauth_settings)
    # Filled by start_playground (an application's state cannot change once it runs).
    app[reach.REACH] = reach.Reach()
    app.on_shutdown.append(_on_shutdown)
    return app


@dataclass
class RunningPlayground:
    """A started playground; ``url`` has no trailing slash. Stop it with ``await stop()``
    (or use it as ``async with await start_playground() as pg:``)."""

    url: str
    host: str
    port: int
    app: web.Application
    _runner: web.AppRunner = field(repr=False)
    _stopped: bool = field(default=False, repr=False)
    _reach: Reach = field(default_factory=Reach, repr=False)

    @property
    def proxy_url(self) -> str | None:
        """The HTTP forward proxy's URL, without credentials (None: not started)."""
        return self._reach.proxy_url

    @property
    def proxy(self) -> ForwardProxy | None:
        """The forward proxy (its ``settings`` hold the user and password it wants)."""
        return self._reach.proxy

    @property
    def mtls_url(self) -> str | None:
        """The ``https://`` URL of the port that demands a client certificate."""
        return self._reach.mtls_url

    @property
    def certificates(self) -> PlaygroundCertificates | None:
        """The files of this run's CA, server and client certificates (deleted on stop)."""
        return self._reach.certificates

    @property
    def grpc_target(self) -> str | None:
        """The gRPC server's ``host:port`` (plaintext, with reflection; None: not started)."""
        return self._reach.grpc_target

    @property
    def stats(self) -> StreamStats:
        return self.app[STREAM_STATS]

    @property
    def token(self) -> str:
        """The token this run's terminals want (``?token=`` or ``Authorization: Bearer``)."""
        return self.app[terminal.TERMINAL_SETTINGS].token

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            await self._reach.stop()
        finally:
            await self._runner.cleanup()

    async def __aenter__(self) -> RunningPlayground:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


async def start_playground(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    access_log: bool = True,
    token: str | None = None,
    terminal_command: str | Sequence[str] | None = None,
    max_terminals: int = terminal.DEFAULT_MAX_TERMINALS,
    demo: demo_api.DemoSettings | None = None,
    oauth_settings: OAuthSettings | None = None,
    proxy_port: int | None = 0,
    proxy_settings: ProxySettings | None = None,
    mtls_port: int | None = 0,
    grpc_port: int | None = 0,
    grpc_settings: GrpcPlaygroundSettings | None = None,
) -> RunningPlayground:
    """Start the playground on the running event loop (``port=0``: any free port), with its
    forward proxy on ``proxy_port``, its mTLS port on ``mtls_port`` and its gRPC server on
    ``grpc_port`` (None: without it);
    ``token``, ``terminal_command``, ``max_terminals`` and ``oauth_settings`` are
    :func:`create_app`'s."""
    app = create_app(
        token=token,
        terminal_command=terminal_command,
        max_terminals=max_terminals,
        oauth_settings=oauth_settings,
        demo=demo,
    )
    runner = web.AppRunner(
        app,
        handle_signals=False,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
        access_log=logging.getLogger("aiohttp.access") if access_log else None,
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        extras = await start_reach(
            runner,
            host or str(bound_host),
            proxy_port=proxy_port,
            proxy_settings=proxy_settings,
            mtls_port=mtls_port,
            grpc_port=grpc_port,
            grpc_settings=grpc_settings,
        )
    except BaseException:
        await runner.cleanup()
        raise
    return RunningPlayground(
        url=format_url(host or str(bound_host), int(bound_port)),
        host=str(bound_host),
        port=int(bound_port),
        app=app,
        _runner=runner,
        _reach=extras,
    )
