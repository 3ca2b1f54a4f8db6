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
    import gc
    import sys

    from ui import long_lived
    from ui.warm_up import load_request_library

    load_request_library()
    assert "app.model.compose" in sys.modules and "aiohttp" in sys.modules
    assert "request library" in long_lived._done
    # Once per name: the first time freezes the collector's generations, later ones not.
    gc.unfreeze()
    long_lived.loaded_for_good("a library of this test")
    assert gc.get_freeze_count() > 10_000
    gc.unfreeze()
    long_lived.loaded_for_good("a library of this test")
    assert gc.get_freeze_count() == 0
    gc.freeze()  # as the window would have it
