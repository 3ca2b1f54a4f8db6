"""The find bar of the body viewers: a query, match case, regular expression, "3 of 120".

The search runs in a worker thread over the body's file, block by block (``search_body``);
the bar collects the matches it posts on a short timer, so the first one shows as soon as it
is found, and it cancels the search when the query, the options or the body change. At most
``MATCH_LIMIT`` matches are kept ("100,000+").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from app.body.jobs import BodyJob, JobCancelled, UserActivity
from app.body.store import BodyMatch, BodyStore, SearchBatch, compile_query, search_body

__all__ = ["MATCH_LIMIT", "FindBar"]

MATCH_LIMIT = 100_000
_POLL = 15


def _search(store: BodyStore, pattern: re.Pattern[str], activity: UserActivity | None,
            job: BodyJob[None]) -> None:
    pause = partial(activity.wait_until_idle, job.cancelled) if activity is not None else None
    for batch in search_body(store, pattern, cancelled=job.cancelled, limit=MATCH_LIMIT,
                             pause=pause):
        job.post(batch)


def _cancel(jobs: list[BodyJob[None]]) -> None:
    for job in jobs:
        job.cancel()


class FindBar(QWidget):
    """Find in a ``BodyStore``: open with ``open()``, Enter / Shift+Enter / F3 to move,
    Esc to close. ``matches`` grows while the search runs (``matches_changed``)."""

    matches_changed = Signal()
    current_changed = Signal(int)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._field = QLineEdit(self)
        self._field.setPlaceholderText("Find in body")
        self._field.setClearButtonEnabled(True)
        self._case = self._tool("Aa", "Match case", checkable=True)
        self._regex = self._tool(".*", "Regular expression", checkable=True)
        self._count = QLabel(self)
        self._count.setMinimumWidth(
            self._count.fontMetrics().horizontalAdvance("8,888 of 88,888+") + 8)
        self._prev = self._tool("↑", "Previous match (Shift+Enter, Shift+F3)")
        self._next = self._tool("↓", "Next match (Enter, F3)")
        self._close = self._tool("✕", "Close (Esc)")
        self._close.setAutoRaise(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(4)
        layout.addWidget(self._field, 1)
        for w in (self._case, self._regex, self._count, self._prev, self._next, self._close):
            layout.addWidget(w)
        self._store: BodyStore | None = None
        self._jobs: list[BodyJob[None]] = []     # the running search, if any
        self._matches: list[BodyMatch] = []
        self._current = -1
        self._capped = False
        self._error = ""
        self._origin: Callable[[], int] = lambda: 0
        self._activity: UserActivity | None = None
        self._poll = QTimer(self, interval=_POLL)
        self._poll.timeout.connect(self._collect)
        self._field.textChanged.connect(self._restart)
        self._case.toggled.connect(self._restart)
        self._regex.toggled.connect(self._restart)
        self._next.clicked.connect(self.find_next)
        self._prev.clicked.connect(self.find_previous)
        self._close.clicked.connect(self.dismiss)
        self._field.installEventFilter(self)
        self.destroyed.connect(partial(_cancel, self._jobs))
        self.hide()

    def _tool(self, text: str, tip: str, *, checkable: bool = False) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(checkable)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return button

    def install_shortcuts(self, scope: QWidget) -> None:
        """F3 and Shift+F3 anywhere in ``scope`` (the body view) move between matches."""
        for keys, slot in (("F3", self.find_next), ("Shift+F3", self.find_previous)):
            shortcut = QShortcut(QKeySequence(keys), scope)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    # -- state ---------------------------------------------------------------------------------

    @property
    def store(self) -> BodyStore | None:
        return self._store

    @property
    def query(self) -> str:
        return self._field.text()

    @property
    def field(self) -> QLineEdit:
        return self._field

    @property
    def matches(self) -> list[BodyMatch]:
        """The matches found so far, in body order (the same list while the search runs)."""
        return self._matches

    @property
    def current(self) -> int:
        return self._current

    @property
    def searching(self) -> bool:
        return bool(self._jobs)

    @property
    def capped(self) -> bool:
        return self._capped

    @property
    def count_text(self) -> str:
        return self._count.text()

    def set_case_sensitive(self, on: bool) -> None:
        self._case.setChecked(on)

    def set_regex(self, on: bool) -> None:
        self._regex.setChecked(on)

    def set_origin(self, first_visible_line: Callable[[], int]) -> None:
        """Where the viewer is: the match shown first is the first one from that line on."""
        self._origin = first_visible_line

    def set_activity(self, activity: UserActivity | None) -> None:
        """Searches step aside while ``activity`` says the user is scrolling."""
        self._activity = activity

    def set_store(self, store: BodyStore | None) -> None:
        """Search ``store`` from now on (searching again if the bar is open)."""
        self._store = store
        self._restart()

    # -- opening and closing -------------------------------------------------------------------

    def open(self) -> None:
        """Show the bar with the query selected, searching for it again."""
        was_visible = self.isVisible()
        self.show()
        self._field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._field.selectAll()
        if not was_visible:
            self._restart()

    def dismiss(self) -> None:
        """Hide the bar and drop its matches."""
        self._stop()
        self._matches = []
        self._current = -1
        self.hide()
        self.matches_changed.emit()
        self.current_changed.emit(-1)
        self.closed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._field and event.type() in (QEvent.Type.KeyPress,
                                                        QEvent.Type.ShortcutOverride):
            assert isinstance(event, QKeyEvent)
            key = event.key()
            handled = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape,
                              Qt.Key.Key_F3)
            if handled and event.type() == QEvent.Type.ShortcutOverride:
                event.accept()          # keep Esc and Enter from the window's shortcuts
                return False
            if handled:
                back = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                if key == Qt.Key.Key_Escape:
                    self.dismiss()
                elif back:
                    self.find_previous()
                else:
                    self.find_next()
                return True
        return super().eventFilter(watched, event)

    # -- moving --------------------------------------------------------------------------------

    def find_next(self) -> None:
        self._step(1)

    def find_previous(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        if not self._matches:
            return
        self._set_current((self._current + delta) % len(self._matches)
                          if self._current >= 0 else 0)

    def _set_current(self, index: int) -> None:
        self._current = index
        self._show_count()
        self.current_changed.emit(index)

    # -- searching -----------------------------------------------------------------------------

    def _stop(self) -> None:
        _cancel(self._jobs)
        self._jobs.clear()
        self._poll.stop()

    def _restart(self) -> None:
        self._stop()
        self._matches = []
        self._current = -1
        self._capped = False
        self._error = ""
        query = self._field.text()
        if query and self._store is not None and self.isVisible():
            try:
                pattern = compile_query(query, case_sensitive=self._case.isChecked(),
                                        regex=self._regex.isChecked())
            except re.error as exc:
                self._error = f"Bad pattern: {exc.msg}"
            else:
                job = BodyJob(partial(_search, self._store, pattern, self._activity),
                              name="find-in-body")
                self._jobs.append(job.start())
                self._poll.start()
        self._show_count()
        self.matches_changed.emit()
        self.current_changed.emit(-1)

    def _collect(self) -> None:
        if not self._jobs:
            self._poll.stop()
            return
        job = self._jobs[0]
        done = job.done                     # read first: then every posted batch is taken
        found = False
        for batch in job.take():
            assert isinstance(batch, SearchBatch)
            if batch.matches:
                self._matches.extend(batch.matches)
                found = True
        if done:
            self._jobs.clear()
            self._poll.stop()
            self._capped = len(self._matches) >= MATCH_LIMIT
            if job.error is not None and not isinstance(job.error, JobCancelled):
                self._error = f"Search failed: {job.error}"
        if found:
            self.matches_changed.emit()
        if self._current < 0 and self._matches:
            origin = self._origin()
            first = bisect.bisect_left(self._matches, (origin,))
            if first < len(self._matches) or done:
                self._set_current(first if first < len(self._matches) else 0)
                return
        self._show_count()

    def _show_count(self) -> None:
        n = len(self._matches)
        more = "+" if self._capped else "…" if self.searching else ""
        if self._error:
            text = self._error
        elif not self._field.text():
            text = ""
        elif not n:
            text = "Searching…" if self.searching else "No matches"
        else:
            text = f"{self._current + 1 if self._current >= 0 else 0:,} of {n:,}{more}"
        self._count.setText(text)
        self._count.setToolTip(text)
