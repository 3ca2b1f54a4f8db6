"""The window's settings file holds the open tabs' requests: it is readable by its owner alone."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from ui.window_state import WindowState

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_settings_file_is_private_and_stays_so(tmp_path: Path) -> None:
    """Fault: the settings file was 0644 (umask), so other local users could read the
    requests of the open tabs. It is made 0600 before Qt first writes it, and Qt's
    replace-on-sync keeps that mode."""
    path = tmp_path / "config" / "spyglass.ini"
    old = os.umask(0o022)
    try:
        state = WindowState(QSettings(str(path), QSettings.Format.IniFormat))
        assert _mode(path) == 0o600
        state.theme = "dark"
        state.settings.sync()
        assert state.settings.status() == QSettings.Status.NoError
        assert _mode(path) == 0o600 and b"dark" in path.read_bytes()
    finally:
        os.umask(old)


def test_a_settings_file_from_an_older_version_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "spyglass.ini"
    path.write_text("[view]\ntheme=light\n")
    path.chmod(0o644)
    state = WindowState(QSettings(str(path), QSettings.Format.IniFormat))
    assert _mode(path) == 0o600 and state.theme == "light"
