"""WebSocket endpoints: echo, a line-command console and a firehose."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime

from aiohttp import WSMsgType, web

from ._common import (
    OPEN_WEBSOCKETS,
    MiB,
    client_may_leave,
    error_response,
    query_int,
    shutting_down,
)

routes = web.RouteTableDef()

ECHO_SUBPROTOCOLS = ("chat", "json", "echo")
MAX_MESSAGE_SIZE = 16 * MiB
MAX_COUNT_LINES = 100_000
MAX_FIREHOSE = 10_000_000

GREETING = "Welcome to the Spyglass playground console. Type 'help' to list the commands."
HELP = "\n".join(
    (
        "Commands (one per text message):",
        "  help               this list",
        "  time               the server time (ISO 8601, UTC)",
        "  echo TEXT          sends TEXT back",
        "  count N            sends N messages: 1, 2, ..., N (N up to 100000)",
        "  json               sends a JSON message",
        "  close CODE REASON  the server closes the connection with CODE and REASON",
        "                     (CODE 1000 or 3000-4999)",
    )
)


def _not_websocket(request: web.Request) -> web.StreamResponse | None:
    ws = web.WebSocketResponse()
    if not ws.can_prepare(request).ok:
        return error_response(
            "this is a WebSocket endpoint: connect with a WebSocket client (ws://...)",
            426,
            headers={"Upgrade": "websocket", "Connection": "Upgrade"},
        )
    return None


async def _open(request: web.Request, ws: web.WebSocketResponse) -> None:
    await ws.prepare(request)
    request.app[OPEN_WEBSOCKETS].add(ws)


@routes.get("/ws/echo")
async def ws_echo(request: web.Request) -> web.StreamResponse:
    """Echo text and binary messages; accepts the subprotocols chat, json and echo."""
    if (refusal := _not_websocket(request)) is not None:
        return refusal
    ws = web.WebSocketResponse(protocols=ECHO_SUBPROTOCOLS, max_msg_size=MAX_MESSAGE_SIZE)
    with client_may_leave(request, "/ws/echo"):
        await _open(request, ws)
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await ws.send_str(msg.data)
            elif msg.type == WSMsgType.BINARY:
                await ws.send_bytes(msg.data)
    return ws


def _valid_close_code(code: int) -> bool:
    return code == 1000 or 3000 <= code <= 4999


@routes.get("/ws/console")
async def ws_console(request: web.Request) -> web.StreamResponse:
    """A console of line commands over text messages (see ``help``)."""
    if (refusal := _not_websocket(request)) is not None:
        return refusal
    ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_SIZE)
    with client_may_leave(request, "/ws/console"):
        await _open(request, ws)
        await ws.send_str(GREETING)
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                await ws.send_str("error: binary messages are not commands; send text")
                continue
            if msg.type != WSMsgType.TEXT:
                continue
            line = msg.data.strip()
            command, _, argument = line.partition(" ")
            command = command.lower()
            argument = argument.strip()
            if command == "help":
                await ws.send_str(HELP)
            elif command == "time":
                await ws.send_str(datetime.now(UTC).isoformat())
            elif command == "echo":
                await ws.send_str(argument)
            elif command == "json":
                await ws.send_str(
                    json.dumps(
                        {
                            "type": "json",
                            "time": datetime.now(UTC).isoformat(),
                            "numbers": [1, 2.5, -3],
                            "nested": {"ok": True, "nothing": None},
                            "text": "café ✓",
                        },
                        ensure_ascii=False,
                    )
                )
            elif command == "count":
                if not argument.isdigit() or int(argument) > MAX_COUNT_LINES:
                    await ws.send_str(
                        f"error: count needs a number from 0 to {MAX_COUNT_LINES}, e.g. 'count 5'"
                    )
                    continue
                for i in range(1, int(argument) + 1):
                    await ws.send_str(str(i))
            elif command == "close":
                code_text, _, reason = argument.partition(" ")
                if not code_text.isdigit() or not _valid_close_code(int(code_text)):
                    await ws.send_str(
                        "error: close needs a code, 1000 or 3000-4999, e.g. 'close 4001 bye'"
                    )
                    continue
                encoded = reason.strip().encode("utf-8")
                if len(encoded) > 123:
                    await ws.send_str("error: the close reason must fit in 123 bytes")
                    continue
                await ws.close(code=int(code_text), message=encoded)
                break
            elif not command:
                await ws.send_str("error: empty command; type 'help' to list the commands")
            else:
                await ws.send_str(
                    f"error: unknown command {command!r}; type 'help' to list the commands"
                )
    return ws


@routes.get("/ws/firehose")
async def ws_firehose(request: web.Request) -> web.StreamResponse:
    """``count`` small text messages as fast as possible, then close with 1000
    (``count=0``: endless, until the client closes)."""
    count = query_int(request, "count", 1000, minimum=0, maximum=MAX_FIREHOSE)
    if (refusal := _not_websocket(request)) is not None:
        return refusal
    ws = web.WebSocketResponse()
    with client_may_leave(request, "/ws/firehose"):
        await _open(request, ws)
        # Read concurrently so that a client closing early is noticed (and answered).
        reader = asyncio.create_task(_discard_incoming(ws))
        try:
            i = 0
            while count == 0 or i < count:
                i += 1
                if ws.closed or reader.done() or shutting_down(request):
                    break
                await ws.send_str(f'{{"n":{i}}}')
                if i % 1000 == 0:
                    await asyncio.sleep(0)
            if not ws.closed:
                await ws.close(code=1000, message=b"done")
        finally:
            if not reader.done():
                reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await reader
    return ws


async def _discard_incoming(ws: web.WebSocketResponse) -> None:
    async for _ in ws:
        pass
