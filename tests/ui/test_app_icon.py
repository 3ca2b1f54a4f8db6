"""The window's icon: the PNG renderings, each added with its size, so that drawing it loads
no SVG support (bench/idle.py); the SVG where the PNGs are missing, no icon where neither is."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from ui.app import ICON_SIZES, RESOURCES, window_icon

ICONS = RESOURCES / "icons"


def test_the_icon_is_made_of_the_png_renderings(qtbot: QtBot) -> None:
    icon = window_icon()
    assert icon is not None
    assert sorted(s.width() for s in icon.availableSizes()) == list(ICON_SIZES)
    image = icon.pixmap(48, 48).toImage()
    assert not image.isNull() and image.width() == 48
    assert len({image.pixel(x, 24) for x in range(48)}) > 1  # drawn, not blank


def test_without_the_pngs_the_svg_is_used_and_without_both_no_icon(
        qtbot: QtBot, tmp_path: Path) -> None:
    shutil.copy(ICONS / "spyglass.svg", tmp_path)
    shutil.copy(ICONS / "spyglass-16.png", tmp_path)  # one size alone is not enough
    icon = window_icon(tmp_path)
    assert icon is not None and not icon.pixmap(64, 64).isNull()
    (tmp_path / "spyglass.svg").unlink()
    assert window_icon(tmp_path) is None


_NO_SVG = """
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ui.app import window_icon
icon = window_icon()
app.setWindowIcon(icon)
assert not icon.pixmap(64, 64).isNull()
print(any('libQt6Svg' in line for line in open('/proc/self/maps')))
"""


def test_drawing_the_icon_loads_no_svg_support() -> None:
    if not Path("/proc/self/maps").exists():
        return  # Linux only: the libraries mapped are read from /proc
    out = subprocess.run([sys.executable, "-c", _NO_SVG], capture_output=True, text=True,
                         check=True, timeout=60,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "False", out.stderr
