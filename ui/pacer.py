"""Let the window's thread in while a worker thread floods it with messages.

Python runs one thread at a time. A thread reading a fast stream (a gRPC server stream's
reader, :mod:`app.grpc._reader`) is busy all the time, and the window's thread, which leaves
and enters Python around most Qt calls, waits its turn at each: a frame could take a tenth of
a second. A :class:`Pacer` beats on the window's loop; the worker calls :meth:`Pacer.pace`
for each message, which, when the window is late (no beat for ``late_ms``), sleeps a
millisecond at a time, the lock released, until the window has beaten again or ``max_wait_ms``
have passed. An idle window beats on time and the worker never waits.

The beat is fast (a third of ``late_ms``) only while messages flow: a beat that finds no
``pace`` since the one before slows to ``idle_beat_ms``, and ``pace`` waits only while beating
fast, so a stream open for an hour with a message a minute costs the window a few wake-ups a
second, and the first messages after a pause never wait. The first ``pace`` after a pause asks
the window's thread to beat fast again at once (a queued signal): waiting for the slow beat
left a flood that starts after a pause unpaced for up to ``idle_beat_ms``, and the window
stalled 60-95 ms at the start of bench/grpc.py's stream.
"""

from __future__ import annotations

import contextlib
import threading
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

__all__ = ["Pacer"]


class Pacer(QObject):
    """See the module's docstring. ``start``/``stop`` on the window's thread; ``pace`` from
    any thread."""

    #: A worker's first ``pace`` after a pause (queued to the window's thread).
    _flowing = Signal()

    def __init__(self, late_ms: int = 20, max_wait_ms: int = 40, idle_beat_ms: int = 100,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        if late_ms < 2 or max_wait_ms < 1 or idle_beat_ms < 1:
            raise ValueError("late_ms must be 2 or more, max_wait_ms and idle_beat_ms 1 or more")
        self._late = late_ms / 1000
        self._max_wait = max_wait_ms / 1000
        self._fast_ms = max(1, late_ms // 3)
        self._idle_ms = max(idle_beat_ms, self._fast_ms)
        self._beat = time.perf_counter()
        self._running = False
        #: Beating fast (the window's thread writes it); pace() was called (workers write it).
        self._fast = False
        self._paced = False
        self._asked = False
        self._window_thread = threading.get_ident()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(self._idle_ms)
        self._timer.timeout.connect(self._on_beat)
        self._flowing.connect(self._speed_up, Qt.ConnectionType.QueuedConnection)

    @property
    def beating_fast(self) -> bool:
        return self._fast

    def _on_beat(self) -> None:
        self._beat = time.perf_counter()
        fast, self._paced = self._paced, False
        self._set_fast(fast)

    def _speed_up(self) -> None:
        self._asked = False
        if self._running:
            self._beat = time.perf_counter()
            self._set_fast(True)

    def _set_fast(self, fast: bool) -> None:
        if fast != self._fast:
            self._fast = fast
            self._timer.setInterval(self._fast_ms if fast else self._idle_ms)

    def start(self) -> None:
        self._beat = time.perf_counter()
        self._running = True
        self._fast = self._paced = self._asked = False
        self._timer.setInterval(self._idle_ms)
        self._timer.start()

    def stop(self) -> None:
        self._running = False
        self._fast = False
        self._timer.stop()

    def pace(self) -> None:
        """Wait while the window is late; at once on the window's own thread, which would
        only wait for itself, and while messages have not been flowing (see above)."""
        self._paced = True
        if not self._fast:
            if self._running and not self._asked:
                self._asked = True
                # A pacer whose window has gone (its Qt object deleted) has no beat to ask for.
                with contextlib.suppress(RuntimeError):
                    self._flowing.emit()
            return
        clock = time.perf_counter
        if (not self._running or clock() - self._beat <= self._late
                or threading.get_ident() == self._window_thread):
            return
        give_up = clock() + self._max_wait
        while self._running and clock() - self._beat > self._late and clock() < give_up:
            time.sleep(0.001)
