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
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.request.tones import ERROR, css
from ui.sidebar.history_delegate import HistoryDelegate
from ui.sidebar.history_model import HistoryModel, matches

if TYPE_CHECKING:
    from app.storage.history import History, HistoryEntry
    from ui.tasks import TaskRunner

__all__ = ["HistoryPanel"]

log = logging.getLogger(__name__)


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
