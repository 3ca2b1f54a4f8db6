"""The console's item model: the rows of a ``MessageLog`` that pass the filter, published to
the view in batches.

The log fills as messages arrive; the model only learns of new rows when ``refresh()`` is
called (once a frame, by the console's timer), and then tells its views with one
``rowsInserted`` (and one ``rowsRemoved`` for rows the cap dropped). A new filter starts a new
``LogView`` that catches up a slice of the log per refresh, so filtering a million rows never
freezes the window.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.streams.message_log import LogView, Message, MessageFilter, MessageLog, preview

__all__ = ["MESSAGE_ROLE", "MessageListModel"]

#: ``index.data(MESSAGE_ROLE)`` is the row's ``Message``.
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1
#: Rows a new filter looks at per refresh while it catches up.
SCAN_PER_REFRESH = 50_000

_Index = QModelIndex | QPersistentModelIndex


class MessageListModel(QAbstractListModel):
    """One row per logged message that passes the filter."""

    def __init__(self, log: MessageLog, parent: Any = None) -> None:
        super().__init__(parent)
        self._log = log
        self._filter = MessageFilter()
        self._view = LogView(log)
        self._count = 0

    @property
    def log(self) -> MessageLog:
        return self._log

    @property
    def filter(self) -> MessageFilter:
        return self._filter

    @property
    def synced(self) -> bool:
        """Every row of the log is known to the views (a refresh would add nothing)."""
        return self._view.complete and len(self._view) == self._count

    def set_filter(self, flt: MessageFilter) -> None:
        """Show only the rows that pass ``flt``; they come in over the next refreshes."""
        if flt == self._filter:
            return
        self._filter = flt
        self.reset()

    def reset(self) -> None:
        """Start over from the log as it is (after a filter change or ``clear()``)."""
        self.beginResetModel()
        self._view = LogView(self._log, self._filter)
        self._count = 0
        self.endResetModel()

    def refresh(self) -> int:
        """Publish what the log gained since the last call; the number of rows added."""
        removed, added = self._view.update(SCAN_PER_REFRESH)
        if removed:
            self.beginRemoveRows(QModelIndex(), 0, removed - 1)
            self._count -= removed
            self.endRemoveRows()
        if added:
            self.beginInsertRows(QModelIndex(), self._count, self._count + added - 1)
            self._count += added
            self.endInsertRows()
        return added

    def message(self, row: int) -> Message:
        return self._log.message(self._view.seq(row))

    def row_of(self, seq: int) -> int | None:
        """The row showing the message ``seq``, or None (filtered out, dropped, unpublished)."""
        row = self._view.row_of(seq)
        return row if row is not None and row < self._count else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self._count

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._count:
            return None
        if role == MESSAGE_ROLE:
            return self.message(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            m = self.message(index.row())
            return preview(m.kind, m.data)
        return None
