"""Selection, find matches and keys of ``LargeTextView``: what the user marks in the text.

``TextSelection`` is a mixin (no ``QObject``) with the view's mouse and keyboard handling, the
selection and its copy to the clipboard, and the highlighting of find matches: the ranges that
``LargeTextView`` paints over its lines. It works on the view's state, declared below for
readers and type checkers; ``body_viewer.py`` keeps the store, geometry, caches and painting.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPalette,
    QTextCharFormat,
)

from app.body.store import BodyStore
from ui.formatting import human_size

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QScrollBar, QWidget

    from ui.response.display_line import DisplayLine

__all__ = ["COPY_CAP", "EOL_MARK", "Pos", "Span", "TextSelection"]

COPY_CAP = 32 << 20          # bytes copied to the clipboard at most
#: A format property on a selection range that goes on past its line's end (drawn as a mark).
EOL_MARK = QTextCharFormat.Property.UserProperty + 1
_WORD = re.compile(r"\w+")

Pos = tuple[int, int]        # (display line, column in decode_line characters)
Span = tuple[int, int, QTextCharFormat]     # columns [start, end) and how to draw them


class TextSelection:
    """The selection, the find matches and the keys of a ``LargeTextView``.

    It must come BEFORE the Qt base in the view's bases: Qt calls a Python override of an
    event handler (``mousePressEvent``, ``keyPressEvent``...) only if the method lookup finds
    it before ``QAbstractScrollArea``'s own, and ``super()`` here then reaches that one.
    """

    # The view's state this part reads and writes (set in LargeTextView.__init__).
    _store: BodyStore | None
    _count: int
    _dark: bool
    _anchor: Pos | None
    _cursor: Pos
    _select_all: bool
    _matches: Sequence[tuple[int, int, int]]
    _current: int
    _drag_timer: QTimer
    _drag_point: QPoint

    if TYPE_CHECKING:       # what it calls on the view (and its Qt base)
        message: SignalInstance
        def _line(self, i: int) -> DisplayLine | None: ...
        def _pos_at(self, point: QPoint) -> Pos: ...
        def top_line(self) -> int: ...
        def page_lines(self) -> int: ...
        def scroll_to_line(self, n: int, *, center: bool = False) -> None: ...
        def ensure_visible(self, pos: Pos, length: int = 0) -> None: ...
        def viewport(self) -> QWidget: ...
        def palette(self) -> QPalette: ...
        def verticalScrollBar(self) -> QScrollBar: ...
        def horizontalScrollBar(self) -> QScrollBar: ...

    # -- matches -------------------------------------------------------------------------------

    def highlight_matches(self, matches: Sequence[tuple[int, int, int]],
                          current: int = -1) -> None:
        """Mark ``matches`` (sorted (line, col, length) in text columns; the view keeps the
        sequence and reads it as it grows) and emphasise the ``current`` one."""
        self._matches = matches
        self._current = current
        self.viewport().update()

    def set_current_match(self, index: int) -> None:
        """Emphasise match ``index`` and scroll it into view."""
        self._current = index
        if 0 <= index < len(self._matches):
            line, col, length = self._matches[index][:3]
            self.ensure_visible((line, col), length)
        self.viewport().update()

    # -- painted ranges -------------------------------------------------------------------------

    def _extra_ranges(self, top: int, last: int) -> dict[int, list[Span]]:
        """Selection and match highlights on lines top..last-1, in text columns by line."""
        out: dict[int, list[Span]] = {}
        matches = self._matches
        if matches:
            k = bisect.bisect_left(matches, (max(0, top - 2),))
            found, current = _match_format(self._dark, False), _match_format(self._dark, True)
            while k < len(matches) and matches[k][0] < last:
                line, col, length = matches[k][0], matches[k][1], matches[k][2]
                fmt = current if k == self._current else found
                for i, s, e in self._spread(line, col, length, last):
                    if i >= top:
                        out.setdefault(i, []).append((s, e, fmt))
                k += 1
        span = self._selection()
        if span is not None:
            (l0, col0), (l1, col1) = span
            fmt = QTextCharFormat()
            fmt.setBackground(self.palette().color(QPalette.ColorRole.Highlight))
            fmt.setForeground(self.palette().color(QPalette.ColorRole.HighlightedText))
            eol = QTextCharFormat(fmt)
            eol.setProperty(EOL_MARK, True)
            for i in range(max(l0, top), min(l1, last - 1) + 1):
                line = self._line(i)
                if line is None:
                    break
                s = col0 if i == l0 else 0
                if i == l1:
                    out.setdefault(i, []).append((s, col1, fmt))
                else:       # the selection goes on past this line's end
                    next_cont = self._store is not None and self._store.is_continuation(i + 1)
                    out.setdefault(i, []).append(
                        (s, len(line.text) + 1, fmt if next_cont else eol))
        return out

    def _spread(self, line: int, col: int, length: int,
                last: int) -> list[tuple[int, int, int]]:
        """A match's pieces by line: it may run past its line's end into the next ones."""
        pieces = []
        while length > 0 and line < last:
            info = self._line(line)
            if info is None:
                break
            end = min(col + length, len(info.text))
            pieces.append((line, col, max(end, col + 1) if end == col else end))
            length -= end - col
            line += 1
            col = 0
            if length > 0 and self._store is not None and not self._store.is_continuation(line):
                length -= 1                     # the newline between the lines
        return pieces

    # -- selection -----------------------------------------------------------------------------

    def _selection(self) -> tuple[Pos, Pos] | None:
        if self._anchor is None or self._anchor == self._cursor:
            return None
        return (min(self._anchor, self._cursor), max(self._anchor, self._cursor))

    def has_selection(self) -> bool:
        return self._selection() is not None

    def select_all(self) -> None:
        if not self._count:
            return
        last = self._line(self._count - 1)
        self._anchor = (0, 0)
        self._cursor = (self._count - 1, len(last.text) if last is not None else 0)
        self._select_all = True
        self.viewport().update()

    def select(self, start: Pos, end: Pos) -> None:
        """Select from ``start`` to ``end`` (display line, column)."""
        self._anchor, self._cursor = start, end
        self._select_all = False
        self.viewport().update()

    def selected_text(self, cap: int = COPY_CAP) -> tuple[str, int]:
        """The selected text (at most ``cap`` bytes of it) and the selection's size in bytes."""
        span = self._selection()
        if span is None or self._store is None:
            return "", 0
        (l0, c0), (l1, c1) = span
        start = self._store.offset_of(l0, c0)
        end = self._store.size if self._select_all else self._store.offset_of(l1, c1)
        data = self._store.read(start, min(end - start, cap))
        return data.decode("utf-8", "replace"), end - start

    def copy(self) -> None:
        """Copy the selection (at most ``COPY_CAP`` bytes) to the clipboard."""
        text, size = self.selected_text()
        if not size:
            return
        QGuiApplication.clipboard().setText(text)
        if size > COPY_CAP:
            self.message.emit(f"Copied the first {COPY_CAP >> 20} MiB of the selection "
                              f"({human_size(size)}).")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = self._pos_at(event.position().toPoint())
        if not event.modifiers() & Qt.KeyboardModifier.ShiftModifier or self._anchor is None:
            self._anchor = pos
        self._cursor = pos
        self._select_all = False
        self.viewport().update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if not event.buttons() & Qt.MouseButton.LeftButton:
            return
        self._drag_point = event.position().toPoint()
        self._cursor = self._pos_at(self._drag_point)
        inside = 0 <= self._drag_point.y() < self.viewport().height()
        if inside:
            self._drag_timer.stop()
        elif not self._drag_timer.isActive():
            self._drag_timer.start()
        self.viewport().update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_timer.stop()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        line_no, col = self._pos_at(event.position().toPoint())
        line = self._line(line_no)
        if line is None:
            return
        for m in _WORD.finditer(line.text):
            if m.start() <= col <= m.end():
                self.select((line_no, m.start()), (line_no, m.end()))
                return

    def _drag_scroll(self) -> None:
        vbar = self.verticalScrollBar()
        if self._drag_point.y() < 0:
            vbar.setValue(vbar.value() - 3)
        elif self._drag_point.y() >= self.viewport().height():
            vbar.setValue(vbar.value() + 3)
        self._cursor = self._pos_at(self._drag_point)
        self.viewport().update()

    # -- keys ----------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy()
            return
        if event.matches(QKeySequence.StandardKey.SelectAll):
            self.select_all()
            return
        key = event.key()
        mods = event.modifiers()
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        page = self.page_lines()
        if shift and self._move_cursor(key, ctrl, page):
            return
        vbar, hbar = self.verticalScrollBar(), self.horizontalScrollBar()
        steps = {
            Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1,
            Qt.Key.Key_PageUp: -page, Qt.Key.Key_PageDown: page,
        }
        if key in steps:
            self.scroll_to_line(self.top_line() + steps[key])
        elif key == Qt.Key.Key_Home:
            vbar.setValue(0)
            hbar.setValue(0)
        elif key == Qt.Key.Key_End:
            vbar.setValue(vbar.maximum())
        elif key == Qt.Key.Key_Left:
            hbar.setValue(hbar.value() - hbar.singleStep())
        elif key == Qt.Key.Key_Right:
            hbar.setValue(hbar.value() + hbar.singleStep())
        else:
            super().keyPressEvent(event)

    def _move_cursor(self, key: int, ctrl: bool, page: int) -> bool:
        """Shift + a movement key: move the cursor and extend the selection to it."""
        if not self._count:
            return False
        line, col = self._cursor
        info = self._line(line)
        length = len(info.text) if info is not None else 0
        if key == Qt.Key.Key_Left:
            line, col = (line, col - 1) if col > 0 else (max(0, line - 1), 1 << 30)
        elif key == Qt.Key.Key_Right:
            line, col = (line, col + 1) if col < length else (min(self._count - 1, line + 1), 0)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1,
                    Qt.Key.Key_PageUp: -page, Qt.Key.Key_PageDown: page}[key]  # type: ignore[index]
            line = max(0, min(self._count - 1, line + step))
        elif key == Qt.Key.Key_Home:
            line, col = (0, 0) if ctrl else (line, 0)
        elif key == Qt.Key.Key_End:
            line, col = (self._count - 1, 1 << 30) if ctrl else (line, 1 << 30)
        else:
            return False
        target = self._line(line)
        col = min(col, len(target.text) if target is not None else 0)
        if self._anchor is None:
            self._anchor = self._cursor
        self._cursor = (line, col)
        self._select_all = False
        self.ensure_visible(self._cursor)
        self.viewport().update()
        return True


def _match_format(dark: bool, current: bool) -> QTextCharFormat:
    fmt = QTextCharFormat()
    if current:
        fmt.setBackground(QColor("#c06000" if dark else "#ff9632"))
        fmt.setForeground(QColor("#ffffff" if dark else "#000000"))
    else:
        fmt.setBackground(QColor("#5c5000" if dark else "#fff176"))
    return fmt
