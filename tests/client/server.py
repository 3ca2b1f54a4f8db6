"""A real aiohttp server with the endpoints the request library's tests need.

It runs on its own loop in a background thread so that both the synchronous ``Session``
(which blocks the test's thread) and ``AsyncSession`` tests can talk to it.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import hmac
import json
import ssl
import threading
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import brotli
from aiohttp import WSMsgType, web

SECRET_KEYS = {"AKTEST": "secret-key-for-tests"}
DIGEST_USER, DIGEST_PASSWORD = "alice", "wonder land"


async def echo(request: web.Request) -> web.Response:
    info: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "path_qs": request.raw_path,
        "query": list(request.query.items()),
        "headers": list(request.headers.items()),
        "content_type": request.headers.get("Content-Type"),
        "peer_port": request.transport.get_extra_info("peername")[1] if request.transport else 0,
    }
    if request.content_type.startswith("multipart/"):
        parts = []
        reader = await request.multipart()
        total = 0
        async for part in reader:
            size = 0
            digest = hashlib.sha256()
            while chunk := await part.read_chunk(1 << 20):  # type: ignore[union-attr]
                size += len(chunk)
                digest.update(chunk)
            total += size
            parts.append(
                {
                    "name": part.name,
                    "filename": _raw_filename(part.headers.get("Content-Disposition", "")),
                    "content_type": part.headers.get("Content-Type"),
                    "size": size,
                    "sha256": digest.hexdigest(),
                    "text": None if size > 4096 else "",
                }
            )
        info["parts"] = parts
        info["length"] = request.content_length
    else:
        size = 0
        digest = hashlib.sha256()
        head = bytearray()
        async for chunk in request.content.iter_chunked(1 << 20):
            size += len(chunk)
            digest.update(chunk)
            if len(head) < 65536:
                head += chunk[: 65536 - len(head)]
        info["length"] = size
        info["sha256"] = digest.hexdigest()
        info["body"] = base64.b64encode(bytes(head)).decode()
        info["chunked"] = request.headers.get("Transfer-Encoding", "") == "chunked"
    return web.json_response(info)


def _raw_filename(disposition: str) -> str | None:
    marker = 'filename="'
    start = disposition.find(marker)
    if start < 0:
        return None
    rest = disposition[start + len(marker) :]
    out = []
    i = 0
    while i < len(rest) and rest[i] != '"':
        if rest[i] == "\\" and i + 1 < len(rest):
            i += 1
        out.append(rest[i])
        i += 1
    return "".join(out)


async def status(request: web.Request) -> web.Response:
    code = int(request.match_info["code"])
    kind = request.query.get("kind", "json")
    if code in (204, 304):
        return web.Response(status=code)
    if kind == "json":
        return web.json_response({"error": "nope", "code": code}, status=code)
    if kind == "badjson":
        return web.Response(status=code, text="{not json", content_type="application/json")
    return web.Response(status=code, text=f"plain failure {code}")


async def redirect(request: web.Request) -> web.Response:
    code = int(request.match_info["code"])
    target = request.query.get("to", "/echo")
    return web.Response(status=code, headers={"Location": target})


async def chain(request: web.Request) -> web.Response:
    n = int(request.match_info["n"])
    if n <= 0:
        return await echo(request)
    return web.Response(status=302, headers={"Location": f"/chain/{n - 1}"})


async def cookies_set(request: web.Request) -> web.Response:
    response = web.json_response({"set": dict(request.query)})
    for k, v in request.query.items():
        response.set_cookie(k, v)
    return response


async def cookies_attrs(request: web.Request) -> web.Response:
    """One cookie with the attributes the query names (``max_age``, ``httponly``, ...)."""
    q = request.query
    response = web.json_response({"set": q["name"]})
    response.set_cookie(
        q["name"], q.get("value", "v"), max_age=q.get("max_age"), path=q.get("path", "/"),
        httponly=bool(q.get("httponly")), secure=bool(q.get("secure")),
        samesite=q.get("samesite"), domain=q.get("domain"),
    )
    return response


async def cookies(request: web.Request) -> web.Response:
    return web.json_response(dict(request.cookies))


async def compressed(request: web.Request) -> web.Response:
    payload = json.dumps({"compressed": request.match_info["kind"]}).encode()
    kind = request.match_info["kind"]
    if kind == "gzip":
        body = gzip.compress(payload)
    elif kind == "deflate":
        body = zlib.compress(payload)
    else:
        body = brotli.compress(payload)
    return web.Response(
        body=body, headers={"Content-Encoding": kind if kind != "brotli" else "br",
                            "Content-Type": "application/json"}
    )


async def charset(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name == "bad-utf8":
        return web.Response(body=b"ok \xff\xfe end", content_type="text/plain", charset="utf-8")
    if name == "unknown":
        return web.Response(
            body="caf\u00e9".encode(), headers={"Content-Type": "text/plain; charset=x-nonesuch"}
        )
    if name == "none":
        return web.Response(body="caf\u00e9".encode(), headers={"Content-Type": "text/plain"})
    return web.Response(body="caf\u00e9 \u00fcber".encode(name), content_type="text/plain",
                        charset=name)


async def stream_bytes(request: web.Request) -> web.StreamResponse:
    n = int(request.match_info["n"])
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    response.content_length = n
    await response.prepare(request)
    block = bytes(range(256)) * 4096
    sent = 0
    while sent < n:
        piece = block[: min(len(block), n - sent)]
        await response.write(piece)
        sent += len(piece)
    await response.write_eof()
    return response


async def delay(request: web.Request) -> web.Response:
    await asyncio.sleep(float(request.match_info["seconds"]))
    return web.json_response({"delayed": True})


async def slow_body(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    response.content_length = 20
    await response.prepare(request)
    await response.write(b"0123456789")
    await asyncio.sleep(float(request.query.get("pause", "5")))
    await response.write(b"0123456789")
    return response


async def reset_mid_body(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    response.content_length = 1_000_000
    await response.prepare(request)
    await response.write(b"x" * 1000)
    await asyncio.sleep(0.05)
    assert request.transport is not None
    request.transport.close()
    return response


async def drop_request(request: web.Request) -> web.StreamResponse:
    assert request.transport is not None
    request.transport.close()
    return web.Response()


# -- auth ----------------------------------------------------------------------------------


async def basic(request: web.Request) -> web.Response:
    expected = "Basic " + base64.b64encode(b"user:p\xc3\xa4ss").decode()
    if request.headers.get("Authorization") != expected:
        return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="t"'})
    return web.json_response({"ok": True})


_NONCES: set[str] = set()


def _digest_params(header: str) -> dict[str, str]:
    import re

    return {
        m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
        for m in re.finditer(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', header[7:])
    }


async def digest(request: web.Request) -> web.Response:
    algorithm = request.match_info["algorithm"]
    name = {"MD5": "md5", "SHA-256": "sha256"}[algorithm]
    realm = "spyglass-tests"
    header = request.headers.get("Authorization", "")
    await request.read()
    if header.startswith("Digest "):
        p = _digest_params(header)

        def h(s: str) -> str:
            return hashlib.new(name, s.encode()).hexdigest()

        ha1 = h(f"{DIGEST_USER}:{realm}:{DIGEST_PASSWORD}")
        ha2 = h(f"{request.method}:{p.get('uri', '')}")
        want = h(f"{ha1}:{p.get('nonce')}:{p.get('nc')}:{p.get('cnonce')}:{p.get('qop')}:{ha2}")
        if (
            p.get("username") == DIGEST_USER
            and p.get("nonce") in _NONCES
            and p.get("uri") == request.raw_path
            and p.get("response") == want
            and p.get("algorithm") == algorithm
        ):
            return web.json_response({"authenticated": True, "method": request.method})
    nonce = base64.b64encode(hashlib.sha256(str(len(_NONCES)).encode()).digest()[:12]).decode()
    _NONCES.add(nonce)
    challenge = (
        f'Digest realm="{realm}", qop="auth", nonce="{nonce}", '
        f'algorithm={algorithm}, opaque="xyz"'
    )
    return web.Response(status=401, headers={"WWW-Authenticate": challenge})


def check_backendai(request: web.Request) -> str | None:
    """The manager's check of a BackendAI signature; the error, or None when it is valid."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("BackendAI signMethod=HMAC-SHA256, credential="):
        return f"bad authorization header {header!r}"
    access, _, signature = header.split("credential=", 1)[1].partition(":")
    secret = SECRET_KEYS.get(access)
    if secret is None:
        return "unknown access key"
    date = request.headers["Date"]
    when = datetime.fromisoformat(date)
    host = request.headers["Host"]
    content_type = request.headers.get("Content-Type", "application/octet-stream")
    content_type = content_type.split(";")[0].strip().lower()
    version = request.headers["X-BackendAI-Version"]
    to_sign = "\n".join([
        request.method.upper(), request.raw_path, date, f"host:{host}",
        f"content-type:{content_type}", f"x-backendai-version:{version}",
        hashlib.sha256(b"").hexdigest(),
    ])
    key = hmac.new(secret.encode(), when.strftime("%Y%m%d").encode(), "sha256").digest()
    key = hmac.new(key, host.encode(), "sha256").digest()
    want = hmac.new(key, to_sign.encode(), "sha256").hexdigest()
    if not hmac.compare_digest(want, signature):
        return "signature mismatch"
    return None


