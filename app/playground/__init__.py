"""The Spyglass playground: a real local HTTP, SSE and WebSocket server to try requests on.

Run it with ``python -m app.playground`` (the first line printed is its base URL), or from
Python::

    pg = await start_playground()      # 127.0.0.1, a free port
    print(pg.url)                      # http://127.0.0.1:PORT
    await pg.stop()
"""

from .server import RunningPlayground, create_app, start_playground

__all__ = ["RunningPlayground", "create_app", "start_playground"]
