"""The playground's terminals (SPEC 6.5), each protocol against the real running playground:
a real program on a real pseudo-terminal, spoken to through the library's WebSocket with
frames written by hand for each protocol's client side."""

from __future__ import annotations

import json
import re

import pytest

from app.client import APIError, AsyncSession
from app.playground import RunningPlayground
from tests.playground.terminal_clients import (
    CLIENTS,
    MARK,
    PROMPT,
    RESIZABLE,
    SAY_MARK,
    SHELL,
    BackendAIClient,
    Client,
    KubernetesClient,
    RawClient,
    TerminadoClient,
    TtydClient,
    no_terminals,
    run_client,
    terminal_request,
    wait_gone,
)

# --- every protocol ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", CLIENTS, ids=lambda c: c.protocol)
async def test_echo_through_a_real_shell(
        session: AsyncSession, pg: RunningPlayground, kind: type[Client]) -> None:
    async def body(client: Client) -> None:
        # Input typed before the shell's first prompt is echoed at once, and its output then
        # follows the late prompt on one line: wait for the prompt, as a user does.
        await client.until(PROMPT)
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
