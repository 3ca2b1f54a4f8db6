"""The request library loads on a thread at the user's first input, not before."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from ui.warm_up import WarmUpOnFirstInput


def test_the_first_key_press_starts_the_load_once_on_a_thread(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    calls: list[str] = []
    done = threading.Event()

    def load() -> None:
        calls.append(threading.current_thread().name)
        done.set()

    watcher = WarmUpOnFirstInput(app, load)
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    qtbot.waitExposed(field)
    assert not watcher.started and not calls
    qtbot.keyClick(field, Qt.Key.Key_A)
    assert done.wait(5)
    qtbot.keyClick(field, Qt.Key.Key_B)
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    assert watcher.started
    assert calls == ["spyglass-warm-up"]
    watcher.deleteLater()
