"""Asserts and captures in the real window against the playground: each assert passed or
failed with the actual value after a send; a capture feeds the next request's {{variable}},
shows in the hover as runtime, and never reaches a file; a request with a marked row is not
saved."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.model.checks import AssertModel, AssertOp, CaptureModel
from app.model.request import RequestModel
from app.storage.secrets import MemorySecrets
from tests.ui.helpers import shown_window
from ui.main_window import MainWindow
from ui.request.checks_model import A_RESULT, C_VALUE, MASK
from ui.request.request_editor import TESTS
from ui.request.variables import variable_tooltip
from ui.request_tab import RequestTab
from ui.window_state import WindowState


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, run_async: Callable[..., Any]
           ) -> Iterator[MainWindow]:
    state = WindowState(QSettings(str(tmp_path / "spyglass.ini"), QSettings.Format.IniFormat))
    state.mark_seen()
    with shown_window(qtbot, run_async, state, secrets=MemorySecrets(),
                      data_dir=tmp_path / "data") as w:
        yield w


def _tab(window: MainWindow) -> RequestTab:
    tab = window.current_tab()
    assert tab is not None
    return tab


def _send_and_check(qtbot: QtBot, tab: RequestTab) -> None:
    before = tab.editor.tests.results_shown
    tab.send()
    qtbot.waitUntil(lambda: tab.editor.tests.results_shown > before, timeout=20000)


def test_a_send_shows_each_assert_passed_or_failed_with_the_actual_value(
        qtbot: QtBot, window: MainWindow, playground: str) -> None:
    tab = _tab(window)
    tab.load_model(RequestModel(url=f"{playground}/echo?colour=blue", asserts=[
        AssertModel("status", AssertOp.EQ, 200),
        AssertModel("body.$.query_dict.colour[0]", AssertOp.EQ, "red"),
        AssertModel("header.Content-Type", AssertOp.CONTAINS, "json"),
        AssertModel("time_ms", AssertOp.LT, 60000),
    ]))
    _send_and_check(qtbot, tab)
    model = tab.editor.tests.asserts
    assert model.index(0, A_RESULT).data() == "✔ passed · actual 200"
    assert model.index(1, A_RESULT).data() == "✘ failed · actual blue"
    assert model.index(2, A_RESULT).data().startswith("✔ passed · actual application/json")
    assert model.index(3, A_RESULT).data().startswith("✔ passed")
    assert tab.editor.tabs.tabText(TESTS) == "Tests 3/4"
    # The response's headers and JSON paths now complete targets.
    targets = tab.editor.tests.targets()
    assert "header.Content-Type" in targets and "body.$.query_dict" in targets
    # A send that fails before any answer does not leave the last one's results standing.
    tab.editor.url_bar.setText("http://{{nowhere}}/")
    tab.send()
    qtbot.waitUntil(lambda: not tab.busy, timeout=10000)
    assert model.index(0, A_RESULT).data() in ("", None)
    assert tab.editor.tabs.tabText(TESTS) == "Tests (4)"  # counted, none checked


def test_a_body_past_the_limit_fails_its_body_checks_saying_so(
        qtbot: QtBot, window: MainWindow, playground: str) -> None:
    from app.model.limit_settings import LimitSettings

    window.sessions().set_limits(LimitSettings(body_mib=1))
    tab = _tab(window)
    tab.load_model(RequestModel(url=f"{playground}/bytes/{2 * 1024 * 1024}", asserts=[
        AssertModel("status", AssertOp.EQ, 200), AssertModel("body", AssertOp.EXISTS)]))
    _send_and_check(qtbot, tab)
    model = tab.editor.tests.asserts
    assert model.index(0, A_RESULT).data().startswith("✔ passed")
    assert model.index(1, A_RESULT).data().startswith("✘ failed")
    assert "larger than" in model.index(1, A_RESULT).data(2 + 1)  # the tooltip says why
    assert tab.editor.tabs.tabText(TESTS) == "Tests 1/2"


def test_a_capture_feeds_the_next_request_and_never_reaches_a_file(
        qtbot: QtBot, window: MainWindow, playground: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first = _tab(window)
    # The secret comes from the response only (its Date header): no file holds it before.
    first.load_model(RequestModel(name="Log in", url=f"{playground}/echo?n=7", captures=[
        CaptureModel("stamp", "header.Date", secret=True),
        CaptureModel("n", "body.$.query_dict.n[0]"),
        CaptureModel("gone", "body.$.nothing")]))
    _send_and_check(qtbot, first)
    captures = first.editor.tests.captures
    assert captures.index(0, C_VALUE).data() == MASK  # a secret one is masked
    assert captures.index(1, C_VALUE).data() == "7"
    assert "absent" in captures.index(2, C_VALUE).data()
    runtime = window.documents.runtime
    stamp = runtime.values()["stamp"]
    assert stamp.endswith("GMT") and runtime.values()["n"] == "7" and "gone" not in runtime.values()

    second = window.new_tab(RequestModel(
        name="Use it", url=f"{playground}/echo?t={{{{stamp}}}}&n={{{{n}}}}",
        asserts=[AssertModel("body.$.query_dict.t[0]", AssertOp.EQ, "{{stamp}}"),
                 AssertModel("body.$.query_dict.n[0]", AssertOp.EQ, "{{n}}")]))
    # The hover says where the value comes from, a secret one masked.
    lookup = window.documents.lookup_for(second)
    tip = variable_tooltip("stamp", lookup)
    assert "runtime" in tip and stamp not in tip and "secret" in tip
    assert "<code>7</code>" in variable_tooltip("n", lookup)
    second.refresh_variables()
    assert not second.unresolved.isVisibleTo(second)
    _send_and_check(qtbot, second)
    assert second.editor.tabs.tabText(TESTS) == "Tests 2/2"
    # The secret runtime value is masked in the asserts' results too, as a run masks it.
    shown = [second.editor.tests.asserts.index(row, column).data()
             for row in range(2) for column in range(second.editor.tests.asserts.columnCount())]
    assert not any(stamp in str(text) for text in shown)
    assert any("7" in str(text) for text in shown)

    # Saved, the history written, the window's state written: the secret is in none.
    monkeypatch.setattr("ui.dialogs.save_dialog.ask_where_to_save",
                        lambda *a, **k: ("Use it", "Shop"))
    window.save_current()
    qtbot.waitUntil(lambda: second.origin is not None, timeout=10000)
    assert second.origin is not None
    assert "{{stamp}}" in second.origin.read_text()
    qtbot.waitUntil(lambda: window.history is not None and len(window.history.search("")) >= 2,
                    timeout=10000)
    window.close()
    variants = {stamp, quote(stamp), quote_plus(stamp), quote(stamp, safe="")}
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(v.encode() in data for v in variants), path


def test_clear_runtime_variables_from_the_tools_menu(qtbot: QtBot, window: MainWindow,
                                                     playground: str) -> None:
    tab = _tab(window)
    tab.load_model(RequestModel(url=f"{playground}/echo?id=42",
                                captures=[CaptureModel("id", "body.$.query_dict.id[0]")]))
    _send_and_check(qtbot, tab)
    assert window.documents.runtime.values() == {"id": "42"}
    tab.load_model(RequestModel(url=f"{playground}/echo?x={{{{id}}}}"))
    tab.refresh_variables()
    assert not tab.unresolved.isVisibleTo(tab)
    action = next(a for m in window.menuBar().actions() if m.menu() is not None
                  for a in m.menu().actions() if a.text() == "Clear runtime variables")
    action.trigger()
    assert window.documents.runtime.values() == {}
    assert "Cleared 1 runtime variable" in window.statusBar().currentMessage()
    tab.refresh_variables()
    assert tab.unresolved.isVisibleTo(tab) and "id" in tab.unresolved.text()


def test_a_request_with_a_marked_row_is_not_saved(qtbot: QtBot, window: MainWindow,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[tuple[str, str]] = []
    window.documents.warning.disconnect()
    window.documents.warning.connect(lambda title, text: warnings.append((title, text)))
    tab = _tab(window)
    tab.load_model(RequestModel(name="Broken", url="http://127.0.0.1:9/x",
                                asserts=[AssertModel("bogus", AssertOp.EQ, 1)]))
    monkeypatch.setattr("ui.dialogs.save_dialog.ask_where_to_save",
                        lambda *a, **k: ("Broken", "Shop"))
    window.save_current()
    assert tab.origin is None
    assert warnings and "asserts[1]: unknown target 'bogus'" in warnings[0][1]
    assert tab.editor.tests.asserts.rows()[0].target == "bogus"  # kept as typed
