"""``/terminal/{protocol}``: a real shell on a pseudo-terminal, over each wire protocol of
SPEC 6.1 (the server's side of each is in ``terminal_wire``).

A web page in a browser can open a WebSocket to 127.0.0.1, and a shell is the one thing it
must never get: these endpoints want the run's random token and refuse every request that
carries an ``Origin`` header (browsers always send one; the window and the library never do).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import os
import secrets
import shlex
import shutil
import signal
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from . import pty_process
from ._common import OPEN_WEBSOCKETS, MiB, error_response, log, query_int
from .terminal_wire import (
    WIRES,
    Action,
    CloseInput,
    Frame,
    Input,
    Pause,
    Problem,
    Resize,
    Restart,
    Resume,
    ServerWire,
)

__all__ = [
    "DEFAULT_MAX_TERMINALS",
    "PTY_AVAILABLE",
    "TERMINALS",
    "TERMINAL_SETTINGS",
    "TerminalSettings",
    "kill_terminals",
    "new_token",
    "routes",
    "setup",
]

routes = web.RouteTableDef()

#: Whether this platform has pseudo-terminals; without them the endpoints answer 501.
#: A module switch (not a constant) so that a test can see the refusal on any platform.
PTY_AVAILABLE = pty_process.HAVE_PTY
#: Terminals open at once, by default.
DEFAULT_MAX_TERMINALS = 16
#: Seconds a hung-up program has to end before it is killed.
DEFAULT_HANGUP_GRACE = 1.0
#: Seconds ttyd's client has to send its opening message (the terminal's size).
DEFAULT_HELLO_TIMEOUT = 10.0
#: The largest message a client may send (a big paste).
MAX_MESSAGE_SIZE = 4 * MiB


def new_token() -> str:
    """A random token for one run of the playground."""
    return secrets.token_urlsafe(32)


@dataclass
class TerminalSettings:
    """How the terminals run: the token they want, the program (``None``: the user's
    shell), how many may be open at once, and the grace a hung-up program gets."""

    token: str = field(default_factory=new_token, repr=False)
    command: Sequence[str] | None = None
    max_terminals: int = DEFAULT_MAX_TERMINALS
    hangup_grace: float = DEFAULT_HANGUP_GRACE
    hello_timeout: float = DEFAULT_HELLO_TIMEOUT

    def __post_init__(self) -> None:
        if isinstance(self.command, str):
            self.command = shlex.split(self.command)
        if self.command is not None and not self.command:
            raise ValueError("the terminal command is empty")
        if self.max_terminals < 0:
            raise ValueError(f"max_terminals must be 0 or more, not {self.max_terminals}")
        if not self.token:
            raise ValueError("the terminal token is empty")

    def argv(self) -> list[str]:
        if self.command is not None:
            return list(self.command)
        return [os.environ.get("SHELL") or "/bin/sh"]


TERMINAL_SETTINGS: web.AppKey[TerminalSettings] = web.AppKey(
    "playground_terminal_settings", TerminalSettings
)
#: The terminals open now (a slot is taken before the handshake).
TERMINALS: web.AppKey[set[_Terminal]] = web.AppKey("playground_terminals")


def _refusal(request: web.Request, settings: TerminalSettings) -> web.StreamResponse | None:
    """The answer to a request that may not have a terminal, or None."""
    if "Origin" in request.headers:
        return error_response(
            "terminals refuse requests that carry an Origin header: a web page in a browser "
            "must never get a shell (the window, the library and command-line clients send "
            "none)",
            403,
        )
    offered = [request.query.get("token", "")]
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        offered.append(credentials.strip())
    offered = [token for token in offered if token]
    if not offered or not any(_same(token, settings.token) for token in offered):
        what = "the token is wrong" if offered else "this endpoint needs the playground's token"
        return error_response(
            f"{what}: give it as ?token= or 'Authorization: Bearer <token>' (the window "
            "knows it as {{playground_token}}; python -m app.playground prints it). A new "
            "one is made each time the playground starts.",
            401,
            headers={"WWW-Authenticate": 'Bearer realm="playground terminals"'},
        )
    protocol = request.match_info["protocol"]
    if protocol not in WIRES:
        return error_response(
            f"no terminal protocol {protocol!r}: one of {', '.join(WIRES)}", 404
        )
    if not PTY_AVAILABLE:
        return error_response(
            "this platform has no pseudo-terminals (Python's pty, fcntl and termios are "
            "missing, as on Windows): the playground cannot run a terminal here",
            501,
        )
    return None


def _same(offered: str, token: str) -> bool:
    return hmac.compare_digest(offered.encode("utf-8"), token.encode("utf-8"))


@routes.get("/terminal/{protocol}")
async def terminal(request: web.Request) -> web.StreamResponse:
    """A program on a pseudo-terminal, spoken to in ``{protocol}``."""
    settings = request.app[TERMINAL_SETTINGS]
    if (refusal := _refusal(request, settings)) is not None:
        return refusal
    wire = WIRES[request.match_info["protocol"]]()
    ws = web.WebSocketResponse(protocols=wire.subprotocols, max_msg_size=MAX_MESSAGE_SIZE)
    ready = ws.can_prepare(request)
    if not ready.ok:
        return error_response(
            "this is a WebSocket endpoint: connect with a WebSocket client (ws://...)",
            426,
            headers={"Upgrade": "websocket", "Connection": "Upgrade"},
        )
    if wire.name == "kubernetes" and ready.protocol is None:
        return error_response(
            "Kubernetes exec needs one of the subprotocols " + ", ".join(wire.subprotocols),
            400,
        )
    rows = query_int(request, "rows", 24, minimum=1, maximum=pty_process.MAX_SIZE)
    cols = query_int(request, "cols", 80, minimum=1, maximum=pty_process.MAX_SIZE)
    argv = settings.argv()
    if shutil.which(argv[0]) is None:
        return error_response(
            f"the terminal's program {argv[0]!r} is not found (give another with "
            "--terminal-command)",
            500,
        )
    active = request.app[TERMINALS]
    if len(active) >= settings.max_terminals:
        return error_response(
            f"too many terminals: {settings.max_terminals} are open, the most the playground "
            "allows; close one and try again",
            503,
        )
    session = _Terminal(request, ws, wire, argv, settings, rows, cols)
    active.add(session)  # taken before the first await: the limit holds under a burst
    try:
        await ws.prepare(request)
        request.app[OPEN_WEBSOCKETS].add(ws)
        await session.serve()
    finally:
        active.discard(session)
    return ws


class _Terminal:
    """One connection: its program (started again on a restart) and its protocol."""

    def __init__(self, request: web.Request, ws: web.WebSocketResponse, wire: ServerWire,
                 argv: list[str], settings: TerminalSettings, rows: int, cols: int) -> None:
        self.request, self.ws, self.wire = request, ws, wire
        self.argv, self.settings = argv, settings
        self.rows, self.cols = rows, cols
        self.process: pty_process.PtyProcess | None = None
        # Held by a restart, so that the old program's end is not taken for the terminal's.
        self.lock = asyncio.Lock()
        self.output_allowed = asyncio.Event()
        self.output_allowed.set()
        self.closing = False
        self._send_lock = asyncio.Lock()

    async def send(self, frames: list[Frame]) -> None:
        async with self._send_lock:
            for frame in frames:
                if isinstance(frame, str):
                    await self.ws.send_str(frame)
                else:
                    await self.ws.send_bytes(frame)

    async def close(self, code: int, message: str) -> None:
        self.closing = True
        with contextlib.suppress(ConnectionError):
            await self.ws.close(code=code, message=message.encode("utf-8")[:123])

    def _spawn(self) -> pty_process.PtyProcess:
        home = Path.home()
        return pty_process.PtyProcess(
            self.argv, rows=self.rows, cols=self.cols,
            cwd=str(home) if home.is_dir() else None,
        )

    async def _start(self) -> bool:
        try:
            self.process = self._spawn()
        except OSError as exc:
            message = f"cannot start {self.argv[0]}: {exc.strerror or exc}"
            log.warning("terminal: %s", message)
            with contextlib.suppress(ConnectionError):
                await self.send(self.wire.problem_frames(message))
            await self.close(1011, message)
            return False
        return True

    async def serve(self) -> None:
        """Run the terminal until its program ends or the client leaves."""
        try:
            self.wire.negotiated(self.ws.ws_protocol)
            title = f"{os.path.basename(self.argv[0])} ({socket.gethostname()})"
            await self.send(self.wire.opening(title))
            if self.wire.size_first and not await self._hello():
                return
            if not await self._start():
                return
            await self._run()
        except ConnectionError as exc:
            log.debug("terminal: client %s went away (%s)", self.request.remote, exc)
        finally:
            self.closing = True
            if self.process is not None:
                await self.process.terminate(self.settings.hangup_grace)

    async def _hello(self) -> bool:
        """Read ttyd's opening message: the terminal's size."""
        try:
            msg = await self.ws.receive(self.settings.hello_timeout)
        except TimeoutError:
            await self.close(1008, "no opening message (the terminal's size) came")
            return False
        if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            return False
        size = self.wire.hello(msg.data)
        if isinstance(size, Problem):
            await self.close(1008, size.message)
            return False
        self.rows, self.cols = size.rows, size.cols
        return True

    async def _run(self) -> None:
        reader = asyncio.create_task(self._read_input())
        pump: asyncio.Task[bool] | None = None
        try:
            while True:
                process = self.process
                assert process is not None
                pump = asyncio.create_task(self._pump(process))
                await asyncio.wait({pump, reader}, return_when=asyncio.FIRST_COMPLETED)
                if reader.done() or not pump.result():
                    return  # the client left
                # The output ended: wait for the program's end (or the client's).
                ending: list[asyncio.Future[Any]] = [process.exited, reader]
                await asyncio.wait(ending, return_when=asyncio.FIRST_COMPLETED)
                if reader.done():
                    return
                async with self.lock:  # a restart in progress finishes first
                    pass
                if self.closing:
                    return
                if self.process is not process:
                    continue
                code = pty_process.exit_status(process.exited.result())
                await self.send(self.wire.exit_frames(code, self.argv))
                await self.close(1000, f"the program exited with code {code}")
                return
        finally:
            for task in (reader, pump):
                if task is not None and not task.done():
                    task.cancel()
            await asyncio.gather(reader, *([pump] if pump else []), return_exceptions=True)

    async def _pump(self, process: pty_process.PtyProcess) -> bool:
        """Send the program's output until it ends (True), or the client left (False)."""
        try:
            while True:
                await self.output_allowed.wait()
                data = await process.read()
                if not data:
                    return True
                await self.output_allowed.wait()  # a pause that came during the read
                await self.send(self.wire.output(data))
        except ConnectionError:
            return False

    async def _read_input(self) -> None:
        """Act on the client's messages until it closes."""
        with contextlib.suppress(ConnectionError):
            async for msg in self.ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                for action in self.wire.decode(msg.data):
                    await self._act(action)

    async def _act(self, action: Action) -> None:
        process = self.process
        if isinstance(action, Input):
            if process is not None:
                await process.write(action.data)
        elif isinstance(action, Resize):
            self.rows, self.cols = action.rows, action.cols
            if process is not None:
                process.resize(action.rows, action.cols)
        elif isinstance(action, Restart):
            await self._restart()
        elif isinstance(action, Pause):
            self.output_allowed.clear()
        elif isinstance(action, Resume):
            self.output_allowed.set()
        elif isinstance(action, CloseInput):
            if process is not None:
                await process.write(process.eof_char())
        else:
            log.debug("terminal %s: %s", self.wire.name, action.message)
            await self.send(self.wire.problem_frames(action.message))

    async def _restart(self) -> None:
        async with self.lock:
            if self.closing or self.process is None:
                return
            await self.process.terminate(self.settings.hangup_grace)
            await self._start()

    def kill(self) -> None:
        """Kill the program at once (the server is going away)."""
        if self.process is not None:
            self.process.signal_group(signal.SIGKILL)


async def kill_terminals(app: web.Application) -> None:
    """On cleanup: no program outlives the playground (its thread reaps it)."""
    sessions: set[_Terminal] = app[TERMINALS]
    for session in list(sessions):
        session.kill()


def setup(app: web.Application, settings: TerminalSettings) -> None:
    """Add the terminals to ``app`` with ``settings``."""
    app[TERMINAL_SETTINGS] = settings
    app[TERMINALS] = set()
    app.add_routes(routes)
    app.on_cleanup.append(kill_terminals)

