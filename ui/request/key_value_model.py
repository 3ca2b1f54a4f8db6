"""The rows of a params, headers or form table: enabled, name, value, and a delete button."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QFontDatabase

from app.model.request import KeyValue
from ui.request.row_table_model import Role, RowTableModel
from ui.request.tones import ERROR, VARIABLE
from ui.request.variables import VariableLookup, variable_matches, variable_tooltip

__all__ = ["KeyValueModel", "from_bulk_text", "to_bulk_text"]

NAME, VALUE = 1, 2


class KeyValueModel(RowTableModel[KeyValue]):
    """``KeyValue`` rows; values (and the value editor) use the fixed-width font."""

    def __init__(self, name_placeholder: str = "Name", value_placeholder: str = "Value",
                 parent: QObject | None = None) -> None:
        super().__init__(("", "Name", "Value", ""),
                         {NAME: name_placeholder, VALUE: value_placeholder}, parent)
        self._fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

    def new_row(self) -> KeyValue:
        return KeyValue()

    #: The variables in scope (see ui.request.variables), for colours and tooltips.
    variable_lookup: VariableLookup | None = None

    def cell(self, row: KeyValue, column: int, role: Role) -> Any:
        text = row.name if column == NAME else row.value if column == VALUE else None
        if text and "{{" in text and role in (Role.ToolTipRole, Role.ForegroundRole):
            names = [name for _, _, name in variable_matches(text)]
            if names and role == Role.ToolTipRole:
                import html  # with the first tooltip (ui.request.variables says why)

                tips = "<br>".join(variable_tooltip(n, self.variable_lookup)
                                   for n in dict.fromkeys(names))
                return f"{html.escape(text)}<hr>{tips}"
            if names and role == Role.ForegroundRole and self.variable_lookup is not None:
                known = self.variable_lookup()
                return VARIABLE if all(n in known for n in names) else ERROR
        if role in (Role.DisplayRole, Role.EditRole, Role.ToolTipRole):
            return text if text or role != Role.ToolTipRole else None
        return None

    def refresh_variables(self) -> None:
        """The variables in scope changed: redraw the cells."""
        if self._rows:
            self.dataChanged.emit(self.index(0, NAME), self.index(len(self._rows) - 1, VALUE))

    def set_cell(self, row: KeyValue, column: int, value: Any) -> bool:
        if column == NAME:
            row.name = str(value)
        elif column == VALUE:
            row.value = str(value)
        else:
            return False
        return True

    def data(self, index: Any, role: int = Role.DisplayRole) -> Any:
        if role == Role.FontRole and index.column() == VALUE:
            return self._fixed
        return super().data(index, role)

    def active_count(self) -> int:
        """How many rows are sent: enabled and named."""
        return sum(1 for row in self._rows if row.enabled and row.name.strip())


def to_bulk_text(rows: list[KeyValue]) -> str:
    """Rows as ``name: value`` lines; a disabled row starts with ``//`` (as in Postman)."""
    return "\n".join(f"{'//' if not row.enabled else ''}{row.name}: {row.value}"
                     for row in rows if row.name or row.value)


def from_bulk_text(text: str) -> list[KeyValue]:
    """The rows of ``name: value`` lines (``//`` disables a row; blank lines are skipped)."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        enabled = not line.startswith("//")
        line = line.removeprefix("//").strip()
        if not line:
            continue
        name, _, value = line.partition(":")
        rows.append(KeyValue(name.strip(), value.strip(), enabled))
    return rows
