"""The schema explorer beside the query editor: the schema's types (searchable), each type's
fields with arguments, types, descriptions and deprecations, Refresh, and "Load SDL file…"
for a server that refuses introspection. Double-clicking a field (or Enter on it) asks for it
to be inserted at the editor's cursor."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.request.graphql.schema_rows import FieldRow, TypeRow, field_rows, type_rows
from ui.request.tones import ERROR, WARNING, css

if TYPE_CHECKING:
    from graphql import GraphQLSchema

__all__ = ["SchemaExplorer"]

_ROW = Qt.ItemDataRole.UserRole + 1


class SchemaExplorer(QWidget):
    """Browses a schema. It fetches nothing: Refresh and the SDL file are asked for by
    signals (``ui.request.graphql.schema_service.SchemaService`` answers them)."""

    refresh_requested = Signal()
    sdl_file_chosen = Signal(str)
    #: A field to insert at the editor's cursor (a ``schema_rows.FieldRow``).
    insert_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._schema: GraphQLSchema | None = None
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search types")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._fill)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Introspect the request's URL again (with its headers "
                                       "and auth)")
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.sdl_button = QPushButton("Load SDL file…")
        self.sdl_button.setToolTip("Use a .graphql schema file (for a server that refuses "
                                   "introspection)")
        self.sdl_button.clicked.connect(self._choose_sdl)
        self.status = QLabel("No schema yet: Refresh introspects the request's URL.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.itemExpanded.connect(self._expand)
        self.tree.currentItemChanged.connect(self._show_docs)
        self.tree.itemActivated.connect(self._activate)
        self.docs = QTextBrowser()
        self.docs.setOpenLinks(False)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.search, 1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.sdl_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(self.docs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)

    def schema(self) -> GraphQLSchema | None:
        return self._schema

    def show_loading(self) -> None:
        self.status.setText("Fetching the schema…")
        self.status.setStyleSheet("")

    def show_error(self, message: str) -> None:
        """Say why there is no schema (the last one stays shown, if any)."""
        self.status.setText(f"{message}\nLoad an SDL file to explore it anyway.")
        self.status.setStyleSheet(css(ERROR))

    def set_schema(self, schema: GraphQLSchema | None, note: str = "") -> None:
        self._schema = schema
        self.status.setText(note)
        self.status.setStyleSheet("")
        self._fill()

    def type_items(self) -> list[QTreeWidgetItem]:
        """The type rows shown now (after the search)."""
        return [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]

    def item_for(self, type_name: str, field: str | None = None) -> QTreeWidgetItem | None:
        """The row of ``type_name`` (or of its ``field``, the type expanded first)."""
        for item in self.type_items():
            row = item.data(0, _ROW)
            if isinstance(row, TypeRow) and row.name == type_name:
                if field is None:
                    return item
                item.setExpanded(True)
                for i in range(item.childCount()):
                    child = item.child(i)
                    found = child.data(0, _ROW)
                    if isinstance(found, FieldRow) and found.name == field:
                        return child
        return None

    def _fill(self) -> None:
        self.tree.clear()
        if self._schema is None:
            return
        items = []
        for row in type_rows(self._schema, self.search.text()):
            label = f"{row.name}  ({row.root})" if row.root else row.name
            item = QTreeWidgetItem([f"{label}    {row.kind.lower().replace('_', ' ')}"])
            item.setData(0, _ROW, row)
            item.setToolTip(0, row.description)
            if field_rows(self._schema, row.name):
                item.setChildIndicatorPolicy(
                    QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            items.append(item)
        self.tree.addTopLevelItems(items)

    def _expand(self, item: QTreeWidgetItem) -> None:
        row = item.data(0, _ROW)
        if not isinstance(row, TypeRow) or item.childCount() or self._schema is None:
            return
        for field in field_rows(self._schema, row.name):
            child = QTreeWidgetItem([field.signature])
            child.setData(0, _ROW, field)
            tip = field.description
            if field.deprecated is not None:
                font = child.font(0)
                font.setStrikeOut(True)
                child.setFont(0, font)
                child.setForeground(0, WARNING)
                tip = f"Deprecated: {field.deprecated or 'no reason given'}\n{tip}".strip()
            child.setToolTip(0, tip)
            item.addChild(child)

    def _show_docs(self, item: QTreeWidgetItem | None) -> None:
        row = item.data(0, _ROW) if item is not None else None
        if isinstance(row, TypeRow):
            text = f"<b>{html.escape(row.name)}</b> <i>{row.kind.lower()}</i>"
            body = row.description
        elif isinstance(row, FieldRow):
            text = f"<code>{html.escape(row.signature)}</code>"
            body = row.description
            if row.deprecated is not None:
                text += (f"<br><b>Deprecated</b>: {html.escape(row.deprecated or '')}")
            text += "<br><small>Double-click to insert it at the cursor.</small>"
        else:
            self.docs.clear()
            return
        if body:
            text += f"<p>{html.escape(body)}</p>"
        self.docs.setHtml(text)

    def _activate(self, item: QTreeWidgetItem) -> None:
        row = item.data(0, _ROW)
        if isinstance(row, FieldRow) and row.type:  # enum values and input fields: no
            self.insert_requested.emit(row)

    def _choose_sdl(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a GraphQL schema (SDL)", "",
                                              "GraphQL schema (*.graphql *.graphqls *.gql "
                                              "*.sdl);;All files (*)")
        if path:
            self.sdl_file_chosen.emit(path)
