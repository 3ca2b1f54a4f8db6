"""The Tests tab of the request editor: asserts and captures typed into its tables reach the
model and its file and come back; a row a file could not hold is marked, what was typed kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from app.model.checks import AssertModel, AssertOp, CaptureModel
from app.model.request import RequestModel
from app.runner.asserts import AssertResult
from app.runner.captures import CaptureResult
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace
from tests.ui.helpers import type_into_cell
from ui.request.checks_model import (
    A_OP,
    A_RESULT,
    A_TARGET,
    A_VALUE,
    C_FROM,
    C_NAME,
    C_SECRET,
    C_VALUE,
    MASK,
)
from ui.request.request_editor import TESTS, RequestEditor
from ui.request.tones import ERROR, OK

Role = Qt.ItemDataRole


@pytest.fixture
def editors(qtbot: QtBot) -> Iterator[Callable[[], RequestEditor]]:
    """Makes editors, kept alive until the test's teardown (qtbot holds widgets weakly: an
    editor freed by Python while Qt still paints it would take its models first)."""
    made: list[RequestEditor] = []

    def make() -> RequestEditor:
        editor = RequestEditor()
        qtbot.addWidget(editor)
        editor.resize(1000, 600)
        editor.show()
        editor.tabs.setCurrentIndex(TESTS)
        made.append(editor)
        return editor

    yield make
    for editor in made:
        editor.close()


def _choose_op(qtbot: QtBot, editor: RequestEditor, row: int, op: str) -> None:
    view = editor.tests.assert_view
    view.setCurrentIndex(view.model().index(row, A_OP))
    boxes = [w for w in view.viewport().findChildren(QComboBox) if w.isVisible()]
    assert len(boxes) == 1
    box = boxes[0]
    box.setCurrentText(op)
    box.activated.emit(box.currentIndex())
    view.setCurrentIndex(view.model().index(row, 0))


def test_typed_checks_reach_the_model_and_the_file_and_come_back(
        qtbot: QtBot, editors: Callable[[], RequestEditor], tmp_path: Path) -> None:
    editor = editors()
    edits: list[None] = []
    editor.changed.connect(lambda: edits.append(None))
    view = editor.tests.assert_view
    type_into_cell(qtbot, view, 0, A_TARGET, "status")
    type_into_cell(qtbot, view, 0, A_VALUE, "200")
    type_into_cell(qtbot, view, 1, A_TARGET, "body.$.items[0].id")
    _choose_op(qtbot, editor, 1, "exists")
    type_into_cell(qtbot, view, 2, A_TARGET, "header.Content-Type")
    _choose_op(qtbot, editor, 2, "contains")
    type_into_cell(qtbot, view, 2, A_VALUE, "json")
    captures = editor.tests.capture_view
    type_into_cell(qtbot, captures, 0, C_NAME, "token")
    type_into_cell(qtbot, captures, 0, C_FROM, "body.token")
    captures.setCurrentIndex(captures.model().index(0, C_SECRET))
    qtbot.keyClick(captures, Qt.Key.Key_Space)  # ticks the Secret box
    assert edits

    model = editor.to_model()
    assert model.asserts == [AssertModel("status", AssertOp.EQ, 200),
                             AssertModel("body.$.items[0].id", AssertOp.EXISTS, None),
                             AssertModel("header.Content-Type", AssertOp.CONTAINS, "json")]
    assert model.captures == [CaptureModel("token", "body.token", secret=True)]
    assert editor.tabs.tabText(TESTS) == "Tests (4)"

    # Into a request file and back, through the workspace's own reading and checking.
    workspace = Workspace(tmp_path / "ws", MemorySecrets())
    workspace.create_collection("Shop")
    model.name = "Checked"
    path = workspace.save_request("Shop", model)
    text = path.read_text()
    assert "asserts:" in text and "captures:" in text and "secret: true" in text
    again = workspace.load_request(path)
    fresh = editors()
    fresh.load_model(again)
    assert fresh.to_model().asserts == model.asserts
    assert fresh.to_model().captures == model.captures
    assert fresh.tests.assert_view.model().index(0, A_VALUE).data() == "200"


def test_values_are_typed_as_json_where_they_read_as_json(
        qtbot: QtBot, editors: Callable[[], RequestEditor]) -> None:
    editor = editors()
    view = editor.tests.assert_view
    type_into_cell(qtbot, view, 0, A_TARGET, "status")
    _choose_op(qtbot, editor, 0, "in")
    type_into_cell(qtbot, view, 0, A_VALUE, "[200, 201]")
    type_into_cell(qtbot, view, 1, A_TARGET, "body.$.code")
    type_into_cell(qtbot, view, 1, A_VALUE, '"200"')
    type_into_cell(qtbot, view, 2, A_TARGET, "body.$.name")
    type_into_cell(qtbot, view, 2, A_VALUE, "{{name}}")
    assert [a.value for a in editor.to_model().asserts] == [[200, 201], "200", "{{name}}"]
    assert view.model().index(1, A_VALUE).data() == '"200"'  # a text that looks like a number


def test_a_row_a_file_could_not_hold_is_marked_and_kept(
        qtbot: QtBot, editors: Callable[[], RequestEditor]) -> None:
    editor = editors()
    view = editor.tests.assert_view
    model = editor.tests.asserts
    type_into_cell(qtbot, view, 0, A_TARGET, "bogus")
    type_into_cell(qtbot, view, 1, A_TARGET, "body.$[")
    type_into_cell(qtbot, view, 2, A_TARGET, "body")
    _choose_op(qtbot, editor, 2, "matches")
    type_into_cell(qtbot, view, 2, A_VALUE, "(unclosed")
    type_into_cell(qtbot, view, 3, A_TARGET, "status")
    _choose_op(qtbot, editor, 3, "gt")  # gt with no value

    assert model.index(0, A_TARGET).data(Role.ForegroundRole) == ERROR
    assert "unknown target 'bogus'" in model.index(0, A_TARGET).data(Role.ToolTipRole)
    assert model.index(0, A_RESULT).data().startswith("⚠ unknown target 'bogus'")
    assert "not a JSONPath" in model.index(1, A_RESULT).data()
    assert model.index(1, A_TARGET).data(Role.ForegroundRole) == ERROR
    assert model.index(2, A_VALUE).data(Role.ForegroundRole) == ERROR
    assert "not a regular expression" in model.index(2, A_RESULT).data()
    assert model.index(2, A_TARGET).data(Role.ForegroundRole) != ERROR
    assert "gt needs a value" in model.index(3, A_RESULT).data()
    assert model.index(3, A_OP).data(Role.ForegroundRole) == ERROR
    assert editor.tabs.tabText(TESTS).endswith("⚠")
    assert editor.tests.summary.isVisibleTo(editor) and "4 rows" in editor.tests.summary.text()

    captures = editor.tests.capture_view
    type_into_cell(qtbot, captures, 0, C_NAME, "to{ken")
    type_into_cell(qtbot, captures, 0, C_FROM, "status")
    assert "variable name" in editor.tests.captures.index(0, C_VALUE).data()
    # Nothing typed is lost: the model holds it as typed.
    saved = editor.to_model()
    assert [a.target for a in saved.asserts] == ["bogus", "body.$[", "body", "status"]
    assert saved.asserts[2].value == "(unclosed"
    assert saved.captures[0].name == "to{ken"

    # Corrected, the mark goes.
    type_into_cell(qtbot, view, 0, A_TARGET, "time_ms")
    assert model.index(0, A_TARGET).data(Role.ForegroundRole) != ERROR
    assert model.index(0, A_RESULT).data() is None


def test_results_sit_beside_their_rows_and_count_in_the_title(
        qtbot: QtBot, editors: Callable[[], RequestEditor]) -> None:
    editor = editors()
    status = AssertModel("status", AssertOp.EQ, 200)
    kind = AssertModel("header.Content-Type", AssertOp.CONTAINS, "xml")
    token = CaptureModel("token", "body.token", secret=True)
    editor.load_model(RequestModel(asserts=[status, kind], captures=[token]))
    editor.show_check_results(
        [AssertResult(status, True, "200", expected="200"),
         AssertResult(kind, False, "application/json", "does not contain xml", "xml")],
        [CaptureResult(token, True, "s3cret")])
    model = editor.tests.asserts
    assert model.index(0, A_RESULT).data() == "✔ passed · actual 200"
    assert model.index(0, A_RESULT).data(Role.ForegroundRole) == OK
    assert model.index(1, A_RESULT).data() == "✘ failed · actual application/json"
    assert "does not contain xml" in model.index(1, A_RESULT).data(Role.ToolTipRole)
    assert editor.tests.captures.index(0, C_VALUE).data() == MASK
    assert editor.tabs.tabText(TESTS) == "Tests 1/2"
    assert editor.tests.summary.text() == "1 of 2 asserts passed"

    # An edited row no longer claims the old result.
    type_into_cell(qtbot, editor.tests.assert_view, 1, A_VALUE, "json")
    assert model.index(1, A_RESULT).data() is None
    assert editor.tabs.tabText(TESTS) == "Tests 1/1"
    # Loading another request clears them.
    editor.load_model(RequestModel())
    assert editor.tabs.tabText(TESTS) == "Tests"


def test_targets_complete_with_what_the_last_response_had(
        qtbot: QtBot, editors: Callable[[], RequestEditor]) -> None:
    editor = editors()
    editor.tests.set_seen(["X-Request-Id"], ["body.$.items", "body.$.items[0]"])
    targets = editor.tests.targets()
    assert targets[:3] == ["status", "time_ms", "size"]
    assert "header.X-Request-Id" in targets and "body.$.items[0]" in targets
    view = editor.tests.assert_view
    view.setCurrentIndex(view.model().index(0, A_TARGET))  # opens the cell's editor
    line = next(w for w in view.viewport().findChildren(QLineEdit) if w.isVisible())
    completer = line.completer()
    assert completer is not None
    words = completer.model().stringList()  # type: ignore[attr-defined]
    assert "header.X-Request-Id" in words and "status" in words
