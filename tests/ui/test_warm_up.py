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


def test_the_request_library_is_loaded_and_kept_out_of_full_collections() -> None:
    # The test process may have loaded it already: what matters is that the load leaves
    # what it built (and so the library's modules) in the collector's permanent generation.
    import gc
    import sys

    from ui.warm_up import load_request_library

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    load_request_library()
    assert "app.model.compose" in sys.modules and "aiohttp" in sys.modules
    assert gc.get_freeze_count() > 10_000
