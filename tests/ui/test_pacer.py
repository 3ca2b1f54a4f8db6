"""ui.pacer: a worker flooding the window waits while the window is late, never long, and
only while messages flow."""

from __future__ import annotations

import threading
import time

import pytest
from pytestqt.qtbot import QtBot

from ui.pacer import Pacer


def _pace_in_a_thread(pacer: Pacer) -> list[float]:
    waited: list[float] = []

    def work() -> None:
        began = time.perf_counter()
        pacer.pace()
        waited.append(time.perf_counter() - began)

    threading.Thread(target=work).start()
    return waited


class _Stream:
    """A worker that calls pace() every millisecond, as a fast stream's reader does."""

    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.pacer.pace()
            time.sleep(0.001)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def _flowing(pacer: Pacer, qtbot: QtBot) -> _Stream:
    """Messages are flowing: the pacer beats fast."""
    pacer.start()
    stream = _Stream(pacer)
    qtbot.waitUntil(lambda: pacer.beating_fast, timeout=2000)
    return stream


def test_a_window_on_time_is_not_waited_for(qtbot: QtBot) -> None:
    pacer = Pacer(late_ms=20, max_wait_ms=500)
    stream = _flowing(pacer, qtbot)
    waited = _pace_in_a_thread(pacer)
    qtbot.waitUntil(lambda: bool(waited), timeout=2000)
    assert waited[0] < 0.1
    stream.stop()
    pacer.stop()


def test_a_late_window_is_waited_for_until_it_beats(qtbot: QtBot) -> None:
    pacer = Pacer(late_ms=20, max_wait_ms=2000)
    stream = _flowing(pacer, qtbot)
    time.sleep(0.05)  # the window's thread busy: no beat for 50 ms
    waited = _pace_in_a_thread(pacer)
    time.sleep(0.2)
    assert not waited  # still waiting: the window has not had its turn
    qtbot.waitUntil(lambda: bool(waited), timeout=2000)  # the loop runs: a beat
    assert 0.15 < waited[0] < 1.5
    stream.stop()
    pacer.stop()


def test_the_wait_is_bounded_and_a_stopped_pacer_never_waits(qtbot: QtBot) -> None:
    pacer = Pacer(late_ms=20, max_wait_ms=60)
    stream = _flowing(pacer, qtbot)
    time.sleep(0.05)
    waited = _pace_in_a_thread(pacer)
    time.sleep(0.5)  # nobody beats meanwhile: the worker gives up after max_wait
    assert waited and 0.05 < waited[0] < 0.4
    stream.stop()
    pacer.stop()
    time.sleep(0.05)
    waited = _pace_in_a_thread(pacer)
    time.sleep(0.1)
    assert waited and waited[0] < 0.01
    with pytest.raises(ValueError, match="late_ms"):
        Pacer(late_ms=1)


def test_the_beat_slows_when_messages_stop_and_the_first_after_never_waits(
    qtbot: QtBot,
) -> None:
    pacer = Pacer(late_ms=20, max_wait_ms=2000, idle_beat_ms=100)
    _flowing(pacer, qtbot).stop()
    qtbot.waitUntil(lambda: not pacer.beating_fast, timeout=2000)  # no pace since a beat
    time.sleep(0.15)  # the window busy longer than late_ms: a message comes meanwhile
    waited = _pace_in_a_thread(pacer)
    time.sleep(0.05)
    assert waited and waited[0] < 0.01  # not held back by a window it had no reason to wait for
    stream = _Stream(pacer)
    qtbot.waitUntil(lambda: pacer.beating_fast, timeout=2000)  # flowing again: fast
    stream.stop()
    pacer.stop()


def test_a_flood_after_a_pause_is_paced_at_once(qtbot: QtBot) -> None:
    # The slow beat is a second here: the first pace asks for the fast one without waiting
    # for it (a flood starting after a pause was left unpaced until the next slow beat).
    pacer = Pacer(late_ms=20, max_wait_ms=2000, idle_beat_ms=1000)
    pacer.start()
    assert not pacer.beating_fast
    began = time.perf_counter()
    stream = _Stream(pacer)
    qtbot.waitUntil(lambda: pacer.beating_fast, timeout=2000)
    assert time.perf_counter() - began < 0.5
    stream.stop()
    qtbot.waitUntil(lambda: not pacer.beating_fast, timeout=3000)
    stream = _Stream(pacer)  # and again after the next pause
    began = time.perf_counter()
    qtbot.waitUntil(lambda: pacer.beating_fast, timeout=2000)
    assert time.perf_counter() - began < 0.5
    stream.stop()
    pacer.stop()


def test_the_windows_own_thread_never_waits(qtbot: QtBot) -> None:
    pacer = Pacer(late_ms=20, max_wait_ms=2000)
    stream = _flowing(pacer, qtbot)
    time.sleep(0.05)  # late, but this is the window's thread: waiting would wait for itself
    began = time.perf_counter()
    pacer.pace()
    assert time.perf_counter() - began < 0.01
    stream.stop()
    pacer.stop()


def test_a_pacer_whose_window_has_gone_lets_its_worker_go(qtbot: QtBot) -> None:
    # The tab closed (its Qt objects deleted) while its stream's reader was still pacing.
    import shiboken6

    pacer = Pacer(late_ms=20, max_wait_ms=2000)
    pacer.start()
    shiboken6.delete(pacer)
    failed: list[BaseException] = []

    def work() -> None:
        try:
            pacer.pace()
        except BaseException as exc:  # what a reader thread would meet
            failed.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(5)
    assert failed == []
