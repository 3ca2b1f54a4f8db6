"""How the WebSocket pane keeps up with a firehose: messages per second, messages lost, and the
UI loop's worst stall.

What is measured: a real ``WebSocketPane`` in a shown (offscreen) window connects to
``{playground}/ws/firehose?count=N`` (tiny text messages sent as fast as the socket takes them,
then a close 1000) with ``connect_()``, on the qasync loop that paints the window. A 5 ms
``QTimer`` probe runs throughout: the longest gap between its ticks is the loop's worst stall.
The rate counts from ``connect_()`` until the list has published every message; lost is ``N``
minus the messages in the pane's log.

Goals: ``ws_msgs_per_s >= 20000``, ``ws_lost == 0``, ``ws_max_stall_ms <= 50``.

Run: ``.venv/bin/python bench/_streams_ws.py [--count 200000] [--url URL] [--no-freeze]``.
Without ``--url`` the playground runs in a subprocess (``python -m app.playground --port 0
--quiet``), so that the server does not share the GIL with the window. Like the window
(``ui/app.py``), ``main()`` calls ``gc.freeze()`` once started; ``--no-freeze`` measures without.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import _path  # noqa: E402, F401  (first: this folder last on the path)

sys.path.insert(0, ROOT)

from _server import playground_process  # noqa: E402
from _streams_sse import StallProbe  # noqa: E402

__all__ = ["run_ws"]


async def _until_done(pane: Any, timeout: float) -> None:
    began = time.perf_counter()
    while pane.controller.active or not pane.console.model.synced:
        await asyncio.sleep(0.01)
        if time.perf_counter() - began > timeout:
            break


async def run_ws(playground_url: str, count: int = 200_000) -> dict[str, Any]:
    """Receive ``count`` firehose messages in a shown pane; return the figures."""
    from app.model.compose import SessionPool
    from app.model.request import RequestModel
    from ui.modes.websocket.websocket_pane import WebSocketPane
    from ui.tasks import TaskRunner

    ws_url = "ws://" + playground_url.split("://", 1)[1].rstrip("/")
    pool = SessionPool()
    runner = TaskRunner()
    pane = WebSocketPane(runner, lambda: pool, "bench / websocket")
    pane.resize(1200, 800)
    pane.show()
    try:
        # A window that is up has painted rows already: so has this one.
        pane.set_model(RequestModel(url=f"{ws_url}/ws/firehose?count=20"))
        pane.connect_()
        await _until_done(pane, 30)
        await asyncio.sleep(0.1)
        pane.console.clear()

        probe = StallProbe()
        began = time.perf_counter()
        pane.set_model(RequestModel(url=f"{ws_url}/ws/firehose?count={count}"))
        pane.connect_()
        await _until_done(pane, 600)
        elapsed = time.perf_counter() - began
        await asyncio.sleep(0.05)
        stall = probe.stop()
        log = pane.log
        received = log.counters.in_messages
        return {"ws_msgs_per_s": round(received / elapsed), "ws_lost": count - received,
                "ws_max_stall_ms": round(stall, 1), "ws_state": pane.state,
                "ws_rows": pane.console.model.rowCount(),
                "ws_in_memory_mib": round(log.memory_bytes / 2**20, 1),
                "ws_spilled_rows": log.on_disk}
    finally:
        pane.dispose()
        pane.hide()  # not close(): closing the last window would quit the application
        pane.deleteLater()
        await pool.close()


def main() -> None:
    import qasync
    from PySide6.QtWidgets import QApplication

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--url", help="a running playground (default: start one)")
    parser.add_argument("--no-freeze", action="store_true",
                        help="skip gc.freeze() after start-up (the window does it)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    assert app is not None
    if not args.no_freeze:
        # As ui/app.py does once the window is up: what start-up built stays out of the
        # collector's full passes (some 30 ms each here, otherwise the loop's worst stall).
        import gc

        import ui.modes.websocket.websocket_pane  # noqa: F401  (what the window has loaded by then)

        gc.freeze()
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(playground_process())
        result = qasync.run(run_ws(url, args.count))
    print(" ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
