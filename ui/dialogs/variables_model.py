"""The table model of ``{{variables}}`` (name, value, secret, delete), shared by the environment
editor and the collection variables dialog. Its rows are :class:`app.model.variables.Variable`;
whether a secret value is shown in clear is screen state, kept beside them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFontDatabase, QGuiApplication, QPalette

from app.model.variables import Variable
from ui.request.tones import ERROR

__all__ = ["DELETE", "MASK", "NAME", "SECRET", "VALUE", "VariablesModel"]

#: What a hidden secret value is drawn as (always this long, so its length does not show).
MASK = "•" * 8
NAME, VALUE, SECRET, DELETE = range(4)

Index = QModelIndex | QPersistentModelIndex
Role = Qt.ItemDataRole


@dataclass
class _Row:
    variable: Variable
    revealed: bool = False  # this secret value is shown in clear (screen state, not stored)


def _typed(variable: Variable, column: int, text: str) -> Variable:
    """``variable`` with ``text`` typed into its name or value ``column``."""
    return replace(variable, name=text) if column == NAME else replace(variable, value=text)


def _saved(variable: Variable) -> Variable:
    """The variable as it would be saved: the name trimmed, no source."""
    return Variable(variable.name.strip(), variable.value, variable.secret)


class VariablesModel(QAbstractTableModel):
    """Name, value, secret and a delete button per variable, and a blank row to type into.

    Secret values read as :data:`MASK` (``DisplayRole``) unless the row is revealed or
    :meth:`set_show_secrets` is on; ``EditRole`` always gives the value, for the editor.
    :attr:`changed` reports user edits; :meth:`set_variables` is silent.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._show_secrets = False
        self._problems: dict[int, str] | None = None
        self._fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

    # rows

    @property
    def delete_column(self) -> int:
        return DELETE

    def set_variables(self, variables: Iterable[Variable]) -> None:
        """Show ``variables`` (as the workspace reads them), none revealed."""
        self.beginResetModel()
        self._rows = [_Row(v) for v in variables]
        self._problems = None
        self.endResetModel()

    def rows(self) -> list[Variable]:
        """Every row as typed, blank ones included."""
        return [r.variable for r in self._rows]

    def row_at(self, index: int) -> Variable | None:
        return self._rows[index].variable if 0 <= index < len(self._rows) else None

    def snapshot(self) -> tuple[Variable, ...]:
        """What would be saved, for comparing with what was loaded (blank rows left out)."""
        return tuple(Variable(r.variable.name, r.variable.value, r.variable.secret)
                     for r in self._rows if r.variable.name.strip() or r.variable.value)

    def variables(self) -> list[Variable]:
        """The variables to save, in row order: names trimmed, blank rows left out."""
        return [_saved(v) for v in self.snapshot()]

    def append(self, name: str = "", value: str = "", secret: bool = False) -> int:
        position = len(self._rows)
        self.beginInsertRows(QModelIndex(), position, position)
        self._rows.append(_Row(Variable(name, value, secret)))
        self.endInsertRows()
        self._edited()
        return position

    def remove_row(self, index: int) -> None:
        if not 0 <= index < len(self._rows):
            return
        self.beginRemoveRows(QModelIndex(), index, index)
        del self._rows[index]
        self.endRemoveRows()
        self._edited()

    def set_secret(self, index: int, secret: bool) -> None:
        row = self.row_at(index)
        if row is None or row.secret == secret:
            return
        self._rows[index].variable = replace(row, secret=secret)
        self._row_changed(index)
        self._edited()

    def set_revealed(self, index: int, revealed: bool) -> None:
        """Show one secret value in clear (or hide it again); not an edit."""
        if not 0 <= index < len(self._rows) or self._rows[index].revealed == revealed:
            return
        self._rows[index].revealed = revealed
        self._row_changed(index)

    def show_secrets(self) -> bool:
        return self._show_secrets

    def set_show_secrets(self, shown: bool) -> None:
        """Show every secret value in clear (True) or masked (False, the rows revealed one
        by one stay revealed)."""
        if shown == self._show_secrets:
            return
        self._show_secrets = shown
        if self._rows:
            self.dataChanged.emit(self.index(0, VALUE), self.index(len(self._rows) - 1, VALUE))

    def is_masked(self, index: int) -> bool:
        """Whether the value of row ``index`` is drawn as bullets."""
        if not 0 <= index < len(self._rows):
            return False
        row = self._rows[index]
        return row.variable.secret and not (row.revealed or self._show_secrets)

    def problems(self) -> dict[int, str]:
        """Why a row cannot be saved, by row: no name, a name ``{{ }}`` cannot hold, twice."""
        if self._problems is None:
            problems: dict[int, str] = {}
            seen: dict[str, int] = {}
            for i, row in enumerate(self._rows):
                name = row.variable.name.strip()
                if not name:
                    if row.variable.value:
                        problems[i] = "This variable has a value but no name."
                    continue
                if any(c.isspace() or c in "{}" for c in name):
                    problems[i] = f"“{name}”: a name cannot contain spaces or braces."
                elif name in seen:
                    problems[i] = f"“{name}” is defined twice."
                    problems.setdefault(seen[name], problems[i])
                else:
                    seen[name] = i
            self._problems = problems
        return self._problems

    def _edited(self) -> None:
        old = self._problems
        self._problems = None
        if old and self._rows:  # rows that were flagged may be fine now: redraw the names
            self.dataChanged.emit(self.index(0, NAME), self.index(len(self._rows) - 1, NAME))
        self.changed.emit()

    def _row_changed(self, index: int) -> None:
        self.dataChanged.emit(self.index(index, 0), self.index(index, DELETE))

    # Qt model

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows) + 1

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Role.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Role.DisplayRole:
            return ("Name", "Value", "Secret", "")[section]
        if role == Role.ToolTipRole and section == SECRET:
            return "Secret values are kept in the system keyring, never in the file"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        row = self.row_at(index.row())
        if index.column() in (NAME, VALUE):
            flags |= Qt.ItemFlag.ItemIsEditable
        elif index.column() == SECRET and row is not None:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = index.column()
        row = self.row_at(index.row())
        if role == Role.FontRole and column == VALUE:
            return self._fixed
        if row is None:  # the blank row to type into
            if role == Role.DisplayRole:
                return {NAME: "Add a variable", VALUE: "Value"}.get(column)
            if role == Role.ForegroundRole:
                return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
            return None
        if column == NAME:
            return self._name_data(index.row(), row, role)
        if column == VALUE:
            return self._value_data(index.row(), row, role)
        if column == SECRET:
            if role == Role.CheckStateRole:
                return Qt.CheckState.Checked if row.secret else Qt.CheckState.Unchecked
            if role == Role.ToolTipRole:
                return ("Secret: kept in the system keyring, masked on screen" if row.secret
                        else "Tick to keep this value in the system keyring, not in the file")
            return None
        if column == DELETE and role == Role.ToolTipRole:
            return "Remove this variable"
        return None

    def _name_data(self, position: int, row: Variable, role: int) -> Any:
        problem = self.problems().get(position)
        if role in (Role.DisplayRole, Role.EditRole):
            return row.name
        if role == Role.ForegroundRole and problem:
            return ERROR
        if role == Role.ToolTipRole:
            return problem or (f"Use it as {{{{{row.name.strip()}}}}}"
                               if row.name.strip() else None)
        return None

    def _value_data(self, position: int, row: Variable, role: int) -> Any:
        if role == Role.EditRole:
            return row.value
        if role == Role.DisplayRole:
            return MASK if self.is_masked(position) and row.value else row.value
        if role == Role.ToolTipRole:
            if self.is_masked(position):
                return "A secret: hidden until shown (the eye button above)"
            return row.value if len(row.value) > 40 else None
        return None

    def setData(self, index: Index, value: Any, role: int = Role.EditRole) -> bool:
        if not index.isValid():
            return False
        position, column = index.row(), index.column()
        row = self.row_at(position)
        if column == SECRET and role == Role.CheckStateRole and row is not None:
            self.set_secret(position, Qt.CheckState(value) == Qt.CheckState.Checked)
            return True
        if role != Role.EditRole or column not in (NAME, VALUE):
            return False
        text = "" if value is None else str(value)
        if row is None:
            if not text:
                return False
            self.beginInsertRows(QModelIndex(), position + 1, position + 1)
            self._rows.append(_Row(_typed(Variable(""), column, text)))
            self.endInsertRows()
            self._row_changed(position)
            self._edited()
            return True
        if (row.name if column == NAME else row.value) == text:
            return True
        self._rows[position].variable = _typed(row, column, text)
        self.dataChanged.emit(index, index)
        self._edited()
        return True
