"""The rows of the Tests tab: asserts (enabled, target, op, value, result) and captures
(enabled, name, from, secret, value). A row that a file could not hold (an unknown target, a
bad JSONPath or regular expression, a value its op cannot use) keeps what was typed and is
marked: the field at fault in the error colour, the reason in its tooltip and the result
column. After a send, each row shows what came of it."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFontDatabase

from app.model.checks import (
    AssertModel,
    AssertOp,
    CaptureModel,
    CheckError,
    check_assert,
    check_capture,
    value_from_text,
    value_text,
)
from ui.request.row_table_model import Index, Role, RowTableModel
from ui.request.tones import ERROR, OK

if TYPE_CHECKING:  # app.runner brings the report writers (xml): not for an idle tab
    from app.runner.asserts import AssertResult
    from app.runner.captures import CaptureResult

__all__ = ["MASK", "OPS", "AssertTableModel", "CaptureTableModel"]

#: The ops, as the op column's combo box lists them.
OPS = tuple(op.value for op in AssertOp)
#: What a secret capture's value shows.
MASK = "•" * 8

A_TARGET, A_OP, A_VALUE, A_RESULT = 1, 2, 3, 4
C_NAME, C_FROM, C_SECRET, C_VALUE = 1, 2, 3, 4
#: The column of each field a CheckError's ``where`` names.
_ASSERT_FIELDS = {"target": A_TARGET, "op": A_OP, "value": A_VALUE}
_CAPTURE_FIELDS = {"name": C_NAME, "from": C_FROM}


def _problem_cell(problem: CheckError | None, column: int, field_columns: dict[str, int],
                  role: Role) -> Any:
    """The colour or tooltip a marked row's cell shows (None: nothing to mark here)."""
    if problem is None:
        return None
    fault = problem.where[0] if problem.where else ""
    if field_columns.get(str(fault)) != column:
        return None
    if role == Role.ForegroundRole:
        return ERROR
    if role == Role.ToolTipRole:
        return _rich(str(problem))
    return None


def _rich(text: str) -> str:
    """``text`` as a tooltip shows it whole (``header.<name>`` is no tag)."""
    return f"<p>{html.escape(text, quote=False)}</p>"


class AssertTableModel(RowTableModel[AssertModel]):
    """The asserts of a request, each checked as a file would check it, and the result of
    the last send beside it."""


    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(("", "Target", "Op", "Value", "Result", ""),
                         {A_TARGET: "status, header.Name, body.$.path", A_OP: "eq",
                          A_VALUE: "Value"}, parent)
        self._fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        #: id(row) -> the result of the last send for that row (dropped when it is edited).
        self._results: dict[int, AssertResult] = {}

    def new_row(self) -> AssertModel:
        return AssertModel(target="", op=AssertOp.EQ)

    def set_rows(self, rows: list[AssertModel]) -> None:
        self._results.clear()
        super().set_rows(rows)

    def problem(self, row: AssertModel) -> CheckError | None:
        """Why a file could not hold ``row`` (None: it could)."""
        try:
            check_assert(row)
        except CheckError as exc:
            return exc
        return None

    def problems(self) -> int:
        """How many rows are marked."""
        return sum(1 for row in self._rows if self.problem(row) is not None)

    def result(self, index: int) -> AssertResult | None:
        """The last send's result for the row at ``index`` (None: none, or edited since)."""
        row = self.row_at(index)
        return None if row is None else self._results.get(id(row))

    def show_results(self, results: list[AssertResult]) -> None:
        """Put each result beside the row it checked (matched by what the row says, so a
        row edited while the request was out gets none)."""
        self._results.clear()
        unused = list(results)
        for row in self._rows:
            for result in unused:
                if result.assertion == row:
                    self._results[id(row)] = result
                    unused.remove(result)
                    break
        self._redraw_results()

    def clear_results(self) -> None:
        self._results.clear()
        self._redraw_results()

    def counts(self) -> tuple[int, int] | None:
        """(passed, checked) of the results shown; None when none is."""
        shown = list(self._results.values())
        if not shown:
            return None
        return sum(1 for r in shown if r.passed), len(shown)

    def _redraw_results(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, A_RESULT),
                                  self.index(len(self._rows) - 1, A_RESULT))

    def cell(self, row: AssertModel, column: int, role: Role) -> Any:
        problem = self.problem(row)
        mark = _problem_cell(problem, column, _ASSERT_FIELDS, role)
        if mark is not None:
            return mark
        if column == A_RESULT:
            return self._result_cell(row, problem, role)
        if role not in (Role.DisplayRole, Role.EditRole, Role.ToolTipRole):
            return None
        if column == A_TARGET:
            return row.target
        if column == A_OP:
            return row.op.value
        if column == A_VALUE:
            return value_text(row.value)
        return None

    def _result_cell(self, row: AssertModel, problem: CheckError | None, role: Role) -> Any:
        if problem is not None:
            if role == Role.DisplayRole:
                return f"⚠ {problem}"
            if role == Role.ToolTipRole:
                return _rich(f"⚠ {problem}")
            return ERROR if role == Role.ForegroundRole else None
        result = self._results.get(id(row))
        if result is None:
            return None
        if role == Role.ForegroundRole:
            return OK if result.passed else ERROR
        if role == Role.DisplayRole:
            actual = f" · actual {result.actual}" if result.actual else ""
            return ("✔ passed" if result.passed else "✘ failed") + actual
        if role == Role.ToolTipRole:
            lines = ["Passed" if result.passed else f"Failed: {result.message}"]
            if result.expected:
                lines.append(f"Expected: {result.expected}")
            lines.append(f"Actual: {result.actual or '(none)'}")
            return "<br>".join(html.escape(line) for line in lines)
        return None

    def set_cell(self, row: AssertModel, column: int, value: Any) -> bool:
        if column == A_TARGET:
            row.target = str(value).strip()
        elif column == A_OP:
            try:
                row.op = AssertOp(str(value))
            except ValueError:
                return False
        elif column == A_VALUE:
            row.value = value_from_text(str(value))
        else:
            return False
        self._results.pop(id(row), None)
        return True

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if role == Role.FontRole and index.column() in (A_TARGET, A_VALUE):
            return self._fixed
        return super().data(index, role)


