"""Peers for the terminal tests, on 127.0.0.1 in the test's own loop: Jupyter's terminado
(a real terminal server nobody here wrote) and small aiohttp servers for the failure paths."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
import tornado.web
from aiohttp import web
from terminado.management import UniqueTermManager
from terminado.websocket import TermSocket
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

__all__ = ["serve"]


@pytest.fixture
async def terminado_url() -> AsyncIterator[str]:
    """A terminado server running bash; tornado shares the test's asyncio loop."""
    manager = UniqueTermManager(
        shell_command=["bash", "--norc", "--noprofile", "-i"],
        extra_env={"PS1": "$ ", "HISTFILE": "/dev/null"},
    )
    app = tornado.web.Application(
        [(r"/websocket", TermSocket, {"term_manager": manager})])
    sockets = bind_sockets(0, "127.0.0.1")
    server = HTTPServer(app)
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        await manager.shutdown()
        await server.close_all_connections()


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serve(handler: Handler, path: str = "/term") -> AsyncIterator[str]:
    """An aiohttp server answering ``path`` with ``handler``; yields its base URL."""
    app = web.Application()
    app.router.add_get(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
