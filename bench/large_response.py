"""The real window receiving a 200 MB JSON body from the playground.

What is measured: a ``MainWindow`` (offscreen) sends ``GET /json?size=200000000`` to the
playground, which runs in its own process so that the server does not share the interpreter
lock with the window. The body streams into the tab's viewer; after the last byte the viewer
is scrolled to the end and back, while the pretty-printer works. A 5 ms ``QTimer`` probe runs
on the UI loop throughout: its longest gap is the loop's worst stall.

Goal: ``max_stall_ms <= 100`` and ``first_screen_ms <= 1000`` (from the last byte to the
first paint of the body after it); with ``--mb 1024`` (the playground's largest body),
``max_stall_ms <= 50`` and ``peak_rss_mib <= 300``.

The last line of stdout is ``body_mb=N max_stall_ms=X first_screen_ms=Y peak_rss_mib=Z``.

Run: ``.venv/bin/python bench/large_response.py [--mb 200]`` (or ``--mb 1024``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="spyglass-bench-")
import _path  # noqa: F401  (first: this folder last on the path)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import qasync
from _server import playground_process
from body_view import PaintWatch, Probe, peak_rss_mib, scroll_round_trip, until
from PySide6.QtWidgets import QApplication

from app.model.request import RequestModel
from ui.main_window import MainWindow
from ui.response.body_viewer import LargeTextView


async def run(size_mb: int, base: str) -> str:
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    gc.freeze()  # as ui/app.py does once the window is up
    tab = window.current_tab()
    assert tab is not None
    body = tab.response.body
    watch = PaintWatch()
    for mode in ("pretty", "raw"):
        view = body.view(mode)
        assert isinstance(view, LargeTextView)
        view.viewport().installEventFilter(watch)
    last_byte = [0.0]
    done = [False]
    tab.controller.body_chunk.connect(lambda _chunk: last_byte.__setitem__(0, time.perf_counter()))
    tab.controller.finished.connect(lambda _summary: done.__setitem__(0, True))

    # Warm up: a small request draws text once (fonts, glyphs, the session's connection).
    tab.load_model(RequestModel(url=f"{base}/json?size=20000"))
    tab.send()
    await until(lambda: done[0], 30)
    gc.freeze()  # as ui/warm_up.py does once the request library has loaded
    await asyncio.sleep(0.3)
    done[0] = False

    probe = Probe()
    tab.load_model(RequestModel(url=f"{base}/json?size={size_mb * 1_000_000}"))
    started = time.perf_counter()
    tab.send()
    await until(lambda: done[0], 600)
    received_s = last_byte[0] - started
    await until(lambda: watch.last_paint > last_byte[0], 10)
    first_screen_ms = (watch.last_paint - last_byte[0]) * 1000
    store = body.store
    size = store.size if store is not None else 0
    print(f"received {size / 1e6:.0f} MB in {received_s:.2f} s "
          f"({size / 1e6 / received_s:.0f} MB/s), worst stall {probe.phase():.0f} ms; "
          f"first screen {first_screen_ms:.0f} ms after the last byte")
    view = body.view(body.mode)
    assert isinstance(view, LargeTextView)
    await scroll_round_trip(view, watch)
    print(f"scrolled to the end and back: worst stall {probe.phase():.0f} ms")
    body.cancel_formatting()
    window.close()
    await window.shutdown()
    return (f"body_mb={round(size / 1e6)} max_stall_ms={probe.worst * 1000:.0f} "
            f"first_screen_ms={first_screen_ms:.0f} peak_rss_mib={peak_rss_mib():.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=200, help="body size in MB")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    with playground_process() as base:
        print(qasync.run(run(args.mb, base)))


if __name__ == "__main__":
    main()
