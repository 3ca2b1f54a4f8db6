"""The multipart body page: text and file parts in a table; files by picker or drag and drop."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.model.request import MultipartField
from ui.request.body.files import dropped_files, pick_files
from ui.request.body.multipart_model import (
    CHOOSE,
    CONTENT_TYPE,
    NAME,
    PART_TYPES,
    SIZE,
    TYPE,
    VALUE,
    MultipartModel,
)
from ui.request.key_value_table import configure_row_table
from ui.request.table_delegates import ButtonDelegate, ChoiceDelegate, LineDelegate

__all__ = ["MultipartPage"]

Index = QModelIndex | QPersistentModelIndex
_CONTENT_TYPES = ("application/json", "application/octet-stream", "application/pdf",
                  "image/jpeg", "image/png", "text/csv", "text/plain", "application/xml")


class MultipartPage(QWidget):
    """Edits multipart fields. Files dropped anywhere on the page become file parts."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: Asks for files; replaced in tests. Arguments: title, whether several may be picked.
        self.pick_files: Callable[[str, bool], list[str]] = \
            lambda title, multiple: pick_files(self, title, multiple=multiple)
        self.model = MultipartModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(LineDelegate(self.view, suggestions={
            CONTENT_TYPE: _CONTENT_TYPES}))
        self.view.setItemDelegateForColumn(TYPE, ChoiceDelegate(self.view, PART_TYPES))
        delete = configure_row_table(self.view, self.model.delete_column)
        delete.clicked.connect(lambda index: self.model.remove_row(index.row()))
        choose = ButtonDelegate(self.view, text="Choose…", shown=self._is_file_row)
        choose.clicked.connect(lambda index: self._choose(index.row()))
        self.view.setItemDelegateForColumn(CHOOSE, choose)
        header = self.view.horizontalHeader()
        widths = {NAME: 150, TYPE: 76, CHOOSE: 84, CONTENT_TYPE: 150, SIZE: 96}
        for column, width in widths.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        header.setSectionResizeMode(VALUE, QHeaderView.ResizeMode.Stretch)

        note = QLabel("Text and file parts, sent as multipart/form-data. "
                      "Drop files here to add them.")
        note.setEnabled(False)
        add = QPushButton("Add files…")
        add.setToolTip("Add one file part per chosen file")
        add.clicked.connect(self._add_files)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(note, 1)
        top.addWidget(add)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.setAcceptDrops(True)
        self.setFocusProxy(self.view)
        self.model.changed.connect(self.changed)

    def fields(self) -> list[MultipartField]:
        """The parts, in order (the blank row at the end is not one)."""
        return self.model.rows()

    def set_fields(self, fields: list[MultipartField]) -> None:
        """Show ``fields`` without emitting :attr:`changed`."""
        self.model.set_rows(fields)

    def add_files(self, paths: list[str]) -> None:
        """Add a file part for each of ``paths``."""
        self.model.add_files(paths)

    def clear_import_marks(self) -> None:
        """The files imports named may be sent: an edit, when one was marked."""
        if self.model.clear_import_marks():
            self.changed.emit()

    def _is_file_row(self, index: Index) -> bool:
        row = self.model.row_at(index.row())
        return row is not None and row.is_file

    def _choose(self, position: int) -> None:
        paths = self.pick_files("Choose the file for this part", False)
        if paths:
            self.model.set_path(position, paths[0])

    def _add_files(self) -> None:
        self.add_files(self.pick_files("Add files to the multipart body", True))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.view.viewport().update()  # sizes and "file not found" as the disk is now

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_files(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.add_files(paths)
