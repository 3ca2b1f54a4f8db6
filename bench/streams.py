"""The live-stream panes under a firehose: the real EventStreamPane and WebSocketPane, shown in
an offscreen window, receive 200,000 messages each from the playground's /sse/firehose and
/ws/firehose (the playground runs in its own process) while a 5 ms QTimer probe measures the UI
loop's worst stall.

The last line of stdout is
``sse_events_per_s=N sse_lost=L sse_max_stall_ms=S ws_msgs_per_s=N ws_lost=L ws_max_stall_ms=S``.
Goals: >= 20000 per second, 0 lost, <= 50 ms for both.

Run: ``.venv/bin/python bench/streams.py [--count 200000]``.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
import _path  # noqa: F401  (first: this folder last on the path)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _server import playground_process
from _streams_sse import run_sse
from _streams_ws import run_ws


async def both(url: str, count: int) -> dict[str, object]:
    result = dict(await run_sse(url, count))
    result.update(await run_ws(url, count))
    return result


def main() -> None:
    import qasync
    from PySide6.QtWidgets import QApplication

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    with playground_process() as url:
        result = qasync.run(both(url, args.count))
    keys = ("sse_events_per_s", "sse_lost", "sse_max_stall_ms",
            "ws_msgs_per_s", "ws_lost", "ws_max_stall_ms")
    print(" ".join(f"{k}={result[k]}" for k in keys))


if __name__ == "__main__":
    main()
