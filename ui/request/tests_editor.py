"""The Tests tab of the request editor (SPEC §9): asserts and captures as tables, with the
targets completed (the plain ones, the headers and JSON paths of the last response), and,
after a send, each assert passed or failed with the actual value."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from app.model.checks import AssertModel, CaptureModel
from ui.request.checks_model import (
    A_OP,
    A_RESULT,
    A_TARGET,
    A_VALUE,
    C_FROM,
    C_NAME,
    C_SECRET,
    C_VALUE,
    OPS,
    AssertTableModel,
    CaptureTableModel,
)
from ui.request.key_value_table import configure_row_table
from ui.request.row_table_model import RowTableModel
from ui.request.table_delegates import ChoiceDelegate, LineDelegate
from ui.request.tests_title import tests_title

if TYPE_CHECKING:
    from app.runner.asserts import AssertResult
    from app.runner.captures import CaptureResult

__all__ = ["PLAIN_TARGETS", "TestsEditor"]

#: The targets every response has, first in the completion list.
PLAIN_TARGETS = ("status", "time_ms", "size", "body", "header.Content-Type", "body.$")


class TestsEditor(QWidget):
    """Asserts above, captures below. :attr:`changed` reports user edits; :meth:`set_checks`
    is silent. :meth:`show_results` puts a send's results beside the rows."""

    __test__ = False  # not a pytest class, whatever its name says

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: The target completions: shared with the delegates, which read it on each edit.
        self._targets: list[str] = list(PLAIN_TARGETS)
        #: How many sends' results were shown (a test or a script waits on it).
        self.results_shown = 0
        self.asserts = AssertTableModel(self)
        self.captures = CaptureTableModel(self)
        self.assert_view = self._table(self.asserts, {A_TARGET: self._targets})
        self.assert_view.setItemDelegateForColumn(A_OP, ChoiceDelegate(self.assert_view, OPS))
        header = self.assert_view.horizontalHeader()
        for column, width in ((A_TARGET, 220), (A_OP, 90), (A_VALUE, 160)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        header.setSectionResizeMode(A_RESULT, QHeaderView.ResizeMode.Stretch)
        self.capture_view = self._table(self.captures, {C_FROM: self._targets})
        header = self.capture_view.horizontalHeader()
        for column, width in ((C_NAME, 160), (C_FROM, 220), (C_SECRET, 60)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        header.setSectionResizeMode(C_VALUE, QHeaderView.ResizeMode.Stretch)

        self.summary = QLabel()
        self.summary.setObjectName("testsSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        asserts_note = QLabel("Asserts on the response")
        asserts_note.setToolTip("Checked on every response. Targets: status, time_ms, size, "
                                "header.<name>, body, body.<JSONPath (RFC 9535)>")
        asserts_note.setEnabled(False)
        captures_note = QLabel("Captures into runtime variables")
        captures_note.setToolTip("Values taken from the response into variables for the "
                                 "requests sent after this one; never written to a file")
        captures_note.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(asserts_note)
        layout.addWidget(self.assert_view, 3)
        layout.addWidget(captures_note)
        layout.addWidget(self.capture_view, 2)
        layout.addWidget(self.summary)
        for model in (self.asserts, self.captures):
            model.changed.connect(self._on_edit)
        self.setFocusProxy(self.assert_view)
        self._update_summary()

    def _table(self, model: RowTableModel[AssertModel] | RowTableModel[CaptureModel],
               suggestions: dict[int, list[str]]) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setItemDelegate(LineDelegate(view, suggestions=suggestions))
        delete = configure_row_table(view, model.delete_column)
        delete.clicked.connect(lambda index: model.remove_row(index.row()))
        # Two tables share the tab: each may be short (it scrolls) rather than make the
        # editor, and so the window, taller than the other tabs do.
        view.setMinimumHeight(2 * view.verticalHeader().defaultSectionSize())
        return view

    # -- public API -----------------------------------------------------------------------

    def set_checks(self, asserts: list[AssertModel], captures: list[CaptureModel]) -> None:
        """Show these rows (a loaded request's), without emitting :attr:`changed`."""
        self.asserts.set_rows(asserts)
        self.captures.set_rows(captures)
        self._update_summary()

    def show_results(self, asserts: list[AssertResult], captures: list[CaptureResult],
                     secrets: Iterable[str] = ()) -> None:
        """A send's results, each beside its row; ``secrets`` (the secret variables the send
        used) and a secret capture's value are masked in the asserts' values (as a run's
        report masks them)."""
        secrets = [*secrets, *(c.value for c in captures if c.capture.secret and c.value)]
        if any(secrets):
            from dataclasses import replace

            from app.storage.redaction import Redactor

            redactor = Redactor(secrets)
            asserts = [replace(a, actual=redactor.text(a.actual),
                               message=redactor.text(a.message),
                               expected=redactor.text(a.expected)) for a in asserts]
        self.asserts.show_results(asserts)
        self.captures.show_results(captures)
        self.results_shown += 1
        self._update_summary()

    def clear_results(self) -> None:
        self.asserts.clear_results()
        self.captures.show_results([])
        self._update_summary()

    def set_seen(self, header_names: Iterable[str], json_paths: Iterable[str]) -> None:
        """Complete targets with the headers and JSON paths of the last response too."""
        seen = [f"header.{name}" for name in header_names]
        seen += list(json_paths)
        self._targets[:] = list(dict.fromkeys([*PLAIN_TARGETS, *seen]))

    def targets(self) -> list[str]:
        """The target completions offered now."""
        return list(self._targets)

    def title(self) -> str:
        """The tab's title: ``Tests 3/4`` after a send, ``Tests (n)`` before, and a warning
        sign while a row is marked."""
        return tests_title(len(self.asserts.rows()) + len(self.captures.rows()),
                           self.problems(), self.asserts.counts())

    def problems(self) -> int:
        """How many rows a file could not hold."""
        return self.asserts.problems() + self.captures.problems()

    # -- internals ------------------------------------------------------------------------

    def _on_edit(self) -> None:
        self._update_summary()
        self.changed.emit()

    def _update_summary(self) -> None:
        counts = self.asserts.counts()
        parts = []
        if counts is not None:
            passed, checked = counts
            parts.append(f"{passed} of {checked} asserts passed" if passed < checked
                         else f"All {checked} asserts passed")
        problems = self.problems()
        if problems:
            parts.append(f"{problems} row{'s' if problems > 1 else ''} cannot be used as "
                         "written: see the ⚠ beside it")
        self.summary.setText(" · ".join(parts))
        self.summary.setVisible(bool(parts))
