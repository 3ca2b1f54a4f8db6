"""The body tab: JSON checked as you type, Beautify, multipart files, the binary file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.model.request import BodyKind, BodyModel, KeyValue, MultipartField
from tests.ui.helpers import click_cell, drop_files, type_into_cell
from ui.request.body.multipart_model import CHOOSE, NAME, SIZE, TYPE, VALUE
from ui.request.body.raw_page import CHECK_LIMIT
from ui.request.body_editor import BodyEditor
from ui.request.tones import ERROR


@pytest.fixture
def body(qtbot: QtBot) -> BodyEditor:
    widget = BodyEditor()
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_json_is_checked_after_a_pause_in_typing(qtbot: QtBot, body: BodyEditor) -> None:
    with qtbot.waitSignal(body.changed):
        qtbot.mouseClick(body.kind_button(BodyKind.JSON), Qt.MouseButton.LeftButton)
    raw = body.raw
    assert raw.status.text() == "Empty body"
    qtbot.keyClicks(raw.editor, "{")
    qtbot.keyClick(raw.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(raw.editor, '"name": "Ada"')
    qtbot.keyClick(raw.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(raw.editor, '"age": 36}')
    assert raw.editor.toPlainText() == '{\n  "name": "Ada"\n  "age": 36}'  # indented
    assert raw.status.text() == "Empty body"  # not re-checked on every key
    qtbot.waitUntil(lambda: raw.status.text() != "Empty body", timeout=2000)
    assert raw.status.text() == "Line 3, column 3: Expecting ',' delimiter"
    assert ERROR.name() in raw.status.styleSheet()
    selections = raw.editor.extraSelections()
    assert selections[-1].cursor.selectionStart() == len('{\n  "name": "Ada"\n  ')

    raw.editor.moveCursor(raw.editor.textCursor().MoveOperation.End)
    for _ in '"age": 36}':
        qtbot.keyClick(raw.editor, Qt.Key.Key_Backspace)
    qtbot.keyClick(raw.editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(raw.editor, ', "id": {{id}}}')
    qtbot.waitUntil(lambda: raw.status.text() == "✓ Valid JSON", timeout=2000)
    assert len(raw.editor.extraSelections()) == 1  # the current line only: no squiggle


def test_beautify_reindents_json_and_keeps_variables(qtbot: QtBot, body: BodyEditor) -> None:
    body.load_model(BodyModel(BodyKind.JSON, text='{"id":{{id}},"tags":["a","b"]}'))
    assert body.raw.beautify_button.isVisible()
    with qtbot.waitSignal(body.changed):
        qtbot.mouseClick(body.raw.beautify_button, Qt.MouseButton.LeftButton)
    assert body.to_model().text == '{\n  "id": {{id}},\n  "tags": [\n    "a",\n    "b"\n  ]\n}'
    assert body.raw.status.text() == "✓ Valid JSON"
    body.raw.editor.undo()
    assert body.raw.editor.toPlainText() == '{"id":{{id}},"tags":["a","b"]}'


def test_beautify_leaves_broken_json_alone(qtbot: QtBot, body: BodyEditor) -> None:
    body.load_model(BodyModel(BodyKind.JSON, text='{"a": [1, 2}'))
    body.raw.beautify()
    assert body.raw.editor.toPlainText() == '{"a": [1, 2}'
    assert body.raw.status.text().startswith("Line 1, column 12:")


def test_xml_is_checked_and_text_is_not(qtbot: QtBot, body: BodyEditor) -> None:
    body.load_model(BodyModel(BodyKind.XML, text="<a><b></a>"))
    assert body.raw.status.text() == "Line 1, column 9: mismatched tag"
    assert not body.raw.beautify_button.isVisible()
    qtbot.mouseClick(body.kind_button(BodyKind.TEXT), Qt.MouseButton.LeftButton)
    assert body.raw.status.text() == "10 characters"  # and no verdict
    assert body.to_model() == BodyModel(BodyKind.TEXT, text="<a><b></a>")  # one shared text


def test_form_fields(qtbot: QtBot, body: BodyEditor) -> None:
    body.kind_button(BodyKind.FORM).click()
    type_into_cell(qtbot, body.form.view, 0, 1, "grant_type")
    type_into_cell(qtbot, body.form.view, 0, 2, "password")
    assert body.to_model().form == [KeyValue("grant_type", "password")]
    assert body.to_model().kind is BodyKind.FORM


def test_dropping_files_adds_file_parts_with_their_size(qtbot: QtBot, body: BodyEditor,
                                                        tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG" + bytes(2044))
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    body.kind_button(BodyKind.MULTIPART).click()
    page = body.multipart
    with qtbot.waitSignal(body.changed):
        assert drop_files(page, [photo, notes])
    assert body.to_model().multipart == [MultipartField("file", str(photo), True),
                                         MultipartField("file", str(notes), True)]
    model = page.model
    assert model.index(0, SIZE).data() == "2.0 KB"
    assert model.index(1, SIZE).data() == "5 bytes"
    assert model.index(0, TYPE).data() == "File"
    assert model.rowCount() == 3  # and the blank row to type into


def test_multipart_text_parts_choose_and_missing_files(qtbot: QtBot, body: BodyEditor,
                                                       tmp_path: Path) -> None:
    body.kind_button(BodyKind.MULTIPART).click()
    page = body.multipart
    type_into_cell(qtbot, page.view, 0, NAME, "title")
    type_into_cell(qtbot, page.view, 0, VALUE, "Holiday")
    type_into_cell(qtbot, page.view, 1, NAME, "doc")
    assert body.to_model().multipart == [MultipartField("title", "Holiday"),
                                         MultipartField("doc", "")]

    page.model.setData(page.model.index(1, TYPE), "File")
    chosen = tmp_path / "report.pdf"
    chosen.write_bytes(bytes(3 * 1024 * 1024))
    page.pick_files = lambda _title, _multiple: [str(chosen)]
    click_cell(qtbot, page.view, 1, CHOOSE)
    assert body.to_model().multipart[1] == MultipartField("doc", str(chosen), True)
    assert page.model.index(1, SIZE).data() == "3.0 MB"

    chosen.unlink()
    assert page.model.index(1, SIZE).data() == "file not found"
    assert page.model.index(1, VALUE).data(Qt.ItemDataRole.ForegroundRole) == ERROR
    assert page.model.index(0, SIZE).data() is None  # a text part has no size


def test_binary_file_by_drop_and_missing(qtbot: QtBot, body: BodyEditor,
                                         tmp_path: Path) -> None:
    body.kind_button(BodyKind.BINARY).click()
    page = body.binary
    assert page.name_label.text() == "No file chosen"
    data = tmp_path / "dump.bin"
    data.write_bytes(bytes(1536))
    with qtbot.waitSignal(body.changed):
        assert drop_files(page, [data])
    assert body.to_model() == BodyModel(BodyKind.BINARY, file_path=str(data))
    assert page.name_label.text() == "dump.bin"
    assert page.folder_label.text() == str(tmp_path)
    assert page.size_label.text() == "1.5 KB"
    assert not drop_files(page, [data, data])  # one file is the whole body

    body.load_model(BodyModel(BodyKind.BINARY, file_path=str(tmp_path / "gone.bin")))
    assert page.size_label.text() == "File not found"
    assert ERROR.name() in page.size_label.styleSheet()

    page.pick_file = lambda _title: [str(data)]
    with qtbot.waitSignal(body.changed):
        qtbot.mouseClick(page.choose_button, Qt.MouseButton.LeftButton)
    assert page.size_label.text() == "1.5 KB"
    qtbot.mouseClick(page.clear_button, Qt.MouseButton.LeftButton)
    assert body.to_model().file_path == ""


def test_switching_kinds_keeps_every_page(body: BodyEditor) -> None:
    model = BodyModel(BodyKind.FORM, text="{}", form=[KeyValue("a", "1")],
                      multipart=[MultipartField("m", "v")], file_path="/x.bin")
    body.load_model(model)
    for kind in BodyKind:
        body.kind_button(kind).click()
        # A GraphQL body's text is its query, kept on its own page (empty here).
        text = "" if kind is BodyKind.GRAPHQL else "{}"
        assert body.to_model() == BodyModel(kind, text, [KeyValue("a", "1")],
                                            [MultipartField("m", "v")], "/x.bin")
    body.kind_button(BodyKind.GRAPHQL).click()
    body.graphql.editor.setPlainText("{ a }")
    body.kind_button(BodyKind.JSON).click()
    assert body.to_model().text == "{}"
    body.kind_button(BodyKind.GRAPHQL).click()
    assert body.to_model().text == "{ a }"


def test_huge_text_is_neither_highlighted_nor_checked_as_you_type(body: BodyEditor) -> None:
    huge = '{"a": "' + "x" * CHECK_LIMIT + '"}'
    body.load_model(BodyModel(BodyKind.JSON, text=huge))
    assert body.raw.status.text() == "Too long to check as you type"
    assert not body.raw.editor.is_highlighting()
    body.load_model(BodyModel(BodyKind.JSON, text="{}"))
    assert body.raw.status.text() == "✓ Valid JSON"
    assert body.raw.editor.is_highlighting()
