"""SPEC 6 end to end: ``connect_terminal`` (the client's codecs and screen) against the
playground's terminals (the server's side), for every protocol, with a real shell."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Callable

import pytest

from app.client import AsyncSession, Request, StreamError
from app.playground import RunningPlayground
from app.terminal import TerminalResponse, connect_terminal
from tests.playground.terminal_clients import PROMPT, SHELL, terminal_request

PROTOCOLS = ["raw", "terminado", "ttyd", "kubernetes", "backendai"]
#: The protocols with a resize message (raw has none).
RESIZABLE = [p for p in PROTOCOLS if p != "raw"]


async def until(check: Callable[[], bool], what: str, term: TerminalResponse,
                timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, (
            f"{what} never happened; the screen:\n" + "\n".join(term.screen.display))
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def shell(request: Request[AsyncSession], protocol: str,
                **size: int) -> AsyncIterator[TerminalResponse]:
    """connect_terminal, once the shell has shown its first prompt (input typed before it is
    echoed at once, and its output then follows the late prompt on one line)."""
    async with connect_terminal(request, protocol, **size) as term:
        await term.wait_for(re.compile(PROMPT), timeout=10)
        yield term


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_echo(session: AsyncSession, pg: RunningPlayground, protocol: str) -> None:
    async with shell(terminal_request(session, pg, protocol), protocol) as term:
        await term.send_input("echo h''i; printf 'x%sy\\n' 42\r")
        await term.wait_for("x42y")
        assert "hi" in [line.rstrip() for line in term.screen.display]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_the_opening_size_reaches_the_program(
        session: AsyncSession, pg: RunningPlayground, protocol: str) -> None:
    # raw has no resize message: its size is the one in the query.
    query = {"rows": "30", "cols": "100"} if protocol == "raw" else {}
    request = terminal_request(session, pg, protocol, **query)
    async with shell(request, protocol, rows=30, cols=100) as term:
        await term.send_input("stty size\r")
        await term.wait_for(re.compile(r"^30 100\s*$", re.MULTILINE))


@pytest.mark.parametrize("protocol", RESIZABLE)
async def test_stty_size_after_a_resize(
        session: AsyncSession, pg: RunningPlayground, protocol: str) -> None:
    async with shell(terminal_request(session, pg, protocol), protocol) as term:
        await term.resize(33, 101)
        await term.send_input("stty size\r")
        await term.wait_for(re.compile(r"^33 101\s*$", re.MULTILINE))
        assert term.screen_size == (33, 101)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_colours_reach_the_cells(
        session: AsyncSession, pg: RunningPlayground, protocol: str) -> None:
    async with shell(terminal_request(session, pg, protocol), protocol) as term:
        # The command line shows "RE D"; only the output reads "RED".
        await term.send_input("printf '\\033[31m%s%s\\033[0m \\033[1;44mBOLD\\033[0m\\n' RE D\r")
        await term.wait_for(re.compile(r"^RED BOLD", re.MULTILINE))
        y = next(i for i, line in enumerate(term.screen.display) if line.startswith("RED "))
        assert [term.screen.cell(y, x).fg for x in range(3)] == ["red"] * 3
        assert term.screen.cell(y, 3).fg == "default"
        bold = term.screen.cell(y, 4)
        assert bold.data == "B" and bold.bold and bold.bg == "blue" and bold.fg == "default"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_less_enters_and_leaves_the_alternate_screen(
        session: AsyncSession, pg: RunningPlayground, protocol: str) -> None:
    async with shell(terminal_request(session, pg, protocol), protocol) as term:
        await term.send_input("printf 'x%sy\\n' 42; seq 1 500 | less\r")
        await until(lambda: term.screen.in_alternate_screen, "less's alternate screen", term)
        await term.wait_for(re.compile(r"^1\s*\n2\s*\n3\s*$", re.MULTILINE))
        await term.send_input("G")  # to the end of the input
        await term.wait_for(re.compile(r"^500\s*$", re.MULTILINE))
        await term.send_input("q")
        await until(lambda: not term.screen.in_alternate_screen, "leaving less", term)
        await term.wait_for("x42y")  # the main screen is back as it was
        assert not any(line.startswith("500") for line in term.screen.display)


@pytest.mark.parametrize("code", [0, 3])
async def test_kubernetes_exit_codes(
        session: AsyncSession, pg: RunningPlayground, code: int) -> None:
    request = terminal_request(session, pg, "kubernetes")
    async with shell(request, "kubernetes") as term:
        await term.send_input(f"exit {code}\r")
        await until(lambda: term.ended, "the end", term)
        assert term.exit_code == code
        assert term.close_code == 1000
        if code:
            assert term.exit_message is not None and f"exit code {code}" in term.exit_message


@pytest.mark.parametrize("protocol", ["raw", "terminado", "ttyd", "backendai"])
async def test_the_end_of_the_program_ends_the_terminal(
        session: AsyncSession, pg: RunningPlayground, protocol: str) -> None:
    async with shell(terminal_request(session, pg, protocol), protocol) as term:
        await term.send_input("exit 2\r")
        with pytest.raises(StreamError, match="closed before"):
            await term.wait_for("never printed")
        assert term.ended and term.close_code == 1000
        assert term.close_reason == "the program exited with code 2"
        assert not term.errors
        if protocol == "terminado":  # ["disconnect", 1] is its whole word on the end
            assert term.exit_code is None and term.exit_message


async def test_ttyd_title(session: AsyncSession, pg: RunningPlayground) -> None:
    async with shell(terminal_request(session, pg, "ttyd"), "ttyd") as term:
        await term.send_input("printf 'x%sy\\n' 42\r")
        await term.wait_for("x42y")
        assert term.title.startswith(f"{SHELL} (")


async def test_backendai_restart_through_the_codec(
        session: AsyncSession, pg: RunningPlayground) -> None:
    request = terminal_request(session, pg, "backendai")
    async with shell(request, "backendai") as term:
        await term.send_input("echo pid=$$\r")
        first = await term.wait_for(re.compile(r"pid=\d+"))
        await term.send_str('{"type": "restart"}')
        await term.send_input("clear; echo pid=$$\r")
        await until(lambda: re.search(r"pid=\d+", "\n".join(term.screen.display)) is not None
                    and first not in "\n".join(term.screen.display), "a new shell", term)
        assert not term.ended
