"""The gRPC mode in the real window: the Request menu offers Copy as grpcurl (Ctrl+Shift+C,
which is Copy as curl on another tab) and Copy as Python (app.grpc) for a gRPC tab (and the
HTTP copies for another), both fill the clipboard
with the variables in scope, and a call made from the window goes to the history."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from app.model.request import RequestMode, RequestModel
from tests.ui.helpers import shown_window
from tests.ui.modes.conftest import SERVICE
from ui.main_window import MainWindow
from ui.window_state import WindowState


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, run_async: Callable[..., Any]
           ) -> Iterator[MainWindow]:
    state = WindowState(QSettings(str(tmp_path / "spyglass.ini"), QSettings.Format.IniFormat))
    with shown_window(qtbot, run_async, state) as w:
        yield w


MODIFIERS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def request_menu(window: MainWindow) -> tuple[QMenu, dict[str, QAction]]:
    menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Request")
    menu.aboutToShow.emit()
    return menu, {a.text(): a for a in menu.actions() if a.text()}


def test_copy_as_grpcurl_and_python_for_a_grpc_tab(qtbot: QtBot, window: MainWindow,
                                                  grpc_target: str) -> None:
    tab = window.current_tab()
    assert tab is not None
    _menu, actions = request_menu(window)
    assert "Copy as grpcurl" not in actions
    assert actions["Copy as curl"].isVisible()
    assert actions["Copy as Python (aiohttp)"].isVisible()
    clipboard = QGuiApplication.clipboard()
    tab.editor.url_bar.setText("http://example.test/a")
    clipboard.setText("")
    qtbot.keyClick(window, Qt.Key.Key_C, MODIFIERS)
    qtbot.waitUntil(lambda: clipboard.text().startswith("curl"), timeout=10000)
    model = RequestModel(url=f"grpc://{grpc_target}", mode=RequestMode.GRPC)
    model.grpc.method = f"{SERVICE}/Echo"
    model.grpc.message = '{"text": "hi"}'
    model.grpc.protos = ["protos/playground.proto"]  # kept relative to the workspace
    tab.load_model(model)
    # Ctrl+Shift+C copies what can make the call, whatever the menu showed last: grpcurl
    # (curl cannot call gRPC; it used to copy "curl grpc://...").
    clipboard.setText("")
    qtbot.keyClick(window, Qt.Key.Key_C, MODIFIERS)
    qtbot.waitUntil(lambda: clipboard.text().startswith("grpcurl"), timeout=10000)
    _menu, actions = request_menu(window)
    assert "Copy as curl" not in actions
    assert actions["Copy as grpcurl"].isVisible()
    assert actions["Copy as grpcurl"].shortcut().toString() == "Ctrl+Shift+C"
    assert actions["Copy as Python (app.grpc)"].isVisible()
    assert not actions["Copy as Python (aiohttp)"].isVisible()
    clipboard.setText("")
    actions["Copy as grpcurl"].trigger()
    qtbot.waitUntil(lambda: clipboard.text().startswith("grpcurl"), timeout=10000)
    text = clipboard.text()
    assert "-plaintext" in text and grpc_target in text and f"{SERVICE}/Echo" in text
    # The command runs from any folder: the workspace's paths are absolute in it.
    proto = str(window.workspace.root / "protos" / "playground.proto")
    assert f"-proto {proto}" in text.replace("'", "")
    actions["Copy as Python (app.grpc)"].trigger()
    qtbot.waitUntil(lambda: "import app.grpc" in clipboard.text(), timeout=10000)
    assert f"protos={[proto]!r}" in clipboard.text()


def test_a_call_from_the_window_goes_to_the_history(qtbot: QtBot, window: MainWindow,
                                                    grpc_target: str) -> None:
    tab = window.current_tab()
    assert tab is not None
    added: list[Any] = []
    window.documents.history_added.connect(added.append)
    tab.editor.url_bar.setText(f"grpc://{grpc_target}")
    assert tab.mode == RequestMode.GRPC
    model = tab.to_model()
    model.grpc.method = f"{SERVICE}/Echo"
    model.grpc.message = '{"text": "to history"}'
    tab.load_model(model)
    tab.send()
    qtbot.waitUntil(lambda: bool(added), timeout=20000)
    entry = added[0]
    assert entry.status == 0
    assert entry.request["grpc"]["method"] == f"{SERVICE}/Echo"


def test_a_windows_tab_puts_relative_paths_under_its_workspace(window: MainWindow) -> None:
    # What the gRPC pane resolves a relative .proto or import path against (after its
    # {{variables}} are filled in): the window's workspace, asked at each call.
    tab = window.current_tab()
    assert tab is not None
    assert tab.workspace_root() == window.workspace.root
