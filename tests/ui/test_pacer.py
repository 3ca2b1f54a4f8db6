"""ui.pacer: a worker flooding the window waits while the window is late, never long."""

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

    thread = threading.Thread(target=work)
    thread.start()
    return waited


def test_a_window_on_time_is_not_waited_for(qtbot: QtBot) -> None:
    pacer = Pacer(late_ms=20, max_wait_ms=500)
    pacer.start()
    qtbot.wait(50)  # the window beats meanwhile
    waited = _pace_in_a_thread(pacer)
    qtbot.waitUntil(lambda: bool(waited), timeout=2000)
    assert waited[0] < 0.1
    pacer.stop()


def test_a_late_window_is_waited_for_until_it_beats(qtbot: QtBot) -> None:
    pacer = Pacer(late_ms=20, max_wait_ms=2000)
    pacer.start()
    time.sleep(0.05)  # the window's thread busy: no beat for 50 ms
    waited = _pace_in_a_thread(pacer)
    time.sleep(0.2)
    assert not waited  # still waiting: the window has not had its turn
    qtbot.waitUntil(lambda: bool(waited), timeout=2000)  # the loop runs: a beat
    assert 0.15 < waited[0] < 1.5
    pacer.stop()


def test_the_wait_is_bounded_and_a_stopped_pacer_never_waits(qtbot: QtBot) -> None:
    pacer = Pacer(late_ms=20, max_wait_ms=60)
    pacer.start()
    time.sleep(0.05)
    waited = _pace_in_a_thread(pacer)
    time.sleep(0.5)  # nobody beats meanwhile: the worker gives up after max_wait
    assert waited and 0.05 < waited[0] < 0.4
    pacer.stop()
    time.sleep(0.05)
    waited = _pace_in_a_thread(pacer)
    time.sleep(0.1)
    assert waited and waited[0] < 0.01
    with pytest.raises(ValueError, match="late_ms"):
        Pacer(late_ms=1)


def test_the_windows_own_thread_never_waits(qtbot: QtBot) -> None:
    pacer = Pacer(late_ms=20, max_wait_ms=2000)
    pacer.start()
    time.sleep(0.05)  # late, but this is the window's thread: waiting would wait for itself
    began = time.perf_counter()
    pacer.pace()
    assert time.perf_counter() - began < 0.01
    pacer.stop()
