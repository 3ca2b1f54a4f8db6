"""Terminal peers for the pane's tests, in a thread of their own (the window's loop is Qt's):
a raw terminal over a real pseudo-terminal running bash, and small servers for the failure
paths (a server that dies, invalid UTF-8, a frame over the size limit, a Kubernetes exec
that exits with a code, a frame that breaks its protocol)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pty
import subprocess
from collections.abc import Iterator

from aiohttp import WSMsgType, web

from tests.client.server import ServerThread

__all__ = ["BIG_FRAME", "terminal_server"]

#: Larger than the 4 MiB a WebSocket message may be on the client.
BIG_FRAME = 5 * 1024 * 1024


async def shell(request: web.Request) -> web.WebSocketResponse:
    """``raw``: bash on a pseudo-terminal; binary frames both ways."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    master, slave = pty.openpty()
    env = {**os.environ, "PS1": "$ ", "HISTFILE": "/dev/null", "TERM": "xterm-256color"}
    proc = subprocess.Popen(["bash", "--norc", "--noprofile", "-i"], stdin=slave,
                            stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    loop = asyncio.get_running_loop()
    output: asyncio.Queue[bytes] = asyncio.Queue()

    def readable() -> None:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        output.put_nowait(data)
        if not data:
            loop.remove_reader(master)

    loop.add_reader(master, readable)

    async def pump() -> None:
        while data := await output.get():
            await ws.send_bytes(data)
        await ws.close(code=1000, message=b"the shell exited")

    pumping = asyncio.ensure_future(pump())
    try:
        async for msg in ws:
            if msg.type in (WSMsgType.BINARY, WSMsgType.TEXT):
                data = msg.data if isinstance(msg.data, bytes) else msg.data.encode()
                os.write(master, data)
    finally:
        pumping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pumping
        with contextlib.suppress(ValueError, OSError):
            loop.remove_reader(master)
        proc.kill()
        proc.wait()
        os.close(master)
    return ws


async def die(request: web.Request) -> web.WebSocketResponse:
    """Says something, then drops the connection without a close frame."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_bytes(b"about to die\r\n")
    await asyncio.sleep(0.3)
    assert request.transport is not None
    request.transport.close()
    return ws


async def bad_utf8(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_bytes(b"bad \xff\xfe\xc3 bytes\r\nstill here\r\n")
    async for _ in ws:
        pass
    return ws


async def big(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_bytes(b"before the big frame\r\n")
    await ws.send_bytes(b"x" * BIG_FRAME)
    async for _ in ws:
        pass
    return ws


async def k8s_exit(request: web.Request) -> web.WebSocketResponse:
    """A Kubernetes exec that prints, then fails with exit code 3."""
    ws = web.WebSocketResponse(protocols=("v5.channel.k8s.io", "v4.channel.k8s.io"))
    await ws.prepare(request)
    await ws.send_bytes(b"\x01running the job\r\n")
    await ws.send_bytes(b"\x02job failed\r\n")
    status = {"status": "Failure", "reason": "NonZeroExitCode", "message": "exit code 3",
              "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}}
    await ws.send_bytes(b"\x03" + json.dumps(status).encode())
    await ws.close(code=1000, message=b"")
    return ws


async def broken_frames(request: web.Request) -> web.WebSocketResponse:
    """Backend.AI with one frame that is not JSON between two good ones."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_str(json.dumps({"type": "out", "data": "Zmlyc3QNCg=="}))   # "first\r\n"
    await ws.send_str("{not json")
    await ws.send_str(json.dumps({"type": "out", "data": "c2Vjb25kDQo="}))   # "second\r\n"
    async for _ in ws:
        pass
    return ws


def _app() -> web.Application:
    app = web.Application()
    app.router.add_get("/terminal/raw", shell)
    app.router.add_get("/die", die)
    app.router.add_get("/bad-utf8", bad_utf8)
    app.router.add_get("/big", big)
    app.router.add_get("/api/v1/namespaces/default/pods/job/exec", k8s_exit)
    app.router.add_get("/stream/session/s1/pty", broken_frames)
    return app


@contextlib.contextmanager
def terminal_server() -> Iterator[str]:
    """The servers above on 127.0.0.1; yields the ws:// base URL."""
    server = ServerThread(_app).start()
    try:
        yield "ws://" + server.url.removeprefix("http://")
    finally:
        server.stop()
