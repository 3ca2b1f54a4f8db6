"""How the terminal pane keeps up: a flood of mixed output, and the echo of typed keys.

What is measured, in one process, offscreen:

- ``terminal_vs_pyte``: 20 MB of mixed output (``bench/_terminal_output.py``: plain lines, SGR
  colours, cursor addressing, full-screen redraws) sent by a local WebSocket server as fast as
  it can into the real terminal pane (a shown ``TerminalPane`` in its Terminal mode, ``raw``
  protocol), from Connect until the screen has taken every byte and painted; divided into the
  throughput of plain ``pyte`` (``pyte.Screen`` + ``pyte.ByteStream``, no scrollback) fed the
  same bytes in 4 KiB pieces in a tight loop. Goal ``>= 0.8``. ``vs_pyte_history`` divides by
  ``pyte.HistoryScreen`` with the same 10,000-line scrollback instead (pyte's own way to keep
  a scrollback), for scale.
- ``max_stall_ms``: the longest gap between the ticks of a 5 ms ``QTimer`` during the flood.
  Goal ``<= 50``.
- ``lost``: the cells (character and attributes) that differ between the pane's final screen
  and the same bytes fed straight to a ``TerminalScreen`` (pyte underneath; plain pyte has no
  alternate screen, so its final screen differs after full-screen redraws). Goal ``0``.
- ``echo_p99_ms``: a key pressed on the view (``QTest.keyClick``) to the echoed character
  painted, through a raw echo server, over 500 keys (the 99th percentile). Goal ``<= 25``.

Run: ``.venv/bin/python bench/terminal.py [--mb 20] [--keys 500]``. The last line is
``terminal_vs_pyte=R max_stall_ms=M lost=N echo_p99_ms=E``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import _path  # noqa: E402, F401  (first: this folder last on the path)

sys.path.insert(0, ROOT)

from _terminal_output import mixed_output  # noqa: E402

ROWS, COLS = 24, 80
PIECE = 4096


def pyte_rate(data: bytes, *, rows: int = ROWS, cols: int = COLS,
              history: bool = False) -> tuple[float, Any]:
    """Bytes per second of pyte fed ``data`` in pieces; and its screen."""
    import pyte

    screen = (pyte.HistoryScreen(cols, rows, history=10_000) if history
              else pyte.Screen(cols, rows))
    stream = pyte.ByteStream(screen)
    began = time.perf_counter()
    for start in range(0, len(data), PIECE):
        stream.feed(data[start:start + PIECE])
    return len(data) / (time.perf_counter() - began), screen


def reference_screen(data: bytes, rows: int, cols: int) -> Any:
    """The screen the pane should end with: the same bytes fed straight to a TerminalScreen.

    Not plain pyte's: pyte has no alternate screen, so after the full-screen redraws its main
    screen holds what the pane's alternate screen held (TerminalScreen is pyte with that
    added, see app/terminal/screen.py). Any byte the pane lost or reordered shows here."""
    from app.terminal.screen import TerminalScreen

    screen = TerminalScreen(rows, cols)
    for start in range(0, len(data), PIECE):
        screen.feed(data[start:start + PIECE])
    return screen


END_MARK = b"\x1b[0m\r\nEND-OF-FLOOD"
_FLOOD_MB = 20


def _terminal_app() -> Any:
    """The bench's WebSocket server: ``/flood`` sends the mixed output as fast as the socket
    takes it (16 KiB binary messages), ``/echo`` sends back what it gets."""
    from aiohttp import WSMsgType, web

    data = mixed_output(int(os.environ.get("SPYGLASS_BENCH_FLOOD_MB", _FLOOD_MB)) << 20)
    data += END_MARK

    async def flood(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        for start in range(0, len(data), 16384):
            await ws.send_bytes(data[start:start + 16384])
        async for _ in ws:
            pass
        return ws

    async def echo(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                await ws.send_bytes(msg.data)
        return ws

    app = web.Application()
    app.router.add_get("/flood", flood)
    app.router.add_get("/echo", echo)
    return app


async def _until(condition: Any, timeout: float, poll: float = 0.0) -> None:
    """Wait for ``condition()``, looking every ``poll`` seconds (0: at every loop turn)."""
    began = time.perf_counter()
    while not condition():
        if time.perf_counter() - began > timeout:
            raise TimeoutError("the terminal bench waited too long")
        await asyncio.sleep(poll)


async def run_pane(url: str, data: bytes, keys: int) -> dict[str, Any]:
    """Flood a shown pane, then type ``keys`` keys through the echo server."""
    from _streams_sse import StallProbe
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.model.compose import SessionPool
    from app.model.request import RequestMode, RequestModel, TerminalModel
    from ui.modes.base import ConnectionState
    from ui.tasks import TaskRunner
    from ui.terminal.terminal_pane import TerminalPane

    ws_url = "ws://" + url.split("://", 1)[1]
    pool = SessionPool()
    pane = TerminalPane(TaskRunner(), lambda: pool, "bench / terminal")
    pane.resize(1000, 700)
    pane.show()
    await asyncio.sleep(0.5)  # the view's size settles (its resize is debounced)
    view = pane.view
    rows, cols = view.grid_size()
    result: dict[str, Any] = {"rows": rows, "cols": cols}
    try:
        pane.set_protocol("raw")
        model = RequestModel(url=f"{ws_url}/flood", mode=RequestMode.TERMINAL,
                             terminal=TerminalModel("raw", rows, cols))
        probe = StallProbe()
        began = time.perf_counter()
        pane.controller.start(model)

        def flooded() -> bool:
            screen = pane.controller.screen
            return (any("END-OF-FLOOD" in line for line in screen.display)
                    and view.painted_generation == screen.generation)

        await _until(flooded, 600, poll=0.01)  # a light look: the pane does the work
        elapsed = time.perf_counter() - began
        result["max_stall_ms"] = round(probe.stop(), 1)
        result["pane_mb_per_s"] = round(len(data) / elapsed / 1e6, 2)
        screen = pane.controller.screen
        reference = reference_screen(data, rows, cols)
        result["lost"] = sum(
            1 for y in range(rows) for x in range(cols)
            if tuple(screen.row(y)[x]) != tuple(reference.row(y)[x]))
        pane.controller.stop()
        await _until(lambda: not pane.controller.busy, 30)

        # Echo: a key pressed on the view until its echo is painted.
        model = RequestModel(url=f"{ws_url}/echo", mode=RequestMode.TERMINAL,
                             terminal=TerminalModel("raw", rows, cols))
        pane.controller.start(model)
        await _until(lambda: pane.controller.state == ConnectionState.OPEN, 30)
        view.setFocus()
        latencies = []
        for i in range(keys):
            screen = pane.controller.screen
            before = screen.cursor
            began = time.perf_counter()
            QTest.keyClick(view, chr(ord("a") + i % 26), Qt.KeyboardModifier.NoModifier)
            await _until(lambda s=screen, b=before: s.cursor != b
                         and view.painted_generation == s.generation, 10)
            latencies.append(time.perf_counter() - began)
            if (i + 1) % 60 == 0:
                QTest.keyClick(view, Qt.Key.Key_Return)  # a fresh line now and then
                await _until(lambda s=screen: view.painted_generation == s.generation, 10)
        latencies.sort()
        result["echo_p50_ms"] = round(latencies[len(latencies) // 2] * 1000, 1)
        result["echo_p99_ms"] = round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1)
        pane.controller.stop()
        await _until(lambda: not pane.controller.busy, 30)
        return result
    finally:
        pane.dispose()
        pane.hide()
        await pool.close()


def main() -> None:
    import gc

    import qasync
    from _server import served
    from PySide6.QtWidgets import QApplication

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=_FLOOD_MB)
    parser.add_argument("--keys", type=int, default=500)
    args = parser.parse_args()
    os.environ["SPYGLASS_BENCH_FLOOD_MB"] = str(args.mb)
    data = mixed_output(args.mb << 20) + END_MARK
    app = QApplication.instance() or QApplication(sys.argv)
    assert app is not None
    import ui.terminal.terminal_pane  # noqa: F401  (what the window has loaded by then)

    gc.freeze()  # as ui/app.py does once the window is up
    with served(_terminal_app) as url:
        pane = qasync.run(run_pane(url, data, args.keys))
    rows, cols = pane["rows"], pane["cols"]
    plain, _ = pyte_rate(data, rows=rows, cols=cols)
    kept, _ = pyte_rate(data, rows=rows, cols=cols, history=True)
    pane_rate = pane["pane_mb_per_s"] * 1e6
    print(f"screen {rows}x{cols}, {len(data) / 1e6:.1f} MB: pane {pane_rate / 1e6:.2f} MB/s, "
          f"pyte {plain / 1e6:.2f} MB/s, pyte with a 10,000-line history {kept / 1e6:.2f} MB/s; "
          f"echo p50 {pane['echo_p50_ms']} ms")
    print(f"vs_pyte_history={pane_rate / kept:.2f}")
    print(f"terminal_vs_pyte={pane_rate / plain:.2f} max_stall_ms={pane['max_stall_ms']} "
          f"lost={pane['lost']} echo_p99_ms={pane['echo_p99_ms']}")


if __name__ == "__main__":
    main()
