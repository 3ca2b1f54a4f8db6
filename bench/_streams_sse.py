"""How the event-stream pane keeps up with a firehose: events per second, events lost, and the
UI loop's worst stall.

What is measured: a real ``EventStreamPane`` in a shown (offscreen) window receives
``{playground}/sse/firehose?count=N`` (tiny events with ids, written in batches as fast as the
socket takes them) through ``start()``, on the qasync loop that paints the window. A 5 ms
``QTimer`` probe runs throughout: the longest gap between its ticks is the loop's worst stall.
The rate counts from ``start()`` until the table has published every event; lost is ``N`` minus
the events in the pane's log.

Goals: ``sse_events_per_s >= 20000``, ``sse_lost == 0``, ``sse_max_stall_ms <= 50``.

Run: ``.venv/bin/python bench/_streams_sse.py [--count 200000] [--url URL]``. Without ``--url``
the playground runs in a subprocess (``python -m app.playground --port 0 --quiet``), so that
the server does not share the GIL with the window.
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
from PySide6.QtCore import Qt, QTimer  # noqa: E402

__all__ = ["StallProbe", "playground_process", "run_sse"]


class StallProbe:
    """A 5 ms timer on the UI loop; ``worst`` is the longest gap between two ticks."""

    def __init__(self) -> None:
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


async def run_sse(playground_url: str, count: int = 200_000) -> dict[str, Any]:
    """Stream ``count`` firehose events into a shown pane; return the figures.

    Call it on a running qasync loop, with a ``QApplication`` made (``main`` does both)."""
    from app.model.compose import SessionPool
    from app.model.request import RequestModel
    from ui.modes.events.event_stream_pane import EventStreamPane
    from ui.tasks import TaskRunner

    pool = SessionPool()
    runner = TaskRunner()
    pane = EventStreamPane(runner, lambda: pool, "bench / events")
    pane.resize(1200, 800)
    pane.show()
    try:
        # A window that is up has painted rows already: so has this one.
        pane.start(RequestModel(url=f"{playground_url}/sse/ticker?count=20&interval=0"))
        while pane.state in ("connecting", "open") or not pane.model.synced:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)

        probe = StallProbe()
        began = time.perf_counter()
        pane.start(RequestModel(url=f"{playground_url}/sse/firehose?count={count}"))
        while pane.controller.active or not pane.model.synced:
            await asyncio.sleep(0.01)
            if time.perf_counter() - began > 600:
                break
        elapsed = time.perf_counter() - began
        await asyncio.sleep(0.05)
        stall = probe.stop()
        received = pane.log.total
        return {"sse_events_per_s": round(received / elapsed), "sse_lost": count - received,
                "sse_max_stall_ms": round(stall, 1), "sse_state": pane.state,
                "sse_rows": pane.model.rowCount(), "sse_in_memory": pane.log.in_memory}
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
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    assert app is not None
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(playground_process())
        result = qasync.run(run_sse(url, args.count))
    print(" ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
