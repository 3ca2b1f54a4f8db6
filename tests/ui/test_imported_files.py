"""Files an import named: the editor keeps the mark through its pages until the user picks a
file; the first send of such a file asks once (Send / Cancel)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from app.model.request import BodyKind, BodyModel, MultipartField, RequestMode, RequestModel
from tests.ui.helpers import click_cell, drop_files, shown_window, type_into_cell
from ui.main_window import MainWindow
from ui.request.body.multipart_model import CHOOSE, VALUE
from ui.request.body_editor import BodyEditor
from ui.request_tab import RequestTab
from ui.window_state import WindowState


@pytest.fixture
def body(qtbot: QtBot) -> BodyEditor:
    widget = BodyEditor()
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _imported(path: Path, name: str = "file") -> MultipartField:
    return MultipartField(name, str(path), is_file=True, imported=True)


def test_the_mark_survives_load_and_to_model_until_the_user_picks(
        qtbot: QtBot, body: BodyEditor, tmp_path: Path) -> None:
    theirs, mine = tmp_path / "theirs.txt", tmp_path / "mine.txt"
    theirs.write_text("theirs")
    mine.write_text("mine")
    model = BodyModel(BodyKind.MULTIPART, multipart=[_imported(theirs, "a"),
                                                      _imported(theirs, "b"),
                                                      _imported(theirs, "c")],
                      file_path=str(theirs), file_imported=True)
    body.load_model(model)
    assert body.to_model() == model
    page = body.multipart
    page.pick_files = lambda _title, _multiple: [str(mine)]
    click_cell(qtbot, page.view, 0, CHOOSE)                 # the picker
    type_into_cell(qtbot, page.view, 1, VALUE, str(mine))   # a path typed
    assert [p.imported for p in body.to_model().multipart] == [False, False, True]
    with qtbot.waitSignal(body.changed):
        assert drop_files(page, [mine])                      # a new part, the user's
    assert [p.imported for p in body.to_model().multipart] == [False, False, True, False]

    body.kind_button(BodyKind.BINARY).click()
    assert body.to_model().file_imported
    with qtbot.waitSignal(body.changed):
        assert drop_files(body.binary, [mine])
    assert body.to_model().file_path == str(mine) and not body.to_model().file_imported
    body.load_model(model)
    body.binary.pick_file = lambda _title: [str(mine)]
    qtbot.mouseClick(body.binary.choose_button, Qt.MouseButton.LeftButton)
    assert not body.to_model().file_imported

    body.load_model(model)
    with qtbot.waitSignal(body.changed):
        body.clear_import_marks()
    assert body.to_model().imported_files() == []
    with qtbot.assertNotEmitted(body.changed):
        body.clear_import_marks()                            # nothing marked: no edit


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, run_async: Callable[..., Any]
           ) -> Iterator[MainWindow]:
    state = WindowState(QSettings(str(tmp_path / "spyglass.ini"), QSettings.Format.IniFormat))
    with shown_window(qtbot, run_async, state) as w:
        yield w


def _tab(window: MainWindow) -> RequestTab:
    tab = window.current_tab()
    assert tab is not None
    return tab


def _answer(tab: RequestTab, answers: list[bool]) -> list[tuple[list[str], str | None]]:
    asked: list[tuple[list[str], str | None]] = []

    def ask(paths: list[str], collection: str | None) -> bool:
        asked.append((paths, collection))
        return answers.pop(0)

    tab.ask_send_files = ask
    return asked


def _uploaded(tab: RequestTab) -> dict[str, Any]:
    store = tab.response.body.store
    assert store is not None
    data: dict[str, Any] = json.loads(store.read(0, store.size))
    return data


def test_the_first_send_of_an_imported_file_asks_once(
        qtbot: QtBot, window: MainWindow, playground: str, tmp_path: Path) -> None:
    secret = tmp_path / "hostname"
    secret.write_bytes(b"my-machine\n")
    tab = _tab(window)
    model = RequestModel(method="PUT", url=f"{playground}/upload", body=BodyModel(
        BodyKind.BINARY, file_path=str(secret), file_imported=True))
    tab.load_model(model)
    tab.set_origin(tmp_path / "put.yaml", "Shared")
    tab.mark_saved(model)
    asked = _answer(tab, [False, True])

    tab.send()
    qtbot.waitUntil(lambda: len(asked) == 1)
    assert asked == [([str(secret)], "Shared")]
    qtbot.wait(50)
    assert not tab.busy and tab.response.status.text() == ""   # Cancel: nothing went out
    assert tab.to_model().body.file_imported and not tab.modified

    tab.send()
    tab.send()                                  # a second press while asking: one question
    qtbot.waitUntil(lambda: tab.response.status.text() == "200 OK", timeout=20000)
    assert len(asked) == 2
    assert _uploaded(tab)["bytes"] == len(b"my-machine\n")
    assert not tab.to_model().body.file_imported
    qtbot.waitUntil(lambda: tab.modified)       # a save keeps the answer

    tab.send()                                  # answered: no more questions
    qtbot.waitUntil(lambda: not tab.busy and tab.send_button.text() == "Send", timeout=20000)
    assert len(asked) == 2


def test_multipart_parts_asked_about_together_and_websocket_never(
        qtbot: QtBot, window: MainWindow, playground: str, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("aaa")
    b.write_text("bbbb")
    tab = _tab(window)
    tab.load_model(RequestModel(method="POST", url=f"{playground}/upload", body=BodyModel(
        BodyKind.MULTIPART, multipart=[_imported(a, "one"), _imported(b, "two"),
                                       MultipartField("three", str(a), is_file=True)])))
    asked = _answer(tab, [True])
    tab.send()
    qtbot.waitUntil(lambda: tab.response.status.text() == "200 OK", timeout=20000)
    assert asked == [([str(a), str(b)], None)]
    assert _uploaded(tab)["bytes"] > 7

    ws = RequestModel(url=playground.replace("http", "ws", 1) + "/ws/echo",
                      mode=RequestMode.WEBSOCKET, body=BodyModel(
                          BodyKind.BINARY, file_path=str(a), file_imported=True))
    tab.load_model(ws)
    tab.send()                                   # a handshake sends no body: nothing to ask
    qtbot.waitUntil(lambda: tab.busy, timeout=10000)
    tab.cancel()
    assert len(asked) == 1


@pytest.mark.parametrize(("button", "expected"), [("Send", True), ("Cancel", False)])
def test_the_question_names_the_file_and_the_collection(qtbot: QtBot, button: str,
                                                       expected: bool) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.dialogs.questions import ask_send_imported_files

    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        (chosen,) = [b for b in box.buttons() if b.text() == button]
        chosen.click()

    QTimer.singleShot(0, answer)
    assert ask_send_imported_files(None, ["/etc/hostname"], "Shared") is expected
    assert seen == ["This request sends the local file /etc/hostname, named by an import "
                    "(collection “Shared”). Send it?"]
