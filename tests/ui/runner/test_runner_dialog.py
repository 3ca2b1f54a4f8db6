"""The collection runner in the window, against the playground: a folder runs with live rows,
filtered to the failures, with each row's details; a data file gives iterations; a run is
cancelled at once; a configuration problem is shown in the dialog; the report is saved as
JUnit XML that parses, and as JSON and HTML."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.model.checks import AssertModel, AssertOp, CaptureModel
from app.model.request import RequestModel
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace
from ui.main_window import MainWindow
from ui.runner.results_model import NAME, OUTCOME, STATUS
from ui.runner.runner_dialog import RUN_ME, RunnerDialog
from ui.window_state import WindowState


def _fill(root: Path, playground: str) -> None:
    workspace = Workspace(root, MemorySecrets())
    workspace.create_collection("Shop")
    for model in (
        RequestModel(name="Log in", url=f"{playground}/echo?token={{{{user}}}}-tok",
                     asserts=[AssertModel("status", AssertOp.EQ, 200)],
                     captures=[CaptureModel("token", "body.$.query_dict.token[0]")]),
        RequestModel(name="Use token", url=f"{playground}/echo?t={{{{token}}}}",
                     asserts=[AssertModel("body.$.query_dict.t[0]", AssertOp.EQ,
                                          "{{user}}-tok")]),
        RequestModel(name="Missing", url=f"{playground}/status/404",
                     asserts=[AssertModel("status", AssertOp.EQ, 200)]),
    ):
        workspace.save_request("Shop", model)
    workspace.create_collection("Slow")
    workspace.save_request("Slow", RequestModel(name="Wait", url=f"{playground}/delay/20"))
    workspace.save_request("Slow", RequestModel(name="After", url=f"{playground}/echo"))
    workspace.save_collection_variables("Shop", {"user": "ann"})


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, playground: str, run_async: Callable[..., Any]
           ) -> Iterator[MainWindow]:
    _fill(tmp_path / "data" / "workspace", playground)
    state = WindowState(QSettings(str(tmp_path / "spyglass.ini"), QSettings.Format.IniFormat))
    state.mark_seen()
    w = MainWindow(state, secrets=MemorySecrets(), data_dir=tmp_path / "data")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: len(w.workspace.tree) == 2, timeout=10000)
    yield w
    if w.isVisible():
        w.close()
    run_async(w.shutdown())


def _dialog(window: MainWindow, collection: str) -> RunnerDialog:
    window.run_collection(collection)
    dialog = window.runner_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def _texts(dialog: RunnerDialog, column: int) -> list[str]:
    model = dialog.results
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_a_folder_runs_with_live_rows_and_its_junit_report_parses(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    dialog = _dialog(window, "Shop")
    assert dialog.folder.currentData() == "Shop"
    live: list[int] = []
    dialog.controller.result.connect(lambda _r: live.append(dialog.results.rowCount()))
    dialog.run_button.click()
    assert not dialog.run_button.isEnabled() and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.controller.report is not None, timeout=20000)
    assert live == [1, 2, 3]  # each row appeared as its request finished
    assert _texts(dialog, NAME) == ["Shop/Log in", "Shop/Use token", "Shop/Missing"]
    assert _texts(dialog, STATUS) == ["200 OK", "200 OK", "404 Not Found"]
    assert _texts(dialog, OUTCOME) == ["passed", "passed", "failed"]
    assert dialog.status.text().startswith("Done: 3 requests (2 passed, 1 failed)")
    assert dialog.run_button.isEnabled() and dialog.save_button.isEnabled()

    dialog.failures_only.setChecked(True)
    assert _texts(dialog, NAME) == ["Shop/Missing"]
    dialog.table.selectRow(0)
    details = dialog.details.toPlainText()
    assert "status eq 200" in details and "actual 404" in details
    dialog.failures_only.setChecked(False)
    assert dialog.results.rowCount() == 3

    saved: list[Path] = []
    dialog.controller.saved.connect(saved.append)
    for fmt, name in (("junit", "report.xml"), ("json", "report.json"), ("html", "r.html")):
        dialog.report_format.setCurrentIndex(dialog.report_format.findData(fmt))
        dialog.ask_report_path = lambda _fmt, n=name: tmp_path / n
        dialog.save_button.click()
        qtbot.waitUntil(lambda n=name: any(p.name == n for p in saved), timeout=10000)
    root = ET.parse(tmp_path / "report.xml").getroot()
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == ["Log in", "Use token", "Missing"]
    assert len(root.findall(".//failure")) == 1
    data = json.loads((tmp_path / "report.json").read_text())
    assert len(data["results"]) == 3
    assert "<html" in (tmp_path / "r.html").read_text().lower()


def test_a_data_file_gives_iterations_and_a_missing_one_is_shown(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    dialog = _dialog(window, "Shop")
    data = tmp_path / "users.csv"
    data.write_text("user\nbob\ncy\n")
    dialog.data_file.setText(str(data))
    dialog.bail.setChecked(True)
    dialog.run()
    qtbot.waitUntil(lambda: dialog.controller.report is not None, timeout=20000)
    # Bob's first two pass, his 404 stops the run.
    assert _texts(dialog, OUTCOME) == ["passed", "passed", "failed"]
    assert "Stopped at the first failure" in dialog.status.text()
    dialog.bail.setChecked(False)
    dialog.run()
    qtbot.waitUntil(lambda: dialog.controller.report is not None and
                    dialog.results.rowCount() == 6, timeout=20000)
    assert _texts(dialog, NAME)[3:] == ["Shop/Log in (#2)", "Shop/Use token (#2)",
                                        "Shop/Missing (#2)"]

    dialog.data_file.setText(str(tmp_path / "nowhere.csv"))
    dialog.run()
    qtbot.waitUntil(dialog.problem.isVisible, timeout=10000)
    assert "nowhere.csv" in dialog.problem.text()
    assert dialog.run_button.isEnabled() and not dialog.cancel_button.isEnabled()
    assert dialog.results.rowCount() == 0

    bad = tmp_path / "bad.csv"
    bad.write_text("user\nx,y\n")
    dialog.data_file.setText(str(bad))
    dialog.run()
    qtbot.waitUntil(lambda: "line 2 has 2 values for 1 columns" in dialog.problem.text(),
                    timeout=10000)
    assert "bad.csv" in dialog.problem.text()


def test_a_run_is_cancelled_at_once(qtbot: QtBot, window: MainWindow) -> None:
    dialog = _dialog(window, "Slow")
    dialog.run()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Running"), timeout=10000)
    qtbot.wait(200)  # the 20 s request is in flight
    began = time.monotonic()
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: dialog.controller.report is not None, timeout=5000)
    assert time.monotonic() - began < 2
    report = dialog.controller.report
    assert report is not None and report.interrupted
    assert _texts(dialog, NAME) == ["Slow/Wait"]  # the next one was never sent
    assert report.results[0].error == "interrupted"
    assert dialog.status.text().startswith("Cancelled")
    assert dialog.run_button.isEnabled()


def test_the_whole_workspace_and_the_sidebar_entry(qtbot: QtBot, window: MainWindow) -> None:
    window.sidebar.collections.run_requested.emit("")
    dialog = window.runner_dialog
    assert dialog is not None and dialog.folder.currentData() is None
    assert dialog.run_request().path == window.workspace.root
    items = [dialog.folder.itemData(i) for i in range(dialog.folder.count())]
    assert items == [None, "Shop", "Slow", RUN_ME]
    dialog.close()
    window.sidebar.collections.run_requested.emit("Slow")
    assert window.runner_dialog is not None
    assert window.runner_dialog.folder.currentData() == "Slow"


def test_the_getting_started_run_me_folder_runs_against_the_playground(
        qtbot: QtBot, window: MainWindow) -> None:
    """Right-click ▸ Run folder… on "Run me": the runner starts the playground and the chain
    passes (the token is captured by the first request and used by the others), the
    captured token masked in the report."""
    window.sidebar.getting_started.run_folder.emit()
    dialog = window.runner_dialog
    assert dialog is not None and dialog.folder.currentData() == RUN_ME
    assert not dialog.environment.isEnabled()  # the playground's variables, not an environment's
    dialog.run_button.click()
    qtbot.waitUntil(lambda: dialog.controller.report is not None, timeout=30000)
    names = _texts(dialog, NAME)
    assert names[0] == "Run me/Log in" and len(names) == 7
    assert _texts(dialog, OUTCOME) == ["passed"] * 7, dialog.details.toPlainText()
    assert dialog.status.text().startswith("Done: 7 requests (7 passed")
    report = dialog.controller.report
    assert report is not None and report.target == "Run me"
    # The token the chain captured as a secret is masked in the report.
    login = report.results[0]
    assert [(c.capture.name, c.value) for c in login.captures] == [("demo_token", "•••")]
    # Back to a workspace folder: the environment can be chosen again.
    dialog.folder.setCurrentIndex(dialog.folder.findData("Shop"))
    assert dialog.environment.isEnabled()
