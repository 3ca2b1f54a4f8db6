"""The playground's terminals (SPEC 6.5), against the real running playground: a real
program on a real pseudo-terminal, spoken to through the library's WebSocket with frames
written by hand for each protocol's client side."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
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
from app.playground import RunningPlayground, start_playground
from app.playground import terminal as terminal_module
from app.playground.terminal import TERMINAL_SETTINGS, TERMINALS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: A shell with a known prompt, that reads its rc files not at all.
SHELL = "sh"
#: Printed by ``printf 'x%sy\n' 42``: found in the output, never in the echoed command.
MARK = "x42y"
SAY_MARK = "printf 'x%sy\\n' 42\n"


@pytest.fixture
async def pg() -> AsyncIterator[RunningPlayground]:
    playground = await start_playground(access_log=False, terminal_command=SHELL)
    try:
        yield playground
    finally:
        await playground.stop()


@pytest.fixture
async def session(pg: RunningPlayground) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(pg.url) as s:
        yield s


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


# --- every protocol ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", CLIENTS, ids=lambda c: c.protocol)
async def test_echo_through_a_real_shell(
        session: AsyncSession, pg: RunningPlayground, kind: type[Client]) -> None:
    async def body(client: Client) -> None:
        await client.send("echo h''i; " + SAY_MARK)
        await client.until(MARK)
        assert re.search(r"^hi\r$", client.output, re.MULTILINE), client.output
        await client.send("tty; echo $TERM; " + SAY_MARK.replace("42", "43"))
        await client.until("x43y")
        assert "/dev/" in client.output and "xterm-256color" in client.output

    await run_client(session, pg, kind, body)


@pytest.mark.parametrize("kind", RESIZABLE, ids=lambda c: c.protocol)
async def test_stty_size_follows_a_resize(
        session: AsyncSession, pg: RunningPlayground, kind: type[Client]) -> None:
    async def body(client: Client) -> None:
        await client.send("stty size\n")
        await client.until(r"\b24 80\b")
        await client.resize(33, 101)
        await client.send("stty size\n")
        await client.until(r"\b33 101\b")

    await run_client(session, pg, kind, body)


async def test_the_size_given_in_the_query(
        session: AsyncSession, pg: RunningPlayground) -> None:
    async def body(client: Client) -> None:
        await client.send("stty size; echo $LINES $COLUMNS\n")
        await client.until(r"40 132\b[\s\S]*40 132\b")

    await run_client(session, pg, RawClient, body, rows="40", cols="132")


async def test_a_resize_sends_sigwinch_to_the_program(
        session: AsyncSession, pg: RunningPlayground) -> None:
    async def body(client: Client) -> None:
        await client.send("trap 'echo W$(stty size)W' WINCH; " + SAY_MARK)
        await client.until(MARK)
        await client.resize(30, 90)
        await client.send("\n")  # sh runs a trap once its read of a line returns
        await client.until(r"W30 90W")

    await run_client(session, pg, BackendAIClient, body)


@pytest.mark.parametrize("kind", CLIENTS, ids=lambda c: c.protocol)
async def test_the_end_of_the_program_closes_with_1000(
        session: AsyncSession, pg: RunningPlayground, kind: type[Client]) -> None:
    async def body(client: Client) -> None:
        await client.send("echo bye-bye; exit 4\n")
        code, reason = await client.to_the_end()
        assert code == 1000 and reason == "the program exited with code 4"
        assert "bye-bye" in client.output  # what it wrote last is not lost

    await run_client(session, pg, kind, body)


# --- each protocol's own messages -----------------------------------------------------------


@pytest.mark.parametrize("subprotocol",
                         ["v5.channel.k8s.io", "v4.channel.k8s.io", "base64.channel.k8s.io"])
@pytest.mark.parametrize("code", [0, 3])
async def test_kubernetes_status_as_the_api_server_sends_it(
        session: AsyncSession, pg: RunningPlayground, subprotocol: str, code: int) -> None:
    class Offering(KubernetesClient):
        offers = (subprotocol, "v4.channel.k8s.io")

    async def body(client: Client) -> None:
        assert isinstance(client, KubernetesClient)
        assert client.ws.protocol == subprotocol
        first = await client.ws.receive(5)  # the API server's "ready": an empty stdout message
        assert first.data == ("1" if subprotocol.startswith("base64") else b"\x01")
        await client.send(f"exit {code}\n")
        assert await client.to_the_end() == (1000, f"the program exited with code {code}")
        if code == 0:
            assert client.status() == {"metadata": {}, "status": "Success"}
        else:
            assert client.status() == {
                "metadata": {},
                "status": "Failure",
                "message": "command terminated with non-zero exit code: error executing "
                           f"command [{SHELL}], exit code {code}",
                "reason": "NonZeroExitCode",
                "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
            }

    await run_client(session, pg, Offering, body)


async def test_kubernetes_status_is_compact_json_in_channel_3(
        session: AsyncSession, pg: RunningPlayground) -> None:
    async def body(client: Client) -> None:
        await client.send("exit 0\n")
        await client.to_the_end()
        assert b'\x03{"metadata":{},"status":"Success"}' in client.others

    await run_client(session, pg, KubernetesClient, body)


async def test_kubernetes_v5_closing_stdin_ends_a_reading_program(
        session: AsyncSession, pg: RunningPlayground) -> None:
    class V5(KubernetesClient):
        offers = ("v5.channel.k8s.io",)

    async def body(client: Client) -> None:
        await client.send("cat; exit 7\n")
        await client.ws.send_bytes(b"\x00from-stdin\n")
        await client.until(r"from-stdin\r\n[\s\S]*from-stdin")  # the echo, then cat's
        await client.ws.send_bytes(bytes((255, 0)))  # close stdin: cat reads end of file
        assert await client.to_the_end() == (1000, "the program exited with code 7")

    await run_client(session, pg, V5, body)


async def test_kubernetes_needs_a_subprotocol(
        session: AsyncSession, pg: RunningPlayground) -> None:
    with pytest.raises(APIError) as refused:
        async with terminal_request(session, pg, "kubernetes").connect_websocket():
            pass
    assert refused.value.status == 400
    assert "v4.channel.k8s.io" in refused.value.data["error"]


async def test_terminado_setup_then_disconnect(
        session: AsyncSession, pg: RunningPlayground) -> None:
    async def body(client: Client) -> None:
        first = await client.ws.receive_str(5)
        assert json.loads(first) == ["setup", {}]
        await client.send("printf '\\303'; printf '\\251\\n'; exit\n")  # é split in two
        assert await client.to_the_end() == (1000, "the program exited with code 0")
        assert "é" in client.output and "\ufffd" not in client.output
        assert client.others == ['["disconnect", 1]']

    await run_client(session, pg, TerminadoClient, body)


async def test_ttyd_title_preferences_and_the_size_of_its_hello(
        session: AsyncSession, pg: RunningPlayground) -> None:
    class Big(TtydClient):
        rows, cols = 50, 120

    async def body(client: Client) -> None:
        assert client.ws.protocol == "tty"
        await client.send("stty size\n")
        await client.until(r"\b50 120\b")
        assert re.fullmatch(rb"1sh \(.+\)", client.others[0])  # "program (host)", as ttyd
        assert client.others[1] == b"2{}"

    await run_client(session, pg, Big, body)


async def test_ttyd_pause_holds_the_output_until_resume(
        session: AsyncSession, pg: RunningPlayground) -> None:
    async def body(client: Client) -> None:
        await client.send(SAY_MARK)
        await client.until(MARK)
        await client.ws.send_bytes(b"2")  # pause
        await client.send("echo after""-pause\n")
        with pytest.raises(TimeoutError):
            await client.until("after-pause", timeout=0.5)
        await client.ws.send_bytes(b"3")  # resume
        await client.until("after-pause")

    await run_client(session, pg, TtydClient, body)


@pytest.mark.parametrize("hello", [b"not json", b'["rows"]', b'{"columns": 0, "rows": 5}'])
async def test_ttyd_a_bad_hello_is_refused(
        session: AsyncSession, pg: RunningPlayground, hello: bytes) -> None:
    request = terminal_request(session, pg, "ttyd")
    async with request.connect_websocket(protocols=["tty"]) as ws:
        await ws.send_bytes(hello)
        client = TtydClient(ws)
        code, reason = await client.to_the_end()
    assert code == 1008 and reason
    await no_terminals(pg)


async def test_backendai_restart_ping_and_errors(
        session: AsyncSession, pg: RunningPlayground) -> None:
    async def body(client: Client) -> None:
        await client.send("echo pid=$$\n")
        first = int((await client.until(r"pid=(\d+)")).group(1))
        await client.ws.send_str(json.dumps({"type": "ping"}))
        await client.ws.send_str(json.dumps({"type": "nonsense"}))
        await client.ws.send_str("{not json")
        await client.ws.send_str(json.dumps({"type": "stdin", "chars": "%%%"}))
        await client.ws.send_str(json.dumps({"type": "resize", "rows": 0, "cols": 80}))
        await client.ws.send_str(json.dumps({"type": "restart"}))
        client.output = ""
        await client.send("echo pid=$$\n")
        second = int((await client.until(r"pid=(\d+)")).group(1))
        assert second != first
        await wait_gone(first)
        errors = [json.loads(f)["data"] for f in client.others]
        assert [json.loads(f)["type"] for f in client.others] == ["error"] * 4  # ping: none
        assert "unknown message type 'nonsense'" in errors[0]
        assert "not JSON" in errors[1] and "not base64" in errors[2] and "rows" in errors[3]

    await run_client(session, pg, BackendAIClient, body)


async def test_bad_frames_of_other_protocols_do_not_break_the_terminal(
        session: AsyncSession, pg: RunningPlayground) -> None:
    async def terminado(client: Client) -> None:
        for frame in ("nope", "{}", '["stdin"]', '["set_size", "a", 2]', '["who", 1]'):
            await client.ws.send_str(frame)
        await client.send(SAY_MARK)
        await client.until(MARK)

    async def kubernetes(client: Client) -> None:
        for frame in (b"\x07x", b"\x04{", b"\x04[]", b""):
            await client.ws.send_bytes(frame)
        await client.ws.send_str("text")
        await client.send(SAY_MARK)
        await client.until(MARK)

    async def ttyd(client: Client) -> None:
        for frame in (b"9", b"1{", b"1[]", b""):
            await client.ws.send_bytes(frame)
        await client.send(SAY_MARK)
        await client.until(MARK)

    await run_client(session, pg, TerminadoClient, terminado)
    await run_client(session, pg, KubernetesClient, kubernetes)
    await run_client(session, pg, TtydClient, ttyd)


# --- the program's life ----------------------------------------------------------------------


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


@pytest.mark.parametrize("kind", CLIENTS, ids=lambda c: c.protocol)
async def test_closing_the_socket_hangs_up_and_reaps_the_program(
        session: AsyncSession, pg: RunningPlayground, kind: type[Client]) -> None:
    pids: list[int] = []

    async def body(client: Client) -> None:
        await client.send("sleep 300 & echo pids=$$,$!\n")
        found = await client.until(r"pids=(\d+),(\d+)")
        pids.extend(int(p) for p in found.groups())
        assert psutil.Process(pids[0]).status() != psutil.STATUS_ZOMBIE

    await run_client(session, pg, kind, body)
    await wait_gone(pids[0])  # the shell, reaped by the playground
    await wait_gone(pids[1], reaped=False)  # its background job: not ours to reap
    await no_terminals(pg)


async def no_terminals(pg: RunningPlayground) -> None:
    """Wait until the playground holds no terminal (a slot is given back once the handler
    ended, a moment after the close reached the client)."""
    for _ in range(100):
        if not pg.app[TERMINALS]:
            return
        await asyncio.sleep(0.05)
    assert not pg.app[TERMINALS]


async def test_a_program_that_ignores_the_hangup_is_killed() -> None:
    command = ["sh", "-c", "trap '' HUP; echo pid=$$; while :; do sleep 1; done"]
    async with await start_playground(access_log=False, terminal_command=command) as pg:
        pg.app[TERMINAL_SETTINGS].hangup_grace = 0.3
        async with AsyncSession(pg.url) as session:
            pids: list[int] = []

            async def body(client: Client) -> None:
                pids.append(int((await client.until(r"pid=(\d+)")).group(1)))

            started = time.monotonic()
            await run_client(session, pg, RawClient, body)
            await wait_gone(pids[0])
            assert time.monotonic() - started >= 0.3  # it had its grace first


async def test_stopping_the_playground_ends_its_terminals() -> None:
    pg = await start_playground(access_log=False, terminal_command=SHELL)
    pids: list[int] = []
    try:
        async with AsyncSession(pg.url) as session:
            request = terminal_request(session, pg, "raw")
            async with request.connect_websocket() as ws:
                client = RawClient(ws)
                await client.send("echo pid=$$\n")
                pids.append(int((await client.until(r"pid=(\d+)")).group(1)))
                await pg.stop()
                code, _ = await client.to_the_end()
                assert code == 1001
    finally:
        await pg.stop()
    await wait_gone(pids[0])


async def test_a_missing_program_is_a_clear_error() -> None:
    async with await start_playground(
            access_log=False, terminal_command="no-such-program-here --x") as pg:
        async with AsyncSession(pg.url) as session:
            with pytest.raises(APIError) as refused:
                async with terminal_request(session, pg, "raw").connect_websocket():
                    pass
    assert refused.value.status == 500
    assert "'no-such-program-here' is not found" in refused.value.data["error"]


async def test_a_program_that_cannot_start_closes_with_1011(tmp_path: Path) -> None:
    script = tmp_path / "bad-interpreter"
    script.write_text("#!/no/such/interpreter\necho never\n")  # found, but exec fails
    script.chmod(0o755)
    async with await start_playground(access_log=False, terminal_command=[str(script)]) as pg:
        async with AsyncSession(pg.url) as session:
            request = terminal_request(session, pg, "backendai")
            async with request.connect_websocket() as ws:
                client = BackendAIClient(ws)
                code, reason = await client.to_the_end()
    assert code == 1011 and reason.startswith("cannot start")
    assert [json.loads(f)["type"] for f in client.others] == ["error"]


# --- who may have a terminal -----------------------------------------------------------------


async def refusal(session: AsyncSession, request: Request[AsyncSession]) -> tuple[int, str]:
    with pytest.raises(APIError) as refused:
        async with request.connect_websocket():
            pass
    return refused.value.status, refused.value.data["error"]


async def test_the_token_is_required(session: AsyncSession, pg: RunningPlayground) -> None:
    missing = Request(session, "GET", "/terminal/raw")
    status, message = await refusal(session, missing)
    assert status == 401 and "needs the playground's token" in message
    wrong = Request(session, "GET", "/terminal/raw", params={"token": pg.token + "x"})
    status, message = await refusal(session, wrong)
    assert status == 401 and "the token is wrong" in message
    unicode = Request(session, "GET", "/terminal/raw", params={"token": "é" * 10})
    assert (await refusal(session, unicode))[0] == 401
    # An empty bearer is no token; the right one in the header is enough.
    empty = Request(session, "GET", "/terminal/raw")
    empty.headers["Authorization"] = "Bearer "
    assert (await refusal(session, empty))[0] == 401
    bearer = Request(session, "GET", "/terminal/raw")
    bearer.headers["Authorization"] = f"Bearer {pg.token}"
    async with bearer.connect_websocket() as ws:
        client = RawClient(ws)
        await client.send(SAY_MARK)
        await client.until(MARK)


async def test_an_origin_is_refused_even_with_the_token(
        session: AsyncSession, pg: RunningPlayground) -> None:
    for origin in (pg.url, "http://evil.example", "null"):
        request = terminal_request(session, pg, "raw")
        request.headers["Origin"] = origin
        status, message = await refusal(session, request)
        assert status == 403 and "Origin" in message
    assert not pg.app[TERMINALS]


async def test_no_pseudo_terminals_is_501(
        session: AsyncSession, pg: RunningPlayground, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(terminal_module, "PTY_AVAILABLE", False)
    status, message = await refusal(session, terminal_request(session, pg, "ttyd"))
    assert status == 501 and "no pseudo-terminals" in message


async def test_unknown_protocol_and_plain_http(
        session: AsyncSession, pg: RunningPlayground) -> None:
    status, message = await refusal(session, terminal_request(session, pg, "telnet"))
    assert status == 404 and "raw, terminado, ttyd, kubernetes, backendai" in message
    with pytest.raises(APIError) as plain:
        async with terminal_request(session, pg, "raw").fetch():
            pass
    assert plain.value.status == 426 and "WebSocket" in plain.value.data["error"]
    status, message = await refusal(session, terminal_request(session, pg, "raw", rows="0"))
    assert status == 400 and "rows" in message


async def test_too_many_terminals_is_503() -> None:
    async with await start_playground(
            access_log=False, terminal_command=SHELL, max_terminals=2) as pg:
        async with AsyncSession(pg.url) as session:
            async with terminal_request(session, pg, "raw").connect_websocket(), \
                    terminal_request(session, pg, "raw").connect_websocket():
                status, message = await refusal(session, terminal_request(session, pg, "raw"))
                assert status == 503 and "too many terminals: 2 are open" in message
            await no_terminals(pg)
            async with terminal_request(session, pg, "raw").connect_websocket() as ws:
                client = RawClient(ws)
                await client.send(SAY_MARK)
                await client.until(MARK)


async def test_settings_are_checked() -> None:
    from app.playground import create_app

    with pytest.raises(ValueError, match="empty"):
        create_app(terminal_command="   ")
    with pytest.raises(ValueError, match="token"):
        create_app(token="")
    with pytest.raises(ValueError, match="max_terminals"):
        create_app(max_terminals=-1)
    app = create_app(token="given", terminal_command="bash --norc -i")
    assert app[TERMINAL_SETTINGS].token == "given"
    assert app[TERMINAL_SETTINGS].argv() == ["bash", "--norc", "-i"]


async def test_each_run_has_its_own_token() -> None:
    async with await start_playground(access_log=False) as one, \
            await start_playground(access_log=False) as two:
        assert len(one.token) >= 40 and one.token != two.token
    async with await start_playground(access_log=False, token="chosen") as given:
        assert given.token == "chosen"


async def test_the_terminals_are_on_the_endpoint_list(
        session: AsyncSession, pg: RunningPlayground) -> None:
    async with Request(session, "GET", "/endpoints").fetch() as response:
        paths = [e["path"] for e in await response.json()]
    assert "/terminal/{protocol}?token=" in paths
    async with Request(session, "GET", "/").fetch() as response:
        assert "/terminal/{protocol}" in await response.text()


# --- the command line ------------------------------------------------------------------------


async def test_command_line_terminal_command_and_token() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.playground", "--quiet",
        "--terminal-command", "sh -c 'echo from-the-cli; exit 5'",
        cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        token = ""
        while not token:
            line = (await asyncio.wait_for(proc.stderr.readline(), 30)).decode()
            assert line, "no token was printed"
            if found := re.search(r"/terminal/\{protocol\}\?token=(\S+)", line):
                token = found.group(1)
        async with AsyncSession(url) as session:
            request = Request(session, "GET", "/terminal/kubernetes", params={"token": token})
            async with request.connect_websocket(protocols=["v4.channel.k8s.io"]) as ws:
                client = KubernetesClient(ws)
                await client.to_the_end()
        assert "from-the-cli" in client.output
        assert client.status()["details"]["causes"][0]["message"] == "5"
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()
    assert proc.returncode == 0


@pytest.mark.parametrize("bad", ["", "'unclosed"])
def test_command_line_refuses_a_bad_terminal_command(
        bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    from app.playground.__main__ import main

    with pytest.raises(SystemExit) as exited:
        main(["--terminal-command", bad])
    assert exited.value.code == 2
    assert "command" in capsys.readouterr().err


def test_background_playground_exposes_its_token() -> None:
    from app.playground.background import BackgroundPlayground

    background = BackgroundPlayground(terminal_command="sh")
    assert background.token is None
    background.start()
    try:
        token = background.token
        assert token is not None and len(token) >= 40
    finally:
        background.stop()
    assert background.token is None
