"""The request editor as a whole: the URL and params in step, curl paste, titles, models."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from app.model.request import (
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    KeyValue,
    MultipartField,
    RequestModel,
    RequestOptions,
)
from tests.ui.helpers import click_cell, type_into_cell
from ui.request.key_value_model import NAME, VALUE
from ui.request.request_editor import RequestEditor


@pytest.fixture
def editor(qtbot: QtBot) -> RequestEditor:
    widget = RequestEditor()
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _paste(qtbot: QtBot, editor: RequestEditor, text: str) -> None:
    QGuiApplication.clipboard().setText(text)
    editor.url_bar.setFocus()
    qtbot.keyClick(editor.url_bar, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def _tab_titles(editor: RequestEditor) -> list[str]:
    return [editor.tabs.tabText(i) for i in range(editor.tabs.count())]


# -- URL and params ------------------------------------------------------------------------


def test_typing_a_url_with_a_query_fills_the_params_table(qtbot: QtBot,
                                                          editor: RequestEditor) -> None:
    with qtbot.waitSignal(editor.changed):
        qtbot.keyClicks(editor.url_bar, "https://api.example.com/items?page=2&q={{term}}")
    assert editor.params.rows() == [KeyValue("page", "2"), KeyValue("q", "{{term}}")]
    assert _tab_titles(editor)[0] == "Params (2)"


def test_typing_in_the_url_keeps_the_cursor_and_the_disabled_params(
        qtbot: QtBot, editor: RequestEditor) -> None:
    qtbot.keyClicks(editor.url_bar, "https://x.example/?a=1&b=2")
    editor.params.view.setCurrentIndex(editor.params.model.index(0, 0))
    qtbot.keyClick(editor.params.view, Qt.Key.Key_Space)  # untick a=1
    assert editor.url_bar.text() == "https://x.example/?b=2"

    editor.url_bar.setCursorPosition(len("https://x.example/?b="))
    qtbot.keyClicks(editor.url_bar, "7")
    assert editor.url_bar.text() == "https://x.example/?b=72"
    assert editor.url_bar.cursorPosition() == len("https://x.example/?b=7")
    assert editor.params.rows() == [KeyValue("a", "1", False), KeyValue("b", "72")]
    editor.url_bar.end(False)
    qtbot.keyClicks(editor.url_bar, "&c")
    assert editor.params.rows() == [KeyValue("a", "1", False), KeyValue("b", "72"),
                                    KeyValue("c", "")]


def test_editing_the_params_table_rewrites_the_url(qtbot: QtBot, editor: RequestEditor) -> None:
    qtbot.keyClicks(editor.url_bar, "https://x.example/search?q=old#top")
    view = editor.params.view
    type_into_cell(qtbot, view, 0, VALUE, "new value")
    assert editor.url_bar.text() == "https://x.example/search?q=new value#top"
    type_into_cell(qtbot, view, 1, NAME, "limit")  # the blank row at the end
    type_into_cell(qtbot, view, 1, VALUE, "10")
    assert editor.url_bar.text() == "https://x.example/search?q=new value&limit=10#top"
    assert _tab_titles(editor)[0] == "Params (2)"

    view.setCurrentIndex(editor.params.model.index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert editor.url_bar.text() == "https://x.example/search?limit=10#top"
    assert editor.params.rows()[0] == KeyValue("q", "new value", False)
    assert _tab_titles(editor)[0] == "Params (1)"

    click_cell(qtbot, view, 1, editor.params.model.delete_column)
    assert editor.url_bar.text() == "https://x.example/search#top"
    assert editor.params.rows() == [KeyValue("q", "new value", False)]


# -- curl ----------------------------------------------------------------------------------

CURL = """curl -X PATCH 'https://api.example.com/users/42?fields=name&v=2' \\
  -H 'Accept: application/json' \\
  -H 'X-Request-ID: abc-123' \\
  -H 'Content-Type: application/json' \\
  -u 'ada:s3cret' \\
  --data-raw '{"name": "Ada"}' \\
  -k -L --max-time 7"""


def test_pasting_curl_fills_the_whole_request(qtbot: QtBot, editor: RequestEditor) -> None:
    qtbot.keyClicks(editor.url_bar, "https://old.example/")
    with qtbot.waitSignal(editor.changed):
        _paste(qtbot, editor, CURL)
    assert editor.method_box.method() == "PATCH"
    assert editor.url_bar.text() == "https://api.example.com/users/42?fields=name&v=2"
    assert editor.params.rows() == [KeyValue("fields", "name"), KeyValue("v", "2")]
    assert editor.headers.rows() == [KeyValue("Accept", "application/json"),
                                     KeyValue("X-Request-ID", "abc-123")]
    assert editor.body.kind() is BodyKind.JSON
    assert editor.body.raw.editor.toPlainText() == '{"name": "Ada"}'
    assert editor.auth.kind() is AuthKind.BASIC
    assert (editor.auth.username.text(), editor.auth.password.text()) == ("ada", "s3cret")
    assert editor.options.to_model() == RequestOptions(timeout=7, follow_redirects=True,
                                                       verify_tls=False)
    assert not editor.options.tls_warning.isHidden()
    assert editor.tabs.currentIndex() == 2  # the body is what a paste most needs checked
    assert _tab_titles(editor) == ["Params (2)", "Headers (2)", "Body ●", "Auth ●",
                                   "Options ●", "Tests"]


def test_a_broken_curl_paste_changes_nothing(qtbot: QtBot, editor: RequestEditor) -> None:
    qtbot.keyClicks(editor.url_bar, "https://keep.example/")
    with qtbot.assertNotEmitted(editor.url_bar.curlPasted), \
            qtbot.assertNotEmitted(editor.changed):
        _paste(qtbot, editor, "curl -H 'X: 1' 'https://unclosed.example")
    assert editor.url_bar.text() == "https://keep.example/"


def test_pasting_a_plain_url_inserts_it_on_one_line(qtbot: QtBot,
                                                    editor: RequestEditor) -> None:
    with qtbot.waitSignal(editor.changed):
        _paste(qtbot, editor, "  https://x.example/a?b=1\n")
    assert editor.url_bar.text() == "https://x.example/a?b=1"
    assert editor.params.rows() == [KeyValue("b", "1")]


# -- models --------------------------------------------------------------------------------

FULL = RequestModel(
    name="Update user",
    method="PURGE",
    url="https://{{host}}/users/1?x=1&flag",
    params=[KeyValue("x", "1"), KeyValue("off", "2", False), KeyValue("flag", "")],
    headers=[KeyValue("Accept", "application/json"), KeyValue("X-Old", "1", False)],
    body=BodyModel(
        kind=BodyKind.MULTIPART,
        text='{"kept": "while multipart is shown"}',
        form=[KeyValue("a", "1"), KeyValue("b", "2", False)],
        multipart=[MultipartField("title", "Hi"),
                   MultipartField("photo", "/tmp/none.png", True, "image/png", False)],
        file_path="/tmp/data.bin",
    ),
    auth=AuthModel(AuthKind.API_KEY, username="u", password="p", token="t", key_name="K",
                   key_value="V", key_location="query", access_key="ak", secret_key="sk",
                   api_version="v8", hash_type="sha1", domain="d"),
    options=RequestOptions(timeout=12.5, follow_redirects=False, verify_tls=False,
                           ca_file="/etc/ca.pem"),
)


def test_load_model_then_to_model_gives_the_same_model(qtbot: QtBot,
                                                      editor: RequestEditor) -> None:
    with qtbot.assertNotEmitted(editor.changed):
        editor.load_model(FULL)
    assert editor.to_model() == FULL
    assert _tab_titles(editor) == ["Params (2)", "Headers (1)", "Body ●", "Auth ●",
                                   "Options ●", "Tests"]
    editor.load_model(RequestModel())
    assert editor.to_model() == RequestModel()
    assert _tab_titles(editor) == ["Params", "Headers", "Body", "Auth", "Options", "Tests"]


def test_a_model_whose_params_do_not_mirror_its_url_gets_them_from_the_url(
        editor: RequestEditor) -> None:
    editor.load_model(RequestModel(url="https://x.example/?a=1",
                                   params=[KeyValue("gone", "1"), KeyValue("off", "", False)]))
    assert editor.params.rows() == [KeyValue("a", "1"), KeyValue("off", "", False)]


def test_every_edit_reports_changed(qtbot: QtBot, editor: RequestEditor,
                                   tmp_path: Path) -> None:
    editor.load_model(FULL)
    edits = [
        lambda: qtbot.keyClicks(editor.url_bar, "x"),
        lambda: editor.method_box.setCurrentText("GET"),
        lambda: type_into_cell(qtbot, editor.headers.view, 0, VALUE, "text/plain"),
        lambda: editor.body.kind_button(BodyKind.JSON).click(),
        lambda: qtbot.keyClicks(editor.body.raw.editor, " "),
        lambda: qtbot.keyClicks(editor.auth.key_value, "2"),
        lambda: editor.options.follow_redirects.click(),
    ]
    editor.tabs.setCurrentIndex(1)  # cells are edited where they are shown
    for edit in edits:
        with qtbot.waitSignal(editor.changed, timeout=1000):
            edit()


def test_url_row_takes_the_send_button_and_ctrl_l_selects_the_url(
        qtbot: QtBot, editor: RequestEditor) -> None:
    send = QPushButton("Send")
    editor.add_to_url_row(send)
    qtbot.waitUntil(lambda: send.isVisible())
    assert send.geometry().left() > editor.url_bar.geometry().right()
    assert abs(send.geometry().center().y() - editor.url_bar.geometry().center().y()) <= 2
    qtbot.keyClicks(editor.url_bar, "https://x.example")
    editor.url_bar.deselect()
    editor.focus_url()
    assert editor.url_bar.selectedText() == "https://x.example"
