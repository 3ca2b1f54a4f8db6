"""The sidebar's History page: the requests sent, newest first, searchable.

Each row shows the method in its colour, the URL (elided in the middle), the status as a
chip coloured by class ("failed" in red, the error as its tooltip), the size and how long
ago, under a header per day. Every database call runs on a worker thread through the
window's :class:`~ui.tasks.TaskRunner`: SQLite waits on the disk.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeySequence,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from ui.formatting import human_duration, human_size
from ui.request.method_box import method_colour
from ui.request.tones import ERROR, css
from ui.response.response_pane import status_colour

if TYPE_CHECKING:
    from app.storage.history import History, HistoryEntry
    from ui.tasks import TaskRunner

__all__ = [
    "DAY_ROLE",
    "ENTRY_ROLE",
    "HistoryDelegate",
    "HistoryModel",
    "HistoryPanel",
    "day_label",
    "matches",
    "relative_time",
]

log = logging.getLogger(__name__)

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
    finds it: in the URL, the method, the status or the error, ignoring case)."""
    if not text:
        return True
    needle = text.casefold()
    fields = (entry.url, entry.method, "" if entry.status is None else str(entry.status),
              entry.error or "")
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
                lines.append(f"Status {entry.status} · {human_size(entry.response_size)} · "
                             f"{human_duration(entry.duration)}")
            lines.append(f"Sent {when}")
            return "\n".join(lines)
        return None


# --- the delegate ----------------------------------------------------------------------------


