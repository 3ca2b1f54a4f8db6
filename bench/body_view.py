"""How the response body view copes with a huge body: the event loop's worst stall and the
time to the first screen.

What is measured: a ``BodyView`` in a window (offscreen) receives a generated minified JSON
body (200 MB by default, an array of records on one line) in 64 KiB chunks, appended by an
asyncio task on a qasync loop that yields to the loop after every chunk, as a download does.
After the last chunk it calls ``finish()`` (which starts the pretty-printer in a worker
thread), then scrolls the viewer to the end and back (key presses, then wheel-like steps)
while formatting runs, waits for the Pretty view to switch in, and scrolls that to the end
and back. A 5 ms ``QTimer`` probe runs throughout: the longest gap between its ticks is the
loop's worst stall.

Goal: ``max_stall_ms <= 100`` and ``first_screen_ms <= 1000`` (from the last append to the
first paint of the viewer after it).

The last line of stdout is ``body_mb=N max_stall_ms=X first_screen_ms=Y peak_rss_mib=Z``;
earlier lines give the phases (stream, format, scrolling) and the stall in each.

Run: ``.venv/bin/python bench/body_view.py [--mb 200] [--chunk 65536]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
import _path  # noqa: F401  (first: this folder last on the path)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import qasync
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from ui.response.body_view import BodyView
from ui.response.body_viewer import LargeTextView


def record_block() -> bytes:
    """About 1 MiB of JSON records, comma-separated (without the array's brackets)."""
    records = [{"id": i, "name": f"user{i}", "email": f"user{i}@example.com",
                "active": i % 3 == 0, "score": i * 0.25, "tags": ["alpha", "beta"],
                "address": {"city": "Lyon", "zip": "69001", "geo": [45.76, 4.83]}}
               for i in range(5000)]
    return json.dumps(records, separators=(",", ":"))[1:-1].encode()


def body_chunks(megabytes: int, chunk: int, block: bytes | None = None) -> Iterator[bytes]:
    """A JSON array of records about ``megabytes`` MiB long, in ``chunk``-byte pieces,
    made of a repeated ~1 MiB block (so the body itself is never in memory)."""
    block = block if block is not None else record_block()
    count = max(1, -(-megabytes * 2**20 // (len(block) + 1)))     # at least that much
    pieces = [b"["] + [block + b","] * (count - 1) + [block + b"]"]
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        while len(buffer) >= chunk:
            yield bytes(buffer[:chunk])
            del buffer[:chunk]
    if buffer:
        yield bytes(buffer)


class Probe:
    """The 5 ms timer; ``worst`` since the last ``phase()`` and over the whole run."""

    def __init__(self) -> None:
        self._last = time.perf_counter()
        self.worst = 0.0
        self.phase_worst = 0.0
        self._timer = QTimer(interval=5)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = now - self._last
        self._last = now
        self.worst = max(self.worst, gap)
        self.phase_worst = max(self.phase_worst, gap)

    def phase(self) -> float:
        worst, self.phase_worst = self.phase_worst, 0.0
        return worst * 1000


class PaintWatch(QObject):
    """Records when a widget's viewport paints."""

    def __init__(self) -> None:
        super().__init__()
        self.last_paint = 0.0
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.last_paint = time.perf_counter()
            self.paints += 1
        return False


def peak_rss_mib() -> float:
    try:
        import resource
    except ImportError:                      # not on Windows
        import psutil
        return float(psutil.Process().memory_info().peak_wset) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def until(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


def press(widget: LargeTextView, key: Qt.Key) -> None:
    widget.keyPressEvent(QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier))


async def scroll_round_trip(view: LargeTextView, watch: PaintWatch) -> None:
    """End, Home, then 60 wheel-like steps of 3 lines down and 60 up, one per frame."""
    for key in (Qt.Key.Key_End, Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Home):
        paints = watch.paints
        press(view, key)
        await until(lambda paints=paints: watch.paints > paints, 5)
    bar = view.verticalScrollBar()
    for step in [3] * 60 + [-3] * 60:
        bar.setValue(bar.value() + step)
        await asyncio.sleep(0.016)


async def run(args: argparse.Namespace) -> str:
    window = BodyView()
    window.resize(1200, 800)
    window.show()
    probe = Probe()
    watch = PaintWatch()
    for mode in ("pretty", "raw"):
        view = window.view(mode)
        assert isinstance(view, LargeTextView)
        view.viewport().installEventFilter(watch)
    chunks = body_chunks(args.mb, args.chunk, record_block())   # made before the clock runs
    # A window that is up has drawn text already (fonts loaded, glyphs cached): so has this.
    window.begin("application/json")
    window.append(json.dumps({"warm": ["up", 1, True, None]}).encode())
    window.finish()
    await until(lambda: not window.formatting, 10)
    await asyncio.sleep(0.2)
    window.clear()
    await asyncio.sleep(0.1)
    probe.phase()
    probe.worst = 0.0

    window.begin("application/json")
    started = time.perf_counter()
    size = 0
    for chunk in chunks:
        window.append(chunk)
        size += len(chunk)
        await asyncio.sleep(0)
    last_append = time.perf_counter()
    window.finish()
    stream_s = last_append - started
    await until(lambda: watch.last_paint > last_append, 10)
    first_screen_ms = (watch.last_paint - last_append) * 1000
    print(f"stream: {size / 2**20:.0f} MiB in {stream_s:.2f} s "
          f"({size / 2**20 / stream_s:.0f} MiB/s), worst stall {probe.phase():.0f} ms; "
          f"first screen {first_screen_ms:.0f} ms after the last append")

    current = window.view(window.mode)
    assert isinstance(current, LargeTextView)
    await scroll_round_trip(current, watch)
    print(f"scrolling the raw text while formatting: worst stall {probe.phase():.0f} ms")

    await until(lambda: not window.formatting, 600)
    format_s = time.perf_counter() - last_append
    pretty = window.pretty_store
    lines = pretty.line_count if pretty is not None else 0
    print(f"pretty-printed in {format_s:.1f} s ({size / 2**20 / format_s:.0f} MiB/s, "
          f"{lines:,} lines); worst stall meanwhile {probe.phase():.0f} ms; note: {window.note!r}")

    await asyncio.sleep(0.1)
    current = window.view(window.mode)
    assert isinstance(current, LargeTextView)
    await scroll_round_trip(current, watch)
    print(f"scrolling the pretty text: worst stall {probe.phase():.0f} ms")
    window.clear()
    window.close()
    return (f"body_mb={size // 2**20} max_stall_ms={probe.worst * 1000:.0f} "
            f"first_screen_ms={first_screen_ms:.0f} peak_rss_mib={peak_rss_mib():.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=200, help="body size in MiB")
    parser.add_argument("--chunk", type=int, default=65536, help="bytes per append")
    args = parser.parse_args()
    QApplication.instance() or QApplication(sys.argv)
    print(qasync.run(run(args)))


if __name__ == "__main__":
    main()
