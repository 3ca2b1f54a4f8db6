"""The application factory, the error middleware, the index page and the runner."""

from __future__ import annotations

import asyncio
import contextlib
import html
import ipaddress
import logging
import os
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType

from aiohttp import WSCloseCode, web

from . import auth, http_basic, oauth, sse, streams, terminal, websocket
from ._common import (
    ACTIVE_STREAMS,
    OPEN_WEBSOCKETS,
    SHUTDOWN_EVENT,
    STREAM_STATS,
    PlaygroundError,
    StreamStats,
    drop_connection,
    error_response,
    json_response,
    log,
)
from .oauth_store import OAuthSettings

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Seconds a stopping server waits for in-flight requests before cancelling them.
SHUTDOWN_TIMEOUT = 2.0
#: Seconds given to WebSocket peers to answer the closing handshake on shutdown.
WEBSOCKET_CLOSE_TIMEOUT = 1.0
#: Seconds given to streaming responses to end by themselves on shutdown.
STREAM_GRACE = 0.5


@dataclass(frozen=True)
class Endpoint:
    methods: str
    path: str
    description: str
    example: str | None = None


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "ANY",
        "/echo[/anything]",
        "Echoes the request: method, path, query, headers, "
        "body (text or base64, summarised above 4 MiB), JSON, form and multipart parts "
        "with sizes and SHA-256.",
        "/echo?hello=world&hello=again",
    ),
    Endpoint("GET", "/headers", "The request headers as [name, value] pairs.", "/headers"),
    Endpoint("ANY", "/status/{code}", "Answers with that status (100-599).", "/status/418"),
    Endpoint("ANY", "/delay/{seconds}", "Answers after a delay (0-60 s).", "/delay/1.5"),
    Endpoint(
        "ANY",
        "/redirect/{n}",
        "A chain of n redirects ending at /echo; ?status=301|302|303|307|308, ?absolute=true.",
        "/redirect/3",
    ),
    Endpoint(
        "ANY",
        "/redirect-to?url=&status_code=",
        "Redirects to any URL.",
        "/redirect-to?url=/echo&status_code=307",
    ),
    Endpoint("GET", "/cookies", "The cookies the request carried.", "/cookies"),
    Endpoint(
        "GET",
        "/cookies/set?name=value",
        "Sets cookies, then redirects to /cookies.",
        "/cookies/set?flavour=chocolate",
    ),
    Endpoint(
        "GET",
        "/cookies/delete?name",
        "Deletes cookies, then redirects to /cookies.",
        "/cookies/delete?flavour",
    ),
    Endpoint(
        "ANY",
        "/basic-auth/{user}/{password}",
        "HTTP Basic authentication.",
        "/basic-auth/user/passwd",
    ),
    Endpoint(
        "ANY", "/bearer", "401 unless 'Authorization: Bearer <token>'; echoes the token.", "/bearer"
    ),
    Endpoint(
        "ANY",
        "/digest-auth/{qop}/{user}/{password}/{algorithm}",
        "RFC 7616 Digest authentication; qop auth or auth-int; algorithm MD5, "
        "MD5-sess, SHA-256 or SHA-256-sess.",
        "/digest-auth/auth/user/passwd/SHA-256",
    ),
    Endpoint("GET", "/gzip", "A gzip-encoded JSON body.", "/gzip"),
    Endpoint("GET", "/deflate", "A deflate-encoded JSON body.", "/deflate"),
    *(
        (Endpoint("GET", "/brotli", "A Brotli-encoded JSON body.", "/brotli"),)
        if http_basic.HAVE_BROTLI
        else ()
    ),
    Endpoint(
        "GET",
        "/charset/{name}",
        "Text in that encoding, with the charset parameter; ?text= chooses the text.",
        "/charset/latin-1",
    ),
    Endpoint(
        "GET", "/bad-utf8", "text/plain; charset=utf-8 with invalid UTF-8 bytes.", "/bad-utf8"
    ),
    Endpoint("GET", "/image.png", "A 64x64 PNG gradient.", "/image.png"),
    Endpoint(
        "GET",
        "/bytes/{n}",
        "n pseudo-random bytes, streamed; ?seed= repeats them (up to 4 GiB).",
        "/bytes/1024?seed=42",
    ),
    Endpoint(
        "GET",
        "/json?size=",
        "A deep and wide JSON document of that many bytes (default 1 MiB), streamed.",
        "/json?size=65536",
    ),
    Endpoint(
        "GET",
        "/drip?numbytes=&duration=&delay=&code=",
        "A slow body.",
        "/drip?numbytes=20&duration=4",
    ),
    Endpoint(
        "GET",
        "/close-mid-body?sent=&how=close|reset",
        "Declares 1000000 bytes, sends a few, then drops the connection.",
        "/close-mid-body",
    ),
    Endpoint(
        "POST, PUT",
        "/upload",
        "Reads any body to the end without storing it; answers its size, SHA-256 and duration.",
    ),
    Endpoint(
        "GET",
        "/sse/ticker?count=&interval=&retry=",
        "Server-Sent Events with ids "
        "(event tick, every fifth milestone); honours Last-Event-ID; count=0 is endless.",
        "/sse/ticker?count=10&interval=0.5",
    ),
    Endpoint(
        "POST",
        "/sse/chat",
        'Streams an answer to {"prompt": "..."} one token per '
        "event, OpenAI style, then event done with data [DONE].",
    ),
    Endpoint(
        "GET",
        "/sse/firehose?count=",
        "Many small events as fast as possible.",
        "/sse/firehose?count=1000",
    ),
    Endpoint(
        "GET",
        "/sse/wrong-type",
        "200 application/json where a stream was expected.",
        "/sse/wrong-type",
    ),
    Endpoint(
        "GET", "/sse/no-content", "204: the SSE signal to stop reconnecting.", "/sse/no-content"
    ),
    Endpoint("WS", "/ws/echo", "Echoes text and binary messages; subprotocols chat, json, echo."),
    Endpoint("WS", "/ws/console", "A line-command console: help, time, echo, count, json, close."),
    Endpoint("WS", "/ws/firehose?count=", "count small messages, then close 1000; 0 is endless."),
    Endpoint(
        "WS",
        "/terminal/{protocol}?token=",
        "A real shell on a pseudo-terminal; protocol raw, terminado (Jupyter), ttyd, "
        "kubernetes (exec) or backendai. Wants this run's token (?token= or Authorization: "
        "Bearer) and refuses any request with an Origin header; ?rows=&cols= set the size.",
    ),
    Endpoint("GET", "/endpoints", "This list, as JSON.", "/endpoints"),
)


