"""Request ▸ Run collection…: the collection runner's window (SPEC §9). What to run (the
workspace or a folder), the environment, iterations, a CSV or JSON data file, a delay and
stop-on-first-failure; Run and Cancel; a live table of results, filterable to the failures,
with the details of the selected one; and the report saved as JUnit XML, JSON or HTML.

The work is :class:`~ui.runner.run_controller.RunController`'s; this lays it out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.request.tones import ERROR, banner_css
from ui.runner.results_model import NAME, RunResultsModel, result_details
from ui.runner.run_controller import REPORT_FORMATS, RunController, RunRequest
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from app.model.limit_settings import LimitSettings
    from app.model.request import RequestModel
    from app.runner import RequestResult, RunReport
    from ui.workspace_controller import WorkspaceController

__all__ = ["MAX_DELAY_MS", "MAX_ITERATIONS", "RUN_ME", "RunnerDialog"]

#: The most iterations and the longest delay the form accepts.
MAX_ITERATIONS = 100_000
MAX_DELAY_MS = 600_000

_NO_ENVIRONMENT = "(no environment)"
_WHOLE_WORKSPACE = "Whole workspace"
#: The folder combo's data for the Getting-started "Run me" folder (not a workspace folder:
#: no folder name can hold a NUL).
RUN_ME = "\0getting started/run me"


class RunnerDialog(QDialog):
    """The runner; ``collection`` is the folder chosen first (None: the whole workspace;
    :data:`RUN_ME`: the Getting-started "Run me" folder, run against the playground that
    ``playground`` gives the variables of)."""

    def __init__(self, tasks: TaskRunner, workspace: WorkspaceController,
                 limits: Callable[[], LimitSettings], collection: str | None = None,
                 parent: QWidget | None = None, *,
                 playground: Callable[[RequestModel], Awaitable[Mapping[str, str]]]
                 | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run collection")
        self.resize(980, 680)
        self.workspace = workspace
        self.controller = RunController(tasks, lambda: workspace.secrets, limits, self,
                                        playground=playground)
        #: Asks where to save a report: (format) -> a path, or None. Replaced in tests.
        self.ask_report_path: Callable[[str], Path | None] = self._ask_report_path

        self.folder = QComboBox()
        self.folder.addItem(_WHOLE_WORKSPACE, None)
        for top in workspace.tree:
            for entry in top.walk():
                self.folder.addItem(entry.collection.replace("/", " / "), entry.collection)
        if playground is not None:
            from app.model.getting_started import RUN_ME_FOLDER

            self.folder.addItem(f"Getting started / {RUN_ME_FOLDER} (against the playground)",
                                RUN_ME)
        if collection is not None and (found := self.folder.findData(collection)) >= 0:
            self.folder.setCurrentIndex(found)
        self.environment = QComboBox()
        self.environment.addItem(_NO_ENVIRONMENT, None)
        for name in workspace.environments:
            self.environment.addItem(name, name)
        if workspace.environment is not None:
            self.environment.setCurrentIndex(max(0, self.environment.findData(
                workspace.environment)))
        # The playground's requests use its variables, not an environment's.
        self.folder.currentIndexChanged.connect(lambda _i: self.environment.setEnabled(
            self.folder.currentData() != RUN_ME))
        self.environment.setEnabled(self.folder.currentData() != RUN_ME)
        self.iterations = QSpinBox()
        self.iterations.setRange(0, MAX_ITERATIONS)
        self.iterations.setSpecialValueText("auto (one a data row, else one)")
        self.data_file = QLineEdit()
        self.data_file.setPlaceholderText("A CSV or JSON file: each row's columns are variables")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_data_file)
        data_row = QHBoxLayout()
        data_row.addWidget(self.data_file, 1)
        data_row.addWidget(browse)
        self.delay = QSpinBox()
        self.delay.setRange(0, MAX_DELAY_MS)
        self.delay.setSuffix(" ms")
        self.bail = QCheckBox("Stop at the first failure")
        form = QFormLayout()
        form.addRow("Run", self.folder)
        form.addRow("Environment", self.environment)
        form.addRow("Iterations", self.iterations)
        form.addRow("Data file", data_row)
        form.addRow("Delay between requests", self.delay)
        form.addRow("", self.bail)

        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel run")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.controller.cancel)
        self.save_button = QPushButton("Save report…")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._save_clicked)
        self.report_format = QComboBox()
        for fmt, (label, _suffix) in REPORT_FORMATS.items():
            self.report_format.addItem(label.split(" (")[0], fmt)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.report_format)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)

        self.problem = QLabel()
        self.problem.setObjectName("runProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(banner_css(ERROR))
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.hide()
        self.status = QLabel("Choose what to run, then Run.")
        self.failures_only = QCheckBox("Failures only")
        self.failures_only.toggled.connect(self._filter)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.failures_only)

        self.results = RunResultsModel(self)
        self.table = QTableView()
        self.table.setModel(self.results)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)
        self.details = QTextBrowser()
        self.details.setPlaceholderText("Select a request to see its asserts")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addLayout(status_row)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)

        c = self.controller
        c.started.connect(self._on_started)
        c.result.connect(self._on_result)
        c.finished.connect(self._on_finished)
        c.failed.connect(self._on_failed)
        c.saved.connect(lambda path: self.status.setText(f"Report saved to {path}"))
        c.save_failed.connect(self._show_problem)
        self._total = 0

    # -- running --------------------------------------------------------------------------

    def run_request(self) -> RunRequest:
        """What the form asks to run."""
        root = self.workspace.root
        folder = self.folder.currentData()
        data = self.data_file.text().strip()
        if folder == RUN_ME:
            from app.model.getting_started import RUN_ME_FOLDER, run_me

            return RunRequest(root, None, Path(data).expanduser() if data else None,
                              models=tuple(run_me()), collection=RUN_ME_FOLDER)
        return RunRequest(root / folder if folder else root, self.environment.currentData(),
                          Path(data).expanduser() if data else None)

    def run(self) -> None:
        """Start the run the form describes (Run)."""
        from app.runner import RunSettings

        settings = RunSettings(iterations=self.iterations.value() or None,
                               delay_ms=self.delay.value(), bail=self.bail.isChecked())
        self.problem.hide()
        self.results.clear()
        self.details.clear()
        self.save_button.setEnabled(False)
        self.status.setText("Reading the requests…")
        self._set_running(True)
        self.controller.start(self.run_request(), settings)

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def _on_started(self, total: int) -> None:
        self._total = total
        self.status.setText(f"Running 0 of {total}…")

    def _on_result(self, result: RequestResult) -> None:
        self.results.add(result)
        done = len(self.results.results())
        failed = sum(1 for r in self.results.results() if r.failures)
        self.status.setText(f"Running {done} of {self._total}… {failed} failed")

    def _on_finished(self, report: RunReport) -> None:
        self._set_running(False)
        self.save_button.setEnabled(True)
        from app.runner import Outcome

        passed, failed = report.assert_counts
        counts = ", ".join(f"{report.count(o)} {o.value}" for o in Outcome if report.count(o))
        how = ("Cancelled" if report.interrupted else
               "Stopped at the first failure" if report.bailed else "Done")
        self.status.setText(f"{how}: {len(report.results)} requests ({counts or 'none'}); "
                            f"asserts {passed} passed, {failed} failed; "
                            f"{report.duration:.1f} s")
        if report.warnings:
            self._show_problem("\n".join(report.warnings))

    def _on_failed(self, message: str) -> None:
        self._set_running(False)
        self.status.setText("Not run.")
        self._show_problem(message)

    def _show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()

    def _filter(self, on: bool) -> None:
        self.results.set_failures_only(on)
        self.details.clear()

    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        result = self.results.result_at(current.row())
        self.details.setHtml(result_details(result) if result is not None else "")

    # -- the report -----------------------------------------------------------------------

    def _save_clicked(self) -> None:
        fmt = self.report_format.currentData()
        path = self.ask_report_path(fmt)
        if path is not None:
            self.controller.save_report(fmt, path)

    def _ask_report_path(self, fmt: str) -> Path | None:
        label, suffix = REPORT_FORMATS[fmt]
        default = str(self.workspace.root / f"spyglass-report{suffix}")
        path, _ = QFileDialog.getSaveFileName(self, "Save the run's report", default, label)
        if not path:
            return None
        chosen = Path(path)
        return chosen if chosen.suffix else chosen.with_suffix(suffix)

    def _choose_data_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Data file", str(self.workspace.root),
                                              "Data (*.csv *.json);;All files (*)")
        if path:
            self.data_file.setText(path)

    # -- closing --------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Closing the dialog stops its run."""
        self.controller.cancel()
        super().done(result)