async def backendai(request: web.Request) -> web.Response:
    await request.read()
    error = check_backendai(request)
    if error:
        return web.json_response({"error": error}, status=401)
    return web.json_response({"ok": True, "date": request.headers["Date"],
                              "domain": request.headers.get("X-BackendAI-Domain")})


async def backendai_redirect(request: web.Request) -> web.Response:
    error = check_backendai(request)
    if error:
        return web.json_response({"error": error}, status=401)
    return web.Response(status=307, headers={"Location": "/backendai"})


# -- event streams ----------------------------------------------------------------------------


class Recorder:
    """What the server saw, for tests that check requests made behind the client's back."""

    def __init__(self) -> None:
        self.last_event_ids: list[str | None] = []
        self.dates: list[str] = []


RECORDER = Recorder()


async def sse_ticker(request: web.Request) -> web.StreamResponse:
    count = int(request.query.get("count", "5"))
    retry = request.query.get("retry")
    drop_after = int(request.query.get("drop_after", "0"))
    last = request.headers.get("Last-Event-ID")
    RECORDER.last_event_ids.append(last)
    if "Date" in request.headers:
        RECORDER.dates.append(request.headers["Date"])
    start = int(last) + 1 if last and last.isdigit() else 1
    if start > count:
        return web.Response(status=204)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    if retry:
        await response.write(f"retry: {retry}\n\n".encode())
    for sent, i in enumerate(range(start, count + 1), start=1):
        await response.write(f"id: {i}\nevent: tick\ndata: {{\"n\": {i}}}\n\n".encode())
        if drop_after and sent >= drop_after:
            assert request.transport is not None
            request.transport.close()
            return response
    await response.write_eof()
    return response


