"""gRPC calls through app.grpc against a raw grpcio stub, in the same run.

The playground's gRPC server runs in a child process (its own interpreter: its threads do not
compete with the client's for this one's lock). Then, in turns, ``--calls`` sequential unary
``Echo`` calls are made by:

- a raw grpcio stub: the synchronous ``channel.unary_unary`` made once with the message
  classes at hand, a request message built in advance (the fastest way grpcio offers from
  Python);
- grpcio's asyncio stub on the caller's loop, for reference (app.grpc may not use it there:
  a window's loop is Qt's): shown, not the figure;
- grpcio's synchronous ``future`` awaited from the loop through one wake-up, JSON in and
  out by protobuf's ``json_format``, and nothing of app.grpc: a call made off the caller's
  loop, as app.grpc makes it (shown, not the figure; app.grpc parses and shows plain
  messages without ``json_format``, see ``app/grpc/_fast_json.py``, and may be faster);
- ``app.grpc.call``: from an asyncio loop on the main thread, a JSON message in, a JSON
  object out (its descriptors and channel made on the gRPC thread at the first call, which
  is not timed; the calls after it start from the caller's loop and end on grpc's thread).

Each is run ``--rounds`` times, alternating, and the best round of each is kept.
``unary_vs_grpcio`` is raw time / app.grpc time (1.0: no overhead). Goal >= 0.8.

Then a server stream of ``--stream-count`` small messages (``Count``) is called from a real
request tab in gRPC mode, shown (offscreen) on a qasync loop, into its stream view:
``stream_msgs_per_s`` is the messages the view has shown by the end over the time from Call
to then (goal >= 20000); ``max_stall_ms`` the longest gap between two ticks of a 5 ms timer
on that loop meanwhile (goal <= 50).

The stream comes from ``grpc_node_server.js``: playground.proto served by @grpc/grpc-js
(Node's gRPC), which this bench installs with ``npm install --prefix build/bench-grpc-node``
once (from the npm registry). grpcio's Python server, the playground's, sends some 14,000
small messages a second on a 2-core machine, and takes a core to do it: streaming from it
measures the server. Its figure is shown too; where npm or node is absent, it is the figure.

The last line of stdout is ``unary_vs_grpcio=R stream_msgs_per_s=N max_stall_ms=M``.
Run: ``.venv/bin/python bench/grpc.py [--calls N] [--rounds N] [--stream-count N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# This file is named like the grpc package: its folder must not come first on the path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))
sys.path.append(_HERE)  # last, as bench/_path.py puts it: its helpers are found, not grpc.py

import grpc  # noqa: E402
import grpc_tools  # noqa: E402

import app.grpc  # noqa: E402
from app.grpc.descriptors import compile_protos  # noqa: E402
from app.grpc.messages import message_class  # noqa: E402
from app.playground.grpc_server import PROTO, SERVICE  # noqa: E402
from bench._npm import npm_ready  # noqa: E402

METHOD = f"{SERVICE}/Echo"
NODE_DIR = Path(_HERE).parent / "build" / "bench-grpc-node"
NODE_PACKAGES = ["@grpc/grpc-js@1", "@grpc/proto-loader@0"]
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
    """grpcio's own asyncio stub on the caller's loop (shown, not the figure)."""
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


async def floor_round(target: str, calls: int) -> float:
    """What the design app.grpc keeps to costs here without any of its own code: grpcio's
    synchronous ``future`` (which ends on grpc's channel thread) awaited from the caller's
    loop through one ``call_soon_threadsafe``, protobuf's ``json_format`` in and out. Shown,
    not the figure."""
    from google.protobuf import json_format

    pool = compile_protos([PROTO], []).pool
    request_class = message_class(pool, "spyglass.playground.EchoRequest")
    reply_class = message_class(pool, "spyglass.playground.EchoReply")
    loop = asyncio.get_running_loop()
    with grpc.insecure_channel(target) as channel:
        echo = channel.unary_unary(f"/{METHOD}", request_serializer=request_class.SerializeToString,
                                   response_deserializer=reply_class.FromString)
        echo(request_class(text="hello"))
        started = time.perf_counter()
        for _ in range(calls):
            request = json_format.ParseDict({"text": "hello"}, request_class())
            ended: asyncio.Future[None] = loop.create_future()
            future = echo.future(request)
            future.add_done_callback(
                lambda _f, ended=ended: loop.call_soon_threadsafe(ended.set_result, None))
            await ended
            reply = json_format.MessageToDict(future.result(), preserving_proto_field_name=True)
            assert reply["text"] == "hello"
        return time.perf_counter() - started


async def library_round(target: str, calls: int) -> float:
    first = await app.grpc.call(target, METHOD, [{"text": "hello"}])
    assert first.code == "OK", first
    started = time.perf_counter()
    for _ in range(calls):
        result = await app.grpc.call(target, METHOD, [{"text": "hello"}])
        assert result.responses[0]["text"] == "hello"
    return time.perf_counter() - started


async def raw_stream_round(target: str, count: int) -> float:
    """Messages a second of the same server stream read by grpcio's asyncio stub alone (no
    JSON, no window): what the server and grpcio allow here (shown, not the figure)."""
    pool = compile_protos([PROTO], []).pool
    request_class = message_class(pool, "spyglass.playground.CountRequest")
    reply_class = message_class(pool, "spyglass.playground.CountReply")
    async with grpc.aio.insecure_channel(target) as channel:
        count_call = channel.unary_stream(
            f"/{SERVICE}/Count", request_serializer=request_class.SerializeToString,
            response_deserializer=reply_class.FromString)
        started = time.perf_counter()
        received = 0
        async for _reply in count_call(request_class(count=count)):
            received += 1
        return received / (time.perf_counter() - started)


async def _call_and_wait(tab: Any, count: int, timeout: float) -> float:
    """Call Count for ``count`` messages from ``tab``; seconds until the view showed them."""
    from app.model.request import RequestMode

    pane = tab.pane(RequestMode.GRPC)
    pane.request.editor.setPlainText(f'{{"count": {count}}}')
    began = time.perf_counter()
    tab.send()
    controller, view = pane.controller, pane.stream
    while (controller.busy or controller.log.pending
           or view.model.rowCount() < len(controller.log.rows)):
        await asyncio.sleep(0.01)
        if time.perf_counter() - began > timeout:
            raise TimeoutError(f"the stream did not end in {timeout} s")
    return time.perf_counter() - began


async def stream_round(target: str, count: int) -> dict[str, Any]:
    """``count`` messages of a server stream into a shown request tab's stream view."""
    from _streams_sse import StallProbe

    from app.model.request import RequestMode, RequestModel
    from ui.request_tab import RequestTab
    from ui.tasks import TaskRunner

    runner = TaskRunner()
    model = RequestModel(url=f"grpc://{target}", mode=RequestMode.GRPC)
    model.grpc.method = f"{SERVICE}/Count"
    model.grpc.protos = [str(PROTO)]  # the stream's server may have no reflection
    tab = RequestTab(runner, lambda: None, 1, None, model)  # type: ignore[arg-type]
    tab.resize(1200, 900)
    tab.show()
    try:
        await _call_and_wait(tab, 50, 30)  # a window that is up has called once already
        probe = StallProbe()
        elapsed = await _call_and_wait(tab, count, 600)
        await asyncio.sleep(0.05)
        stall = probe.stop()
        pane = tab.pane(RequestMode.GRPC)
        log = pane.controller.log
        result = pane.controller.result
        return {"shown": log.received, "code": result.code if result else None,
                "rows": pane.stream.model.rowCount(), "dropped": log.dropped,
                "stream_msgs_per_s": round(log.received / elapsed),
                "max_stall_ms": round(stall, 1)}
    finally:
        tab.dispose()
        tab.hide()
        tab.deleteLater()


