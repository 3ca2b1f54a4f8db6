"""The variables table view (name, value, secret, delete) over a :class:`VariablesModel`: the
environment editor's and the collection variables dialog's."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QStyleOptionViewItem, QTableView, QWidget

from ui.dialogs.variables_model import DELETE, NAME, SECRET, VALUE, VariablesModel
from ui.request.key_value_table import configure_row_table
from ui.request.secret_field import SecretField
from ui.request.table_delegates import LineDelegate

__all__ = ["VariableDelegate", "variables_table"]


class VariableDelegate(LineDelegate):
    """Edits names and values in a line edit that writes on every keystroke; a masked secret
    value is edited in a masked field (with its own eye button)."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        model = index.model()
        if index.column() != VALUE or not isinstance(model, VariablesModel) \
                or not model.is_masked(index.row()):
            return super().createEditor(parent, option, index)
        editor = SecretField("Value", parent)
        editor.setFrame(False)
        font = index.data(Qt.ItemDataRole.FontRole)
        if font is not None:
            editor.setFont(font)
        editor.textEdited.connect(lambda _text: self.commitData.emit(editor))
        return editor


def variables_table(parent: QWidget) -> tuple[VariablesModel, QTableView]:
    """The variables table with its model."""
    model = VariablesModel(parent)
    view = QTableView()
    view.setModel(model)
    view.setItemDelegate(VariableDelegate(view))
    delete = configure_row_table(view, DELETE)
    delete.clicked.connect(lambda index: model.remove_row(index.row()))
    header = view.horizontalHeader()
    header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Interactive)
    header.resizeSection(NAME, 200)
    header.setSectionResizeMode(VALUE, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(SECRET, QHeaderView.ResizeMode.Fixed)
    header.resizeSection(SECRET, 64)
    return model, view