async def sse_post(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8"})
    await response.prepare(request)
    for word in str(body.get("prompt", "")).split():
        await response.write(f"data: {json.dumps({'token': word})}\n\n".encode())
    await response.write(b"event: done\ndata: [DONE]\n\n")
    await response.write_eof()
    return response


async def sse_raw(request: web.Request) -> web.StreamResponse:
    """Writes the given bytes (base64 in ?b=) split in the given chunk size."""
    data = base64.urlsafe_b64decode(request.query["b"])
    size = int(request.query.get("chunk", "1"))
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for i in range(0, len(data), size):
        await response.write(data[i : i + size])
    await response.write_eof()
    return response


async def sse_wrong_type(request: web.Request) -> web.Response:
    return web.json_response({"not": "a stream"})


async def sse_headers(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    payload = {"method": request.method, "headers": dict(request.headers),
               "body": (await request.text())}
    await response.write(f"data: {json.dumps(payload)}\n\n".encode())
    await response.write_eof()
    return response


# -- WebSocket ------------------------------------------------------------------------------


async def ws_echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(protocols=("chat", "json"))
    await ws.prepare(request)
    await ws.send_json({"hello": True, "authorization": request.headers.get("Authorization"),
                        "x_test": request.headers.get("X-Test")})
    async for msg in ws:
        if msg.type is WSMsgType.TEXT:
            if msg.data.startswith("close "):
                _, code, reason = msg.data.split(" ", 2)
                await ws.close(code=int(code), message=reason.encode())
                break
            if msg.data == "send-binary":
                await ws.send_bytes(b"\x00\x01\x02")
                continue
            if msg.data == "die":
                assert request.transport is not None
                request.transport.close()
                break
            await ws.send_str(msg.data)
        elif msg.type is WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws


async def ws_forbidden(request: web.Request) -> web.Response:
    return web.json_response({"error": "forbidden", "why": "no token"}, status=403)


async def ws_backendai(request: web.Request) -> web.StreamResponse:
    error = check_backendai(request)
    if error:
        return web.json_response({"error": error}, status=401)
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_str("signed ok")
    await ws.close()
    return ws


def make_app() -> web.Application:
    app = web.Application(client_max_size=1 << 40)
    r = app.router
    r.add_route("*", "/echo", echo)
    r.add_route("*", "/echo/{tail:.*}", echo)
    r.add_route("*", "/status/{code}", status)
    r.add_route("*", "/redirect/{code}", redirect)
    r.add_route("*", "/chain/{n}", chain)
    r.add_get("/cookies/set", cookies_set)
    r.add_get("/cookies", cookies)
    r.add_get("/cookies/attrs", cookies_attrs)
    r.add_get("/compressed/{kind}", compressed)
    r.add_get("/charset/{name}", charset)
    r.add_get("/bytes/{n}", stream_bytes)
    r.add_get("/delay/{seconds}", delay)
    r.add_get("/slow-body", slow_body)
    r.add_get("/reset-mid-body", reset_mid_body)
    r.add_route("*", "/drop", drop_request)
    r.add_route("*", "/basic", basic)
    r.add_route("*", "/digest/{algorithm}", digest)
    r.add_route("*", "/backendai", backendai)
    r.add_route("*", "/backendai/redirect", backendai_redirect)
    r.add_get("/sse/ticker", sse_ticker)
    r.add_post("/sse/post", sse_post)
    r.add_get("/sse/raw", sse_raw)
    r.add_get("/sse/wrong-type", sse_wrong_type)
    r.add_route("*", "/sse/headers", sse_headers)
    r.add_get("/ws/echo", ws_echo)
    r.add_get("/ws/forbidden", ws_forbidden)
    r.add_get("/ws/backendai", ws_backendai)
    _add_auth_routes(r)
    return app


class ServerThread:
    """Runs an aiohttp application on 127.0.0.1 in a daemon thread with its own loop."""

    def __init__(self, app_factory: Callable[[], web.Application] = make_app,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self._factory = app_factory
        self._ssl = ssl_context
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self) -> ServerThread:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("test server did not start")
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self._ready.set()
        self.loop.run_forever()
        assert self._runner is not None
        self.loop.run_until_complete(self._runner.cleanup())
        # Handlers still waiting (a /delay the client gave up on) end here, not in the
        # garbage collector's "Task was destroyed but it is pending!".
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()

    async def _start(self) -> None:
        self._runner = web.AppRunner(self._factory(), access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


# -- auth endpoints for tests/client/test_auth.py ----------------------------------------------

#: The ``Date`` header of each signed hop or (re)connection, keyed by the ``trace`` query value.
BACKENDAI_DATES: dict[str, list[str]] = {}


async def digest_echo(request: web.Request) -> web.Response:
    """``/digest/{algorithm}``, answering with the body that arrived once authenticated."""
    response = await digest(request)
    if response.status != 200:
        return response
    body = await request.read()  # aiohttp keeps the body digest() already read
    return web.json_response({
        "authenticated": True,
        "method": request.method,
        "content_type": request.headers.get("Content-Type"),
        "length": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "text": body.decode("utf-8", "replace") if len(body) <= 65536 else None,
    })


async def backendai_hops(request: web.Request) -> web.Response:
    """Checks the signature at every hop of a chain of ``n`` 307 redirects; records each Date."""
    body = await request.read()
    error = check_backendai(request)
    if error:
        return web.json_response({"error": error}, status=401)
    trace = request.query.get("trace", "")
    dates = BACKENDAI_DATES.setdefault(trace, [])
    dates.append(request.headers["Date"])
    n = int(request.match_info["n"])
    if n > 0:
        return web.Response(
            status=307, headers={"Location": f"/backendai/hops/{n - 1}?trace={trace}"}
        )
    return web.json_response({"dates": dates, "method": request.method, "length": len(body)})


async def backendai_sse(request: web.Request) -> web.StreamResponse:
    """An event stream that checks the signature of every (re)connection: one event per
    connection (id = the next number up to ``count``); the first connection is dropped, the
    others end normally; 204 once every event was sent."""
    error = check_backendai(request)
    if error:
        return web.json_response({"error": error}, status=401)
    trace = request.query.get("trace", "")
    BACKENDAI_DATES.setdefault(trace, []).append(request.headers["Date"])
    count = int(request.query.get("count", "3"))
    last = request.headers.get("Last-Event-ID")
    start = int(last) + 1 if last and last.isdigit() else 1
    if start > count:
        return web.Response(status=204)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(f"retry: 20\nid: {start}\ndata: tick {start}\n\n".encode())
    if start == 1:
        assert request.transport is not None
        request.transport.close()
        return response
    await response.write_eof()
    return response


async def ws_digest(request: web.Request) -> web.StreamResponse:
    """A WebSocket behind a Digest challenge (``/digest/{algorithm}``'s check)."""
    answer = await digest(request)
    if answer.status != 200:
        return answer
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_str("digest ok")
    await ws.close()
    return ws


def _add_auth_routes(r: web.UrlDispatcher) -> None:
    r.add_route("*", "/digest-echo/{algorithm}", digest_echo)
    r.add_route("*", "/backendai/hops/{n}", backendai_hops)
    r.add_get("/backendai/sse", backendai_sse)
    r.add_get("/ws/digest/{algorithm}", ws_digest)
