"""The method box and the URL bar on their own."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from pytestqt.qtbot import QtBot

from app.model import http
from app.model.request import BodyKind
from ui.request.method_box import STANDARD_METHODS, MethodBox, method_colour
from ui.request.url_bar import UrlBar
from ui.request.variables import variable_spans


def _type_method(qtbot: QtBot, box: MethodBox, text: str) -> None:
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    box.lineEdit().editingFinished.emit()


def test_the_menu_offers_the_standard_methods_once_each() -> None:
    assert len(STANDARD_METHODS) == len(set(STANDARD_METHODS))
    assert set(STANDARD_METHODS) == http.STANDARD_METHODS


def test_method_box_takes_any_token_and_upper_cases_standard_ones(qtbot: QtBot) -> None:
    box = MethodBox()
    qtbot.addWidget(box)
    assert box.method() == "GET"
    assert box.lineEdit().palette().color(QPalette.ColorRole.Text) == method_colour("GET")
    with qtbot.waitSignal(box.methodChanged):
        _type_method(qtbot, box, "delete")
    assert box.currentText() == "DELETE"
    assert box.lineEdit().palette().color(QPalette.ColorRole.Text) == method_colour("DELETE")
    _type_method(qtbot, box, "Purge Now")  # the space is not a token character
    assert box.method() == "PurgeNow"
    assert box.lineEdit().palette().color(QPalette.ColorRole.Text) == method_colour("PURGE")
    assert box.count() == 9  # typed methods do not join the list
    with qtbot.assertNotEmitted(box.methodChanged):
        box.set_method("patch")
    assert box.method() == "PATCH"


def test_method_colours() -> None:
    assert {m: method_colour(m).name() for m in ("GET", "POST", "PUT", "PATCH", "DELETE")} == {
        "GET": "#2f9e44", "POST": "#e8890c", "PUT": "#1c7ed6", "PATCH": "#9c36b5",
        "DELETE": "#e03131"}
    assert method_colour("OPTIONS") == method_colour("x-custom")


def test_variable_spans() -> None:
    assert variable_spans("https://{{host}}/a/{{ id }}?q={x}") == [(8, 8), (19, 8)]
    # As app.model.compose reads them: "{{}}" names nothing and is sent as it is.
    assert variable_spans("{{}}{{a}") == []


def test_url_bar_paste_turns_curl_into_a_model(qtbot: QtBot) -> None:
    bar = UrlBar()
    qtbot.addWidget(bar)
    assert bar.placeholderText() == "Enter a URL or paste a curl command"
    QGuiApplication.clipboard().setText("curl -d '{\"a\":1}' -H 'Content-Type: application/json' "
                                        "https://x.example/")
    with qtbot.waitSignal(bar.curlPasted) as pasted:
        qtbot.keyClick(bar, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    model = pasted.args[0]
    assert (model.method, model.url, model.body.kind) == ("POST", "https://x.example/",
                                                          BodyKind.JSON)
    assert bar.text() == ""  # the command itself is not inserted

    QGuiApplication.clipboard().setText("https://a.example/\nsecond line")
    bar.paste()
    assert bar.text() == "https://a.example/ second line"
