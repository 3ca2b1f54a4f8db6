"""The collection tree's item model: folders and requests with their roles, dragged as
MIME data and dropped as a move request (the files move; the tree is rebuilt from them)."""

from __future__ import annotations

import json

from PySide6.QtCore import (
    QByteArray,
    QMimeData,
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QStandardItemModel

__all__ = ["ERROR_ROLE", "KIND", "METHOD", "MIME", "PATH", "CollectionModel"]

MIME = "application/x-spyglass-workspace-items"
KIND = Qt.ItemDataRole.UserRole + 1      # "folder" or "request"
PATH = Qt.ItemDataRole.UserRole + 2      # collection path (folder) or file path (request)
METHOD = Qt.ItemDataRole.UserRole + 3
ERROR_ROLE = Qt.ItemDataRole.UserRole + 4


class CollectionModel(QStandardItemModel):
    """The tree's items; a drop asks for a move instead of moving items itself."""

    move_requested = Signal(list, str, int)  # [(kind, path)], target collection ("" = top), row

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        items = [(i.data(KIND), i.data(PATH)) for i in indexes if i.column() == 0]
        mime = QMimeData()
        mime.setData(MIME, QByteArray(json.dumps(items).encode()))
        return mime

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: QModelIndex) -> bool:
        if not data.hasFormat(MIME):
            return False
        return not parent.isValid() or parent.data(KIND) == "folder"

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: QModelIndex) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        items = [tuple(i) for i in json.loads(bytes(data.data(MIME).data()).decode())]
        target = parent.data(PATH) if parent.isValid() else ""
        if row >= 0 and parent.isValid():
            # Rows count folders first: turn the row into a place among the requests.
            folders = sum(1 for r in range(row) if self.index(r, 0, parent).data(KIND) == "folder")
            row -= folders
        self.move_requested.emit(items, target, row)
        return False  # the files move; the tree is rebuilt from them


