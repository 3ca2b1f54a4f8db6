"""The table of events: a ``QAbstractTableModel`` over an ``EventLog`` seen through a filter.

The model never hears of single events. ``sync()``, called once a frame, looks at how far the
log (or the filter's index) has grown and tells the view in one ``beginInsertRows`` per batch,
and in one ``beginRemoveRows`` when a cap dropped the oldest events.
"""

from __future__ import annotations

import time
import zlib
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.streams.event_log import EventFilter, EventIndex, EventLog, LoggedEvent
from ui.formatting import human_size

__all__ = ["COLUMNS", "EventTableModel", "clock_time", "first_line"]

COLUMNS = ("Time", "Type", "ID", "Size", "Data")
TIME, TYPE, ID, SIZE, DATA = range(len(COLUMNS))
PREVIEW = 300  # characters of data shown in a row
SCAN_S = 0.006  # time a frame may spend filtering
SCAN_STEP = 2048  # events filtered between two looks at the clock
#: Type colours readable on light and dark backgrounds.
_TYPE_COLOURS = [QColor(c) for c in ("#2f7dd1", "#c2410c", "#16a34a", "#9333ea", "#b45309",
                                     "#0d9488", "#db2777", "#65a30d")]

_Index = QModelIndex | QPersistentModelIndex


def clock_time(when: float) -> str:
    """``12:04:05.123``, local time."""
    return time.strftime("%H:%M:%S", time.localtime(when)) + f".{int(when % 1 * 1000):03d}"


def first_line(data: str, limit: int = PREVIEW) -> str:
    """The start of ``data``'s first line, with an ellipsis when there is more."""
    head = data[:limit]
    line = head.split("\n", 1)[0]
    return line + "…" if len(line) < len(data) else line


def type_colour(event_type: str) -> QColor:
    if event_type == "message":
        return _TYPE_COLOURS[0]
    return _TYPE_COLOURS[zlib.crc32(event_type.encode()) % len(_TYPE_COLOURS)]


class EventTableModel(QAbstractTableModel):
    """Rows are the events of ``index`` (an ``EventIndex``) published so far by ``sync``."""

    def __init__(self, log: EventLog, parent: Any = None) -> None:
        super().__init__(parent)
        self._index = EventIndex(log)
        self._base = self._index.start  # the index position of row 0
        self._rows = 0
        self._cached: tuple[int, LoggedEvent] | None = None

    # -- what is shown ---------------------------------------------------------------------

    @property
    def log(self) -> EventLog:
        return self._index.log

    @property
    def event_index(self) -> EventIndex:
        return self._index

    @property
    def event_filter(self) -> EventFilter:
        return self._index.filter

    def set_log(self, log: EventLog) -> None:
        self._reset(EventIndex(log, self._index.filter))

    def set_filter(self, event_filter: EventFilter) -> None:
        if event_filter != self._index.filter:
            self._reset(EventIndex(self._index.log, event_filter))

    def _reset(self, index: EventIndex) -> None:
        self.beginResetModel()
        self._index = index
        self._base = index.start
        self._rows = 0
        self._cached = None
        self.endResetModel()

    @property
    def synced(self) -> bool:
        """Whether every event of the log is looked at and published."""
        index = self._index
        return index.complete and self._base + self._rows == index.end \
            and self._base == index.start

    def sync(self, budget_s: float = SCAN_S) -> int:
        """Publish what the log gained since the last call; return the rows added. A filter
        looks at new events for at most ``budget_s`` (the rest waits for the next frame)."""
        index = self._index
        if not index.complete:
            deadline = time.perf_counter() + budget_s
            while not index.complete and time.perf_counter() < deadline:
                index.advance(SCAN_STEP)
        start = index.start
        gone = min(start - self._base, self._rows)
        if gone > 0:
            self.beginRemoveRows(QModelIndex(), 0, gone - 1)
            self._base += gone
            self._rows -= gone
            self._cached = None
            self.endRemoveRows()
        self._base = max(self._base, start)  # dropped before it was ever shown
        index.trim(self._base)
        new = index.end - (self._base + self._rows)
        if new > 0:
            self.beginInsertRows(QModelIndex(), self._rows, self._rows + new - 1)
            self._rows += new
            self.endInsertRows()
        return max(new, 0)

    def event_at(self, row: int) -> LoggedEvent | None:
        """The event shown in ``row``; None when the cap dropped it after the last ``sync``
        (its row goes at the next one)."""
        at = self._index.index(self._base + row)
        cached = self._cached
        if cached is not None and cached[0] == at:
            return cached[1]
        log = self._index.log
        if at < log.first:
            return None
        event = log.get(at)
        self._cached = (at, event)
        return event

    def log_index(self, row: int) -> int:
        return self._index.index(self._base + row)

    def row_of(self, log_index: int) -> int | None:
        """The row showing the event at ``log_index``, if it is shown."""
        position = self._index.position_of(log_index)
        if position is None or not 0 <= position - self._base < self._rows:
            return None
        return position - self._base

    # -- QAbstractTableModel ---------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            event = self.event_at(index.row())
            if event is None:
                return None
            if column == DATA:
                return first_line(event.data)
            if column == TIME:
                return clock_time(event.time)
            if column == TYPE:
                return event.event
            if column == ID:
                return event.id
            return human_size(event.size)
        if role == Qt.ItemDataRole.ForegroundRole and column == TYPE:
            event = self.event_at(index.row())
            return type_colour(event.event) if event is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == SIZE:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole and column == DATA:
            event = self.event_at(index.row())
            if event is None:
                return None
            return event.data if len(event.data) <= 1000 else event.data[:1000] + "…"
        return None
