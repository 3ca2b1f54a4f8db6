"""Launch to first window shown: Spyglass (`python -m app`) against an empty PySide6 window.

Both are started as fresh processes, offscreen, with an empty configuration folder, several
times in alternation; each reports its first frame on standard output (the app does it when
SPYGLASS_STARTUP_PROBE is set). Prints `startup_vs_empty_window=R` (ratio of the medians) as
its last line. Goal: <= 1.3.

Spyglass's first frame is its window with the menus and the layout; the sidebar and the tabs
come right after it (``MainWindow.populate``, once asyncio and the editors are loaded). The
line before the last gives the time to that second frame too.

Both read compiled bytecode, as an installed Spyglass does (pip and PyInstaller ship it): the
first, unmeasured launch of each compiles into a temporary PYTHONPYCACHEPREFIX, also where
PYTHONDONTWRITEBYTECODE is set (it would make every launch compile Spyglass from source).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7

EMPTY_WINDOW = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow()
w.resize(1280, 820)
w.show()
QTimer.singleShot(0, lambda: (print("first-frame", flush=True), app.quit()))
app.exec()
"""


def launch(cmd: list[str], env: dict[str, str]) -> tuple[float, float | None]:
    """Seconds to the first frame, and to the content's (Spyglass's only: None for the
    empty window)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    first = content = None
    for line in proc.stdout:
        if line.strip() == "first-frame":
            first = time.perf_counter() - start
        elif line.strip() == "content-frame":
            content = time.perf_counter() - start
    if first is None:
        raise RuntimeError(f"{cmd} exited without showing a window")
    proc.wait(timeout=30)
    return first, content


def main() -> None:
    with tempfile.TemporaryDirectory() as config:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=config,
                   XDG_DATA_HOME=config, XDG_STATE_HOME=config,
                   QT_LOGGING_RULES="default.warning=false", SPYGLASS_STARTUP_PROBE="1",
                   PYTHONPYCACHEPREFIX=os.path.join(config, "pycache"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        app_cmd = [sys.executable, "-m", "app"]
        empty_cmd = [sys.executable, "-c", EMPTY_WINDOW]
        launch(app_cmd, env)  # warm the file cache for both, and compile the bytecode
        launch(empty_cmd, env)
        app_times, content_times, empty_times = [], [], []
        for _ in range(RUNS):
            first, content = launch(app_cmd, env)
            app_times.append(first)
            content_times.append(content or 0.0)
            empty_times.append(launch(empty_cmd, env)[0])
    app_ms = statistics.median(app_times) * 1000
    content_ms = statistics.median(content_times) * 1000
    empty_ms = statistics.median(empty_times) * 1000
    print(f"spyglass median {app_ms:.0f} ms to its first frame (the window and its menus), "
          f"{content_ms:.0f} ms to its content's (sidebar and tabs: "
          f"{content_ms / empty_ms:.2f} times the empty window); "
          f"empty window median {empty_ms:.0f} ms")
    print(f"startup_vs_empty_window={app_ms / empty_ms:.2f}")


if __name__ == "__main__":
    main()
