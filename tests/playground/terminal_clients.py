"""Helpers for the playground's terminal tests: each protocol's client side written by hand
(frames built here, not by app.terminal), and waiting for a program's end."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psutil
import pytest

from app.client import (
    APIError,
    AsyncSession,
    Request,
    RequestTimeout,
    WebSocketMessageType,
    WebSocketResponse,
)
from app.playground import RunningPlayground
from app.playground.terminal import TERMINALS

#: A shell with a known prompt, that reads its rc files not at all.
SHELL = "sh"
#: Printed by ``printf 'x%sy\n' 42``: found in the output, never in the echoed command.
MARK = "x42y"
SAY_MARK = "printf 'x%sy\\n' 42\n"
#: The shell's prompt (sh: "# " for root, "$ " otherwise).
PROMPT = r"[#$] "


def terminal_request(session: AsyncSession, pg: RunningPlayground, protocol: str,
                     **query: str) -> Request[AsyncSession]:
    return Request(session, "GET", f"/terminal/{protocol}",
                   params={"token": pg.token, **query})


# --- each protocol's client side, by hand ---------------------------------------------


class Client:
    """Send input and resizes in one protocol; read its output as text."""

    protocol = ""
    offers: tuple[str, ...] = ()

    def __init__(self, ws: WebSocketResponse) -> None:
        self.ws = ws
        self.output = ""
        self.others: list[str | bytes] = []  # frames that are not output, in order

    async def start(self) -> None: ...

    async def send(self, text: str) -> None:
        raise NotImplementedError

    async def resize(self, rows: int, cols: int) -> None:
        raise NotImplementedError

    def take(self, data: str | bytes) -> None:
        raise NotImplementedError

    async def until(self, pattern: str, timeout: float = 10.0) -> re.Match[str]:
        """Read until the output matches ``pattern``."""
        deadline = time.monotonic() + timeout
        while not (found := re.search(pattern, self.output)):
            left = deadline - time.monotonic()
            assert left > 0, f"{pattern!r} never came; the output was {self.output!r}"
            try:
                msg = await self.ws.receive(left)
            except RequestTimeout:
                raise TimeoutError(f"{pattern!r} never came; the output was "
                                   f"{self.output!r}") from None
            assert msg.type in (WebSocketMessageType.TEXT, WebSocketMessageType.BINARY), (
                f"closed ({msg.close_code} {msg.close_reason}) before {pattern!r}; "
                f"the output was {self.output!r}")
            self.take(msg.data)
        return found

    async def to_the_end(self, timeout: float = 10.0) -> tuple[int | None, str]:
        """Read until the server closes; its close code and reason."""
        async with asyncio.timeout(timeout):
            while True:
                msg = await self.ws.receive()
                if msg.type in (WebSocketMessageType.TEXT, WebSocketMessageType.BINARY):
                    self.take(msg.data)
                    continue
                return msg.close_code, msg.close_reason


class RawClient(Client):
    protocol = "raw"

    async def send(self, text: str) -> None:
        await self.ws.send_bytes(text.encode())

    def take(self, data: str | bytes) -> None:
        assert isinstance(data, bytes), "raw output comes in binary frames"
        self.output += data.decode("utf-8", "replace")


class TerminadoClient(Client):
    protocol = "terminado"

    async def send(self, text: str) -> None:
        await self.ws.send_str(json.dumps(["stdin", text]))

    async def resize(self, rows: int, cols: int) -> None:
        await self.ws.send_str(json.dumps(["set_size", rows, cols]))

    def take(self, data: str | bytes) -> None:
        assert isinstance(data, str)
        message = json.loads(data)
        if message[0] == "stdout":
            self.output += message[1]
        else:
            self.others.append(data)


class TtydClient(Client):
    protocol = "ttyd"
    offers = ("tty",)
    rows, cols = 24, 80

    async def start(self) -> None:
        hello = {"AuthToken": "", "columns": self.cols, "rows": self.rows}
        await self.ws.send_bytes(json.dumps(hello).encode())

    async def send(self, text: str) -> None:
        await self.ws.send_bytes(b"0" + text.encode())

    async def resize(self, rows: int, cols: int) -> None:
        await self.ws.send_bytes(b"1" + json.dumps({"columns": cols, "rows": rows}).encode())

    def take(self, data: str | bytes) -> None:
        assert isinstance(data, bytes)
        if data[:1] == b"0":
            self.output += data[1:].decode("utf-8", "replace")
        else:
            self.others.append(data)


class KubernetesClient(Client):
    protocol = "kubernetes"
    offers = ("v4.channel.k8s.io",)

    def frame(self, channel: int, data: bytes) -> str | bytes:
        if self.ws.protocol == "base64.channel.k8s.io":
            return str(channel) + base64.b64encode(data).decode()
        return bytes((channel,)) + data

    async def _send(self, frame: str | bytes) -> None:
        if isinstance(frame, str):
            await self.ws.send_str(frame)
        else:
            await self.ws.send_bytes(frame)

    async def send(self, text: str) -> None:
        await self._send(self.frame(0, text.encode()))

    async def resize(self, rows: int, cols: int) -> None:
        await self._send(self.frame(4, json.dumps({"Width": cols, "Height": rows}).encode()))

    def take(self, data: str | bytes) -> None:
        if isinstance(data, str):
            channel, payload = int(data[0]), base64.b64decode(data[1:])
        else:
            channel, payload = data[0], data[1:]
        if channel in (1, 2):
            self.output += payload.decode("utf-8", "replace")
        else:
            self.others.append(bytes((channel,)) + payload)

    def status(self) -> Any:
        statuses = [json.loads(f[1:]) for f in self.others if isinstance(f, bytes) and f[0] == 3]
        assert len(statuses) == 1, self.others
        return statuses[0]


class BackendAIClient(Client):
    protocol = "backendai"

    async def send(self, text: str) -> None:
        chars = base64.b64encode(text.encode()).decode()
        await self.ws.send_str(json.dumps({"type": "stdin", "chars": chars}))

    async def resize(self, rows: int, cols: int) -> None:
        await self.ws.send_str(json.dumps({"type": "resize", "rows": rows, "cols": cols}))

    def take(self, data: str | bytes) -> None:
        assert isinstance(data, str)
        message = json.loads(data)
        if message["type"] == "out":
            self.output += base64.b64decode(message["data"]).decode("utf-8", "replace")
        else:
            self.others.append(data)


CLIENTS: list[type[Client]] = [
    RawClient, TerminadoClient, TtydClient, KubernetesClient, BackendAIClient]
RESIZABLE = [c for c in CLIENTS if c is not RawClient]


async def run_client(session: AsyncSession, pg: RunningPlayground, kind: type[Client],
                     body: Callable[[Client], Awaitable[None]], **query: str) -> None:
    request = terminal_request(session, pg, kind.protocol, **query)
    async with request.connect_websocket(protocols=kind.offers) as ws:
        client = kind(ws)
        await client.start()
        await body(client)


async def wait_gone(pid: int, timeout: float = 5.0, *, reaped: bool = True) -> None:
    """Wait until ``pid`` is gone: not running, and (when ``reaped``) not a zombie either."""
    deadline = time.monotonic() + timeout
    while psutil.pid_exists(pid):
        try:
            status = psutil.Process(pid).status()
        except psutil.NoSuchProcess:
            return
        if status == psutil.STATUS_ZOMBIE and not reaped:
            return
        assert time.monotonic() < deadline, f"process {pid} is still there ({status})"
        await asyncio.sleep(0.05)


async def no_terminals(pg: RunningPlayground) -> None:
    """Wait until the playground holds no terminal (a slot is given back once the handler
    ended, a moment after the close reached the client)."""
    for _ in range(100):
        if not pg.app[TERMINALS]:
            return
        await asyncio.sleep(0.05)
    assert not pg.app[TERMINALS]


async def refusal(session: AsyncSession, request: Request[AsyncSession]) -> tuple[int, str]:
    with pytest.raises(APIError) as refused:
        async with request.connect_websocket():
            pass
    return refused.value.status, refused.value.data["error"]
