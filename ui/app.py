"""Start the window: a QApplication, its theme, the main window, and asyncio on Qt's loop."""

from __future__ import annotations

import gc
import linecache
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from ui.main_window import MainWindow

__all__ = ["run", "window_icon"]

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
#: The sizes resources/icons/spyglass-N.png is rendered in (packaging/render_icons.py).
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)


def window_icon(folder: Path = RESOURCES / "icons") -> QIcon | None:
    """Spyglass's icon from its PNG renderings (the SVG where there are none; None: no icon).

    Each PNG is added with its size, so Qt reads one only when it draws that size; the SVG
    would load Qt's SVG module and icon plugin for the window's icon alone (some 2 MiB that
    an idle window keeps, bench/idle.py)."""
    pngs = [(folder / f"spyglass-{size}.png", size) for size in ICON_SIZES]
    if all(path.is_file() for path, _size in pngs):
        icon = QIcon()
        for path, size in pngs:
            icon.addFile(str(path), QSize(size, size))
        return icon
    svg = folder / "spyglass.svg"
    return QIcon(str(svg)) if svg.is_file() else None


def _log_to_file() -> None:
    """Failures go to a log file, never as tracebacks to a terminal. The file is made with the
    first record (ui.log_file says why)."""
    import logging

    from platformdirs import user_log_dir

    from ui.log_file import LogFile

    handler = LogFile(Path(user_log_dir("spyglass", appauthor=False)))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)


def _catch_stray_exceptions(window: MainWindow) -> None:
    """An exception escaping a slot is a bug: log it and say so in the status bar, rather
    than print a traceback to a terminal nobody reads."""
    import logging

    def hook(kind: type[BaseException], value: BaseException, tb: object) -> None:
        logging.getLogger("spyglass").error("unexpected error", exc_info=(kind, value, tb))
        window.statusBar().showMessage(
            f"Unexpected error ({kind.__name__}); the details are in the log.", 10000)

    sys.excepthook = hook  # type: ignore[assignment]


async def _main(app: QApplication, window: MainWindow, theme: str, dark: bool) -> int:
    import asyncio
    import logging
    from concurrent.futures import ThreadPoolExecutor

    from ui.theme import apply_theme, is_dark

    # PySide6 reads the source of every module imported after it (inspect.getsource, to
    # look for `from __feature__ import`), which leaves all of them in linecache: ~8 MiB
    # that only a traceback would use, and it reads the lines back when it needs them.
    # Emptied after each batch of imports, so that what is built next reuses the room
    # (freed once at the end, most of it would stay in the process as holes).
    linecache.clearcache()
    # Plain worker threads for run_in_executor (file reads, the playground's start):
    # qasync's default QThreads are not needed for work that never touches Qt.
    loop = asyncio.get_running_loop()
    executor = ThreadPoolExecutor(thread_name_prefix="spyglass-worker")
    loop.set_default_executor(executor)
    if is_dark(theme) != dark:  # the first frame guessed the system scheme from its palette
        apply_theme(app, theme)
    window.populate()
    linecache.clearcache()  # the sources of the modules populate imported (see above)
    # What start-up built lives as long as the window: keep it out of the garbage
    # collector's full passes, which otherwise stall streams of many small objects.
    gc.freeze()
    if os.environ.get("SPYGLASS_STARTUP_PROBE"):
        # bench/startup.py: the first frame was reported; the content's frame too, then leave.
        # Laid out and painted now, without processEvents(): events handled inside this
        # task would run other tasks' steps within it (asyncio logs "Cannot enter into
        # task").
        window.layout().activate()
        window.repaint()
        print("content-frame", flush=True)
        window.close()
    _log_to_file()
    _catch_stray_exceptions(window)
    # The request library loads on a thread at the first key press or click, not before:
    # an idle window does not need it (bench/idle.py).
    from ui.warm_up import WarmUpOnFirstInput

    WarmUpOnFirstInput(app)
    linecache.clearcache()  # the log handlers' and the warm-up's sources (see above)
    # Closing the window ends this coroutine, which then closes the connections while the
    # loop still runs (Qt's own quit-on-last-window would stop the loop under it).
    app.setQuitOnLastWindowClosed(False)
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    app.aboutToQuit.connect(closed.set)
    loop.set_exception_handler(
        lambda _loop, ctx: logging.getLogger("asyncio").error(
            ctx.get("message"), exc_info=ctx.get("exception")))
    if not window.isVisible():
        closed.set()
    await closed.wait()
    await window.shutdown()
    executor.shutdown(wait=False, cancel_futures=True)
    return 0


def run(argv: list[str] | None = None) -> int:
    """Open the window and run until it is closed; the process's exit code.

    The first frame is painted before asyncio, qasync, the editors and the request library
    are imported: they come after it (see MainWindow.populate).
    """
    from ui.main_window import MainWindow
    from ui.theme import apply_theme
    from ui.window_state import WindowState

    linecache.clearcache()  # the window's modules' sources (see _main)
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Spyglass")
    app.setOrganizationName("Spyglass")
    app.setDesktopFileName("io.github.spyglass.Spyglass")  # the .desktop entry's id
    if (icon := window_icon()) is not None:
        app.setWindowIcon(icon)
    state = WindowState()
    dark = apply_theme(app, state.theme, exact=False)
    window = MainWindow(state, deferred=True)
    window.show()
    app.processEvents()  # paint the first frame now, before the event loop exists
    if os.environ.get("SPYGLASS_STARTUP_PROBE"):
        print("first-frame", flush=True)

    import qasync

    return int(qasync.run(_main(app, window, state.theme, dark)))
