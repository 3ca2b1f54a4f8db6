"""Load the request library ahead of the first send, but only once the user is at work.

An idle window does not need aiohttp and the request library (some 16 MiB, bench/idle.py);
a window someone types or clicks in will send soon, and importing them then, on the UI
thread at the first send, would freeze it for a moment. So the first key press or mouse
click anywhere starts the import on a thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

__all__ = ["WarmUpOnFirstInput", "load_request_library"]


def load_request_library() -> None:
    """Import what the first send needs (run on a thread)."""
    import app.model.compose  # noqa: F401
    from ui.long_lived import loaded_for_good

    loaded_for_good("request library")


class WarmUpOnFirstInput(QObject):
    """Watches ``app``'s events until the first key press or mouse click, then runs
    ``load`` once on a daemon thread and stops watching."""

    def __init__(self, app: QApplication,
                 load: Callable[[], None] = load_request_library) -> None:
        super().__init__(app)
        self._app = app
        self._load = load
        self._inputs = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress)
        self.started = False
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.started and event.type() in self._inputs:
            self.started = True
            self._app.removeEventFilter(self)
            threading.Thread(target=self._load, name="spyglass-warm-up", daemon=True).start()
        return False
