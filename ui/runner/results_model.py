"""The runner's live table: one row a request sent (name, method, status, time, asserts passed
and failed, outcome), filterable to the failures; and the details of one row as text (each
assert, expected against actual, the error)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from ui.request.tones import ERROR, OK, WARNING

if TYPE_CHECKING:
    from app.runner import RequestResult

__all__ = ["RunResultsModel", "result_details"]

Index = QModelIndex | QPersistentModelIndex
Role = Qt.ItemDataRole

_HEADERS = ("#", "Request", "Method", "Status", "Time", "Asserts", "Result")
NUMBER, NAME, METHOD, STATUS, TIME, ASSERTS, OUTCOME = range(len(_HEADERS))


def _failed(result: RequestResult) -> bool:
    return result.outcome.value in ("failed", "error")


def result_details(result: RequestResult) -> str:
    """Rich text for one result: what was sent, each assert (expected, actual, why it
    failed), each capture, and the error."""
    esc = html.escape
    lines = [f"<b>{esc(result.label)}</b> · iteration {result.iteration}",
             f"<code>{esc(result.method)} {esc(result.url)}</code>"]
    if result.status is not None:
        time = f" in {result.time_ms:.0f} ms" if result.time_ms is not None else ""
        lines.append(f"Status {result.status} {esc(result.reason)}{time}")
    if result.error:
        lines.append(f"<span style='color:{ERROR.name()}'>{esc(result.error)}</span>")
    for a in result.asserts:
        m = a.assertion
        mark = (f"<span style='color:{OK.name()}'>✔</span>" if a.passed
                else f"<span style='color:{ERROR.name()}'>✘</span>")
        expected = f" {esc(a.expected)}" if a.expected else ""
        line = f"{mark} <code>{esc(m.target)} {esc(m.op.value)}{expected}</code>"
        line += f" · actual <code>{esc(a.actual or '(none)')}</code>"
        if a.message:
            line += f" · {esc(a.message)}"
        lines.append(line)
    for c in result.captures:
        if c.ok:
            lines.append(f"→ <code>{{{{{esc(c.capture.name)}}}}}</code> = "
                         f"<code>{esc(c.value)}</code>")
        else:
            lines.append(f"<span style='color:{ERROR.name()}'>{esc(c.message)}</span>")
    return "<br>".join(lines)


class RunResultsModel(QAbstractTableModel):
    """The results as they come; :attr:`failures_only` hides the ones that passed."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: list[RequestResult] = []
        self._shown: list[RequestResult] = []
        self._failures_only = False

    # -- the results ----------------------------------------------------------------------

    def clear(self) -> None:
        self.beginResetModel()
        self._all.clear()
        self._shown.clear()
        self.endResetModel()

    def add(self, result: RequestResult) -> None:
        """One more result (shown unless it passed and only failures are)."""
        self._all.append(result)
        if self._visible(result):
            row = len(self._shown)
            self.beginInsertRows(QModelIndex(), row, row)
            self._shown.append(result)
            self.endInsertRows()

    def result_at(self, row: int) -> RequestResult | None:
        return self._shown[row] if 0 <= row < len(self._shown) else None

    def results(self) -> list[RequestResult]:
        """Every result, shown or not, in the order they came."""
        return list(self._all)

    @property
    def failures_only(self) -> bool:
        return self._failures_only

    def set_failures_only(self, on: bool) -> None:
        self.beginResetModel()
        self._failures_only = on
        self._shown = [r for r in self._all if self._visible(r)]
        self.endResetModel()

    def _visible(self, result: RequestResult) -> bool:
        return not self._failures_only or _failed(result)

    # -- Qt model -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Role.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Role.DisplayRole:
            return _HEADERS[section]
        return None

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        result = self.result_at(index.row()) if index.isValid() else None
        if result is None:
            return None
        column = index.column()
        if role == Role.DisplayRole:
            return self._text(result, column)
        if role == Role.ForegroundRole and column == OUTCOME:
            return {"passed": OK, "failed": ERROR, "error": ERROR}.get(result.outcome.value,
                                                                         WARNING)
        if role == Role.ToolTipRole and column in (NAME, OUTCOME):
            failures = result.failures
            return html.escape("\n".join(failures)) if failures else result.url
        return None

    @staticmethod
    def _text(result: RequestResult, column: int) -> str:
        if column == NUMBER:
            return str(result.index + 1)
        if column == NAME:
            return result.label if result.iteration == 1 else \
                f"{result.label} (#{result.iteration})"
        if column == METHOD:
            return result.method
        if column == STATUS:
            return "" if result.status is None else f"{result.status} {result.reason}".strip()
        if column == TIME:
            return "" if result.time_ms is None else f"{result.time_ms:.0f} ms"
        if column == ASSERTS:
            passed = sum(1 for a in result.asserts if a.passed)
            failed = len(result.asserts) - passed
            return f"{passed} passed" + (f", {failed} failed" if failed else "") \
                if result.asserts else ""
        if column == OUTCOME:
            return result.outcome.value
        return ""
