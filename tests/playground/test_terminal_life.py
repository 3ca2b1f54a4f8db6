"""The playground's terminals (SPEC 6.5): the program's life (hang-up, reaping, shutdown),
who may have a terminal (token, Origin, 501, 503), and the command line."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
import time
from pathlib import Path

import psutil
import pytest

from app.client import APIError, AsyncSession, Request
from app.playground import RunningPlayground, start_playground
from app.playground import terminal as terminal_module
from app.playground.terminal import TERMINAL_SETTINGS, TERMINALS
from tests.playground.terminal_clients import (
    CLIENTS,
    MARK,
    SAY_MARK,
    SHELL,
    BackendAIClient,
    Client,
    KubernetesClient,
    RawClient,
    no_terminals,
    refusal,
    run_client,
    terminal_request,
    wait_gone,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


# --- the program's life ----------------------------------------------------------------------


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
