"""The History page's list model: the entries sent, newest first, with a day header where the
day changes, and the words for times and days."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from ui.formatting import human_duration, human_size

if TYPE_CHECKING:
    from app.storage.history_entry import HistoryEntry

__all__ = ["DAY_ROLE", "ENTRY_ROLE", "HistoryModel", "day_label", "matches", "relative_time"]

#: The :class:`HistoryEntry` of a row.
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
#: The day header drawn above a row ("Today"), or "" when the row above is of the same day.
DAY_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


# --- words -----------------------------------------------------------------------------------


def relative_time(when: float, now: float) -> str:
    """``when`` as people say it, seen from ``now``: "just now", "2 min ago", "yesterday"."""
    seconds = now - when
    if seconds < 10:
        return "just now"
    if seconds < 60:
        return f"{int(seconds)} s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    then, today = datetime.fromtimestamp(when), datetime.fromtimestamp(now)
    days = (today.date() - then.date()).days
    if seconds < 6 * 3600 or days == 0:
        return f"{int(seconds // 3600)} h ago"
    if days == 1:
        return f"yesterday {then:%H:%M}"
    if days < 7:
        return f"{days} days ago"
    return f"{then:%d %b}" if then.year == today.year else f"{then:%d %b %Y}"


def day_label(day: date, today: date) -> str:
    """The header of a day's entries: "Today", "Yesterday", "Monday 3 June"."""
    days = (today - day).days
    if days == 0:
        return "Today"
    if days == 1:
        return "Yesterday"
    text = f"{day:%A} {day.day} {day:%B}"
    return text if day.year == today.year else f"{text} {day.year}"


def matches(entry: HistoryEntry, text: str) -> bool:
    """Whether ``entry`` is found when searching for ``text`` (as :meth:`History.search`
    finds it: in the URL, the method, the status (a gRPC call's code name too) or the error,
    ignoring case)."""
    if not text:
        return True
    needle = text.casefold()
    fields = (entry.url, entry.method, "" if entry.status is None else str(entry.status),
              entry.status_text, entry.error or "")
    return any(needle in field.casefold() for field in fields)


# --- the model -------------------------------------------------------------------------------


class HistoryModel(QAbstractListModel):
    """The entries shown, newest first. ``clock`` gives "now" for the relative times."""

    def __init__(self, parent: QObject | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self._entries: list[HistoryEntry] = []
        self.clock = clock

    def entries(self) -> list[HistoryEntry]:
        return list(self._entries)

    def entry(self, row: int) -> HistoryEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def set_entries(self, entries: list[HistoryEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def prepend(self, entry: HistoryEntry, limit: int | None = None) -> None:
        """Put ``entry`` at the top (dropping the oldest rows beyond ``limit``)."""
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._entries.insert(0, entry)
        self.endInsertRows()
        if limit is not None and len(self._entries) > limit:
            self.beginRemoveRows(QModelIndex(), limit, len(self._entries) - 1)
            del self._entries[limit:]
            self.endRemoveRows()

    def row_of(self, entry_id: int | None) -> int:
        for row, entry in enumerate(self._entries):
            if entry.id == entry_id:
                return row
        return -1

    def remove(self, entry: HistoryEntry) -> None:
        if entry.id is not None:
            row = self.row_of(entry.id)
        else:
            row = next((i for i, e in enumerate(self._entries) if e is entry), -1)
        if row < 0:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._entries[row]
        self.endRemoveRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        if role == ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{entry.method} {entry.url}"
        if role == DAY_ROLE:
            day = date.fromtimestamp(entry.time)
            above = self.entry(index.row() - 1)
            if above is not None and date.fromtimestamp(above.time) == day:
                return ""
            return day_label(day, date.fromtimestamp(self.clock()))
        if role == Qt.ItemDataRole.ToolTipRole:
            when = datetime.fromtimestamp(entry.time).strftime("%Y-%m-%d %H:%M:%S")
            lines = [f"{entry.method} {entry.url}"]
            if entry.status is None:
                lines.append(f"Failed: {entry.error or 'no response'}")
            else:
                lines.append(f"Status {entry.status_text} · {human_size(entry.response_size)} · "
                             f"{human_duration(entry.duration)}")
            lines.append(f"Sent {when}")
            return "\n".join(lines)
        return None


