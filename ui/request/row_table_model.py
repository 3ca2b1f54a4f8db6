"""A table model of plain rows (dataclasses with an ``enabled`` flag) that always ends with one
blank row to type into: typing into it appends a row, and a new blank row appears below."""

from __future__ import annotations

import copy
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QGuiApplication, QPalette

__all__ = ["RowTableModel"]

Index = QModelIndex | QPersistentModelIndex
Role = Qt.ItemDataRole


class _Row(Protocol):
    enabled: bool


RowT = TypeVar("RowT", bound=_Row)


class RowTableModel(QAbstractTableModel, Generic[RowT]):
    """The rows, a trailing blank row, an enabled checkbox in column 0 and a delete column last.

    Subclasses say what a row is (:meth:`new_row`) and how its cells read and write
    (:meth:`cell`, :meth:`set_cell`). :attr:`changed` reports user edits only;
    :meth:`set_rows` is silent, so loading a model never looks like an edit.
    """

    changed = Signal()
    ENABLED = 0

    def __init__(self, headers: tuple[str, ...], placeholders: dict[int, str],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = headers
        self._placeholders = placeholders
        self._rows: list[RowT] = []

    # -- what subclasses provide ----------------------------------------------------------

    def new_row(self) -> RowT:
        """A fresh row for the trailing blank line."""
        raise NotImplementedError

    def cell(self, row: RowT, column: int, role: Role) -> Any:
        """What ``row`` shows in ``column`` for ``role`` (None for nothing)."""
        raise NotImplementedError

    def set_cell(self, row: RowT, column: int, value: Any) -> bool:
        """Write ``value`` into ``row``; False when the column is not editable."""
        raise NotImplementedError

    def editable(self, row: RowT | None, column: int) -> bool:
        """Whether ``column`` of ``row`` (None: the trailing row) can be typed into."""
        return column in self._placeholders

    # -- rows -----------------------------------------------------------------------------

    @property
    def delete_column(self) -> int:
        """The last column, where each row's delete button is drawn."""
        return len(self._headers) - 1

    def rows(self) -> list[RowT]:
        """Copies of the rows (the trailing blank row is not one)."""
        return [copy.copy(row) for row in self._rows]

    def set_rows(self, rows: list[RowT]) -> None:
        """Replace every row, silently."""
        self.beginResetModel()
        self._rows = [copy.copy(row) for row in rows]
        self.endResetModel()

    def row_at(self, index: int) -> RowT | None:
        """The row at ``index``, or None for the trailing blank row."""
        return self._rows[index] if 0 <= index < len(self._rows) else None

    def append_row(self, row: RowT) -> None:
        """Add ``row`` above the trailing blank row, as a user edit."""
        position = len(self._rows)
        self.beginInsertRows(QModelIndex(), position, position)
        self._rows.append(row)
        self.endInsertRows()
        self.changed.emit()

    def remove_row(self, index: int) -> None:
        """Delete the row at ``index`` (the trailing blank row stays)."""
        if not 0 <= index < len(self._rows):
            return
        self.beginRemoveRows(QModelIndex(), index, index)
        del self._rows[index]
        self.endRemoveRows()
        self.changed.emit()

    def set_enabled(self, index: int, enabled: bool) -> None:
        """Tick or untick the row at ``index``, as a user edit."""
        row = self.row_at(index)
        if row is None or row.enabled == enabled:
            return
        row.enabled = enabled
        self._row_changed(index)
        self.changed.emit()

    def update_row(self, index: int) -> None:
        """Tell the views that row ``index`` changed outside :meth:`setData`."""
        self._row_changed(index)

    # -- Qt model -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows) + 1

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Role.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Role.DisplayRole:
            return self._headers[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        row = self.row_at(index.row())
        if index.column() == self.ENABLED and row is not None:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        if self.editable(row, index.column()):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = index.column()
        row = self.row_at(index.row())
        if row is None:
            if role == Role.DisplayRole and column in self._placeholders:
                return self._placeholders[column]
            if role == Role.ForegroundRole:
                return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
            return None
        if column == self.ENABLED:
            if role == Role.CheckStateRole:
                return Qt.CheckState.Checked if row.enabled else Qt.CheckState.Unchecked
            if role == Role.ToolTipRole:
                return "Untick to keep this row without sending it"
            return None
        if column == self.delete_column:
            return "Remove this row" if role == Role.ToolTipRole else None
        if role == Role.ForegroundRole and not row.enabled:
            return QGuiApplication.palette().color(QPalette.ColorGroup.Disabled,
                                                   QPalette.ColorRole.Text)
        return self.cell(row, column, Role(role))

    def setData(self, index: Index, value: Any, role: int = Role.EditRole) -> bool:
        if not index.isValid():
            return False
        position, column = index.row(), index.column()
        row = self.row_at(position)
        if column == self.ENABLED and role == Role.CheckStateRole and row is not None:
            self.set_enabled(position, Qt.CheckState(value) == Qt.CheckState.Checked)
            return True
        if role != Role.EditRole or not self.editable(row, column):
            return False
        if row is None:
            if not value:
                return False
            fresh = self.new_row()
            self.set_cell(fresh, column, value)
            self.beginInsertRows(QModelIndex(), position + 1, position + 1)
            self._rows.append(fresh)
            self.endInsertRows()
            self._row_changed(position)
            self.changed.emit()
            return True
        if self.cell(row, column, Role.EditRole) == value:
            return True
        if not self.set_cell(row, column, value):
            return False
        self.dataChanged.emit(index, index)
        self.changed.emit()
        return True

    def _row_changed(self, position: int) -> None:
        self.dataChanged.emit(self.index(position, 0),
                              self.index(position, self.columnCount() - 1))
