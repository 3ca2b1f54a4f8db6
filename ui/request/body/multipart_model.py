"""The rows of a multipart body: text parts and file parts, with each file's size."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFontDatabase

from app.model.request import MultipartField
from ui.request.body.files import file_size, size_text
from ui.request.row_table_model import Role, RowTableModel
from ui.request.tones import ERROR

__all__ = ["CHOOSE", "CONTENT_TYPE", "NAME", "SIZE", "TYPE", "VALUE", "MultipartModel"]

NAME, TYPE, VALUE, CHOOSE, CONTENT_TYPE, SIZE = 1, 2, 3, 4, 5, 6
PART_TYPES = ("Text", "File")


class MultipartModel(RowTableModel[MultipartField]):
    """Multipart fields; a file part shows its size, or "file not found" in red."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(("", "Name", "Type", "Value", "", "Content type", "Size", ""),
                         {NAME: "Name", TYPE: "Text", VALUE: "Value", CONTENT_TYPE: "Auto"},
                         parent)
        self._fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

    def new_row(self) -> MultipartField:
        return MultipartField()

    def editable(self, row: MultipartField | None, column: int) -> bool:
        return column in (NAME, VALUE, CONTENT_TYPE) or (column == TYPE and row is not None)

    def add_files(self, paths: list[str]) -> None:
        """Add one file part per path, named after the file's field name ``file``."""
        for path in paths:
            self.append_row(MultipartField("file", path, is_file=True))

    def data(self, index: Any, role: int = Role.DisplayRole) -> Any:
        if role == Role.FontRole and index.column() == VALUE:
            return self._fixed
        if role == Role.TextAlignmentRole and index.column() == SIZE:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return super().data(index, role)

    def cell(self, row: MultipartField, column: int, role: Role) -> Any:
        missing = row.is_file and bool(row.value) and file_size(row.value) is None
        if role == Role.ForegroundRole and missing and column in (VALUE, SIZE):
            return ERROR
        if role == Role.ToolTipRole:
            if column == VALUE and row.is_file:
                return f"{row.value} (file not found)" if missing else row.value or None
            if column == CHOOSE and row.is_file:
                return "Choose the file to send"
            if column == CONTENT_TYPE:
                return "Content type of this part; empty: guessed from the file name"
            return None
        if role not in (Role.DisplayRole, Role.EditRole):
            return None
        if column == NAME:
            return row.name
        if column == TYPE:
            return PART_TYPES[row.is_file]
        if column == VALUE:
            return row.value
        if column == CONTENT_TYPE:
            return row.content_type
        if column == SIZE and row.is_file and role == Role.DisplayRole:
            return size_text(row.value)
        return None

    def set_cell(self, row: MultipartField, column: int, value: Any) -> bool:
        text = str(value)
        if column == NAME:
            row.name = text
        elif column == TYPE:
            row.is_file = text == "File"
        elif column == VALUE:
            row.value = text
            row.imported = False             # a path the user typed is theirs
        elif column == CONTENT_TYPE:
            row.content_type = text.strip()
        else:
            return False
        return True

    def set_path(self, position: int, path: str) -> None:
        """Make the row at ``position`` a file part sending ``path``, as a user edit."""
        row = self.row_at(position)
        if row is None:
            self.add_files([path])
            return
        row.is_file, row.value, row.imported = True, path, False
        self.update_row(position)
        self.changed.emit()

    def clear_import_marks(self) -> bool:
        """Mark every part's file as the user's own; True when one was marked imported."""
        marked = False
        for position in range(len(self.rows())):
            row = self.row_at(position)
            if row is not None and row.imported:
                row.imported, marked = False, True
                self.update_row(position)
        return marked
