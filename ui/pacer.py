"""Let the window's thread in while a worker thread floods it with messages.

Python runs one thread at a time. A thread reading a fast stream (a gRPC server stream's
reader, :mod:`app.grpc._reader`) is busy all the time, and the window's thread, which leaves
and enters Python around most Qt calls, waits its turn at each: a frame could take a tenth of
a second. A :class:`Pacer` beats on the window's loop; the worker calls :meth:`Pacer.pace`
for each message, which, when the window is late (no beat for ``late_ms``), sleeps a
millisecond at a time, the lock released, until the window has beaten again or ``max_wait_ms``
have passed. An idle window beats on time and the worker never waits.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Qt, QTimer

__all__ = ["Pacer"]


class Pacer(QObject):
    """See the module's docstring. ``start``/``stop`` on the window's thread; ``pace`` from
    any thread."""

    def __init__(self, late_ms: int = 20, max_wait_ms: int = 40,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        if late_ms < 2 or max_wait_ms < 1:
            raise ValueError("late_ms must be 2 or more and max_wait_ms 1 or more")
        self._late = late_ms / 1000
        self._max_wait = max_wait_ms / 1000
        self._beat = time.perf_counter()
        self._running = False
        self._window_thread = threading.get_ident()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, late_ms // 3))
        self._timer.timeout.connect(self._on_beat)

    def _on_beat(self) -> None:
        self._beat = time.perf_counter()

    def start(self) -> None:
        self._beat = time.perf_counter()
        self._running = True
        self._timer.start()

    def stop(self) -> None:
        self._running = False
        self._timer.stop()

    def pace(self) -> None:
        """Wait while the window is late; at once on the window's own thread, which would
        only wait for itself."""
        clock = time.perf_counter
        if (not self._running or clock() - self._beat <= self._late
                or threading.get_ident() == self._window_thread):
            return
        give_up = clock() + self._max_wait
        while self._running and clock() - self._beat > self._late and clock() < give_up:
            time.sleep(0.001)
