"""The window's playground: started on demand on its own thread, offered as ``{{playground}}``,
its terminals' token as ``{{playground_token}}`` (a secret: new each run, never saved) and its
mTLS port as ``{{playground_mtls}}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:  # imported late: the first frame needs neither asyncio nor aiohttp
    import asyncio

    from app.model.request import RequestModel
    from app.playground.background import BackgroundPlayground

__all__ = ["PlaygroundControl"]


class PlaygroundControl(QObject):
    """Starts and stops the in-process playground; reports its state by signal."""

    started = Signal(str)   # base URL
    stopped = Signal()
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._background: BackgroundPlayground | None = None
        self._starting: asyncio.Future[str] | None = None

    @property
    def url(self) -> str | None:
        return self._background.url if self._background is not None else None

    @property
    def state(self) -> str:
        """``running``, ``starting`` or ``stopped``."""
        if self.url is not None:
            return "running"
        return "starting" if self._starting is not None else "stopped"

    @property
    def token(self) -> str | None:
        """The token the running playground's terminals want (None when it is stopped)."""
        return self._background.token if self._background is not None else None

    @property
    def mtls_url(self) -> str | None:
        """The running playground's port that demands a client certificate."""
        return self._background.mtls_url if self._background is not None else None

    async def ensure_started(self) -> str:
        """The playground's URL, starting it first (off the UI thread) when needed."""
        import asyncio

        if self.url is not None:
            return self.url
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start())
        try:
            return await asyncio.shield(self._starting)
        finally:
            if self._starting is not None and self._starting.done():
                self._starting = None

    async def _start(self) -> str:
        import asyncio

        from app.playground.background import BackgroundPlayground

        background = BackgroundPlayground()
        loop = asyncio.get_running_loop()
        try:
            url = await loop.run_in_executor(None, background.start)
        except OSError as exc:
            self.failed.emit(f"The playground could not start: {exc}")
            raise
        self._background = background
        self.started.emit(url)
        return url

    async def variables_for(self, model: RequestModel) -> Mapping[str, str]:
        """``{"playground": url, "playground_token": token, "playground_mtls": url,
        "playground_proxy": url, "playground_client_cert": path, "playground_client_key":
        path, "playground_grpc": host:port}`` when the request uses any of them (starting it)."""
        import json  # here: the first frame does not need it (bench/startup.py)

        from app.model.getting_started import (
            PLAYGROUND_MTLS_VARIABLE,
            PLAYGROUND_TOKEN_VARIABLE,
            PLAYGROUND_VARIABLE,
        )

        text = json.dumps(model.to_dict())
        # "{{playground" is also how "{{playground_token}}" begins.
        if "{{" + PLAYGROUND_VARIABLE not in text and "{{ " + PLAYGROUND_VARIABLE not in text:
            return {}
        url = await self.ensure_started()
        values = {PLAYGROUND_VARIABLE: url}
        if (token := self.token) is not None:
            values[PLAYGROUND_TOKEN_VARIABLE] = token
        if (mtls := self.mtls_url) is not None:
            values[PLAYGROUND_MTLS_VARIABLE] = mtls
        values.update(self.reach_values())
        return values

    def reach_values(self) -> dict[str, str]:
        """The running playground's proxy (with its demo credentials), client certificate
        files and gRPC server as ``{{variables}}`` (empty when it is stopped)."""
        from app.model.getting_started import (
            PLAYGROUND_CLIENT_CERT_VARIABLE,
            PLAYGROUND_CLIENT_KEY_VARIABLE,
            PLAYGROUND_GRPC_VARIABLE,
            PLAYGROUND_PROXY_VARIABLE,
        )

        values: dict[str, str] = {}
        background = self._background
        if background is not None:
            if (proxy := background.proxy_url_with_credentials) is not None:
                values[PLAYGROUND_PROXY_VARIABLE] = proxy
            if (certificates := background.certificates) is not None:
                values[PLAYGROUND_CLIENT_CERT_VARIABLE] = str(certificates.client_cert)
                values[PLAYGROUND_CLIENT_KEY_VARIABLE] = str(certificates.client_key)
            if (grpc := background.grpc_target) is not None:
                values[PLAYGROUND_GRPC_VARIABLE] = grpc
        return values

    def stop(self) -> None:
        background, self._background = self._background, None
        if background is not None:
            background.stop()
            self.stopped.emit()
