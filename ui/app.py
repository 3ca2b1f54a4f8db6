"""Start the window: a QApplication, its theme, the main window, and asyncio on Qt's loop."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

__all__ = ["run"]

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def _log_to_file() -> None:
    """Failures go to a log file, never as tracebacks to a terminal."""
    from platformdirs import user_log_dir

    folder = Path(user_log_dir("spyglass", appauthor=False))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = RotatingFileHandler(folder / "spyglass.log",
                                                       maxBytes=1 << 20, backupCount=3)
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)


def _warm_up() -> None:
    """Import the request library on a thread while the first frame is shown."""
    def load() -> None:
        import app.compose  # noqa: F401

    threading.Thread(target=load, name="spyglass-warm-up", daemon=True).start()


async def _main(app: QApplication) -> int:
    from ui.main_window import MainWindow
    from ui.theme import apply_theme
    from ui.window_state import WindowState

    state = WindowState()
    apply_theme(app, state.theme)
    window = MainWindow(state)
    window.show()
    if os.environ.get("SPYGLASS_STARTUP_PROBE"):
        # bench/startup.py: report the first frame, then leave.
        QTimer.singleShot(0, lambda: (print("first-frame", flush=True), window.close()))
    _warm_up()
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(
        lambda _loop, ctx: logging.getLogger("asyncio").error(
            ctx.get("message"), exc_info=ctx.get("exception")))
    await closed.wait()
    await window.shutdown()
    return 0


def run(argv: list[str] | None = None) -> int:
    """Open the window and run until it is closed; the process's exit code."""
    import qasync

    _log_to_file()
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Spyglass")
    app.setOrganizationName("Spyglass")
    app.setDesktopFileName("spyglass")
    icon = RESOURCES / "icons" / "spyglass.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return int(qasync.run(_main(app)))
