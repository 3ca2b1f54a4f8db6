"""A text view for bodies of any size: paints only the display lines on screen.

``LargeTextView`` reads the lines it shows from a ``BodyStore`` and keeps nothing per line of
the whole body. Each visible line is laid out (``QTextLayout``) only over the columns in view,
and highlighted by lexing that line alone with Pygments; recently painted lines keep their
text, tokens and layouts in small caches. Lexing has a time budget per paint: a line not lexed
yet is drawn plain and coloured on the next frame, so a screen of 4096-column lines never
holds the window.

A line's text as shown is ``display_line.DisplayLine``; the selection, the keys and the find
matches are the ``text_selection.TextSelection`` mixin.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFontDatabase,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from app.body.jobs import UserActivity
from app.body.store import BodyStore
from ui.highlight import format_for, lexer_for
from ui.response.display_line import DisplayLine, json_starts_in_string
from ui.response.text_selection import COPY_CAP, EOL_MARK, Pos, TextSelection

if TYPE_CHECKING:
    from pygments.lexer import Lexer  # loaded with the first highlighted body

__all__ = ["COPY_CAP", "LargeTextView"]

PAD = 6                      # left padding of the text, in pixels
LEX_MARGIN = 256             # columns lexed beyond the last one in view
LEX_BUDGET = 0.025           # seconds of lexing per paint; the rest waits for the next frame
GROW_INTERVAL = 33           # ms between refreshes while the body streams in (~30 Hz)
_INT_MAX = 2**31 - 1

_PLAIN = QTextCharFormat()
_UNSET = QTextCharFormat()          # a marker: "not looked up yet"


class _Gutter(QWidget):
    """The line numbers beside the text; continuation lines of a cut line have none."""

    def __init__(self, view: LargeTextView) -> None:
        super().__init__(view)
        self._view = view

    def paintEvent(self, event: QPaintEvent) -> None:
        self._view.paint_gutter(self, event)


class LargeTextView(TextSelection, QAbstractScrollArea):
    """A read-only, selectable, searchable view of a ``BodyStore``'s display lines.

    Selection, keys and find matches are in ``TextSelection`` (``text_selection.py``), which
    comes first so that its event handlers override ``QAbstractScrollArea``'s.
    """

    message = Signal(str)               # something to tell the user (a capped copy)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store: BodyStore | None = None
        self._lexer: Lexer | None = None
        self._lexer_name = "text"
        self._activity: UserActivity | None = None
        self._count = 0
        self._scale = 1                  # display lines per scrollbar step (> 1 past int32)
        self._lines: OrderedDict[int, DisplayLine] = OrderedDict()
        self._layouts: OrderedDict[tuple[int, int, int, int, int], QTextLayout] = OrderedDict()
        self._anchor: Pos | None = None
        self._cursor: Pos = (0, 0)
        self._select_all = False
        self._matches: Sequence[tuple[int, int, int]] = ()
        self._current = -1
        self._gutter = _Gutter(self)
        self._grow_timer = QTimer(self, singleShot=True, interval=GROW_INTERVAL)
        self._grow_timer.timeout.connect(self.refresh)
        self._lex_timer = QTimer(self, singleShot=True, interval=0)
        self._lex_timer.timeout.connect(self.viewport().update)
        self._drag_timer = QTimer(self, interval=40)
        self._drag_timer.timeout.connect(self._drag_scroll)
        self._drag_point = QPoint()
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setCursor(Qt.CursorShape.IBeamCursor)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.horizontalScrollBar().valueChanged.connect(self.viewport().update)
        self._metrics()

    # -- the body ------------------------------------------------------------------------------

    @property
    def store(self) -> BodyStore | None:
        return self._store

    def set_store(self, store: BodyStore | None, lexer_name: str = "text") -> None:
        """Show ``store`` (None: nothing), highlighted with the Pygments lexer ``lexer_name``."""
        self._store = store
        self._lexer_name = lexer_name
        self._lexer = None if lexer_name == "text" else lexer_for(lexer_name)
        self._matches = ()
        self._current = -1
        self._anchor = None
        self._cursor = (0, 0)
        self._select_all = False
        self._forget()
        self.verticalScrollBar().setValue(0)
        self.horizontalScrollBar().setValue(0)
        self.refresh()

    def set_lexer(self, lexer_name: str) -> None:
        self._lexer_name = lexer_name
        self._lexer = None if lexer_name == "text" else lexer_for(lexer_name)
        self._forget()
        self.viewport().update()

    def store_grew(self) -> None:
        """More of the body arrived: refresh soon (at most ~30 times a second)."""
        if not self._grow_timer.isActive():
            self._grow_timer.start()

    def refresh(self) -> None:
        """Take in the lines the store has now: scroll ranges, the last line, a repaint."""
        self._grow_timer.stop()
        old = self._count
        self._count = self._store.line_count if self._store is not None else 0
        if old and self._count >= old:
            # The last line may have grown, and the one before it may have been completed.
            for i in (old - 2, old - 1):
                self._lines.pop(i, None)
        self._update_ranges()
        top = self.top_line()
        if not old or self._count != old or top + self.page_lines() >= old - 1:
            self.viewport().update()
            self._gutter.update()

    def _forget(self) -> None:
        self._lines.clear()
        self._layouts.clear()
        self._count = 0

    @property
    def line_count(self) -> int:
        return self._count

    # -- geometry ------------------------------------------------------------------------------

    def _metrics(self) -> None:
        self._font = self.font()
        self._option = QTextOption()
        self._option.setWrapMode(QTextOption.WrapMode.NoWrap)
        self._formats: dict[object, QTextCharFormat | None] = {}
        fm = QFontMetricsF(self._font)
        self._cw = fm.horizontalAdvance("0" * 64) / 64
        self._lh = max(1, math.ceil(fm.lineSpacing()))
        self._fm = fm
        self._dark = self.palette().color(QPalette.ColorRole.Base).lightness() < 128

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange,
                            QEvent.Type.StyleChange):
            self._metrics()
            self._layouts.clear()
            for line in self._lines.values():
                line.tokens, line.lexed = [], 0
            self._update_ranges()

    def page_lines(self) -> int:
        """Display lines that fit wholly in the viewport."""
        return max(1, self.viewport().height() // self._lh)

    def visible_range(self) -> tuple[int, int]:
        """The display lines on screen: first, and one past the last."""
        top = self.top_line()
        return top, min(self._count, top + self.viewport().height() // self._lh + 1)

    def text_of(self, i: int) -> str:
        """The text of display line ``i`` as shown (after tabs and control characters)."""
        line = self._line(i)
        return line.shown if line is not None else ""

    def top_line(self) -> int:
        return min(self.verticalScrollBar().value() * self._scale, max(0, self._count - 1))

    def _gutter_width(self) -> int:
        digits = len(str(max(1, self._count)))
        return math.ceil(max(3, digits) * self._cw) + 14

    def _update_ranges(self) -> None:
        gutter = self._gutter_width()
        if self.viewportMargins().left() != gutter:
            self.setViewportMargins(gutter, 0, 0, 0)
        rect = self.contentsRect()
        self._gutter.setGeometry(rect.left(), rect.top(), gutter, rect.height())
        max_top = max(0, self._count - self.page_lines())
        self._scale = max(1, math.ceil(max_top / _INT_MAX))
        vbar = self.verticalScrollBar()
        vbar.setRange(0, math.ceil(max_top / self._scale))
        vbar.setPageStep(max(1, self.page_lines() // self._scale))
        vbar.setSingleStep(1)
        width = self._store.max_line_length if self._store is not None else 0
        hbar = self.horizontalScrollBar()
        hbar.setRange(0, max(0, math.ceil(width * self._cw) + 2 * PAD - self.viewport().width()))
        hbar.setPageStep(max(1, self.viewport().width()))
        hbar.setSingleStep(max(1, round(self._cw * 4)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_ranges()

    def sizeHint(self) -> QSize:
        return QSize(640, 400)

    def _scrolled(self) -> None:
        self.viewport().update()
        self._gutter.update()

    def scroll_to_line(self, n: int, *, center: bool = False) -> None:
        """Scroll so that display line ``n`` is at the top (or in the middle)."""
        if center:
            n -= self.page_lines() // 2
        self.verticalScrollBar().setValue(max(0, n) // self._scale)

    def ensure_visible(self, pos: Pos, length: int = 0) -> None:
        """Scroll the least needed to show ``pos`` (and ``length`` columns after it)."""
        line, col = pos
        top = self.top_line()
        if not top <= line < top + self.page_lines():
            self.scroll_to_line(line, center=True)
        info = self._line(line)
        if info is None:
            return
        x0 = self._x_of(info, col)
        x1 = self._x_of(info, col + length)
        hbar = self.horizontalScrollBar()
        width = self.viewport().width() - 2 * PAD
        if x0 < hbar.value() or x1 > hbar.value() + width:
            hbar.setValue(max(0, round(x0 - width / 3)))

    def _pos_at(self, point: QPoint) -> Pos:
        if not self._count:
            return (0, 0)
        i = self.top_line() + math.floor(point.y() / self._lh)
        i = max(0, min(self._count - 1, i))
        line = self._line(i)
        if line is None:
            return (i, 0)
        x = point.x() - PAD + self.horizontalScrollBar().value()
        return (i, line.from_shown(self._shown_col_at(line, x)))

    # -- lines, layouts, highlighting ----------------------------------------------------------

    def _line(self, i: int) -> DisplayLine | None:
        line = self._lines.get(i)
        if line is not None:
            self._lines.move_to_end(i)
            return line
        if self._store is None or not 0 <= i < self._count:
            return None
        self._load(i, 1)
        return self._lines.get(i)

    def _load_missing(self, first: int, stop: int) -> None:
        """Read the lines of first..stop-1 not in the cache, a run of them at a time."""
        i = first
        while i < stop:
            if i in self._lines:
                i += 1
                continue
            j = i + 1
            while j < stop and j not in self._lines:
                j += 1
            self._load(i, j - i)
            i = j

    def _load(self, first: int, count: int) -> None:
        assert self._store is not None
        store = self._store
        for k, raw in enumerate(store.lines(first, count)):
            self._lines[first + k] = DisplayLine(raw, store.is_continuation(first + k))
            self._lines.move_to_end(first + k)
        while len(self._lines) > max(1024, 4 * self.page_lines()):
            self._lines.popitem(last=False)

    def _lex(self, line: DisplayLine, upto: int) -> None:
        """Lex the line's text up to column ``upto`` (plus a margin), if not done already."""
        if self._lexer is None or line.lexed >= min(upto, len(line.text)):
            return
        stop = min(len(line.text), max(upto + LEX_MARGIN, 2 * line.lexed))
        text = line.text[:stop]
        pos = 1 if text.startswith("\ufeff") else 0      # Pygments drops a leading BOM
        text = text[pos:]
        if line.continued and self._lexer_name == "json" and json_starts_in_string(text):
            text, pos = '"' + text, pos - 1              # lex it as the string it is in
        tokens: list[tuple[int, int, QTextCharFormat]] = []
        formats = self._formats
        for token, value in self._lexer.get_tokens(text):
            end = pos + len(value)
            fmt = formats.get(token, _UNSET)
            if fmt is _UNSET:
                fmt = format_for(token, self._dark)
                fmt = formats[token] = None if fmt == _PLAIN else fmt
            if fmt is not None and value and not value.isspace():
                if tokens and tokens[-1][2] is fmt and tokens[-1][1] == pos:
                    tokens[-1] = (tokens[-1][0], end, fmt)
                else:
                    tokens.append((max(0, pos), end, fmt))
            pos = end
        line.tokens = tokens
        line.lexed = stop

    def _x_of(self, line: DisplayLine, col: int) -> float:
        scol = line.to_shown(col)
        if line.simple:
            return scol * self._cw
        return self._fm.horizontalAdvance(line.shown[:scol])

    def _shown_col_at(self, line: DisplayLine, x: float) -> int:
        """The shown column whose left edge is nearest ``x`` (pixels from the text start)."""
        if line.simple:
            return max(0, min(len(line.shown), round(x / self._cw)))
        shown = line.shown
        lo, hi = 0, len(shown)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._fm.horizontalAdvance(shown[:mid + 1]) <= x:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(shown):
            left = self._fm.horizontalAdvance(shown[:lo])
            right = self._fm.horizontalAdvance(shown[:lo + 1])
            if x - left > right - x:
                lo += 1
        return lo

    def _window(self, line: DisplayLine, hscroll: int, width: int) -> tuple[int, int, float]:
        """The shown columns in view, [c0, c1), and the x of c0 (``hscroll`` and ``width``:
        the horizontal scroll and the viewport's width, in pixels)."""
        span = math.ceil(width / self._cw) + 2
        if hscroll <= 0:
            c0, x0 = 0, 0.0
        elif line.simple:
            c0 = min(len(line.shown), max(0, int(hscroll / self._cw) - 1))
            x0 = c0 * self._cw
        else:
            c0 = max(0, self._shown_col_at(line, hscroll) - 1)
            x0 = self._fm.horizontalAdvance(line.shown[:c0])
        if not line.simple:
            span *= 2                           # wide characters: take more, clip when drawn
        return c0, min(len(line.shown), c0 + span), x0

    def _layout(self, i: int, line: DisplayLine, c0: int, c1: int) -> QTextLayout:
        key = (i, c0, c1, len(line.shown), line.lexed)
        layout = self._layouts.get(key)
        if layout is not None:
            self._layouts.move_to_end(key)
            return layout
        layout = QTextLayout(line.shown[c0:c1], self._font)
        layout.setTextOption(self._option)
        if line.tokens:
            ranges = []
            for start, end, fmt in line.tokens:
                s, e = line.to_shown(start), line.to_shown(end)
                if e <= c0 or s >= c1:
                    continue
                r = QTextLayout.FormatRange()
                r.start, r.length, r.format = max(s, c0) - c0, min(e, c1) - max(s, c0), fmt
                ranges.append(r)
            layout.setFormats(ranges)
        layout.beginLayout()
        layout.createLine().setLineWidth(1e7)
        layout.endLayout()
        self._layouts[key] = layout
        while len(self._layouts) > max(256, 3 * self.page_lines()):
            self._layouts.popitem(last=False)
        return layout

    # -- painting ------------------------------------------------------------------------------

    def set_activity(self, activity: UserActivity | None) -> None:
        """Tell ``activity`` when this view paints (workers wait for it)."""
        self._activity = activity

    def paintEvent(self, event: QPaintEvent) -> None:
        with self._activity.working() if self._activity is not None else nullcontext():
            self._paint(event)

    def _paint(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        palette = self.palette()
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.Base))
        if self._store is None or not self._count:
            return
        top = self.top_line()
        rows = self.viewport().height() // self._lh + 1
        last = min(self._count, top + rows)
        self._load_missing(top, last)
        hscroll = self.horizontalScrollBar().value()
        width = self.viewport().width()
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        deadline = time.perf_counter() + LEX_BUDGET
        unlexed = False
        extras = self._extra_ranges(top, last)
        sel_end_color = palette.color(QPalette.ColorRole.Highlight)
        for i in range(top, last):
            line = self._line(i)
            if line is None:
                break
            y = (i - top) * self._lh
            c0, c1, x0 = self._window(line, hscroll, width)
            if self._lexer is not None and line.lexed < min(len(line.text), line.from_shown(c1)):
                if time.perf_counter() < deadline:
                    self._lex(line, line.from_shown(c1))
                else:
                    unlexed = True
            layout = self._layout(i, line, c0, c1)
            selections = []
            for start, end, fmt in extras.get(i, ()):
                s, e = max(line.to_shown(start), c0), min(line.to_shown(end), c1)
                if e > s:
                    r = QTextLayout.FormatRange()
                    r.start, r.length, r.format = s - c0, e - s, fmt
                    selections.append(r)
                if end > len(line.text) and fmt.property(EOL_MARK):
                    x = PAD + self._x_of(line, len(line.text)) - hscroll
                    painter.fillRect(QRectF(x, y, self._cw * 0.6, self._lh), sel_end_color)
            layout.draw(painter, QPointF(PAD + x0 - hscroll, y), selections)
        painter.end()
        if unlexed:
            self._lex_timer.start()

    def paint_gutter(self, gutter: QWidget, event: QPaintEvent) -> None:
        painter = QPainter(gutter)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.AlternateBase))
        if self._store is None or not self._count:
            return
        painter.setFont(self.font())
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        top = self.top_line()
        last = min(self._count, top + gutter.height() // self._lh + 1)
        number = self._store.logical_line_number(top)
        right = gutter.width() - 8
        for i in range(top, last):
            if i > top and not self._store.is_continuation(i):
                number += 1
            if i == top or not self._store.is_continuation(i):
                y = (i - top) * self._lh
                label = str(number) if not self._store.is_continuation(i) else "↪"
                painter.drawText(QRectF(0, y, right, self._lh),
                                 int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                                 label)
        painter.end()
