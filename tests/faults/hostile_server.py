"""A hostile HTTP server: what a peer can send to make a client hang, grow or leak.

Each endpoint is one attack from the security review (issue 12), built without holding the
attack in memory (a gzip bomb is compressed piece by piece, a long SSE line is written in
blocks), so that the tests and ``bench/hostile.py`` measure the client, not the server.
``/headers`` and the ``/ws/headers`` and ``/sse/headers`` endpoints report what arrived, so a
test can check that a credential did not cross to another origin.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from functools import lru_cache

from aiohttp import web

__all__ = ["Seen", "gzip_bomb", "make_hostile_app"]

_MIB = 1 << 20


@lru_cache(maxsize=4)
def gzip_bomb(decoded_mib: int, fill: bytes = b"\n") -> bytes:
    """``decoded_mib`` MiB of ``fill`` (newlines: the review's bomb) as one gzip stream,
    compressed a MiB at a time (about 1 KiB of gzip per MiB decoded)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = fill * (_MIB // len(fill))
    pieces = [packer.compress(block) for _ in range(decoded_mib)]
    pieces.append(packer.flush())
    return b"".join(pieces)


class Seen:
    """What the hostile server's endpoints saw (per application)."""

    def __init__(self) -> None:
        self.connections: dict[str, list[float]] = {}

    def connected(self, name: str) -> None:
        self.connections.setdefault(name, []).append(asyncio.get_running_loop().time())


SEEN = web.AppKey("seen", Seen)


async def bomb(request: web.Request) -> web.Response:
    """A gzip body of ``mib`` MiB of newlines (``?status=`` for an error answer)."""
    body = gzip_bomb(int(request.query.get("mib", "128")))
    return web.Response(body=body, status=int(request.query.get("status", "200")),
                        headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"})


async def bad_gzip(request: web.Request) -> web.Response:
    """``Content-Encoding: gzip`` over bytes that are not gzip."""
    return web.Response(body=b"\x1f\x8b\x08\x00 this is not gzip at all " * 10,
                        headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"})


async def big(request: web.Request) -> web.StreamResponse:
    """``mib`` MiB of plain bytes (``?status=`` for an error answer), written in blocks."""
    mib = int(request.query.get("mib", "64"))
    response = web.StreamResponse(status=int(request.query.get("status", "200")),
                                  headers={"Content-Type": request.query.get("type", "text/plain")})
    response.content_length = mib * _MIB
    await response.prepare(request)
    if request.method == "HEAD":
        await response.write_eof()
        return response
    block = b"e" * _MIB
    try:
        for _ in range(mib):
            await response.write(block)
    except (ConnectionError, RuntimeError):
        return response  # the client hung up, as it should
    await response.write_eof()
    return response


async def slowloris(request: web.Request) -> web.StreamResponse:
    """Promises 1,000 bytes and sends one every ``every`` seconds."""
    every = float(request.query.get("every", "0.2"))
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    response.content_length = 1000
    await response.prepare(request)
    try:
        for _ in range(1000):
            await response.write(b".")
            await asyncio.sleep(every)
    except (ConnectionError, RuntimeError):
        pass
    return response


async def sse_long_line(request: web.Request) -> web.StreamResponse:
    """One event, then ``data: `` and ``mib`` MiB without a line end (``?lines=1`` sends
    the same size as many short data lines of one unfinished event)."""
    mib = int(request.query.get("mib", "32"))
    as_lines = request.query.get("lines") == "1"
    request.app[SEEN].connected("sse_long_line")
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(b"id: 1\ndata: before\n\n")
    block = (b"data: " + b"x" * 1017 + b"\n") * 1024 if as_lines else b"x" * _MIB
    try:
        if not as_lines:
            await response.write(b"data: ")
        for _ in range(mib):
            await response.write(block)
    except (ConnectionError, RuntimeError):
        return response
    await response.write(b"\n\n")
    await response.write_eof()
    return response


async def sse_storm(request: web.Request) -> web.StreamResponse:
    """``retry: 0`` and an immediate close, every time."""
    request.app[SEEN].connected("sse_storm")
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(b"retry: 0\n\n")
    await response.write_eof()
    return response


async def redirect(request: web.Request) -> web.Response:
    """``?to=`` with ``?code=`` (302 by default); without ``to``, to itself for ever;
    ``?cookie=`` sets a cookie ``c`` on the way."""
    response = web.Response(status=int(request.query.get("code", "302")),
                            headers={"Location": request.query.get("to", str(request.rel_url))})
    if "cookie" in request.query:
        response.set_cookie("c", request.query["cookie"])
    return response


def _credentials(request: web.Request) -> dict[str, str | None]:
    return {name: request.headers.get(name)
            for name in ("Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key",
                         "X-Test")}


async def headers(request: web.Request) -> web.Response:
    return web.json_response({"path": request.path, "seen": _credentials(request)})


async def ws_headers(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_str(json.dumps({"path": request.path, "seen": _credentials(request)}))
    await ws.close()
    return ws


async def sse_headers(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    payload = json.dumps({"path": request.path, "seen": _credentials(request)})
    await response.write(f"data: {payload}\n\n".encode())
    await response.write_eof()
    return response


def make_hostile_app(seen: Seen | None = None) -> web.Application:
    """The hostile application; ``seen`` records its connections for the caller."""
    app = web.Application()
    app[SEEN] = seen if seen is not None else Seen()
    r = app.router
    r.add_get("/bomb", bomb)
    r.add_get("/big", big)
    r.add_get("/bad-gzip", bad_gzip)
    r.add_get("/slowloris", slowloris)
    r.add_get("/sse/long-line", sse_long_line)
    r.add_get("/sse/storm", sse_storm)
    r.add_route("*", "/redirect", redirect)
    r.add_route("*", "/headers", headers)
    r.add_get("/ws/headers", ws_headers)
    r.add_get("/sse/headers", sse_headers)
    return app