class HistoryDelegate(QStyledItemDelegate):
    """Paints a row: [day header], method and URL, then status chip, size and time."""

    PAD = 6

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._font_key = ""

    def _fonts(self, base: QFont) -> tuple[QFont, QFont, QFont]:
        method = QFont(base)
        method.setBold(True)
        method.setPointSizeF(base.pointSizeF() * 0.85)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.85)
        header = QFont(small)
        header.setBold(True)
        return method, small, header

    def _header_height(self, base: QFont) -> int:
        return QFontMetrics(self._fonts(base)[2]).height() + 10

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        base = option.font
        _, small, _ = self._fonts(base)
        height = QFontMetrics(base).height() + QFontMetrics(small).height() + 2 * self.PAD + 4
        if index.data(DAY_ROLE):
            height += self._header_height(base)
        return QSize(200, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        entry = index.data(ENTRY_ROLE)
        if entry is None:
            return
        base = option.font
        method_font, small, header_font = self._fonts(base)
        palette = option.palette
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        rect = QRect(option.rect)
        painter.save()
        header = index.data(DAY_ROLE)
        if header:
            band = QRect(rect.left(), rect.top(), rect.width(), self._header_height(base))
            painter.setFont(header_font)
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(band.adjusted(self.PAD, 4, -self.PAD, 0),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             header)
            painter.setPen(palette.color(QPalette.ColorRole.Mid))
            painter.drawLine(band.left(), band.bottom(), band.right(), band.bottom())
            rect.setTop(band.bottom() + 1)

        item = QStyleOptionViewItem(option)
        item.rect = rect
        item.text = ""
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, item, painter, widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_colour = palette.color(QPalette.ColorRole.HighlightedText if selected
                                    else QPalette.ColorRole.Text)
        muted = QColor(text_colour) if selected else \
            palette.color(QPalette.ColorRole.PlaceholderText)

        inner = rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        line1 = QFontMetrics(base).height()
        method_width = QFontMetrics(method_font).horizontalAdvance("OPTIONS") + self.PAD
        top = QRect(inner.left(), inner.top(), inner.width(), line1)
        # method
        painter.setFont(method_font)
        painter.setPen(method_colour(entry.method))
        method_rect = QRect(top.left(), top.top(), method_width, line1)
        painter.drawText(method_rect, int(Qt.AlignmentFlag.AlignLeft
                                          | Qt.AlignmentFlag.AlignVCenter),
                         QFontMetrics(method_font).elidedText(
                             entry.method, Qt.TextElideMode.ElideRight, method_width - 2))
        # URL
        painter.setFont(base)
        painter.setPen(text_colour)
        url_rect = QRect(method_rect.right() + 1, top.top(),
                         top.right() - method_rect.right(), line1)
        painter.drawText(url_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         QFontMetrics(base).elidedText(entry.url, Qt.TextElideMode.ElideMiddle,
                                                       url_rect.width()))
        # status chip, size, time
        painter.setFont(small)
        fm = QFontMetrics(small)
        line2 = fm.height()
        y = top.bottom() + 4
        x = url_rect.left()
        failed = entry.status is None
        chip_text = "failed" if failed else str(entry.status)
        chip_colour = QColor(ERROR) if failed else QColor(status_colour(int(entry.status)))
        chip = QRect(x, y, fm.horizontalAdvance(chip_text) + 10, line2)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(chip_colour)
        painter.drawRoundedRect(chip, 3, 3)
        painter.setPen(QColor("white"))
        bold = QFont(small)
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(chip, int(Qt.AlignmentFlag.AlignCenter), chip_text)
        painter.setFont(small)
        painter.setPen(muted)
        now = index.model().clock() if isinstance(index.model(), HistoryModel) else time.time()
        parts = [] if failed else [human_size(entry.response_size)]
        parts.append(relative_time(entry.time, now))
        if failed and entry.error:
            parts.append(entry.error)
        rest = QRect(chip.right() + 6, y, inner.right() - chip.right() - 6, line2)
        painter.drawText(rest, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         fm.elidedText("  ·  ".join(parts), Qt.TextElideMode.ElideRight,
                                       rest.width()))
        painter.restore()


# --- the panel -------------------------------------------------------------------------------


class HistoryPanel(QWidget):
    """Search and reopen sent requests. Double-click or Enter opens an entry."""

    #: The user asked to open an entry (a :class:`HistoryEntry`).
    open_entry = Signal(object)
    #: The user asked to change how much history is kept.
    limits_requested = Signal()

    #: How long typing pauses before the search runs.
    SEARCH_DELAY_MS = 200
    #: The most entries shown at once (the newest).
    LIMIT = 500

    def __init__(self, history: History | None, runner: TaskRunner,
                 parent: QWidget | None = None, *, unavailable_reason: str = "") -> None:
        super().__init__(parent)
        self._runner = runner
        self._key = f"history panel {id(self)}"
        self.destroyed.connect(functools.partial(runner.cancel_prefix, self._key))
        self.history: History | None = None
        self.loading = False
        self._query = ""          # the text the list is filtered by
        self._searching_for = ""  # the text of the search running
        self._added_meanwhile: list[HistoryEntry] = []

        self.unavailable = QLabel()
        self.unavailable.setWordWrap(True)
        self.unavailable.setTextFormat(Qt.TextFormat.PlainText)
        self.unavailable.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.unavailable.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search history")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Find requests by URL, method, status or error")
        self.search.textChanged.connect(self._on_search_edited)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(self.SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.refresh)

        self.model = HistoryModel(self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(HistoryDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setMouseTracking(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.activated.connect(self._on_activated)
        delete = QAction("Delete", self.view)
        delete.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(self.delete_current)
        self.view.addAction(delete)
        self.search.returnPressed.connect(self._focus_list)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.view)
        self.pages.addWidget(self.empty)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setStyleSheet(css(ERROR))
        self.message.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.unavailable)
        layout.addWidget(self.search)
        layout.addWidget(self.message)
        layout.addWidget(self.pages, 1)

        # "2 min ago" moves on while the list is on screen.
        self._tick = QTimer(self)
        self._tick.setInterval(30_000)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()

        self.set_history(history, unavailable_reason)

    # -- the database ----------------------------------------------------------------------

    def set_history(self, history: History | None, unavailable_reason: str = "") -> None:
        """Show ``history`` (None: say why there is none) and read it."""
        self._runner.cancel_prefix(self._key)
        self.history = history
        self.loading = False
        self._added_meanwhile.clear()
        available = history is not None
        reason = unavailable_reason or "the history database could not be opened"
        self.unavailable.setText("" if available else f"History is not available: {reason}")
        self.unavailable.setVisible(not available)
        self.search.setVisible(available)
        self.pages.setVisible(available)
        self.message.hide()
        self.model.set_entries([])
        if available:
            self.refresh()

    def refresh(self) -> None:
        """Read the entries again, filtered by the search text."""
        self._debounce.stop()
        if self.history is None:
            return
        text = self.search.text().strip()
        self._searching_for = text
        self._added_meanwhile.clear()
        self.loading = True
        self._update_empty()
        self._start("search", self._search(self.history, text))

    async def _search(self, history: History, text: str) -> None:
        try:
            entries = await asyncio.to_thread(history.search, text, self.LIMIT)
        except Exception as exc:
            self.loading = False
            self._show_problem("Could not read the history", exc)
            self._update_empty()
            return
        # Entries recorded while the search ran may be missing from its answer.
        known = {e.id for e in entries}
        extra = [e for e in self._added_meanwhile if e.id not in known and matches(e, text)]
        if extra:
            entries = sorted(extra + entries, key=lambda e: (e.time, e.id or 0),
                             reverse=True)[:self.LIMIT]
        self._added_meanwhile.clear()
        self.loading = False
        self._query = text
        selected = self.current_entry()
        self.model.set_entries(entries)
        if selected is not None and (row := self.model.row_of(selected.id)) >= 0:
            self.view.setCurrentIndex(self.model.index(row))
        self.message.hide()
        self._update_empty()

    def add(self, entry: HistoryEntry) -> None:
        """Show a newly recorded entry at the top, if the search text finds it."""
        if self.history is None:
            return
        if self.loading:
            self._added_meanwhile.append(entry)
            return
        if entry.id is not None and self.model.row_of(entry.id) >= 0:
            return
        if matches(entry, self._query):
            self.model.prepend(entry, self.LIMIT)
            self._update_empty()

    def entries(self) -> list[HistoryEntry]:
        """The entries shown, newest first."""
        return self.model.entries()

    def current_entry(self) -> HistoryEntry | None:
        index = self.view.currentIndex()
        return self.model.entry(index.row()) if index.isValid() else None

    # -- actions ---------------------------------------------------------------------------

    def open(self, entry: HistoryEntry) -> None:
        self.open_entry.emit(entry)

    def copy_url(self, entry: HistoryEntry) -> None:
        QGuiApplication.clipboard().setText(entry.url)

    def delete(self, entry: HistoryEntry) -> None:
        """Remove one entry from the history."""
        if self.history is None:
            return
        self._start(f"delete {entry.id}", self._delete(self.history, entry))

    def delete_current(self) -> None:
        entry = self.current_entry()
        if entry is not None:
            self.delete(entry)

    async def _delete(self, history: History, entry: HistoryEntry) -> None:
        if entry.id is not None:
            try:
                await asyncio.to_thread(history.delete, entry.id)
            except Exception as exc:
                self._show_problem("Could not delete the entry", exc)
                return
        self.model.remove(entry)
        self._update_empty()

    def clear_all(self) -> None:
        """Delete every entry, after asking."""
        if self.history is None:
            return
        answer = QMessageBox.question(
            self, "Clear history",
            "Delete every request from the history?\nThis cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._start("clear", self._clear(self.history))

    async def _clear(self, history: History) -> None:
        try:
            await asyncio.to_thread(history.clear)
        except Exception as exc:
            self._show_problem("Could not clear the history", exc)
            return
        self._runner.cancel(f"{self._key} / search")
        self.loading = False
        self._added_meanwhile.clear()
        self.model.set_entries([])
        self._update_empty()

    # -- details ---------------------------------------------------------------------------

    def _start(self, what: str, coro: Coroutine[Any, Any, Any]) -> None:
        self._runner.start(f"{self._key} / {what}", coro)

    def _show_problem(self, what: str, exc: BaseException) -> None:
        from app.storage.history import HistoryError

        if not isinstance(exc, HistoryError | OSError):
            log.error("history: %s", what, exc_info=exc)
        self.message.setText(f"{what}: {exc}")
        self.message.show()

    def _on_search_edited(self, _text: str) -> None:
        self._debounce.start()

    def _focus_list(self) -> None:
        if self.model.rowCount():
            self.view.setFocus()
            if not self.view.currentIndex().isValid():
                self.view.setCurrentIndex(self.model.index(0))

    def _on_activated(self, index: QModelIndex) -> None:
        entry = self.model.entry(index.row())
        if entry is not None:
            self.open(entry)

    def _update_empty(self) -> None:
        if self.model.rowCount():
            self.pages.setCurrentWidget(self.view)
            return
        if self.loading:
            text = "Loading…"
        elif self._query:
            text = "No match"
        else:
            text = "No requests sent yet"
        self.empty.setText(text)
        self.pages.setCurrentWidget(self.empty)

    def _on_tick(self) -> None:
        if self.isVisible() and self.model.rowCount():
            self.view.viewport().update()

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        entry = self.model.entry(index.row()) if index.isValid() else None
        menu = QMenu(self)
        if entry is not None:
            self.view.setCurrentIndex(index)
            menu.addAction("Open", lambda: self.open(entry))
            menu.addAction("Copy URL", lambda: self.copy_url(entry))
            menu.addSeparator()
            menu.addAction("Delete", lambda: self.delete(entry))
        clear = menu.addAction("Clear all…", self.clear_all)
        clear.setEnabled(self.history is not None and self.model.rowCount() > 0)
        limits = menu.addAction("History limits…", self.limits_requested.emit)
        limits.setEnabled(self.history is not None)
        menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()
