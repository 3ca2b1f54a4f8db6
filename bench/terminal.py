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
  and pyte's. Goal ``0``.
- ``echo_p99_ms``: a key pressed on the view (``QTest.keyClick``) to the echoed character
  painted, through a raw echo server, over 500 keys (the 99th percentile). Goal ``<= 25``.

Run: ``.venv/bin/python bench/terminal.py [--mb 20] [--keys 500]``. The last line is
``terminal_vs_pyte=R max_stall_ms=M lost=N echo_p99_ms=E``.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


ROWS, COLS = 24, 80
PIECE = 4096


def pyte_rate(data: bytes, *, history: bool = False) -> tuple[float, Any]:
    """Bytes per second of pyte fed ``data`` in pieces; and its screen."""
    import pyte

    screen = (pyte.HistoryScreen(COLS, ROWS, history=10_000) if history
              else pyte.Screen(COLS, ROWS))
    stream = pyte.ByteStream(screen)
    began = time.perf_counter()
    for start in range(0, len(data), PIECE):
        stream.feed(data[start:start + PIECE])
    return len(data) / (time.perf_counter() - began), screen
