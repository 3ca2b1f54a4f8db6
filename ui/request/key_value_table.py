"""An editable table of name/value rows (params, headers, form fields) with a bulk-edit mode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QStackedWidget,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.model.request import KeyValue
from ui.request.key_value_model import NAME, VALUE, KeyValueModel, from_bulk_text, to_bulk_text
from ui.request.table_delegates import ButtonDelegate, LineDelegate

__all__ = ["KeyValueTable", "configure_row_table"]


def configure_row_table(view: QTableView, delete_column: int) -> ButtonDelegate:
    """The look and keyboard behaviour every row table in the editor shares; returns the
    delete-button delegate installed on ``delete_column``."""
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 12)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.CurrentChanged
                         | QAbstractItemView.EditTrigger.DoubleClicked
                         | QAbstractItemView.EditTrigger.SelectedClicked
                         | QAbstractItemView.EditTrigger.EditKeyPressed
                         | QAbstractItemView.EditTrigger.AnyKeyPressed)
    view.setWordWrap(False)
    view.setMouseTracking(True)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setMinimumSectionSize(28)
    for column in (0, delete_column):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(column, 30)
    icon = view.style().standardIcon(QStyle.StandardPixmap.SP_LineEditClearButton)
    model = view.model()
    delegate = ButtonDelegate(view, icon=icon, flat=True,
                              shown=lambda index: index.row() < model.rowCount() - 1)
    view.setItemDelegateForColumn(delete_column, delegate)
    return delegate


class KeyValueTable(QWidget):
    """Name/value rows with an enabled checkbox each, a blank row at the end to type into, a
    delete button per row, and a "Bulk edit" switch to a ``name: value`` text view.

    :attr:`changed` reports user edits; :meth:`set_rows` is silent.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, hint: str = "",
                 name_placeholder: str = "Name", value_placeholder: str = "Value",
                 name_suggestions: Sequence[str] = (),
                 value_suggestions: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(parent)
        self.model = KeyValueModel(name_placeholder, value_placeholder, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(LineDelegate(
            self.view, suggestions={NAME: name_suggestions} if name_suggestions else None,
            value_suggestions=(NAME, VALUE, value_suggestions) if value_suggestions else None))
        delete = configure_row_table(self.view, self.model.delete_column)
        delete.clicked.connect(lambda index: self.model.remove_row(index.row()))
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(NAME, 240)
        header.setSectionResizeMode(VALUE, QHeaderView.ResizeMode.Stretch)
        self.view.customContextMenuRequested.connect(self._context_menu)
        remove = QAction("Remove row", self.view)
        remove.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove.triggered.connect(self._remove_current)
        self.view.addAction(remove)

        self.bulk = QPlainTextEdit()
        self.bulk.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.bulk.setPlaceholderText("One per line: name: value\n//disabled: row")
        self.bulk.setToolTip("One row per line as name: value; start a line with // to "
                             "keep the row disabled")
        self.bulk.textChanged.connect(self._on_bulk_edited)
        self.bulk_button = QToolButton()
        self.bulk_button.setText("Bulk edit")
        self.bulk_button.setCheckable(True)
        self.bulk_button.setAutoRaise(True)
        self.bulk_button.setToolTip("Edit all rows as text, one name: value per line")
        self.bulk_button.toggled.connect(self._set_bulk)
        self._stack = QStackedWidget()
        self._stack.addWidget(self.view)
        self._stack.addWidget(self.bulk)
        self._silent = False

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        note = self._note = QLabel(hint)
        note.setEnabled(False)
        top.addWidget(note, 1)
        top.addWidget(self.bulk_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self._stack, 1)
        self.model.changed.connect(self.changed)
        self.setFocusProxy(self.view)

    def set_hint(self, hint: str) -> None:
        """The line above the table that says what its rows are."""
        self._note.setText(hint)

    def rows(self) -> list[KeyValue]:
        """The rows as they stand (parsed from the text in bulk-edit mode)."""
        if self.bulk_button.isChecked():
            return from_bulk_text(self.bulk.toPlainText())
        return self.model.rows()

    def set_rows(self, rows: list[KeyValue]) -> None:
        """Show ``rows`` (in both views), without emitting :attr:`changed`."""
        self.model.set_rows(rows)
        if self.bulk_button.isChecked():
            self._set_bulk_text(to_bulk_text(rows))

    def active_count(self) -> int:
        """How many rows are sent: enabled and named."""
        return sum(1 for row in self.rows() if row.enabled and row.name.strip())

    def _set_bulk_text(self, text: str) -> None:
        if text == self.bulk.toPlainText():
            return
        self._silent = True
        try:
            self.bulk.setPlainText(text)
        finally:
            self._silent = False

    def _set_bulk(self, on: bool) -> None:
        if on:
            self._set_bulk_text(to_bulk_text(self.model.rows()))
            self._stack.setCurrentWidget(self.bulk)
        else:
            self.model.set_rows(from_bulk_text(self.bulk.toPlainText()))
            self._stack.setCurrentWidget(self.view)

    def _on_bulk_edited(self) -> None:
        if not self._silent:
            self.changed.emit()

    def _remove_current(self) -> None:
        self.model.remove_row(self.view.currentIndex().row())

    def _context_menu(self, pos: QPoint) -> None:
        index: QModelIndex = self.view.indexAt(pos)
        row = self.model.row_at(index.row()) if index.isValid() else None
        menu = QMenu(self)
        if row is not None:
            position = index.row()
            toggle = menu.addAction("Disable row" if row.enabled else "Enable row")
            toggle.triggered.connect(
                lambda: self.model.set_enabled(position, not row.enabled))
            remove = menu.addAction("Remove row")
            remove.triggered.connect(lambda: self.model.remove_row(position))
            menu.addSeparator()
        clear = menu.addAction("Remove all rows")
        clear.setEnabled(bool(self.model.rows()))
        clear.triggered.connect(self._clear)
        menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def _clear(self) -> None:
        self.model.set_rows([])
        self.changed.emit()
