"""The index page and ``/endpoints``: what the playground offers, and, for a started one,
where its proxy and mTLS port are and the demo credentials they want."""

from __future__ import annotations

import html
from dataclasses import dataclass

from aiohttp import web

from . import http_basic
from ._common import json_response
from .reach import REACH, Reach, reach_html

__all__ = ["ENDPOINTS", "Endpoint", "endpoints", "index", "index_html"]


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
    Endpoint(
        "POST",
        "/oauth/token?expires_in=",
        "OAuth 2.0 token endpoint (authlib's): client credentials (Basic or body), password, "
        "authorization code with S256 PKCE, device code and refresh token; ?expires_in= sets "
        "the tokens' lifetime in seconds.",
    ),
    Endpoint(
        "GET",
        "/oauth/authorize?approve=1",
        "The authorization page (Approve / Deny); ?approve=1 approves at once, ?deny=1 refuses.",
    ),
    Endpoint(
        "POST",
        "/oauth/device?interval=",
        "Starts a device code grant (RFC 8628); ?interval= sets the polling interval.",
    ),
    Endpoint(
        "GET",
        "/oauth/device/verify?user_code=&approve=1",
        "Where the user types a device's code and approves it.",
        "/oauth/device/verify",
    ),
    Endpoint(
        "ANY",
        "/oauth/me",
        "The OAuth 2.0 resource: who the bearer token speaks for; 401 without a live token.",
        "/oauth/me",
    ),
    Endpoint(
        "GET",
        "/tls/client",
        "On the mTLS port: the client certificate the connection presented.",
    ),
    Endpoint(
        "POST",
        "/demo/login",
        'A demo API to chain requests: {"user": "ada", "password": "lovelace"} gives a '
        "token for the /demo/items routes (Authorization: Bearer).",
    ),
    Endpoint(
        "GET, POST",
        "/demo/items",
        "The demo's items: list them, or create one from a JSON object (201, with its id).",
    ),
    Endpoint(
        "GET, PUT, DELETE",
        "/demo/items/{id}",
        "One demo item: read, replace (its id kept) or delete (204). Items live as long "
        "as the playground, up to a cap.",
    ),
    Endpoint(
        "POST, GET, WS",
        "/graphql",
        "GraphQL (graphql-core): users, posts, a search union, a Node interface, enums, input "
        "objects, a deprecated field; mutations addPost and setRole; subscription tick over "
        "WebSocket (graphql-transport-ws or graphql-ws). GET takes ?query=.",
        "/graphql?query={hello}",
    ),
    Endpoint("GET", "/endpoints", "This list, as JSON.", "/endpoints"),
)


def index_html(reach: Reach | None = None) -> str:
    """The index page: every endpoint, then the run's OAuth 2.0 client, proxy and mTLS port."""
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
        + "\n</table>\n"
        + reach_html(reach)
        + "\n</body></html>\n"
    )


async def index(request: web.Request) -> web.StreamResponse:
    return web.Response(
        text=index_html(request.app.get(REACH)), content_type="text/html", charset="utf-8"
    )


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
