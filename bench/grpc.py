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

Then a server stream of ``--stream-count`` small messages (the playground's ``Count``) is
called from a real request tab in gRPC mode, shown (offscreen) on a qasync loop, into its
stream view: ``stream_msgs_per_s`` is the messages the view has shown by the end over the
time from Call to then (goal >= 20000); ``max_stall_ms`` the longest gap between two ticks of
a 5 ms timer on that loop meanwhile (goal <= 50).

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
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

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


class StallProbe:
    """A 5 ms timer on the UI loop; ``worst`` is the longest gap between two ticks."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.worst = 0.0
        self._last = time.perf_counter()
        self._timer = QTimer(interval=5)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self._last)
        self._last = now

    def stop(self) -> float:
        self._timer.stop()
        return self.worst * 1000


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
    from app.model.request import RequestMode, RequestModel
    from ui.request_tab import RequestTab
    from ui.tasks import TaskRunner

    runner = TaskRunner()
    model = RequestModel(url=f"grpc://{target}", mode=RequestMode.GRPC)
    model.grpc.method = f"{SERVICE}/Count"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stream-count", type=int, default=100_000)
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
        raw_stream = asyncio.run(raw_stream_round(target, args.stream_count))
        stream = run_stream(target, args.stream_count)
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
    print(f"server stream read by a grpc.aio stub alone: {raw_stream:.0f} messages a second")
    print(f"server stream into the view: {stream['shown']} messages shown, "
          f"{stream['rows']} rows kept ({stream['dropped']} older let go), {stream['code']}")
    print(f"unary_vs_grpcio={best_raw / best_library:.2f} "
          f"stream_msgs_per_s={stream['stream_msgs_per_s']} "
          f"max_stall_ms={stream['max_stall_ms']}")


if __name__ == "__main__":
    main()
