"""Large and slow bodies, all streamed: random bytes, big JSON, drip, broken bodies, uploads."""

from __future__ import annotations

import hashlib
import random
import secrets
import socket
import struct
import time
from collections.abc import Iterator

from aiohttp import hdrs, web
from aiohttp.http_exceptions import HttpProcessingError

from ._common import (
    CHUNK_SIZE,
    GiB,
    MiB,
    PlaygroundError,
    client_may_leave,
    drop_connection,
    dumps,
    json_response,
    parse_int,
    pause,
    query_float,
    query_int,
    shutting_down,
)

routes = web.RouteTableDef()

MAX_BYTES = 4 * GiB
MAX_JSON_SIZE = 1 * GiB
DEFAULT_JSON_SIZE = 1 * MiB
#: Depth of the nested object at the start of every ``/json`` document.
JSON_DEPTH = 32
MAX_DRIP_BYTES = 10 * MiB
MAX_DRIP_DURATION = 60.0
CLOSE_MID_BODY_LENGTH = 1_000_000


def _seed(request: web.Request) -> str:
    seed = request.query.get("seed")
    if seed is None or seed == "":
        return str(secrets.randbits(32))
    if len(seed) > 100:
        raise PlaygroundError("seed must be at most 100 characters")
    return seed


def _stream_headers(content_type: str) -> dict[str, str]:
    return {hdrs.CONTENT_TYPE: content_type, hdrs.CACHE_CONTROL: "no-store"}


# ------------------------------------------------------------------------------ bytes


@routes.get("/bytes/{n}")
async def random_bytes(request: web.Request) -> web.StreamResponse:
    """``n`` pseudo-random bytes; the same ``?seed=`` always gives the same bytes.

    ``?chunk_size=`` (1 to 65536) sets the size of the writes, not the content.
    """
    n = parse_int(request.match_info["n"], "byte count", minimum=0, maximum=MAX_BYTES)
    chunk_size = query_int(request, "chunk_size", CHUNK_SIZE, minimum=1, maximum=CHUNK_SIZE)
    seed = _seed(request)
    rng = random.Random(seed)
    resp = web.StreamResponse(headers=_stream_headers("application/octet-stream"))
    resp.headers["X-Playground-Seed"] = seed
    resp.content_length = n
    with client_may_leave(request, "/bytes"):
        await resp.prepare(request)
        remaining = n
        while remaining > 0:
            if shutting_down(request):
                drop_connection(request)
                return resp
            # Blocks of a fixed size keep the bytes independent of chunk_size.
            block = rng.randbytes(min(CHUNK_SIZE, remaining))
            remaining -= len(block)
            for start in range(0, len(block), chunk_size):
                await resp.write(block[start : start + chunk_size])
        await resp.write_eof()
    return resp


# ------------------------------------------------------------------------------- json


_WORDS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta")
_NOTE = dumps("every fifth item has a note: café ✓ 日本")


def _matrices(count: int) -> list[str]:
    rng = random.Random("matrices")
    return [
        ",".join(dumps([rng.randrange(10) for _ in range(4)]) for _ in range(3))
        for _ in range(count)
    ]


#: 4096 pre-rendered 3x4 matrices (rows without the outer brackets), picked at random.
_MATRICES = _matrices(4096)


def _json_item(i: int, rng: random.Random) -> str:
    """One array item (built as text: this is the hot loop of ``/json``)."""
    bits = rng.getrandbits(64)
    matrix = _MATRICES[bits >> 52]
    return (
        f'{{"id":{i},"name":"item-{i}","active":{"true" if i % 3 else "false"},'
        f'"price":{(bits & 0xFFFFF) % 100000 / 100},"score":{(bits >> 20) % 2001 - 1000},'
        f'"tags":["{_WORDS[(bits >> 40) & 7]}","group-{i % 7}","playground"],'
        f'"note":{_NOTE if i % 5 == 0 else "null"},"matrix":[{matrix}],'
        f'"owner":{{"id":{i % 97},"profile":{{"locale":"en","flags":'
        f'{{"beta":{"true" if i % 2 == 0 else "false"},"level":{i % 4}}}}}}}}}'
    )


def _deep_value(depth: int) -> str:
    """A JSON value nested ``depth`` levels deep, alternating objects and arrays."""
    opening: list[str] = []
    closing: list[str] = []
    for level in range(depth):
        if level % 2 == 0:
            opening.append(f'{{"level":{level},"next":')
            closing.append("}")
        else:
            opening.append(f"[{level},")
            closing.append("]")
    return "".join(opening) + '"bottom"' + "".join(reversed(closing))


