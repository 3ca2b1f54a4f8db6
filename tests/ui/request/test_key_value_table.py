"""The name/value table: the blank row to type into, delete, suggestions, bulk edit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from pytestqt.qtbot import QtBot

from app.model.request import KeyValue
from tests.ui.helpers import cell_editor, click_cell, type_into_cell
from ui.request.header_names import COMMON_HEADER_VALUES, COMMON_HEADERS
from ui.request.key_value_model import NAME, VALUE, from_bulk_text, to_bulk_text
from ui.request.key_value_table import KeyValueTable


@pytest.fixture
def table(qtbot: QtBot) -> KeyValueTable:
    widget = KeyValueTable(name_suggestions=COMMON_HEADERS,
                           value_suggestions=COMMON_HEADER_VALUES)
    qtbot.addWidget(widget)
    widget.resize(700, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_typing_into_the_blank_row_adds_a_row(qtbot: QtBot, table: KeyValueTable) -> None:
    assert table.model.rowCount() == 1
    assert table.model.index(0, NAME).data() == "Name"  # the placeholder, not a row
    with qtbot.waitSignal(table.changed):
        type_into_cell(qtbot, table.view, 0, NAME, "Accept")
    assert table.model.rowCount() == 2
    type_into_cell(qtbot, table.view, 0, VALUE, "*/*")
    type_into_cell(qtbot, table.view, 1, VALUE, "orphan value")
    assert table.rows() == [KeyValue("Accept", "*/*"), KeyValue("", "orphan value")]
    assert table.active_count() == 1
    fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    assert table.model.index(0, VALUE).data(Qt.ItemDataRole.FontRole).family() == \
        fixed.family()


def test_typing_in_the_middle_of_a_cell_keeps_the_cursor(qtbot: QtBot,
                                                         table: KeyValueTable) -> None:
    table.set_rows([KeyValue("X-Trace", "abc")])
    editor = cell_editor(table.view, 0, VALUE)
    editor.setCursorPosition(1)
    qtbot.keyClicks(editor, "12")
    assert editor.text() == "a12bc"
    assert editor.cursorPosition() == 3
    assert table.rows() == [KeyValue("X-Trace", "a12bc")]  # written as typed


def test_delete_button_space_and_delete_key(qtbot: QtBot, table: KeyValueTable) -> None:
    table.set_rows([KeyValue("A", "1"), KeyValue("B", "2"), KeyValue("C", "3")])
    with qtbot.waitSignal(table.changed):
        click_cell(qtbot, table.view, 1, table.model.delete_column)
    assert [r.name for r in table.rows()] == ["A", "C"]
    click_cell(qtbot, table.view, 2, table.model.delete_column)  # the blank row has none
    assert table.model.rowCount() == 3

    table.view.setCurrentIndex(table.model.index(0, 0))
    qtbot.keyClick(table.view, Qt.Key.Key_Space)
    assert table.rows()[0] == KeyValue("A", "1", False)
    assert table.active_count() == 1
    qtbot.keyClick(table.view, Qt.Key.Key_Delete)
    assert table.rows() == [KeyValue("C", "3")]


def test_header_names_and_values_are_suggested(table: KeyValueTable) -> None:
    names = cell_editor(table.view, 0, NAME).completer()
    assert names is not None
    assert "Content-Type" in names.model().stringList()  # type: ignore[attr-defined]
    table.set_rows([KeyValue("content-type", "")])
    values = cell_editor(table.view, 0, VALUE).completer()
    assert values is not None
    assert "application/json" in values.model().stringList()  # type: ignore[attr-defined]
    table.set_rows([KeyValue("X-Custom", "")])
    assert cell_editor(table.view, 0, VALUE).completer() is None


def test_set_rows_is_silent(qtbot: QtBot, table: KeyValueTable) -> None:
    with qtbot.assertNotEmitted(table.changed):
        table.set_rows([KeyValue("A", "1")])
    assert table.rows() == [KeyValue("A", "1")]


def test_bulk_edit(qtbot: QtBot, table: KeyValueTable) -> None:
    table.set_rows([KeyValue("Accept", "text/html"), KeyValue("X-Off", "1", False)])
    qtbot.mouseClick(table.bulk_button, Qt.MouseButton.LeftButton)
    assert table.bulk.isVisible()
    assert table.bulk.toPlainText() == "Accept: text/html\n//X-Off: 1"
    with qtbot.waitSignal(table.changed):
        table.bulk.appendPlainText("X-Time: 12:00")
    assert table.rows()[-1] == KeyValue("X-Time", "12:00")
    qtbot.mouseClick(table.bulk_button, Qt.MouseButton.LeftButton)
    assert table.view.isVisible()
    assert table.rows() == [KeyValue("Accept", "text/html"), KeyValue("X-Off", "1", False),
                            KeyValue("X-Time", "12:00")]


def test_bulk_text_round_trip() -> None:
    rows = [KeyValue("a", "1"), KeyValue("b", "x: y", False), KeyValue("c", "")]
    assert from_bulk_text(to_bulk_text(rows)) == rows
    assert from_bulk_text("\n  // d :  4 \n\n e\n") == [KeyValue("d", "4", False),
                                                       KeyValue("e", "")]
