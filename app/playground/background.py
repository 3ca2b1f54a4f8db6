"""The playground on a thread of its own, for the window: its uploads and firehoses must not
share the loop that paints the window."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from .certs import PlaygroundCertificates
from .server import RunningPlayground, start_playground

__all__ = ["BackgroundPlayground"]


class BackgroundPlayground:
    """Starts the playground on a daemon thread with its own event loop; its terminals run
    ``terminal_command`` (None: the user's shell)."""

    def __init__(self, terminal_command: str | Sequence[str] | None = None) -> None:
        self.terminal_command = terminal_command
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._running: RunningPlayground | None = None

    @property
    def url(self) -> str | None:
        return self._running.url if self._running is not None else None

    @property
    def token(self) -> str | None:
        """The token its terminals want, while it runs (a new one each start)."""
        return self._running.token if self._running is not None else None

    @property
    def proxy_url(self) -> str | None:
        """Its forward proxy's URL (no credentials: they are on the index page)."""
        return self._running.proxy_url if self._running is not None else None

    @property
    def proxy_url_with_credentials(self) -> str | None:
        """Its forward proxy's URL with the user and password it wants (the demo's own, shown
        on the index page: what a request through it needs)."""
        running = self._running
        if running is None or running.proxy is None or running.proxy_url is None:
            return None
        from urllib.parse import quote

        settings = running.proxy.settings
        scheme, rest = running.proxy_url.split("://", 1)
        return (f"{scheme}://{quote(settings.user, safe='')}:"
                f"{quote(settings.password, safe='')}@{rest}")

    @property
    def mtls_url(self) -> str | None:
        """The URL of its port that demands a client certificate."""
        return self._running.mtls_url if self._running is not None else None

    @property
    def grpc_target(self) -> str | None:
        """Its gRPC server's ``host:port`` (plaintext, with reflection), while it runs."""
        return self._running.grpc_target if self._running is not None else None

    @property
    def certificates(self) -> PlaygroundCertificates | None:
        """The files of its CA and client certificate, while it runs."""
        return self._running.certificates if self._running is not None else None

    def start(self, timeout: float = 10.0) -> str:
        """Start it (once) and return its base URL; raises OSError when it cannot listen."""
        if self._running is not None:
            return self._running.url
        # The platform's own loop: under qasync, new_event_loop() gives a Qt loop.
        loop = asyncio.DefaultEventLoopPolicy().new_event_loop()
        started: dict[str, object] = {}
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                started["value"] = loop.run_until_complete(
                    start_playground(access_log=False, terminal_command=self.terminal_command)
                )
            except BaseException as exc:  # reported to the caller below
                started["error"] = exc
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        thread = threading.Thread(target=run, name="spyglass-playground", daemon=True)
        thread.start()
        if not ready.wait(timeout):
            raise OSError("the playground did not start in time")
        if "error" in started:
            error = started["error"]
            assert isinstance(error, BaseException)
            if isinstance(error, OSError):
                raise error
            raise OSError(str(error)) from error  # the cause keeps where it failed
        running = started["value"]
        assert isinstance(running, RunningPlayground)
        self._loop, self._thread, self._running = loop, thread, running
        return running.url

    def stop(self, timeout: float = 5.0) -> None:
        """Stop it; harmless when it is not running."""
        loop, running, thread = self._loop, self._running, self._thread
        self._loop = self._running = self._thread = None
        if loop is None or running is None or thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(running.stop(), loop)
        try:
            future.result(timeout)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
