"""Driving the editor's widgets the way a user does: typing into table cells, dropping files;
and a shown main window for a test."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QLineEdit,
    QMenu,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ui.dialogs.limits import LimitsDialog
from ui.main_window import MainWindow
from ui.window_state import WindowState


@contextlib.contextmanager
def shown_window(qtbot: QtBot, run_async: Callable[..., Any], state: WindowState,
                 **options: Any) -> Iterator[MainWindow]:
    """A ``MainWindow(state, **options)`` shown and exposed; closed (if the test has not)
    and shut down after."""
    window = MainWindow(state, **options)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        yield window
    finally:
        if window.isVisible():
            window.close()
        run_async(window.shutdown())


def cell_editor(view: QTableView, row: int, column: int) -> QLineEdit:
    """Make ``(row, column)`` current, which opens its editor, and return the editor."""
    index = view.model().index(row, column)
    view.setCurrentIndex(index)  # the tables' edit triggers include CurrentChanged
    editors = [w for w in view.viewport().findChildren(QLineEdit) if w.isVisible()]
    assert len(editors) == 1, editors
    return editors[0]


def type_into_cell(qtbot: QtBot, view: QTableView, row: int, column: int, text: str,
                   *, replace: bool = True) -> None:
    """Type ``text`` into a cell's editor (replacing what is there), then leave the cell."""
    editor = cell_editor(view, row, column)
    if replace:
        editor.selectAll()
    else:
        editor.end(False)
    qtbot.keyClicks(editor, text)
    view.setCurrentIndex(view.model().index(row, 0))  # leaving the cell closes its editor


def click_cell(qtbot: QtBot, view: QTableView, row: int, column: int) -> None:
    """Click the middle of a cell (where the delete and Choose… buttons are drawn)."""
    rect = view.visualRect(view.model().index(row, column))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def drop_files(target: QWidget, paths: list[Path]) -> bool:
    """Drag ``paths`` over ``target`` and drop them; True when the drop was accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def answer_limits(window: MainWindow, fill: Callable[[LimitsDialog], None]) -> None:
    """Open Tools ▸ Limits…, let ``fill`` set the form, and press OK."""
    def answer() -> None:
        [dialog] = [d for d in window.findChildren(LimitsDialog) if d.isVisible()]
        fill(dialog)
        buttons = dialog.findChild(QDialogButtonBox)
        assert buttons is not None
        buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(0, answer)
    action = next((a for m in window.menuBar().findChildren(QMenu) for a in m.actions()
                   if a.text() == "Limits…"), None)
    assert action is not None, "no Tools ▸ Limits… action"
    action.trigger()