def index_html() -> str:
    rows = []
    for endpoint in ENDPOINTS:
        path = html.escape(endpoint.path)
        if endpoint.example and endpoint.methods in ("GET", "ANY"):
            path = f'<a href="{html.escape(endpoint.example)}">{path}</a>'
        rows.append(
            f"<tr><td>{html.escape(endpoint.methods)}</td><td><code>{path}</code></td>"
            f"<td>{html.escape(endpoint.description)}</td></tr>"
        )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Spyglass playground</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}"
        "td{padding:.3em .8em;vertical-align:top;border-bottom:1px solid #ddd}"
        "code{white-space:nowrap}</style></head><body>\n"
        "<h1>Spyglass playground</h1>\n"
        "<p>A local server to try requests, uploads, Server-Sent Events and WebSockets "
        'against. Bad input gets a 400 with a JSON <code>{"error": ...}</code>.</p>\n'
        "<table><tr><th>Method</th><th>Path</th><th>What it does</th></tr>\n"
        + "\n".join(rows)
        + "\n</table></body></html>\n"
    )


async def index(request: web.Request) -> web.StreamResponse:
    return web.Response(text=index_html(), content_type="text/html", charset="utf-8")


async def endpoints(request: web.Request) -> web.StreamResponse:
    return json_response(
        [
            {
                "methods": e.methods,
                "path": e.path,
                "description": e.description,
                "example": e.example,
            }
            for e in ENDPOINTS
        ]
    )


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
    oauth_settings: OAuthSettings | None = None,
) -> web.Application:
    """Build the playground application (routes, middleware, shutdown hooks).

    ``token`` is what the terminals want (a random one when None); ``terminal_command``
    the program they run (a command line or an argument list; None: the user's shell);
    ``max_terminals`` how many may be open at once. Raises ValueError for an empty command
    or token."""
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
    app.router.add_get("/", index)
    app.router.add_get("/endpoints", endpoints)
    for module in (http_basic, auth, streams, sse, websocket):
        app.add_routes(module.routes)
    terminal.setup(app, settings)
    oauth.setup(app, oauth_settings)
    app.on_shutdown.append(_on_shutdown)
    return app


def format_url(host: str, port: int) -> str:
    try:
        is_v6 = ipaddress.ip_address(host).version == 6
    except ValueError:
        is_v6 = False
    return f"http://[{host}]:{port}" if is_v6 else f"http://{host}:{port}"


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
    oauth_settings: OAuthSettings | None = None,
) -> RunningPlayground:
    """Start the playground on the running event loop (``port=0``: any free port); the
    keywords after ``access_log`` are :func:`create_app`'s."""
    app = create_app(
        token=token,
        terminal_command=terminal_command,
        max_terminals=max_terminals,
        oauth_settings=oauth_settings,
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
    except BaseException:
        await runner.cleanup()
        raise
    return RunningPlayground(
        url=format_url(host or str(bound_host), int(bound_port)),
        host=str(bound_host),
        port=int(bound_port),
        app=app,
        _runner=runner,
    )