def json_document_chunks(size: int, seed: str) -> tuple[int, Iterator[bytes]]:
    """A JSON document of exactly ``size`` bytes (or the smallest possible document when
    ``size`` is smaller) as ``(total_length, chunks)``; built lazily, chunk by chunk."""
    head = (
        '{"meta":{"generator":"spyglass-playground","requested_size":'
        f'{size},"seed":{dumps(seed)}}},"deep":{_deep_value(JSON_DEPTH)},"items":['
    ).encode()

    def tail(count: int, padding: int) -> bytes:
        return f'],"count":{count},"padding":"{"." * padding}"}}\n'.encode()

    minimum = len(head) + len(tail(0, 0))
    total = max(size, minimum)

    tail_without_count = len(tail(0, 0)) - 1

    def generate() -> Iterator[bytes]:
        rng = random.Random(seed)
        written = len(head)
        batch = [head]
        batch_len = len(head)
        count = 0
        while True:
            item = ("," if count else "") + _json_item(count, rng)
            data = item.encode()
            extra = len(data)
            if written + extra + tail_without_count + len(str(count + 1)) > total:
                break
            batch.append(data)
            batch_len += extra
            written += extra
            count += 1
            if batch_len >= CHUNK_SIZE:
                yield b"".join(batch)
                batch, batch_len = [], 0
        batch.append(tail(count, total - written - len(tail(count, 0))))
        yield b"".join(batch)

    return total, generate()


@routes.get("/json")
async def big_json(request: web.Request) -> web.StreamResponse:
    size = query_int(request, "size", DEFAULT_JSON_SIZE, minimum=0, maximum=MAX_JSON_SIZE)
    seed = request.query.get("seed") or "0"
    if len(seed) > 100:
        raise PlaygroundError("seed must be at most 100 characters")
    total, chunks = json_document_chunks(size, seed)
    resp = web.StreamResponse(headers=_stream_headers("application/json; charset=utf-8"))
    resp.content_length = total
    with client_may_leave(request, "/json"):
        await resp.prepare(request)
        for chunk in chunks:
            if shutting_down(request):
                drop_connection(request)
                return resp
            await resp.write(chunk)
        await resp.write_eof()
    return resp


# ------------------------------------------------------------------------------- drip


@routes.get("/drip")
async def drip(request: web.Request) -> web.StreamResponse:
    """``numbytes`` asterisks spread evenly over ``duration`` seconds, after ``delay``."""
    numbytes = query_int(request, "numbytes", 10, minimum=0, maximum=MAX_DRIP_BYTES)
    duration = query_float(request, "duration", 2.0, minimum=0.0, maximum=MAX_DRIP_DURATION)
    initial = query_float(request, "delay", 0.0, minimum=0.0, maximum=MAX_DRIP_DURATION)
    code = query_int(request, "code", 200, minimum=200, maximum=599)
    steps = min(numbytes, 1000)
    resp = web.StreamResponse(status=code, headers=_stream_headers("application/octet-stream"))
    resp.content_length = numbytes
    if not await pause(request, initial):
        raise PlaygroundError("the playground is shutting down", 503)
    with client_may_leave(request, "/drip"):
        await resp.prepare(request)
        sent = 0
        for step in range(steps):
            target = numbytes * (step + 1) // steps
            await resp.write(b"*" * (target - sent))
            sent = target
            if step + 1 < steps and not await pause(request, duration / steps):
                drop_connection(request)
                return resp
        await resp.write_eof()
    return resp


# ---------------------------------------------------------------------- close mid body


@routes.get("/close-mid-body")
async def close_mid_body(request: web.Request) -> web.StreamResponse:
    """Declare ``Content-Length: 1000000``, send ``?sent=`` bytes, then drop the connection.

    ``?how=close`` (default) ends the TCP connection normally (FIN) so the client sees
    the body end early; ``?how=reset`` aborts it with a TCP RST.
    """
    sent = query_int(request, "sent", 65536, minimum=0, maximum=CLOSE_MID_BODY_LENGTH - 1)
    how = request.query.get("how", "close")
    if how not in ("close", "reset"):
        raise PlaygroundError(f"how must be 'close' or 'reset', got {how!r}")
    resp = web.StreamResponse(headers=_stream_headers("application/octet-stream"))
    resp.content_length = CLOSE_MID_BODY_LENGTH
    resp.force_close()
    with client_may_leave(request, "/close-mid-body"):
        await resp.prepare(request)
        if sent:
            await resp.write(b"x" * sent)
        transport = request.transport
        if transport is not None:
            if how == "reset":
                sock = transport.get_extra_info("socket")
                if sock is not None:
                    # SO_LINGER with a zero timeout turns close() into a TCP RST.
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                transport.abort()
            else:
                transport.close()
    return resp


# ----------------------------------------------------------------------------- upload


@routes.post("/upload")
@routes.put("/upload")
async def upload(request: web.Request) -> web.StreamResponse:
    """Read the whole body chunk by chunk, keeping nothing; report its size and SHA-256."""
    started = time.perf_counter()
    hasher = hashlib.sha256()
    total = 0
    chunks = 0
    with client_may_leave(request, "/upload"):
        try:
            while True:
                chunk = await request.content.readany()
                if not chunk:
                    break
                hasher.update(chunk)
                total += len(chunk)
                chunks += 1
        except HttpProcessingError as exc:
            raise PlaygroundError(f"malformed request body: {exc.message}") from None
        seconds = time.perf_counter() - started
        return json_response(
            {
                "bytes": total,
                "sha256": hasher.hexdigest(),
                "seconds": round(seconds, 6),
                "chunks": chunks,
                "declared_length": request.content_length,
                "content_type": request.headers.get(hdrs.CONTENT_TYPE),
                "mib_per_second": round(total / MiB / seconds, 3) if seconds > 0 else None,
            }
        )
    # Only reached when the client went away mid-upload: nobody is listening any more.
    return web.Response(status=499, reason="Client Closed Request")
