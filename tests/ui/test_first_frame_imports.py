"""What the start-up path (``python -m app``) has loaded when it paints the first frame
(bench/startup.py measures the time to it): neither asyncio nor qasync, nor json and
dataclasses (the window's state reads only the theme and the geometry for it), nor the task
runner and the playground's control (made at their first use), nor PySide's Qt namespace and
QEvent, whose first use makes PySide build their enums (some 20 ms and 2 ms)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Runs the real entry point; the first-frame line the probe prints is where the modules
# loaded so far are noted (and printed once the app has closed).
_START = """
import builtins, runpy, sys
seen = []
_print = builtins.print

def note(*args, **kwargs):
    if args == ("first-frame",) and not seen:
        import PySide6.QtCore as core
        loaded = set(sys.modules)
        seen.append(sorted(
            [m for m in ("asyncio", "qasync", "json", "dataclasses", "aiohttp", "yaml",
                         "ui.tasks", "ui.playground_control") if m in loaded]
            + [f"PySide6.QtCore.{name}" for name in ("Qt", "QEvent") if name in vars(core)]))
    _print(*args, **kwargs)

builtins.print = note
sys.argv = ["spyglass"]
try:
    runpy.run_module("app", run_name="__main__")
except SystemExit as exc:
    assert not exc.code, exc.code
_print("loaded at the first frame:", seen)
"""


def test_the_first_frame_loads_neither_asyncio_json_nor_the_qt_namespace(tmp_path: Path) -> None:
    folder = str(tmp_path)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SPYGLASS_STARTUP_PROBE": "1",
           "XDG_CONFIG_HOME": folder, "XDG_DATA_HOME": folder, "XDG_STATE_HOME": folder,
           "XDG_CACHE_HOME": folder}
    out = subprocess.run([sys.executable, "-c", _START], capture_output=True, text=True,
                         check=True, timeout=60, env=env)
    lines = out.stdout.strip().splitlines()
    # The window was shown, then populated and closed by the probe (which exits with 0).
    assert lines[0] == "first-frame", out.stderr
    assert "content-frame" in lines[1:], out.stderr  # the sidebar and tabs came after it
    assert lines[-1] == "loaded at the first frame: [[]]", out.stderr