def run_stream(target: str, count: int) -> dict[str, Any]:
    import gc

    import qasync
    from PySide6.QtWidgets import QApplication

    app_ = QApplication.instance() or QApplication(sys.argv)
    assert app_ is not None
    import ui.modes.grpc.grpc_pane  # noqa: F401  (what the window has loaded by then)

    # As ui/app.py does once the window is up: what start-up built stays out of the
    # collector's full passes.
    gc.freeze()
    result: dict[str, Any] = qasync.run(stream_round(target, count))
    return result


class NodeServer:
    """grpc_node_server.js in a child process (``target``; "" when it cannot run, ``why``)."""

    def __init__(self) -> None:
        self.target, self.process = "", None
        self.why = npm_ready(NODE_DIR, NODE_PACKAGES,
                             NODE_DIR / "node_modules" / "@grpc" / "grpc-js" / "package.json")
        if self.why:
            return
        include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
        self.process = subprocess.Popen(
            ["node", os.path.join(_HERE, "grpc_node_server.js"), str(PROTO), include],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "NODE_PATH": str(NODE_DIR / "node_modules")})
        assert self.process.stdout is not None
        self.target = self.process.stdout.readline().strip()
        if not self.target:
            self.why = "the Node gRPC server did not start"

    def stop(self) -> None:
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()
            self.process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--stream-count", type=int, default=100_000)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, cwd=os.path.dirname(_HERE),
    )
    node = NodeServer()
    try:
        assert server.stdout is not None
        target = server.stdout.readline().strip()
        raw, aio, floor, library = [], [], [], []
        for _ in range(args.rounds):
            raw.append(raw_round(target, args.calls))
            aio.append(asyncio.run(aio_round(target, args.calls)))
            floor.append(asyncio.run(floor_round(target, args.calls)))
            library.append(asyncio.run(library_round(target, args.calls)))
        app.grpc.close()
        raw_stream = asyncio.run(raw_stream_round(target, args.stream_count))
        python_stream = run_stream(target, args.stream_count)
        app.grpc.close()
        node_stream = node_raw = None
        if node.target:
            node_raw = asyncio.run(raw_stream_round(node.target, args.stream_count))
            node_stream = run_stream(node.target, args.stream_count)
            app.grpc.close()
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(10)
        node.stop()
    best_raw, best_library = min(raw), min(library)
    print(f"raw grpcio stub: {best_raw / args.calls * 1e6:.0f} us a call "
          f"(rounds: {', '.join(f'{r:.2f}' for r in raw)} s)")
    print(f"grpc.aio stub:   {min(aio) / args.calls * 1e6:.0f} us a call "
          f"(rounds: {', '.join(f'{r:.2f}' for r in aio)} s; app.grpc against it: "
          f"{min(aio) / best_library:.2f})")
    print(f"grpcio future awaited across threads, json_format both ways (no app.grpc): "
          f"{min(floor) / args.calls * 1e6:.0f} us a call (rounds: "
          f"{', '.join(f'{r:.2f}' for r in floor)} s; raw against it: "
          f"{best_raw / min(floor):.2f})")
    print(f"app.grpc.call:   {best_library / args.calls * 1e6:.0f} us a call "
          f"(rounds: {', '.join(f'{r:.2f}' for r in library)} s)")
    stream = python_stream
    for name, figures, alone in (("the playground's (grpcio, Python)", python_stream,
                                  raw_stream),
                                 ("Node's (@grpc/grpc-js)", node_stream, node_raw)):
        if figures is None:
            print(f"{name} server: not run ({node.why})")
            continue
        stream = figures
        print(f"{name} server: a grpc.aio stub alone reads {alone:.0f} messages a second; "
              f"into the view {figures['stream_msgs_per_s']} a second, {figures['shown']} "
              f"shown, {figures['rows']} rows kept ({figures['dropped']} older let go), "
              f"{figures['code']}, longest stall {figures['max_stall_ms']} ms")
    print(f"unary_vs_grpcio={best_raw / best_library:.2f} "
          f"stream_msgs_per_s={stream['stream_msgs_per_s']} "
          f"max_stall_ms={stream['max_stall_ms']}")


if __name__ == "__main__":
    main()