class CaptureTableModel(RowTableModel[CaptureModel]):
    """The captures of a request, checked as a file would check them, with the value the
    last send captured (a secret one masked)."""


    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(("", "Variable", "From", "Secret", "Captured", ""),
                         {C_NAME: "Variable name", C_FROM: "body.$.token"}, parent)
        self._fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self._results: dict[int, CaptureResult] = {}

    def new_row(self) -> CaptureModel:
        return CaptureModel()

    def set_rows(self, rows: list[CaptureModel]) -> None:
        self._results.clear()
        super().set_rows(rows)

    def problem(self, row: CaptureModel) -> CheckError | None:
        try:
            check_capture(row)
        except CheckError as exc:
            return exc
        return None

    def problems(self) -> int:
        return sum(1 for row in self._rows if self.problem(row) is not None)

    def show_results(self, results: list[CaptureResult]) -> None:
        self._results.clear()
        unused = list(results)
        for row in self._rows:
            for result in unused:
                if result.capture == row:
                    self._results[id(row)] = result
                    unused.remove(result)
                    break
        if self._rows:
            self.dataChanged.emit(self.index(0, C_VALUE),
                                  self.index(len(self._rows) - 1, C_VALUE))

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.column() == C_SECRET and self.row_at(index.row()) is not None:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is not None and index.column() == C_SECRET:
            if role == Role.CheckStateRole:
                return Qt.CheckState.Checked if row.secret else Qt.CheckState.Unchecked
            if role == Role.ToolTipRole:
                return "A secret value is masked here and in reports, and never written"
            return None
        if role == Role.FontRole and index.column() in (C_FROM, C_VALUE):
            return self._fixed
        return super().data(index, role)

    def setData(self, index: Index, value: Any, role: int = Role.EditRole) -> bool:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is not None and index.column() == C_SECRET and role == Role.CheckStateRole:
            secret = Qt.CheckState(value) == Qt.CheckState.Checked
            if row.secret != secret:
                row.secret = secret
                self._results.pop(id(row), None)
                self.update_row(index.row())
                self.changed.emit()
            return True
        return super().setData(index, value, role)

    def cell(self, row: CaptureModel, column: int, role: Role) -> Any:
        problem = self.problem(row)
        mark = _problem_cell(problem, column, _CAPTURE_FIELDS, role)
        if mark is not None:
            return mark
        if column == C_VALUE:
            return self._value_cell(row, problem, role)
        if role not in (Role.DisplayRole, Role.EditRole, Role.ToolTipRole):
            return None
        if column == C_NAME:
            return row.name
        if column == C_FROM:
            return row.source
        return None

    def _value_cell(self, row: CaptureModel, problem: CheckError | None, role: Role) -> Any:
        if problem is not None:
            if role == Role.DisplayRole:
                return f"⚠ {problem}"
            if role == Role.ToolTipRole:
                return _rich(f"⚠ {problem}")
            return ERROR if role == Role.ForegroundRole else None
        result = self._results.get(id(row))
        if result is None:
            return None
        if role == Role.ForegroundRole:
            return None if result.ok else ERROR
        if role in (Role.DisplayRole, Role.ToolTipRole):
            text = f"✘ {result.message}" if not result.ok else \
                MASK if row.secret else result.value
            return _rich(text) if role == Role.ToolTipRole else text
        return None

    def set_cell(self, row: CaptureModel, column: int, value: Any) -> bool:
        if column == C_NAME:
            row.name = str(value).strip()
        elif column == C_FROM:
            row.source = str(value).strip()
        else:
            return False
        self._results.pop(id(row), None)
        return True
