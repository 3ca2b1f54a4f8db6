"""Paints one console row: a coloured direction arrow, the time, the size and a one-line
preview, in the console's fixed-width font. Rows have one height, so the view lays out a
million of them as cheaply as ten."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QStaticText
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.streams.message_log import Message, preview
from ui.formatting import human_size
from ui.modes.websocket.websocket_model import MESSAGE_ROLE

__all__ = ["ARROWS", "MessageDelegate", "row_words"]

#: (glyph, colour) by direction and kind: received, sent, and the window's own notes.
ARROWS = {
    "in": ("↓", QColor("#2f9e44")),
    "out": ("↑", QColor("#1c7ed6")),
    "close": ("", QColor("#e8890c")),      # drawn with its direction's arrow
    "error": ("!", QColor("#e03131")),
    "info": ("•", QColor("#868e96")),
}
_PAD = 6


def row_words(m: Message) -> tuple[str, str, str, str]:
    """What a row shows: (arrow, time, size, preview)."""
    arrow = ARROWS[m.kind][0] if m.kind in ("error", "info") else ARROWS[m.direction][0]
    clock = datetime.fromtimestamp(m.time).strftime("%H:%M:%S.%f")[:-3]
    size = human_size(m.size) if m.kind in ("text", "binary") else ""
    text = preview(m.kind, m.data, 400)
    if m.kind == "binary":
        text = "bin  " + text
    return arrow, clock, size, text


def _colour(m: Message) -> QColor:
    if m.kind in ("error", "info", "close"):
        return ARROWS[m.kind][1]
    return ARROWS[m.direction][1]


class MessageDelegate(QStyledItemDelegate):
    """Draws rows from ``MESSAGE_ROLE`` without a widget or a text layout per row.

    Text drawing is the cost of a frame (some 10 µs per call plus the glyphs), so a row is
    the arrow (a ``QStaticText`` laid out once), the time and size in one call (the font is
    fixed-width, so padding aligns them), and the preview cut to the characters that fit
    rather than elided.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._font_key = ""
        self._char = 8
        self._height = 18
        self._line = 14
        self._glyphs: dict[str, QStaticText] = {}   # the arrows, laid out once

    def _measure(self, font: QFont) -> None:
        key = font.key()
        if key != self._font_key:
            fm = QFontMetrics(font)
            self._font_key = key
            self._char = max(1, fm.horizontalAdvance("0"))
            self._height = fm.height() + 4
            self._line = fm.height()
            self._glyphs.clear()

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        self._measure(option.font)
        return QSize(400, self._height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        m = index.data(MESSAGE_ROLE)
        if not isinstance(m, Message):
            return
        self._measure(option.font)
        rect: QRect = option.rect
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        if selected:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.Highlight))
        elif index.row() % 2:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.AlternateBase))
        char = self._char
        arrow, clock, size, text = row_words(m)
        text_colour = palette.color(QPalette.ColorRole.HighlightedText if selected
                                    else QPalette.ColorRole.Text)
        y, h = rect.top(), rect.height()
        x = rect.left() + _PAD
        align = int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        note = m.kind not in ("text", "binary")

        painter.setPen(text_colour if selected else _colour(m))
        glyph = self._glyphs.get(arrow)
        if glyph is None:
            glyph = self._glyphs[arrow] = QStaticText(arrow)
        painter.drawStaticText(x, y + (h - self._line) // 2, glyph)
        x += 3 * char
        painter.setPen(text_colour if selected
                       else palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(QRect(x, y, 24 * char, h), align, f"{clock} {size:>10}")
        x += 26 * char
        painter.setPen(_colour(m) if note and not selected else text_colour)
        fits = max(0, (rect.right() - x - _PAD) // char)
        if len(text) > fits:
            text = text[:max(0, fits - 1)] + "…"
        painter.drawText(QRect(x, y, rect.right() - x, h), align, text)
        painter.restore()
