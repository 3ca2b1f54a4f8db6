"""The benchmarks' local aiohttp server, run in its own process.

A benchmark measures the client; on a 2-core machine a server on the client's event loop (or
in the client's process, under its GIL) would take its time from the client. So the server
runs in a freshly spawned process, bound to 127.0.0.1 on a free port.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import subprocess
import sys
from collections.abc import Callable, Iterator

from aiohttp import web

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

__all__ = ["served"]


def _serve(
    make_app: Callable[[], web.Application], conn: multiprocessing.connection.Connection
) -> None:
    async def serve() -> None:
        runner = web.AppRunner(make_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        conn.send(runner.addresses[0][1])
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


@contextlib.contextmanager
def served(make_app: Callable[[], web.Application]) -> Iterator[str]:
    """Serve ``make_app()`` (a module-level function, so that it pickles) in another process;
    yield its base URL; stop it on exit."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(make_app, child), daemon=True)
    proc.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the benchmark server did not start")
        yield f"http://127.0.0.1:{parent.recv()}"
    finally:
        proc.terminate()
        proc.join(10)


@contextlib.contextmanager
def playground_process() -> Iterator[str]:
    """The playground in a subprocess; yields its base URL."""
    proc = subprocess.Popen([sys.executable, "-m", "app.playground", "--port", "0", "--quiet"],
                            cwd=_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"the playground did not start: {url!r}")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
