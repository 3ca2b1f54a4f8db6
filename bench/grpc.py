"""gRPC calls through app.grpc against a raw grpcio stub, in the same run.

The playground's gRPC server runs in a child process (its own interpreter: its threads do not
compete with the client's for this one's lock). Then, in turns, ``--calls`` sequential unary
``Echo`` calls are made by:

- a raw grpcio stub: the synchronous ``channel.unary_unary`` made once with the message
  classes at hand, a request message built in advance (the fastest way grpcio offers from
  Python);
- grpcio's asyncio stub, for reference (app.grpc is built on it): shown, not the figure;
- ``app.grpc.call``: from an asyncio loop on the main thread, a JSON message in, a JSON
  object out, through the gRPC thread (its descriptors and channel cached after the first
  call, which is not timed).

Each is run ``--rounds`` times, alternating, and the best round of each is kept.
``unary_vs_grpcio`` is raw time / app.grpc time (1.0: no overhead). Goal >= 0.8.

The last line of stdout is ``unary_vs_grpcio=R``.
Run: ``.venv/bin/python bench/grpc.py [--calls N] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time

# This file is named like the grpc package: its folder must not come first on the path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

import grpc  # noqa: E402

import app.grpc  # noqa: E402
from app.grpc.descriptors import compile_protos  # noqa: E402
from app.grpc.messages import message_class  # noqa: E402
from app.playground.grpc_server import PROTO, SERVICE  # noqa: E402

METHOD = f"{SERVICE}/Echo"
_SERVE = (
    "import sys, time\n"
    "from app.playground.grpc_server import start_grpc_server\n"
    "running = start_grpc_server()\n"
    "print(running.target, flush=True)\n"
    "sys.stdin.read()\n"
    "running.stop()\n"
)


def raw_round(target: str, calls: int) -> float:
    pool = compile_protos([PROTO], []).pool
    request_class = message_class(pool, "spyglass.playground.EchoRequest")
    reply_class = message_class(pool, "spyglass.playground.EchoReply")
    with grpc.insecure_channel(target) as channel:
        echo = channel.unary_unary(f"/{METHOD}", request_serializer=request_class.SerializeToString,
                                   response_deserializer=reply_class.FromString)
        request = request_class(text="hello")
        echo(request)  # connected before the clock starts, as the other side
        started = time.perf_counter()
        for _ in range(calls):
            reply = echo(request)
            assert reply.text == "hello"
        return time.perf_counter() - started


async def aio_round(target: str, calls: int) -> float:
    """grpcio's own asyncio stub on the caller's loop: what app.grpc builds on (shown, not
    the figure)."""
    pool = compile_protos([PROTO], []).pool
    request_class = message_class(pool, "spyglass.playground.EchoRequest")
    reply_class = message_class(pool, "spyglass.playground.EchoReply")
    async with grpc.aio.insecure_channel(target) as channel:
        echo = channel.unary_unary(f"/{METHOD}", request_serializer=request_class.SerializeToString,
                                   response_deserializer=reply_class.FromString)
        request = request_class(text="hello")
        await echo(request)
        started = time.perf_counter()
        for _ in range(calls):
            reply = await echo(request)
            assert reply.text == "hello"
        return time.perf_counter() - started


async def library_round(target: str, calls: int) -> float:
    first = await app.grpc.call(target, METHOD, [{"text": "hello"}])
    assert first.code == "OK", first
    started = time.perf_counter()
    for _ in range(calls):
        result = await app.grpc.call(target, METHOD, [{"text": "hello"}])
        assert result.responses[0]["text"] == "hello"
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, cwd=os.path.dirname(_HERE),
    )
    try:
        assert server.stdout is not None
        target = server.stdout.readline().strip()
        raw, aio, library = [], [], []
        for _ in range(args.rounds):
            raw.append(raw_round(target, args.calls))
            aio.append(asyncio.run(aio_round(target, args.calls)))
            library.append(asyncio.run(library_round(target, args.calls)))
        app.grpc.close()
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(10)
    best_raw, best_library = min(raw), min(library)
    print(f"raw grpcio stub: {best_raw / args.calls * 1e6:.0f} us a call "
          f"(rounds: {', '.join(f'{r:.2f}' for r in raw)} s)")
    print(f"grpc.aio stub:   {min(aio) / args.calls * 1e6:.0f} us a call "
          f"(rounds: {', '.join(f'{r:.2f}' for r in aio)} s; app.grpc against it: "
          f"{min(aio) / best_library:.2f})")
    print(f"app.grpc.call:   {best_library / args.calls * 1e6:.0f} us a call "
          f"(rounds: {', '.join(f'{r:.2f}' for r in library)} s)")
    print(f"unary_vs_grpcio={best_raw / best_library:.2f}")


if __name__ == "__main__":
    main()
