"""A lazy hex dump of a body: offset, 16 bytes in hex, the same bytes as ASCII.

Only the rows on screen are read from the ``BodyStore`` and painted, so a body of any size
scrolls at once.
"""

from __future__ import annotations

import math
from contextlib import nullcontext

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QFontMetricsF,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from app.body.jobs import UserActivity
from app.body.store import BodyStore

__all__ = ["HexView", "hex_row"]

ROW = 16
PAD = 8
_INT_MAX = 2**31 - 1
_PRINTABLE = bytes(b if 0x20 <= b < 0x7F else 0x2E for b in range(256))   # others as '.'


def hex_row(offset: int, data: bytes, digits: int = 8) -> str:
    """One row of the dump: ``00000010  48 65 6c 6c 6f 0a ...  |Hello.|``."""
    first = data[:8].hex(" ")
    second = data[8:16].hex(" ")
    hexes = f"{first:<23}  {second:<23}"
    return f"{offset:0{digits}x}  {hexes}  |{data.translate(_PRINTABLE).decode('ascii')}|"


class HexView(QAbstractScrollArea):
    """Offset, hex and ASCII columns of a ``BodyStore``, painted row by row as they show."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store: BodyStore | None = None
        self._activity: UserActivity | None = None
        self._rows = 0
        self._scale = 1
        self._mark: tuple[int, int] | None = None
        self._grow_timer = QTimer(self, singleShot=True, interval=33)
        self._grow_timer.timeout.connect(self.refresh)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.verticalScrollBar().valueChanged.connect(self.viewport().update)
        self.horizontalScrollBar().valueChanged.connect(self.viewport().update)
        fm = QFontMetricsF(self.font())
        self._cw = fm.horizontalAdvance("0" * 64) / 64
        self._lh = max(1, math.ceil(fm.lineSpacing()))

    def set_store(self, store: BodyStore | None) -> None:
        self._store = store
        self._mark = None
        self.verticalScrollBar().setValue(0)
        self.refresh()

    def store_grew(self) -> None:
        if not self._grow_timer.isActive():
            self._grow_timer.start()

    def _digits(self) -> int:
        size = self._store.size if self._store is not None else 0
        return max(8, len(f"{max(0, size - 1):x}"))

    def refresh(self) -> None:
        self._grow_timer.stop()
        size = self._store.size if self._store is not None else 0
        self._rows = math.ceil(size / ROW)
        page = self.page_rows()
        max_top = max(0, self._rows - page)
        self._scale = max(1, math.ceil(max_top / _INT_MAX))
        vbar = self.verticalScrollBar()
        vbar.setRange(0, math.ceil(max_top / self._scale))
        vbar.setPageStep(max(1, page // self._scale))
        width = math.ceil(len(hex_row(0, bytes(ROW), self._digits())) * self._cw) + 2 * PAD
        hbar = self.horizontalScrollBar()
        hbar.setRange(0, max(0, width - self.viewport().width()))
        hbar.setPageStep(self.viewport().width())
        self.viewport().update()

    def page_rows(self) -> int:
        return max(1, self.viewport().height() // self._lh)

    def top_row(self) -> int:
        return min(self.verticalScrollBar().value() * self._scale, max(0, self._rows - 1))

    def scroll_to_offset(self, offset: int, length: int = 0) -> None:
        """Show the row holding byte ``offset`` (near the middle) and mark ``length`` bytes."""
        self._mark = (offset, length) if length else None
        row = offset // ROW
        top = self.top_row()
        if not top <= row < top + self.page_rows():
            self.verticalScrollBar().setValue(max(0, row - self.page_rows() // 2) // self._scale)
        self.viewport().update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.refresh()

    def sizeHint(self) -> QSize:
        return QSize(640, 400)

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
        if self._store is None or not self._rows:
            return
        painter.setFont(self.font())
        top = self.top_row()
        count = min(self._rows - top, self.viewport().height() // self._lh + 1)
        data = self._store.read(top * ROW, count * ROW)
        digits = self._digits()
        x = PAD - self.horizontalScrollBar().value()
        dim = palette.color(QPalette.ColorRole.PlaceholderText)
        text = palette.color(QPalette.ColorRole.Text)
        self._paint_mark(painter, top, count, digits, x)
        for k in range(count):
            chunk = data[k * ROW:(k + 1) * ROW]
            if not chunk:
                break
            row = hex_row((top + k) * ROW, chunk, digits)
            y = k * self._lh
            painter.setPen(dim)
            painter.drawText(QRectF(x, y, digits * self._cw + 1, self._lh),
                             int(Qt.AlignmentFlag.AlignVCenter), row[:digits])
            painter.setPen(text)
            painter.drawText(QRectF(x + digits * self._cw, y, len(row) * self._cw, self._lh),
                             int(Qt.AlignmentFlag.AlignVCenter), row[digits:])
        painter.end()

    def _paint_mark(self, painter: QPainter, top: int, count: int, digits: int,
                    x: float) -> None:
        if self._mark is None:
            return
        start, length = self._mark
        colour = QColor("#ff9632")
        colour.setAlpha(150)
        for offset in range(max(start, top * ROW), min(start + length, (top + count) * ROW)):
            row, col = divmod(offset, ROW)
            y = (row - top) * self._lh
            hex_col = digits + 2 + col * 3 + (1 if col >= 8 else 0)
            ascii_col = digits + 53 + col
            for c, w in ((hex_col, 2), (ascii_col, 1)):
                painter.fillRect(QRectF(x + c * self._cw, y, w * self._cw, self._lh), colour)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        vbar = self.verticalScrollBar()
        key = event.key()
        if key == Qt.Key.Key_Home:
            vbar.setValue(0)
        elif key == Qt.Key.Key_End:
            vbar.setValue(vbar.maximum())
        else:
            super().keyPressEvent(event)
