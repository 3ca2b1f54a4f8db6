"""Server-Sent Events: a ticker with ids and Last-Event-ID resumption, an LLM-style chat
stream, a firehose for throughput tests and two deliberately wrong endpoints."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import hdrs, web
from aiohttp.http_exceptions import HttpProcessingError

from ._common import (
    PlaygroundError,
    client_may_leave,
    dumps,
    json_response,
    pause,
    query_float,
    query_int,
    shutting_down,
)

routes = web.RouteTableDef()

MAX_EVENTS = 10_000_000
MAX_INTERVAL = 60.0
MAX_RETRY_MS = 3_600_000
MAX_PROMPT_BYTES = 1024 * 1024
#: Events joined into one write by the firehose.
FIREHOSE_BATCH = 2000


def sse_event(
    data: str,
    *,
    event: str | None = None,
    event_id: str | int | None = None,
    retry: int | None = None,
) -> str:
    """Format one event; multi-line data becomes several ``data:`` lines."""
    lines: list[str] = []
    if retry is not None:
        lines.append(f"retry: {retry}")
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event is not None:
        lines.append(f"event: {event}")
    lines.extend(f"data: {line}" for line in data.replace("\r\n", "\n").split("\n"))
    return "\n".join(lines) + "\n\n"


def sse_response(status: int = 200) -> web.StreamResponse:
    return web.StreamResponse(
        status=status,
        headers={
            hdrs.CONTENT_TYPE: "text/event-stream; charset=utf-8",
            hdrs.CACHE_CONTROL: "no-cache",
            "X-Accel-Buffering": "no",
        },
    )


def _last_event_id(request: web.Request) -> int:
    """The id to resume after: the Last-Event-ID header (or ?last_event_id=, for
    browsers' first request); 0 when absent or not a non-negative integer."""
    raw = request.headers.get("Last-Event-ID") or request.query.get("last_event_id") or ""
    raw = raw.strip()
    if re.fullmatch(r"[0-9]{1,18}", raw):
        return int(raw)
    return 0


@routes.get("/sse/ticker")
async def ticker(request: web.Request) -> web.StreamResponse:
    """Events ``1..count`` (``count=0``: endless), ``interval`` seconds apart.

    Every event is ``event: tick`` except every fifth, ``event: milestone``. A client
    reconnecting with ``Last-Event-ID: k`` gets the events after ``k``; when nothing is
    left the answer is ``204 No Content``, which tells EventSource to stop reconnecting.
    """
    count = query_int(request, "count", 10, minimum=0, maximum=MAX_EVENTS)
    interval = query_float(request, "interval", 0.5, minimum=0.0, maximum=MAX_INTERVAL)
    retry_raw = request.query.get("retry")
    retry = (
        query_int(request, "retry", 0, minimum=0, maximum=MAX_RETRY_MS)
        if retry_raw not in (None, "")
        else None
    )
    after = _last_event_id(request)
    if count and after >= count:
        return web.Response(status=204)
    resp = sse_response()
    with client_may_leave(request, "/sse/ticker"):
        await resp.prepare(request)
        resumed = f", resuming after id {after}" if after else ""
        await resp.write(f": spyglass ticker, count={count or 'endless'}{resumed}\n\n".encode())
        n = after + 1
        first = True
        while count == 0 or n <= count:
            if not first and not await pause(request, interval):
                break
            data = {"n": n, "time": datetime.now(UTC).isoformat(), "count": count}
            event = sse_event(
                dumps(data),
                event="milestone" if n % 5 == 0 else "tick",
                event_id=n,
                retry=retry if first else None,
            )
            await resp.write(event.encode())
            first = False
            n += 1
        await resp.write_eof()
    return resp


_TOKEN_RE = re.compile(r"\s*\S+")


def chat_answer(prompt: str) -> str:
    words = len(prompt.split())
    shown = prompt if len(prompt) <= 200 else prompt[:200] + "…"
    return (
        f"You said: {shown!r} ({words} word{'s' if words != 1 else ''}). "
        "This answer is streamed by the Spyglass playground one token per event, "
        "the way chat completion APIs stream their replies. "
        "Watch the tokens arrive one by one, then the done event."
    )


def chat_tokens(prompt: str) -> list[str]:
    return _TOKEN_RE.findall(chat_answer(prompt))


def _prompt_from(body: Any) -> str:
    if not isinstance(body, dict):
        raise PlaygroundError('the body must be a JSON object like {"prompt": "..."}')
    prompt = body.get("prompt")
    if prompt is None and isinstance(body.get("messages"), list):
        # OpenAI-style {"messages": [{"role": "user", "content": "..."}]}
        for message in reversed(body["messages"]):
            if isinstance(message, dict) and message.get("role") == "user":
                prompt = message.get("content")
                break
    if not isinstance(prompt, str):
        raise PlaygroundError('"prompt" must be a string')
    return prompt


@routes.post("/sse/chat")
async def chat(request: web.Request) -> web.StreamResponse:
    """Stream an answer to ``{"prompt": "..."}`` one token per event, OpenAI style."""
    delay = query_float(request, "delay", 0.02, minimum=0.0, maximum=5.0)
    buffer = bytearray()
    try:
        while chunk := await request.content.readany():
            buffer += chunk
            if len(buffer) > MAX_PROMPT_BYTES:
                raise PlaygroundError("the body is larger than 1 MiB", 413)
    except HttpProcessingError as exc:
        raise PlaygroundError(f"malformed request body: {exc.message}") from None
    raw = bytes(buffer)
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise PlaygroundError(f"the body is not valid JSON: {exc}") from None
    prompt = _prompt_from(body)
    completion_id = f"chatcmpl-playground-{secrets.token_hex(6)}"
    created = int(time.time())

    def completion_chunk(delta: dict[str, str], finish_reason: str | None = None) -> bytes:
        payload = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": "spyglass-playground",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }
        return sse_event(dumps(payload)).encode()

    resp = sse_response()
    with client_may_leave(request, "/sse/chat"):
        await resp.prepare(request)
        await resp.write(completion_chunk({"role": "assistant", "content": ""}))
        for token in chat_tokens(prompt):
            if not await pause(request, delay):
                break
            await resp.write(completion_chunk({"content": token}))
        else:
            await resp.write(completion_chunk({}, "stop"))
            await resp.write(sse_event("[DONE]", event="done").encode())
        await resp.write_eof()
    return resp


@routes.get("/sse/firehose")
async def firehose(request: web.Request) -> web.StreamResponse:
    """``count`` tiny events with ids, written in batches as fast as the socket takes
    them (``count=0``: endless)."""
    count = query_int(request, "count", 1000, minimum=0, maximum=MAX_EVENTS)
    resp = sse_response()
    with client_may_leave(request, "/sse/firehose"):
        await resp.prepare(request)
        start = 1
        while count == 0 or start <= count:
            if shutting_down(request):
                break
            stop = start + FIREHOSE_BATCH if count == 0 else min(start + FIREHOSE_BATCH, count + 1)
            batch = "".join(f'id: {i}\ndata: {{"n":{i}}}\n\n' for i in range(start, stop))
            await resp.write(batch.encode())
            start = stop
            await asyncio.sleep(0)  # let other connections (and disconnects) through
        await resp.write_eof()
    return resp


@routes.get("/sse/wrong-type")
async def wrong_type(request: web.Request) -> web.StreamResponse:
    """Looks like an event stream URL but answers JSON (clients should refuse it)."""
    return json_response(
        {"error": "this is not an event stream", "hint": "the Content-Type is application/json"}
    )


@routes.get("/sse/no-content")
async def no_content(request: web.Request) -> web.StreamResponse:
    """204: per the SSE spec, a client must stop reconnecting."""
    return web.Response(status=204)
